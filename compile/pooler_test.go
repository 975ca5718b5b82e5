package compile

import (
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func TestPgbouncerParamsSorted(t *testing.T) {
	if !slices.IsSorted(pgbouncerParams) || len(slices.Compact(slices.Clone(pgbouncerParams))) != len(pgbouncerParams) {
		t.Fatal("pgbouncerParams must be sorted and unique: the lookup is a binary search")
	}
	// The webhook list has 57 entries through 1.30.0 (cloudnativepg.md §5.1
	// lists 58 with 1.30.1's auth_user).
	if len(pgbouncerParams) != 57 {
		t.Errorf("%d parameters, want 57", len(pgbouncerParams))
	}
	allowed := func(p string, v Version) bool { ok, _ := pgbouncerParamAllowed(p, v); return ok }
	for _, p := range []string{"default_pool_size", "max_client_conn", "server_tls_protocols", "verbose", "application_name_add_host"} {
		if !allowed(p, Version{1, 25, 0}) {
			t.Errorf("%s rejected", p)
		}
	}
	// set by CNPG itself, or not PgBouncer settings at all
	for _, p := range []string{"pool_mode", "listen_port", "auth_file", "auth_query", "unix_socket_dir", "logfile", "admin_users", "max_db_client_connections", ""} {
		if allowed(p, Version{1, 30, 1}) {
			t.Errorf("%s accepted", p)
		}
	}
	// How many parameters each release's webhook accepts, counted in its
	// source (internal/webhook/v1/pooler_webhook.go).
	for v, want := range map[Version]int{
		{1, 25, 1}: 51, {1, 25, 4}: 54, {1, 26, 0}: 51, {1, 26, 1}: 51, {1, 27, 0}: 51, {1, 27, 1}: 54, {1, 27, 4}: 57,
		{1, 28, 0}: 54, {1, 28, 1}: 54, {1, 28, 2}: 57, {1, 29, 0}: 57, {1, 30, 0}: 57, {1, 30, 1}: 58,
	} {
		n := 0
		for _, p := range append(slices.Clone(pgbouncerParams), "auth_user") {
			if allowed(p, v) {
				n++
			}
		}
		if n != want {
			t.Errorf("CNPG %s: %d parameters allowed, its webhook allows %d", v, n, want)
		}
	}
}

// TestPoolerDefaults: enabled: true alone gives Tembo's pooler
// (tembo-operator.md §1: transaction mode, default_pool_size 50,
// max_client_conn 5000, limits 100m/128Mi, requests 50m/64Mi).
func TestPoolerDefaults(t *testing.T) {
	objs := mustCoreDB(t, "  connectionPooler:\n    enabled: true\n", Options{})
	p := objOf[*cnpgv1.Pooler](t, objs, "Pooler", "db-pooler")
	if p.Spec.Cluster.Name != "db" || p.Spec.Type != "rw" || p.Spec.Instances == nil || *p.Spec.Instances != 1 {
		t.Errorf("spec %+v", p.Spec)
	}
	if p.Spec.PgBouncer.PoolMode != "transaction" || p.Spec.PgBouncer.Parameters["default_pool_size"] != "50" || p.Spec.PgBouncer.Parameters["max_client_conn"] != "5000" || len(p.Spec.PgBouncer.Parameters) != 2 {
		t.Errorf("pgbouncer %+v", p.Spec.PgBouncer)
	}
	cs := p.Spec.Template.Spec.Containers
	if len(cs) != 1 || cs[0].Name != "pgbouncer" {
		t.Fatalf("containers %+v", cs)
	}
	want := map[string]string{"limits.cpu": "100m", "limits.memory": "128Mi", "requests.cpu": "50m", "requests.memory": "64Mi"}
	got := map[string]string{
		"limits.cpu": cs[0].Resources.Limits.Cpu().String(), "limits.memory": cs[0].Resources.Limits.Memory().String(),
		"requests.cpu": cs[0].Resources.Requests.Cpu().String(), "requests.memory": cs[0].Resources.Requests.Memory().String(),
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %s, want %s", k, got[k], v)
		}
	}
}

