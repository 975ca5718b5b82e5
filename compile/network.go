package compile

import (
	"maps"
	"net/netip"
	"slices"
	"strings"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	corev1 "k8s.io/api/core/v1"
)

// Database networking (tembo-operator.md §1 dedicatedNetworking, ipAllowList,
// extra_domains_rw; §5 "Dedicated networking"). Tembo exposed databases
// through Traefik TCP routes on its own domain; coredb emits none of that.
// What it does emit is the dedicated Services, as CloudNativePG managed
// services of the Cluster. See docs/app-services.md.

// dedicatedServiceTypes are the Service types a dedicated Service may have.
var dedicatedServiceTypes = []corev1.ServiceType{corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort, corev1.ServiceTypeClusterIP}

// rejectNonTLS is the pg_hba rule that refuses every TCP login without TLS
// while dedicated networking is on. CloudNativePG writes user pg_hba lines
// after its fixed rules (local peer; hostssl with certificates for
// streaming_replica and cnpg_pooler_pgbouncer) and before its default rule
// "host all all all scram-sha-256" (cloudnativepg.md §1.2 pg_hba;
// pkg/postgres/configuration.go hbaTemplateString), and PostgreSQL uses
// the first line that matches. So a TLS connection passes this line and
// reaches the default rule, a non-TLS one stops here, and the Unix socket
// (CloudNativePG's instance manager, the metrics exporter, pg_cron) and
// CloudNativePG's certificate logins are matched before it. The address
// "all" is every IPv4 and IPv6 address (0.0.0.0/0 and ::/0). pg_hba sees
// connections, not Services: the rule holds for every client, in-cluster
// ones included, which all negotiate TLS (libpq's and pgx's default
// sslmode prefer, PgBouncer's server_tls_sslmode verify-ca, coredb's Jobs'
// verify-full).
const rejectNonTLS = "hostnossl all all all reject"

// managedServiceSpecSince are the CloudNativePG releases from which a change
// to a managed service's spec (type, loadBalancerSourceRanges) reaches the
// Service it created: earlier ones reconcile only its selector, labels and
// annotations (internal/controller/cluster_create.go serviceReconciler;
// cloudnative-pg#10190, #10311: 1.27.4, 1.28.2, 1.29.0).
var managedServiceSpecSince = []Version{{1, 27, 4}, {1, 28, 2}, {1, 29, 0}}

// networkObjects makes the dedicated Services managed services of the
// Cluster, requires TLS for them, and warns about the Tembo networking
// fields that need an ingress layer coredb does not emit.
func (b *build) networkObjects(c *cnpgv1.Cluster) {
	s := &b.db.Spec
	ranges, rangesOK := b.allowList()
	dn := s.DedicatedNetworking
	enabled := dn != nil && dn.Enabled != nil && *dn.Enabled
	typ := corev1.ServiceTypeLoadBalancer
	if enabled && dn.ServiceType != "" {
		typ = corev1.ServiceType(dn.ServiceType)
		if !slices.Contains(dedicatedServiceTypes, typ) {
			b.errorf("spec.dedicatedNetworking.serviceType", "must be LoadBalancer (the default), NodePort or ClusterIP, got %q", dn.ServiceType)
			enabled = false
		}
	}
	lb := enabled && typ == corev1.ServiceTypeLoadBalancer

	if len(s.IPAllowList) > 0 && !lb {
		why := "dedicatedNetworking is not enabled"
		if enabled {
			why = sprintf("the dedicated Services are of type %s", typ)
		}
		b.warnf("spec.ipAllowList", "restricts nothing: coredb enforces it only as loadBalancerSourceRanges of LoadBalancer dedicated Services, and %s (Tembo also applied it to its Traefik routes, which coredb does not emit); use dedicatedNetworking with serviceType LoadBalancer, or a NetworkPolicy", why)
	}
	if len(s.ExtraDomainsRW) > 0 {
		b.warnf("spec.extra_domains_rw", "these host names are not served: Tembo routed them to %s-rw with a Traefik TCP route (TLS SNI), and coredb emits no ingress for the database; route them with your ingress controller's TCP/SNI support or point them at a dedicated LoadBalancer Service", b.db.Metadata.Name)
	}
	if !enabled || !rangesOK {
		return
	}

	name := b.db.Metadata.Name
	if lb && !(dn.Public != nil && *dn.Public) && len(ranges) == 0 {
		b.warnf("spec.dedicatedNetworking.public", "without public: true Tembo made an internal AWS load balancer; coredb writes no cloud-specific annotations, and most providers make LoadBalancer Services internet-facing by default: set ipAllowList, or add your provider's internal load balancer annotation to the Cluster's spec.managed.services.additional entry %s-dedicated (serviceTemplate.metadata.annotations, e.g. service.beta.kubernetes.io/aws-load-balancer-scheme: internal, with a kustomize patch)", name)
	}
	if !lb {
		ranges = nil
	}
	if lb && len(ranges) > 0 && !versionFrom(b.cnpg, managedServiceSpecSince) {
		b.warnf("spec.ipAllowList", "CloudNativePG %s (--cnpg-version) applies a managed Service's spec only when it creates the Service: a later change to ipAllowList (or serviceType) does not reach %s-dedicated; delete the Service after such a change for CloudNativePG to create it anew (its load balancer address changes), or run CloudNativePG 1.27.4, 1.28.2, 1.29 or later", b.cnpg, name)
	}
	services := []cnpgv1.ManagedService{b.dedicatedService(name+"-dedicated", cnpgv1.ServiceSelectorTypeRW, typ, ranges)}
	if dn.IncludeStandby != nil && *dn.IncludeStandby {
		services = append(services, b.dedicatedService(name+"-dedicated-ro", cnpgv1.ServiceSelectorTypeRO, typ, ranges))
		if n := b.instances(); n < 2 {
			b.warnf("spec.dedicatedNetworking.includeStandby", "the Service %s-dedicated-ro selects standby instances, and there are none while replicas is %d; set replicas to 2 or more", name, n)
		}
	}
	if c.Spec.Managed == nil {
		c.Spec.Managed = &cnpgv1.ManagedConfiguration{}
	}
	c.Spec.Managed.Services = &cnpgv1.ManagedServices{Additional: services}
	c.Spec.PostgresConfiguration.PgHBA = append(c.Spec.PostgresConfiguration.PgHBA, rejectNonTLS)
}

