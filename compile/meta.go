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

// No Argo CD sync waves. With more than one wave (or a hook phase), Argo CD
// only moves on, and only ends the sync, once every applied object is
// Healthy (gitops-engine pkg/sync/sync_context.go: multiStep); one failed
// extension step would then hold every later object and every later sync
// until someone terminated the operation by hand. In one step Argo CD
// applies everything in its kind order (ConfigMaps and RBAC before Jobs,
// custom resources last; gitops.md §2.2) and the sync ends once applied:
// the Jobs wait for the database themselves, CloudNativePG's Database
// objects retry until they apply, and a failure shows as the object's
// health, fixed by the next Git change. The Trunk objects of target tembo
// are Sync hooks instead (jobs.go).

// Argo CD hook annotations for objects that exist only for one sync.
const (
	annotationHook       = "argocd.argoproj.io/hook"
	annotationHookDelete = "argocd.argoproj.io/hook-delete-policy"
)

// setSyncHook makes an object an Argo CD Sync hook that is deleted once the
// hooks succeeded (and before it is created again): it exists only while a
// sync needs it, and is not part of the Application's tracked state.
func setSyncHook(m *metav1.ObjectMeta) {
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	m.Annotations[annotationHook] = "Sync"
	m.Annotations[annotationHookDelete] = "BeforeHookCreation,HookSucceeded"
}