func TestPoolerVariants(t *testing.T) {
	// not enabled: nothing, whatever the details say
	for _, spec := range []string{"  connectionPooler:\n    enabled: false\n    pooler: {poolMode: session}\n", "  connectionPooler: {}\n"} {
		if objs := mustCoreDB(t, spec, Options{}); len(objs) != 1 {
			t.Errorf("%q: got %v", spec, kinds(objs))
		}
	}
	// a written pooler keeps only what it says (Tembo's serde defaults):
	// poolMode defaults to transaction, parameters and resources to none
	p := objOf[*cnpgv1.Pooler](t, mustCoreDB(t, "  connectionPooler:\n    enabled: true\n    pooler: {}\n", Options{}), "Pooler", "db-pooler")
	if p.Spec.PgBouncer.PoolMode != "transaction" || p.Spec.PgBouncer.Parameters != nil || p.Spec.Template != nil {
		t.Errorf("pooler {}: %+v, template %+v", p.Spec.PgBouncer, p.Spec.Template)
	}
	// stop: no instances
	p = objOf[*cnpgv1.Pooler](t, mustCoreDB(t, "  stop: true\n  connectionPooler:\n    enabled: true\n", Options{}), "Pooler", "db-pooler")
	if *p.Spec.Instances != 0 {
		t.Errorf("stopped: %d instances", *p.Spec.Instances)
	}
	// placement follows the Cluster's nodes, not its pod anti-affinity
	spec := `  affinityConfiguration:
    enablePodAntiAffinity: true
    podAntiAffinityType: required
    nodeSelector: {pool: db}
    tolerations: [{key: dedicated, operator: Exists, effect: NoSchedule}]
    nodeAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
        - weight: 10
          preference: {matchExpressions: [{key: zone, operator: In, values: [a]}]}
    additionalPodAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        - topologyKey: kubernetes.io/hostname
          labelSelector: {matchLabels: {app: cache}}
  topologySpreadConstraints:
    - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}
  connectionPooler:
    enabled: true
    pooler: {poolMode: session}
`
	p = objOf[*cnpgv1.Pooler](t, mustCoreDB(t, spec, Options{}), "Pooler", "db-pooler")
	ps := p.Spec.Template.Spec
	if ps.NodeSelector["pool"] != "db" || len(ps.Tolerations) != 1 || len(ps.TopologySpreadConstraints) != 1 {
		t.Errorf("placement %+v", ps)
	}
	if ps.Affinity == nil || ps.Affinity.NodeAffinity == nil || ps.Affinity.PodAffinity != nil || ps.Affinity.PodAntiAffinity != nil {
		t.Errorf("affinity %+v", ps.Affinity)
	}
	if len(ps.Containers) != 1 || ps.Containers[0].Name != "pgbouncer" || len(ps.Containers[0].Resources.Limits) != 0 {
		t.Errorf("containers %+v", ps.Containers)
	}
}

// TestPoolerInstances: one PgBouncer pod in front of a single instance,
// two in front of a Cluster with standbys (so the pooler survives losing a
// node like the Cluster does), what connectionPooler.instances says when
// written, and none while stopped.
func TestPoolerInstances(t *testing.T) {
	for _, tt := range []struct {
		spec string
		want int32
	}{
		{"", 1},
		{"  replicas: 1\n", 1},
		{"  replicas: 2\n", 2},
		{"  replicas: 5\n", 2},
		{"  replicas: 3\n  stop: true\n", 0},
		{"  replicas: 3\n  connectionPooler:\n    instances: 1\n", 1},
		{"  connectionPooler:\n    instances: 3\n", 3},
		{"  stop: true\n  connectionPooler:\n    instances: 3\n", 0},
	} {
		spec := tt.spec
		if !strings.Contains(spec, "connectionPooler") {
			spec += "  connectionPooler:\n"
		}
		spec += "    enabled: true\n"
		p := objOf[*cnpgv1.Pooler](t, mustCoreDB(t, spec, Options{}), "Pooler", "db-pooler")
		if p.Spec.Instances == nil || *p.Spec.Instances != tt.want {
			t.Errorf("%q: instances %v, want %d", spec, p.Spec.Instances, tt.want)
		}
	}
	diagCase{name: "zero", spec: "  connectionPooler:\n    enabled: true\n    instances: 0\n", path: "spec.connectionPooler.instances", marker: "instances: 0", msg: "must be at least 1"}.run(t)
}

