package compile

import cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"

// poolerObjects is not built yet.
func (b *build) poolerObjects(c *cnpgv1.Cluster) {}
