// Package floor is the work any Go program writing coredb's plain output
// pays, with nothing read, checked or computed: a typed CloudNativePG
// Cluster, built by hand. The benchmarks marshal it with sigs.k8s.io/yaml
// as the floor coredb is compared with (BenchmarkFloorSigsYAML1000), and
// scripts/floor is that as a whole process (scripts/bench.sh), so start-up
// is compared with a program that links the same Kubernetes and
// CloudNativePG types (issue 13).
package floor

import (
	"fmt"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Cluster is the Cluster coredb renders for the i-th plain database of the
// benchmarks (compile/bench_test.go plainSpec, scripts/bench.sh), as a typed
// CloudNativePG struct: TestFloorIsCoreDBOutput holds it to coredb's output.
func Cluster(i int) cnpgv1.Cluster {
	name := fmt.Sprintf("db-%04d", i)
	res := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("4Gi")}
	return cnpgv1.Cluster{
		TypeMeta: metav1.TypeMeta{APIVersion: "postgresql.cnpg.io/v1", Kind: "Cluster"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Namespace:   fmt.Sprintf("team-%d", i%7),
			Annotations: map[string]string{"argocd.argoproj.io/sync-options": "Prune=false,Delete=false"},
			Labels: map[string]string{
				"app.kubernetes.io/component":  "database",
				"app.kubernetes.io/instance":   name,
				"app.kubernetes.io/managed-by": "coredb",
				"app.kubernetes.io/name":       "coredb",
				"app.kubernetes.io/part-of":    name,
			},
		},
		Spec: cnpgv1.ClusterSpec{
			Bootstrap: &cnpgv1.BootstrapConfiguration{InitDB: &cnpgv1.BootstrapInitDB{Database: "app", Owner: "app"}},
			ImageName: "ghcr.io/cloudnative-pg/postgresql:15.19-202608170814-standard-trixie@sha256:613c7a0417887cd2626a2bfb31fa4e1d86c3088e575fd66bc227007dc69a5487",
			Instances: 3,
			PostgresConfiguration: cnpgv1.PostgresConfiguration{Parameters: map[string]string{
				"checkpoint_completion_target": "0.9",
				"effective_io_concurrency":     "200",
				"log_min_duration_statement":   "1000",
				"maintenance_work_mem":         "256MB",
				"max_connections":              "200",
				"random_page_cost":             "1.1",
				"work_mem":                     fmt.Sprintf("%dMB", 4+i%60),
			}},
			PrimaryUpdateMethod:  cnpgv1.PrimaryUpdateMethodSwitchover,
			ReplicationSlots:     &cnpgv1.ReplicationSlotsConfiguration{HighAvailability: &cnpgv1.ReplicationSlotsHAConfiguration{Enabled: ptr(true)}},
			Resources:            corev1.ResourceRequirements{Requests: res, Limits: res},
			StorageConfiguration: cnpgv1.StorageConfiguration{Size: fmt.Sprintf("%dGi", 10+i%200)},
		},
	}
}

func ptr[T any](v T) *T { return &v }
