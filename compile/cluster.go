package compile

import (
	"maps"
	"slices"
	"strings"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	"github.com/coredb-dev/coredb/compile/sources"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Defaults that differ from Tembo's, and why.
var (
	// defaultStorage is Tembo's default volume size.
	defaultStorage = resource.MustParse("8Gi")
)

// defaultResources are used when the spec sets none. Tembo's defaults
// (requests 500m/512Mi, limits 2/2Gi) make CNPG reject any spec whose
// shared_buffers exceeds 512MB (the memory request must cover it), so memory
// is requested at its limit, 2Gi: the pod is never scheduled onto memory it
// may not get, and shared_buffers always fits. CPU is requested at 1 with a
// limit of 2, Tembo's size: a request of 2 whole CPUs never fits a common
// 2-vCPU node, whose allocatable CPU is below 2 once the kubelet and system
// pods have their share, and the pod would stay Pending. The engines size
// settings from the limits, so they see Tembo's 2 CPUs.
func defaultResources() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("2Gi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("2Gi")},
	}
}

// resources is the Cluster's resources: the spec's (claims dropped, as Tembo
// does: CNPG does not pass them on) or the defaults, raised to a stack's
// compute constraints (MachineLearning needs 2 CPU and 4Gi; that is also the
// size its engine values in Tembo's samples were computed for). A spec below
// the constraints gets a warning, not a change.
func (b *build) resources() corev1.ResourceRequirements {
	var lo corev1.ResourceList
	if st := b.stack; st != nil && st.ComputeConstraints != nil && st.ComputeConstraints.Min != nil {
		lo = corev1.ResourceList{}
		if q := st.ComputeConstraints.Min.CPU; q != nil {
			lo[corev1.ResourceCPU] = *q
		}
		if q := st.ComputeConstraints.Min.Memory; q != nil {
			lo[corev1.ResourceMemory] = *q
		}
	}
	if r := b.db.Spec.Resources; r != nil {
		for _, name := range slices.Sorted(maps.Keys(lo)) {
			min := lo[name]
			// The size Postgres gets is the limit when set, else the request.
			list, path := r.Limits, "limits"
			if _, ok := list[name]; !ok {
				list, path = r.Requests, "requests"
			}
			if q, ok := list[name]; ok && q.Cmp(min) < 0 {
				b.warnf(sprintf("spec.resources.%s[%s]", path, name), "stack %s needs at least %s of %s, got %s", b.stack.Name, min.String(), name, q.String())
			}
		}
		return corev1.ResourceRequirements{Requests: r.Requests, Limits: r.Limits}
	}
	d := defaultResources()
	for name, min := range lo {
		if cur := d.Limits[name]; cur.Cmp(min) < 0 {
			d.Limits[name] = min
			if name == corev1.ResourceMemory {
				d.Requests[name] = min
			}
		}
	}
	return d
}

func (b *build) instances() int {
	if r := b.db.Spec.Replicas; r != nil && *r > 0 {
		return int(*r)
	}
	return 1
}

// image is the operand image resolveImage chose.
func (b *build) image() string { return b.imageRef }

func (b *build) stopped() bool { return b.db.Spec.Stop != nil && *b.db.Spec.Stop }

