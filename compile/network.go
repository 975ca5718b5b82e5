package compile

import (
	"net/netip"
	"slices"
	"strings"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Database networking (tembo-operator.md §1 dedicatedNetworking, ipAllowList,
// extra_domains_rw; §5 "Dedicated networking"). Tembo exposed databases
// through Traefik TCP routes on its own domain; coredb emits none of that.
// What it does emit is the dedicated Services, which need nothing but
// Kubernetes. See docs/app-services.md.

// dedicatedServiceTypes are the Service types a dedicated Service may have.
var dedicatedServiceTypes = []corev1.ServiceType{corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort, corev1.ServiceTypeClusterIP}

// networkObjects builds the dedicated Services and warns about the Tembo
// networking fields that need an ingress layer coredb does not emit.
func (b *build) networkObjects(_ *cnpgv1.Cluster) {
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

	if lb && !(dn.Public != nil && *dn.Public) && len(ranges) == 0 {
		b.warnf("spec.dedicatedNetworking.public", "without public: true Tembo made an internal AWS load balancer; coredb writes no cloud-specific annotations, and most providers make LoadBalancer Services internet-facing by default: set ipAllowList, or add your provider's internal load balancer annotation to the Service %s-dedicated (e.g. service.beta.kubernetes.io/aws-load-balancer-scheme: internal)", b.db.Metadata.Name)
	}
	if !lb {
		ranges = nil
	}
	name := b.db.Metadata.Name
	b.add(b.dedicatedService(name+"-dedicated", "primary", typ, ranges))
	if dn.IncludeStandby != nil && *dn.IncludeStandby {
		b.add(b.dedicatedService(name+"-dedicated-ro", "replica", typ, ranges))
		if n := b.instances(); n < 2 {
			b.warnf("spec.dedicatedNetworking.includeStandby", "the Service %s-dedicated-ro selects standby instances, and there are none while replicas is %d; set replicas to 2 or more", name, n)
		}
	}
}

// dedicatedService is a Service selecting the Cluster's primary or its
// standbys by the labels CloudNativePG puts on instance pods
// (cloudnativepg.md §3.3), on the Postgres port.
func (b *build) dedicatedService(name, role string, typ corev1.ServiceType, ranges []string) *corev1.Service {
	meta := b.objectMeta(name, "database")
	// The last wave: a LoadBalancer is not healthy for Argo CD until the
	// cloud assigns an address, which must not hold back the database's Jobs
	// and apps.
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta,
		Spec: corev1.ServiceSpec{
			Type: typ,
			Selector: map[string]string{
				"cnpg.io/cluster":      b.db.Metadata.Name,
				"cnpg.io/instanceRole": role,
			},
			Ports: []corev1.ServicePort{{
				Name:       "postgresql",
				Port:       5432,
				TargetPort: intstr.FromInt32(5432),
				Protocol:   corev1.ProtocolTCP,
			}},
			LoadBalancerSourceRanges: ranges,
		},
	}
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
