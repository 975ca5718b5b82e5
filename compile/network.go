package compile

import cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"

// networkObjects is not built yet.
func (b *build) networkObjects(c *cnpgv1.Cluster) {}
