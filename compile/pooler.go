package compile

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The connection pooler (tembo-operator.md §5 "Pooler"; cloudnativepg.md
// §5.1): spec.connectionPooler becomes a CNPG Pooler <name>-pooler in front
// of the read-write service. CNPG's automatic PgBouncer integration creates
// the auth role and function Tembo's operator created with SQL.

// Tembo's defaults when connectionPooler.pooler is not written
// (tembo-operator.md §1, defaults.rs default_pgbouncer).
func defaultPgBouncer() PgBouncer {
	return PgBouncer{
		PoolMode:   "transaction",
		Parameters: map[string]string{"default_pool_size": "50", "max_client_conn": "5000"},
		Resources: &corev1.ResourceRequirements{
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
		},
	}
}

// pgbouncerParams are the PgBouncer parameters CNPG's Pooler webhook
// accepts (AllowedPgbouncerGenericConfigurationParameters); every other key
// is rejected as "Invalid or reserved parameter". This is the list of CNPG
// 1.28.2 to 1.30.0; older releases accept fewer (pgbouncerParamSince) and
// 1.30.1 adds auth_user. Sorted.
var pgbouncerParams = []string{
	"application_name_add_host",
	"auth_type",
	"autodb_idle_timeout",
	"cancel_wait_timeout",
	"client_idle_timeout",
	"client_login_timeout",
	"client_tls13_ciphers",
	"client_tls_ciphers",
	"client_tls_sslmode",
	"default_pool_size",
	"disable_pqexec",
	"dns_max_ttl",
	"dns_nxdomain_ttl",
	"idle_transaction_timeout",
	"ignore_startup_parameters",
	"listen_backlog",
	"log_connections",
	"log_disconnections",
	"log_pooler_errors",
	"log_stats",
	"max_client_conn",
	"max_db_connections",
	"max_packet_size",
	"max_prepared_statements",
	"max_user_connections",
	"min_pool_size",
	"pkt_buf",
	"query_timeout",
	"query_wait_timeout",
	"reserve_pool_size",
	"reserve_pool_timeout",
	"sbuf_loopcnt",
	"server_check_delay",
	"server_check_query",
	"server_connect_timeout",
	"server_fast_close",
	"server_idle_timeout",
	"server_lifetime",
	"server_login_retry",
	"server_reset_query",
	"server_reset_query_always",
	"server_round_robin",
	"server_tls13_ciphers",
	"server_tls_ciphers",
	"server_tls_protocols",
	"server_tls_sslmode",
	"stats_period",
	"suspend_timeout",
	"tcp_defer_accept",
	"tcp_keepalive",
	"tcp_keepcnt",
	"tcp_keepidle",
	"tcp_keepintvl",
	"tcp_socket_buffer",
	"tcp_user_timeout",
	"track_extra_parameters",
	"verbose",
}

// pgbouncerParamSince are the parameters added after 1.25.0, each with the
// first release of every minor that accepts it; later minors inherit. Read
// from the webhook of CNPG 1.25.1, 1.25.4, 1.26.0, 1.26.1, 1.27.0, 1.27.1,
// 1.27.4, 1.28.0, 1.28.1, 1.28.2, 1.29.0, 1.30.0 and 1.30.1. A minor not
// listed (1.26, and 1.25 for the cipher lists) is taken not to accept it.
var pgbouncerParamSince = map[string][]Version{
	"auth_type":            {{1, 25, 4}, {1, 27, 1}, {1, 28, 0}},
	"client_tls_sslmode":   {{1, 25, 4}, {1, 27, 1}, {1, 28, 0}},
	"server_tls_sslmode":   {{1, 25, 4}, {1, 27, 1}, {1, 28, 0}},
	"client_tls_ciphers":   {{1, 27, 4}, {1, 28, 2}},
	"client_tls13_ciphers": {{1, 27, 4}, {1, 28, 2}},
	"server_tls13_ciphers": {{1, 27, 4}, {1, 28, 2}},
	"auth_user":            {{1, 30, 1}},
}

// pgbouncerParamAllowed reports whether CNPG v accepts a PgBouncer
// parameter; since is the releases that added it, when v does not.
func pgbouncerParamAllowed(name string, v Version) (ok bool, since []Version) {
	if _, found := slices.BinarySearch(pgbouncerParams, name); !found && name != "auth_user" {
		return false, nil
	}
	since, added := pgbouncerParamSince[name]
	if !added {
		return true, nil
	}
	for _, s := range since {
		if s.Major == v.Major && s.Minor == v.Minor && !v.Less(s) {
			return true, nil
		}
	}
	if !v.Less(since[len(since)-1]) {
		return true, nil
	}
	return false, since
}

// poolerObjects builds the Pooler when connectionPooler.enabled is true.
func (b *build) poolerObjects(c *cnpgv1.Cluster) {
	cp := b.db.Spec.ConnectionPooler
	if cp == nil || cp.Enabled == nil || !*cp.Enabled {
		return
	}
	const path = "spec.connectionPooler.pooler"
	pb := defaultPgBouncer()
	if cp.Pooler != nil {
		// As in Tembo, a written pooler keeps only its own parameters and
		// resources; poolMode alone has a default.
		pb = PgBouncer{PoolMode: cmp.Or(cp.Pooler.PoolMode, "transaction"), Parameters: cp.Pooler.Parameters, Resources: cp.Pooler.Resources}
	}
	mode := cnpgv1.PgBouncerPoolMode(pb.PoolMode)
	switch mode {
	case cnpgv1.PgBouncerPoolModeSession, cnpgv1.PgBouncerPoolModeTransaction:
	default:
		b.errorf(path+".poolMode", "must be session or transaction (CloudNativePG does not offer PgBouncer's statement mode), got %q", pb.PoolMode)
	}
	for _, k := range slices.Sorted(maps.Keys(pb.Parameters)) {
		ok, since := pgbouncerParamAllowed(k, b.cnpg)
		switch {
		case ok:
		case since != nil:
			var rel []string
			for _, s := range since {
				rel = append(rel, s.String())
			}
			b.errorf(sprintf("%s.parameters[%s]", path, k), "%q is accepted by CloudNativePG from %s on, but the target is %s (--cnpg-version); remove it or target a newer release", k, strings.Join(rel, ", "), b.cnpg)
		default:
			b.errorf(sprintf("%s.parameters[%s]", path, k), "%q is not a PgBouncer parameter CloudNativePG lets you set (it sets the others itself); see the allowlist in docs/backup-pooler-metrics.md%s", k, didYouMean(k, pgbouncerParams))
		}
	}

	meta := b.objectMeta(b.db.Metadata.Name+"-pooler", "pooler")
	instances := b.poolerInstances()
	p := &cnpgv1.Pooler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "postgresql.cnpg.io/v1", Kind: "Pooler"},
		ObjectMeta: meta,
		Spec: cnpgv1.PoolerSpec{
			Cluster:   cnpgv1.LocalObjectReference{Name: b.db.Metadata.Name},
			Type:      cnpgv1.PoolerTypeRW,
			Instances: &instances,
			PgBouncer: &cnpgv1.PgBouncerSpec{PoolMode: mode, Parameters: maps.Clone(pb.Parameters)},
		},
	}
	if spec := b.poolerPodSpec(c, meta.Name, pb.Resources, path+".resources"); spec != nil {
		p.Spec.Template = &cnpgv1.PodTemplateSpec{Spec: *spec}
	}
	b.add(p)
}