// cluster maps the CoreDB to a CNPG Cluster (tembo-operator.md §5), keeping
// only what a plain CNPG user wants: no Tembo pod-init annotations, no fenced
// instances, no placeholder backup.
func (b *build) cluster(m merged, res corev1.ResourceRequirements) *cnpgv1.Cluster {
	s := &b.db.Spec
	meta := b.objectMeta(b.db.Metadata.Name, "database")
	for k, v := range b.db.Metadata.Annotations {
		if ownedAnnotation(k) {
			continue
		}
		if meta.Annotations == nil {
			meta.Annotations = map[string]string{}
		}
		meta.Annotations[k] = v
	}
	if !b.opts.AllowClusterPrune {
		// Removing or renaming the CoreDB in Git, or deleting the Argo CD
		// Application, must not delete the database and its volumes: the
		// Cluster owns its PVCs, so pruning it deletes the data. A Cluster
		// left behind is visible (Argo CD shows it as needing a prune) and
		// cheap to delete on purpose; deleted data is gone. Ephemeral
		// environments opt out with --protect-cluster=false.
		if meta.Annotations == nil {
			meta.Annotations = map[string]string{}
		}
		meta.Annotations["argocd.argoproj.io/sync-options"] = "Prune=false,Delete=false"
	}
	if b.stopped() {
		if meta.Annotations == nil {
			meta.Annotations = map[string]string{}
		}
		meta.Annotations["cnpg.io/hibernation"] = "on"
	}

	c := &cnpgv1.Cluster{
		TypeMeta:   metav1.TypeMeta{APIVersion: "postgresql.cnpg.io/v1", Kind: "Cluster"},
		ObjectMeta: meta,
	}
	spec := &c.Spec
	spec.Instances = b.instances()
	spec.ImageName = b.image()
	// A single instance cannot switch over; with replicas CNPG promotes an
	// updated standby first, which shortens the outage (Tembo #834).
	spec.PrimaryUpdateMethod = cnpgv1.PrimaryUpdateMethodRestart
	if spec.Instances == 1 {
		// CloudNativePG's PodDisruptionBudget for the primary allows no
		// eviction; with no standby to fail over to, it blocks every node
		// drain (and so cluster upgrades) until someone deletes it. A
		// single instance restarts on another node instead.
		spec.EnablePDB = ptr(false)
	}
	if spec.Instances > 1 {
		spec.PrimaryUpdateMethod = cnpgv1.PrimaryUpdateMethodSwitchover
		spec.ReplicationSlots = &cnpgv1.ReplicationSlotsConfiguration{
			HighAvailability: &cnpgv1.ReplicationSlotsHAConfiguration{Enabled: ptr(true)},
		}
	}
	size := defaultStorage
	if s.Storage != nil {
		size = *s.Storage
	}
	spec.StorageConfiguration = cnpgv1.StorageConfiguration{Size: size.String()}
	if s.StorageClass != "" {
		spec.StorageConfiguration.StorageClass = ptr(s.StorageClass)
	}
	spec.Resources = res
	if b.superuser() {
		// Only ever from the spec or --superuser-access: turned on as a
		// side effect, it would go off again (CloudNativePG deletes
		// <name>-superuser) when the reason went away, and come back with
		// a new password (cloudnativepg.md §1.7).
		spec.EnableSuperuserAccess = ptr(true)
	}
	if s.AffinityConfiguration != nil {
		spec.Affinity = *s.AffinityConfiguration
	}
	spec.TopologySpreadConstraints = s.TopologySpreadConstraints
	if t := s.ServiceAccountTemplate; t != nil && t.Metadata != nil && (len(t.Metadata.Labels) > 0 || len(t.Metadata.Annotations) > 0) {
		spec.ServiceAccountTemplate = &cnpgv1.ServiceAccountTemplate{Metadata: cnpgv1.Metadata{
			Labels: t.Metadata.Labels, Annotations: t.Metadata.Annotations,
		}}
	}
	// CNPG would create the same bootstrap; writing it keeps the rendered
	// object close to the live one.
	spec.Bootstrap = &cnpgv1.BootstrapConfiguration{InitDB: &cnpgv1.BootstrapInitDB{Database: "app", Owner: "app"}}
	if roles := b.stackRoles(); len(roles) > 0 {
		// The stack's apps log in as roles of their own, never as the
		// owner app; CloudNativePG creates and keeps them
		// (cloudnativepg.md §1.1 managed.roles).
		spec.Managed = &cnpgv1.ManagedConfiguration{Roles: roles}
	}

	params := map[string]string{}
	for _, st := range m.sortedSettings() {
		params[st.Name] = st.Value
	}
	for _, list := range preloadLists[1:] {
		if libs := m.preload[list]; len(libs) > 0 {
			params[list] = strings.Join(libs, ",")
		}
	}
	if len(params) > 0 {
		spec.PostgresConfiguration.Parameters = params
	}
	spec.PostgresConfiguration.AdditionalLibraries = m.preload["shared_preload_libraries"]
	spec.PostgresConfiguration.Extensions = b.imageVolumes()
	if b.target == sources.Tembo && b.img.Tembo() {
		// Tembo's images keep Postgres' files under the data volume's
		// mount point; tembo-pod-init copies them into the volume from an
		// init container it injects into every pod that carries this
		// annotation, Jobs included. CloudNativePG copies inheritedMetadata
		// to the pods and Jobs it creates (running-on-stock-cnpg.md Q1, Q3).
		// Other images must not get it: the webhook's copy script fails
		// on an image without those files.
		spec.InheritedMetadata = &cnpgv1.EmbeddedObjectMetadata{Annotations: map[string]string{temboInjectAnnotation: "true"}}
	}
	return c
}

// temboInjectAnnotation makes tembo-pod-init mutate a pod; only its
// presence counts (tembo-pod-init/src/mutate.rs).
const temboInjectAnnotation = "tembo-pod-init.tembo.io/inject"

// imageVolumes are the image-volume extensions every item's source needs,
// by name (cloudnativepg.md §1.3). env is left out before CloudNativePG
// 1.29, which ignores or rejects it; a warning says what that costs.
func (b *build) imageVolumes() []cnpgv1.ExtensionConfiguration {
	var out []cnpgv1.ExtensionConfiguration
	for _, v := range b.res.volumes {
		x := cnpgv1.ExtensionConfiguration{
			Name:                 v.Name,
			ImageVolumeSource:    corev1.ImageVolumeSource{Reference: v.Image},
			ExtensionControlPath: v.ExtensionControlPath,
			DynamicLibraryPath:   v.DynamicLibraryPath,
			LdLibraryPath:        v.LDLibraryPath,
		}
		if len(v.Env) > 0 {
			if b.cnpg.Less(Version{1, 29, 0}) {
				b.errs = append(b.errs, b.res.volumeFrom[v.Name].errorf(true,
					"extension image %s needs %s in the Postgres environment, which CloudNativePG sets only from 1.29 (--cnpg-version); without them some of its functions fail (PostGIS: raster and projection support)",
					v.Name, strings.Join(slices.Sorted(maps.Keys(v.Env)), " and ")))
			} else {
				for _, k := range slices.Sorted(maps.Keys(v.Env)) {
					x.Env = append(x.Env, cnpgv1.ExtensionEnvVar{Name: k, Value: v.Env[k]})
				}
			}
		}
		out = append(out, x)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// ownedAnnotation reports annotations that belong to the tool that applied
// or processed the CoreDB, not to the user: copying them onto the Cluster
// would make that tool see a second, foreign owner (Argo CD tracking), leak
// kustomize function wiring, or carry a stale last-applied configuration.
func ownedAnnotation(k string) bool {
	for _, p := range []string{
		"config.kubernetes.io/",          // kustomize/kpt function wiring
		"internal.config.kubernetes.io/", // kustomize/kpt bookkeeping
		"config.k8s.io/",                 // kustomize id
		"kubectl.kubernetes.io/last-applied-configuration",
		"argocd.argoproj.io/tracking-id",
		"argocd.argoproj.io/sync-options", // set by --protect-cluster only
		"kustomize.toolkit.fluxcd.io/",    // Flux ownership
		"coredbs.coredb.io/watch",         // Tembo operator switch
	} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}