// TestPlacementSpreadsOwnPods: the Cluster's topology spread constraints,
// written for the Postgres pods, are copied to the Pooler and app pods with
// a labelSelector that counts those pods themselves: the label CNPG puts on
// PgBouncer pods (cnpg.io/poolerName) and the label coredb selects app pods
// by. Copied unchanged, they would spread nothing.
func TestPlacementSpreadsOwnPods(t *testing.T) {
	spec := `  replicas: 2
  topologySpreadConstraints:
    - maxSkew: 1
      topologyKey: topology.kubernetes.io/zone
      whenUnsatisfiable: DoNotSchedule
      labelSelector: {matchLabels: {cnpg.io/cluster: db}}
      matchLabelKeys: [pod-template-hash]
    - {maxSkew: 2, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway}
  affinityConfiguration:
    nodeSelector: {pool: db}
  connectionPooler:
    enabled: true
  appServices:
    - name: api
      image: postgrest/postgrest:v12.2.8
`
	objs := mustCoreDB(t, spec, Options{})
	c := objOf[*cnpgv1.Cluster](t, objs, "Cluster", "db")
	if got := c.Spec.TopologySpreadConstraints[0].LabelSelector.MatchLabels; len(got) != 1 || got["cnpg.io/cluster"] != "db" {
		t.Errorf("the Cluster's own constraint changed: %v", got)
	}
	p := objOf[*cnpgv1.Pooler](t, objs, "Pooler", "db-pooler")
	d := objOf[*appsv1.Deployment](t, objs, "Deployment", "db-api")
	// CNPG puts these labels on every PgBouncer pod
	// (pkg/specs/pgbouncer/deployments.go).
	poolerPod := map[string]string{"cnpg.io/poolerName": p.Name, "cnpg.io/cluster": "db", "cnpg.io/podRole": "pooler"}
	for what, tc := range map[string]struct {
		ps        corev1.PodSpec
		want, pod map[string]string
	}{
		"pooler": {p.Spec.Template.Spec, map[string]string{"cnpg.io/poolerName": "db-pooler"}, poolerPod},
		"app":    {d.Spec.Template.Spec, map[string]string{"coredb.io/app": "db-api"}, d.Spec.Template.Labels},
	} {
		tsc := tc.ps.TopologySpreadConstraints
		if len(tsc) != 2 {
			t.Fatalf("%s: %d constraints, want 2", what, len(tsc))
		}
		for i, x := range tsc {
			if x.LabelSelector == nil || !maps.Equal(x.LabelSelector.MatchLabels, tc.want) || len(x.LabelSelector.MatchExpressions) != 0 {
				t.Errorf("%s constraint %d selects %+v, want %v", what, i, x.LabelSelector, tc.want)
			}
			sel, err := metav1.LabelSelectorAsSelector(x.LabelSelector)
			if err != nil {
				t.Fatal(err)
			}
			if !sel.Matches(labels.Set(tc.pod)) {
				t.Errorf("%s: selector %s does not match the pods' labels %v", what, sel, tc.pod)
			}
			if sel.Matches(labels.Set{"cnpg.io/cluster": "db", "cnpg.io/podRole": "instance", "cnpg.io/instanceRole": "primary"}) {
				t.Errorf("%s: selector %s matches the Postgres pods", what, sel)
			}
		}
		if tsc[0].TopologyKey != "topology.kubernetes.io/zone" || tsc[0].WhenUnsatisfiable != corev1.DoNotSchedule || !slices.Equal(tsc[0].MatchLabelKeys, []string{"pod-template-hash"}) || tsc[1].MaxSkew != 2 {
			t.Errorf("%s: the rest of the constraints changed: %+v", what, tsc)
		}
		if tc.ps.NodeSelector["pool"] != "db" {
			t.Errorf("%s: node selector %v", what, tc.ps.NodeSelector)
		}
	}
}

