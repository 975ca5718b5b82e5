package compile

import cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"

// appServiceObjects is not built yet.
func (b *build) appServiceObjects(c *cnpgv1.Cluster) {}
