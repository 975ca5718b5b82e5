package compile

import (
	"cmp"
	"slices"
)

// kindRank is the output order of kinds. kubectl applies a stream in order
// and does not wait, so what others reference comes first: identities and
// permissions, then configuration, then the database, then what runs against
// it. Argo CD ignores stream order and sorts by kind itself (meta.go says
// why there are no sync waves).
var kindRank = []string{
	"ServiceAccount",  // referenced by Jobs and Deployments
	"Role",            // granted to the service accounts
	"RoleBinding",     // binds the two above
	"Secret",          // referenced by the Cluster and Jobs
	"ConfigMap",       // scripts, SQL and metrics queries the Cluster and Jobs mount
	"ObjectStore",     // Barman Cloud plugin store the Cluster points at
	"Cluster",         // the database
	"Pooler",          // needs the Cluster
	"ScheduledBackup", // needs the Cluster
	"Database",        // CloudNativePG applies it on the Cluster's primary
	"Service",         // app and dedicated services
	"Deployment",      // app services connect to the Cluster
	"Ingress",         // routes to the app Services
	"Job",             // installs and SQL run once the Cluster is up
	"CronJob",         // snapshot retention
}

func rankOf(kind string) int {
	if i := slices.Index(kindRank, kind); i >= 0 {
		return i
	}
	return len(kindRank) // unknown kinds last, ordered by kind name
}

// sortObjects orders objects by kind rank, kind, namespace and name, so the
// stream does not depend on the order of inputs or of building.
func sortObjects(objs []Object) []Object {
	out := slices.Clone(objs)
	slices.SortStableFunc(out, func(a, b Object) int { return compareIdents(identOf(a), identOf(b)) })
	return out
}

// compareIdents is the stream order: kind rank, kind, namespace and name.
// Objects (sortObjects) and documents (Render) are sorted by it.
func compareIdents(a, b ident) int {
	return cmp.Or(
		cmp.Compare(rankOf(a.kind), rankOf(b.kind)),
		cmp.Compare(a.kind, b.kind),
		cmp.Compare(a.namespace, b.namespace),
		cmp.Compare(a.name, b.name),
	)
}
