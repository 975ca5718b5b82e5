package compile

import cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"

// metricsObjects is not built yet.
func (b *build) metricsObjects(c *cnpgv1.Cluster) {}