// dedicatedService is a CloudNativePG managed service (spec.managed.services
// .additional, CNPG 1.24 and later; cloudnativepg.md §1.8) in front of the
// primary (rw) or the standbys (ro). CloudNativePG builds it like its own
// -rw and -ro Services: their selector, so it follows a failover, and the
// port 5432 (pkg/specs/services.go BuildManagedServices). Being
// the Cluster's, its name is among the server certificate's DNS names
// (Cluster.GetClusterAltDNSNames adds every additional service's), so
// clients can verify the server through it (sslmode=verify-full).
// Hand-built Services, as coredb wrote before, were not, and CloudNativePG
// owns and deletes these with the Cluster.
//
// The labels are the CoreDB's own and app.kubernetes.io/part-of: from 1.28
// on CloudNativePG puts its own app.kubernetes.io name (postgresql),
// instance, component, managed-by (cloudnative-pg) and version labels on
// the Service over any given here (pkg/specs/services.go; seen on the
// referee), and the Service is indeed CloudNativePG's, not coredb's.
// updateStrategy patch is the CRD default, written so that list diffs stay
// clean; it updates the Service in place rather than deleting it, which
// would give a LoadBalancer a new address.
func (b *build) dedicatedService(name string, sel cnpgv1.ServiceSelectorType, typ corev1.ServiceType, ranges []string) cnpgv1.ManagedService {
	labels := maps.Clone(b.db.Metadata.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[labelPartOf] = b.db.Metadata.Name
	return cnpgv1.ManagedService{
		SelectorType:   sel,
		UpdateStrategy: cnpgv1.ServiceUpdateStrategyPatch,
		ServiceTemplate: cnpgv1.ServiceTemplateSpec{
			ObjectMeta: cnpgv1.Metadata{Name: name, Labels: labels},
			Spec: corev1.ServiceSpec{
				Type:                     typ,
				LoadBalancerSourceRanges: ranges,
			},
		},
	}
}

// versionFrom reports whether v is at or after a change that reached some
// minor releases in a patch release: since lists, per minor, the first
// release with it; minors after the last one have it from .0, earlier
// minors not listed never do.
func versionFrom(v Version, since []Version) bool {
	for _, s := range since {
		if s.Major == v.Major && s.Minor == v.Minor {
			return !v.Less(s)
		}
	}
	return !v.Less(since[len(since)-1])
}

// allowList parses spec.ipAllowList into CIDRs: a bare address becomes a
// single-host range (/32 or /128), a CIDR with host bits set is reduced to
// its network with a warning, duplicates are dropped. Unlike Tembo, which
// skipped invalid entries (and allowed everything when none was valid), an
// invalid entry is an error: a silently ignored entry in an allow list is a
// security bug. ok is false when some entry was invalid.
func (b *build) allowList() (cidrs []string, ok bool) {
	ok = true
	seen := map[netip.Prefix]bool{}
	for i, raw := range b.db.Spec.IPAllowList {
		p := sprintf("spec.ipAllowList[%d]", i)
		pfx, msg := parseAllowEntry(raw)
		if msg != "" {
			b.errorf(p, "%s", msg)
			ok = false
			continue
		}
		if m := pfx.Masked(); m != pfx {
			b.warnf(p, "%q has host bits set; using the network %s", strings.TrimSpace(raw), m)
			pfx = m
		}
		if seen[pfx] {
			continue
		}
		seen[pfx] = true
		cidrs = append(cidrs, pfx.String())
	}
	return cidrs, ok
}

// parseAllowEntry reads one allow list entry: an IPv4 or IPv6 address or
// CIDR. It returns a message for the user when the entry is invalid.
func parseAllowEntry(raw string) (netip.Prefix, string) {
	s := strings.TrimSpace(raw)
	bad := func() (netip.Prefix, string) {
		return netip.Prefix{}, sprintf("%q is not an IP address or CIDR range (e.g. 203.0.113.7, 203.0.113.0/24, 2001:db8::/32)", raw)
	}
	if s == "" {
		return bad()
	}
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return bad()
		}
		return pfx, ""
	}
	addr, err := netip.ParseAddr(s)
	if err != nil || addr.Zone() != "" {
		return bad()
	}
	return netip.PrefixFrom(addr, addr.BitLen()), ""
}
