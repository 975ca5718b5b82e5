package compile

import (
	"maps"

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
	labels[labelName] = "coredb"
	labels[labelInstance] = b.db.Metadata.Name
	labels[labelPartOf] = b.db.Metadata.Name
	labels[labelManagedBy] = "coredb"
	labels[labelComponent] = component
	return metav1.ObjectMeta{Name: name, Namespace: b.namespace, Labels: labels}
}