func TestPoolerDiagnostics(t *testing.T) {
	base := "  connectionPooler:\n    enabled: true\n    pooler:\n"
	for _, c := range []diagCase{
		{name: "statement mode", spec: base + "      poolMode: statement\n", path: "spec.connectionPooler.pooler.poolMode", marker: "poolMode", msg: "must be session or transaction"},
		{name: "unknown parameter", spec: base + "      parameters:\n        max_client_conn: \"10\"\n        default_poolsize: \"10\"\n", path: "spec.connectionPooler.pooler.parameters[default_poolsize]", marker: "default_poolsize", msg: `(did you mean "default_pool_size"?)`},
		{name: "reserved parameter", spec: base + "      parameters:\n        listen_port: \"6432\"\n", path: "spec.connectionPooler.pooler.parameters[listen_port]", marker: "listen_port", msg: "not a PgBouncer parameter CloudNativePG lets you set"},
		{name: "auth_user before 1.30.1", spec: base + "      parameters:\n        auth_user: pgbouncer\n", opts: Options{CNPGVersion: "1.30"}, path: "spec.connectionPooler.pooler.parameters[auth_user]", marker: "auth_user", msg: "accepted by CloudNativePG from 1.30.1 on, but the target is 1.30.0"},
		{name: "ciphers on 1.28.0", spec: base + "      parameters:\n        client_tls_ciphers: secure\n", path: "spec.connectionPooler.pooler.parameters[client_tls_ciphers]", marker: "client_tls_ciphers", msg: "from 1.27.4, 1.28.2 on, but the target is 1.28.0"},
		{name: "requests above limits", spec: base + "      resources:\n        requests: {cpu: \"1\", memory: 64Mi}\n        limits: {cpu: 500m, memory: 64Mi}\n", path: "spec.connectionPooler.pooler.resources.requests[cpu]", marker: "requests:", msg: "request 1 is above the limit 500m"},
	} {
		c.run(t)
	}
	objs := mustCoreDB(t, base+"      parameters:\n        auth_user: pgbouncer\n", Options{CNPGVersion: "1.30.1"})
	if p := objOf[*cnpgv1.Pooler](t, objs, "Pooler", "db-pooler"); p.Spec.PgBouncer.Parameters["auth_user"] != "pgbouncer" {
		t.Errorf("auth_user on 1.30.1: %+v", p.Spec.PgBouncer.Parameters)
	}
}

func TestCheckRequestsWithinLimits(t *testing.T) {
	b := &build{db: &CoreDB{}}
	q := resource.MustParse
	b.checkRequestsWithinLimits(&corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: q("500m"), corev1.ResourceMemory: q("1Gi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: q("0.5"), corev1.ResourceMemory: q("1024Mi")},
	}, "r")
	if len(b.errs) != 0 {
		t.Errorf("equal quantities in other units reported: %v", b.errs)
	}
	b.checkRequestsWithinLimits(&corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceMemory: q("1025Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: q("1Gi")},
	}, "r")
	if len(b.errs) != 1 || b.errs[0].Path != "r.requests[memory]" {
		t.Errorf("got %v", b.errs)
	}
}

// TestPoolerDocs: the docs list every parameter coredb accepts.
func TestPoolerDocs(t *testing.T) {
	doc, err := os.ReadFile("../docs/backup-pooler-metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(slices.Clone(pgbouncerParams), "auth_user") {
		if !strings.Contains(string(doc), "`"+p+"`") {
			t.Errorf("docs/backup-pooler-metrics.md does not list PgBouncer parameter %q", p)
		}
	}
}
