package compile

import (
	"maps"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Recommended labels (kubernetes.io common labels) on every object, so users
// can select everything one CoreDB produced. Nothing here changes between
// coredb releases: a version label would rewrite every object on upgrade.
const (
	labelName      = "app.kubernetes.io/name"
	labelInstance  = "app.kubernetes.io/instance"
	labelManagedBy = "app.kubernetes.io/managed-by"
	labelPartOf    = "app.kubernetes.io/part-of"
	labelComponent = "app.kubernetes.io/component"
)

// objectMeta is the metadata of an object generated for this CoreDB:
// the CoreDB's own labels, then the recommended ones (which win, so selection
// by them is reliable), in the CoreDB's namespace.
func (b *build) objectMeta(name, component string) metav1.ObjectMeta {
	labels := maps.Clone(b.db.Metadata.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, b.recommendedLabels(component))
	return metav1.ObjectMeta{Name: name, Namespace: b.namespace, Labels: labels}
}

// recommendedLabels are the app.kubernetes.io labels coredb puts on every
// object it generates for this CoreDB.
func (b *build) recommendedLabels(component string) map[string]string {
	return map[string]string{
		labelName:      "coredb",
		labelInstance:  b.db.Metadata.Name,
		labelPartOf:    b.db.Metadata.Name,
		labelManagedBy: "coredb",
		labelComponent: component,
	}
}

// Argo CD sync waves. Argo sorts custom resources such as the CNPG Cluster
// after Jobs when everything is in one wave, and a wave only starts once the
// previous one is healthy (gitops.md §2.2). Plain kubectl ignores these and
// applies in stream order (order.go), which follows the same sequence.
const (
	waveConfig  = -1 // ConfigMaps, Secrets, RBAC, ObjectStore: referenced by what follows
	waveCluster = 0  // the Cluster (Argo's default wave; not written)
	waveAfterDB = 1  // Pooler, ScheduledBackup, Trunk install Job: need a ready Cluster
	waveSQL     = 2  // extension SQL Job: needs the Trunk installs to have landed
	waveApps    = 3  // app services: need the extensions they use
)

const annotationSyncWave = "argocd.argoproj.io/sync-wave"

// setWave annotates an object with its Argo CD sync wave.
func setWave(m *metav1.ObjectMeta, wave int) {
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	m.Annotations[annotationSyncWave] = strconv.Itoa(wave)
}