// poolerInstances is the number of PgBouncer pods: connectionPooler.instances
// when written, else 2 when the Cluster has standbys and 1 otherwise; 0
// while the database is stopped. Tembo always ran one, so the pooler was a
// single point of failure in front of a Cluster built to survive losing its
// primary: with standbys, a second PgBouncer pod keeps the pooler up while
// a node is drained or lost. The Pooler's Service spreads connections over
// both, and each client connection stays on the pod it reached.
func (b *build) poolerInstances() int32 {
	n := int32(1)
	if w := b.db.Spec.ConnectionPooler.Instances; w != nil {
		if *w < 1 {
			b.errorf("spec.connectionPooler.instances", "must be at least 1, got %d; to run no pooler, set enabled: false (or stop: true)", *w)
		} else {
			n = *w
		}
	} else if b.instances() > 1 {
		n = 2
	}
	if b.stopped() {
		return 0
	}
	return n
}

// poolerPodSpec is the PgBouncer pod template: the container's resources
// and the Cluster's node placement (placeLikeCluster). nil when there is
// nothing to set.
func (b *build) poolerPodSpec(c *cnpgv1.Cluster, pooler string, res *corev1.ResourceRequirements, resPath string) *corev1.PodSpec {
	spec := &corev1.PodSpec{}
	set := false
	if res != nil && (len(res.Limits) > 0 || len(res.Requests) > 0) {
		b.checkRequestsWithinLimits(res, resPath)
		spec.Containers = []corev1.Container{{
			Name:      "pgbouncer",
			Resources: corev1.ResourceRequirements{Limits: res.Limits.DeepCopy(), Requests: res.Requests.DeepCopy()},
		}}
		set = true
	}
	// CloudNativePG labels every PgBouncer pod cnpg.io/poolerName:
	// <pooler> and selects the Deployment's pods by it alone
	// (pkg/specs/pgbouncer/deployments.go, PgbouncerNameLabel).
	if placeLikeCluster(c, spec, map[string]string{"cnpg.io/poolerName": pooler}) {
		set = true
	}
	if !set {
		return nil
	}
	if len(spec.Containers) == 0 {
		// A pod template must name its containers; CNPG merges this one
		// into the pgbouncer container it builds.
		spec.Containers = []corev1.Container{{Name: "pgbouncer"}}
	}
	return spec
}

