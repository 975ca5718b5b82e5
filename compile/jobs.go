package compile

import cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"

// extensionObjects is not built yet.
func (b *build) extensionObjects(c *cnpgv1.Cluster) {}
