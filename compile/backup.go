package compile

import cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"

// backupObjects is not built yet.
func (b *build) backupObjects(c *cnpgv1.Cluster) {}