// checkRequestsWithinLimits reports a CPU or memory request above its
// limit: the Deployment CNPG creates from it would be rejected, and the
// Pooler would never start.
func (b *build) checkRequestsWithinLimits(res *corev1.ResourceRequirements, path string) {
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := res.Requests[name]
		lim, okLim := res.Limits[name]
		if okReq && okLim && req.Cmp(lim) > 0 {
			b.errorf(sprintf("%s.requests[%s]", path, name), "request %s is above the limit %s; Kubernetes rejects such a pod", req.String(), lim.String())
		}
	}
}

// placeLikeCluster gives a pod spec the Cluster's node placement, as Tembo
// did for the Pooler and app pods (tembo-operator.md §1
// affinityConfiguration, topologySpreadConstraints): node selector,
// tolerations, node affinity and topology spread constraints, the last
// rewritten to count the pods that own selects (spreadOwnPods). Pod
// (anti-)affinity is not copied: it is written for the Postgres pods. It
// reports whether it set anything.
func placeLikeCluster(c *cnpgv1.Cluster, spec *corev1.PodSpec, own map[string]string) bool {
	set := false
	a := c.Spec.Affinity
	if len(a.NodeSelector) > 0 {
		spec.NodeSelector = maps.Clone(a.NodeSelector)
		set = true
	}
	for _, t := range a.Tolerations {
		spec.Tolerations = append(spec.Tolerations, *t.DeepCopy())
		set = true
	}
	if a.NodeAffinity != nil {
		spec.Affinity = &corev1.Affinity{NodeAffinity: a.NodeAffinity.DeepCopy()}
		set = true
	}
	if len(c.Spec.TopologySpreadConstraints) > 0 {
		spec.TopologySpreadConstraints = spreadOwnPods(c.Spec.TopologySpreadConstraints, own)
		set = true
	}
	return set
}

// spreadOwnPods copies topology spread constraints written for the Postgres
// pods to another workload, with each labelSelector replaced by one that
// selects that workload's own pods. A spread constraint counts the pods its
// labelSelector matches: copied unchanged, it would balance the PgBouncer or
// app pods against where the Postgres pods are, and "spread" a Deployment's
// own replicas not at all. matchLabelKeys and everything else are kept:
// they read the incoming pod's own labels.
func spreadOwnPods(in []corev1.TopologySpreadConstraint, own map[string]string) []corev1.TopologySpreadConstraint {
	out := make([]corev1.TopologySpreadConstraint, 0, len(in))
	for _, t := range in {
		t := *t.DeepCopy()
		t.LabelSelector = &metav1.LabelSelector{MatchLabels: maps.Clone(own)}
		out = append(out, t)
	}
	return out
}
