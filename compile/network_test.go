package compile_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	"github.com/coredb-dev/coredb/compile"
	corev1 "k8s.io/api/core/v1"
)

// dedicated returns the Cluster's managed service named name, nil if none.
func dedicated(t *testing.T, objs []compile.Object, cluster, name string) *cnpgv1.ManagedService {
	t.Helper()
	c := findObj[*cnpgv1.Cluster](objs, "Cluster", cluster)
	if c == nil {
		t.Fatalf("no Cluster %s", cluster)
	}
	if c.Spec.Managed == nil || c.Spec.Managed.Services == nil {
		return nil
	}
	for i, s := range c.Spec.Managed.Services.Additional {
		if s.ServiceTemplate.ObjectMeta.Name == name {
			return &c.Spec.Managed.Services.Additional[i]
		}
	}
	return nil
}

// TestDedicatedNetworking: the dedicated Services are CloudNativePG managed
// services of the Cluster, so their names are in the server certificate,
// and no Service of coredb's own is rendered; logins over them need TLS.
func TestDedicatedNetworking(t *testing.T) {
	objs, warns := mustCompile(t, withApps("ledger", `  replicas: 2
  dedicatedNetworking: {enabled: true, includeStandby: true, public: true}
`), compile.Options{})
	if len(warns) > 0 {
		t.Errorf("unexpected warnings: %v", warns)
	}
	if n := kindCount(objs, "Service"); n != 0 {
		t.Errorf("%d hand-built Services; the dedicated Services are the Cluster's managed services", n)
	}
	for name, sel := range map[string]cnpgv1.ServiceSelectorType{"ledger-dedicated": cnpgv1.ServiceSelectorTypeRW, "ledger-dedicated-ro": cnpgv1.ServiceSelectorTypeRO} {
		s := dedicated(t, objs, "ledger", name)
		if s == nil {
			t.Fatalf("no managed service %s", name)
		}
		// rw and ro are CloudNativePG's own -rw and -ro selectors
		// (primary, standbys), which follow a failover.
		if s.SelectorType != sel || s.UpdateStrategy != cnpgv1.ServiceUpdateStrategyPatch {
			t.Errorf("%s: selectorType %q updateStrategy %q, want %q patch", name, s.SelectorType, s.UpdateStrategy, sel)
		}
		st := s.ServiceTemplate
		if st.Spec.Type != corev1.ServiceTypeLoadBalancer {
			t.Errorf("%s type %s, want LoadBalancer by default", name, st.Spec.Type)
		}
		// CloudNativePG sets the selector (its webhook rejects one) and
		// the postgresql port.
		if st.Spec.Selector != nil || len(st.Spec.Ports) != 0 || st.Spec.LoadBalancerSourceRanges != nil {
			t.Errorf("%s spec %+v", name, st.Spec)
		}
		// CloudNativePG sets the other app.kubernetes.io labels itself.
		if len(st.ObjectMeta.Labels) != 1 || st.ObjectMeta.Labels["app.kubernetes.io/part-of"] != "ledger" {
			t.Errorf("%s labels %v", name, st.ObjectMeta.Labels)
		}
	}
	c := findObj[*cnpgv1.Cluster](objs, "Cluster", "ledger")
	if hba := c.Spec.PostgresConfiguration.PgHBA; !slices.Equal(hba, []string{"hostnossl all all all reject"}) {
		t.Errorf("pg_hba %q, want non-TLS logins rejected", hba)
	}

	// Off: no managed services, no pg_hba rule.
	objs, _ = mustCompile(t, withApps("ledger", "  dedicatedNetworking: {enabled: false, includeStandby: true}\n"), compile.Options{})
	if c := findObj[*cnpgv1.Cluster](objs, "Cluster", "ledger"); c.Spec.Managed != nil || c.Spec.PostgresConfiguration.PgHBA != nil {
		t.Errorf("dedicated networking off: managed %+v, pg_hba %v", c.Spec.Managed, c.Spec.PostgresConfiguration.PgHBA)
	}
	// On without includeStandby: no standby Service.
	objs, _ = mustCompile(t, withApps("ledger", "  dedicatedNetworking: {enabled: true, serviceType: NodePort}\n"), compile.Options{})
	if s := dedicated(t, objs, "ledger", "ledger-dedicated"); s == nil || s.ServiceTemplate.Spec.Type != corev1.ServiceTypeNodePort {
		t.Errorf("want a NodePort ledger-dedicated, got %+v", s)
	}
	if s := dedicated(t, objs, "ledger", "ledger-dedicated-ro"); s != nil {
		t.Error("ledger-dedicated-ro without includeStandby")
	}

	_, _, errs := compileDoc(t, withApps("ledger", "  dedicatedNetworking: {enabled: true, serviceType: ExternalName}\n"), compile.Options{})
	if !hasEntry(errs, "spec.dedicatedNetworking.serviceType", "LoadBalancer.*NodePort or ClusterIP") {
		t.Errorf("want a serviceType error, got %v", errs)
	}
}

// TestDedicatedNetworkingKeepsManagedRoles: the managed services go next to
// managed roles (the MessageQueue stack's), not over them.
func TestDedicatedNetworkingKeepsManagedRoles(t *testing.T) {
	objs, _ := mustCompile(t, withApps("mq", "  stack: {name: MessageQueue}\n  dedicatedNetworking: {enabled: true, public: true}\n"), compile.Options{DropUnavailable: true, SuperuserAccess: true})
	c := findObj[*cnpgv1.Cluster](objs, "Cluster", "mq")
	if c.Spec.Managed == nil || c.Spec.Managed.Services == nil || len(c.Spec.Managed.Services.Additional) != 1 {
		t.Fatalf("managed %+v", c.Spec.Managed)
	}
	if len(c.Spec.Managed.Roles) == 0 {
		t.Errorf("managed roles lost: %+v", c.Spec.Managed)
	}
}

func TestDedicatedNetworkingWarnings(t *testing.T) {
	tests := []struct{ spec, path, msg string }{
		// A LoadBalancer open to the world where Tembo made an internal one.
		{"  dedicatedNetworking: {enabled: true}", "spec.dedicatedNetworking.public", "internet-facing"},
		{"  dedicatedNetworking: {enabled: true, includeStandby: true}\n  ipAllowList: [10.0.0.0/8]", "spec.dedicatedNetworking.includeStandby", "replicas is 1"},
		{"  ipAllowList: [10.0.0.0/8]", "spec.ipAllowList", "restricts nothing.*not enabled"},
		{"  dedicatedNetworking: {enabled: true, serviceType: ClusterIP}\n  ipAllowList: [10.0.0.0/8]", "spec.ipAllowList", "type ClusterIP"},
		{"  extra_domains_rw: [db.example.com]", "spec.extra_domains_rw", "not served"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, warns := mustCompile(t, withApps("db", tt.spec+"\n"), compile.Options{})
			if !hasEntry(warns, tt.path, tt.msg) {
				t.Fatalf("want a warning at %s matching %q, got:\n%v", tt.path, tt.msg, warns)
			}
		})
	}
	// Neither an allow list nor public: true nor disableIngress is a problem
	// (on a CloudNativePG that applies allow list changes).
	for _, spec := range []string{
		"  dedicatedNetworking: {enabled: true}\n  ipAllowList: [10.0.0.0/8]",
		"  dedicatedNetworking: {enabled: true, public: true}",
		"  disableIngress: true",
	} {
		if _, warns := mustCompile(t, withApps("db", spec+"\n"), compile.Options{CNPGVersion: "1.28.2"}); len(warns) > 0 {
			t.Errorf("%s: unexpected warnings %v", spec, warns)
		}
	}
}

// TestDedicatedAllowListUpdates: before 1.27.4, 1.28.2 and 1.29.0,
// CloudNativePG applied a managed service's spec only when creating the
// Service, so narrowing ipAllowList later would silently not apply: warned.
func TestDedicatedAllowListUpdates(t *testing.T) {
	spec := withApps("db", "  dedicatedNetworking: {enabled: true}\n  ipAllowList: [10.0.0.0/8]\n")
	for v, warn := range map[string]bool{
		"1.25": true, "1.25.4": true, "1.26.3": true, "1.27.3": true, "1.27.4": false, "1.28": true, "1.28.1": true,
		"1.28.2": false, "1.29": false, "1.30.1": false,
	} {
		_, warns := mustCompile(t, spec, compile.Options{CNPGVersion: v})
		if got := hasEntry(warns, "spec.ipAllowList", "applies a managed Service's spec only when it creates"); got != warn {
			t.Errorf("CNPG %s: warned %v, want %v (%v)", v, got, warn, warns)
		}
	}
	// Without an allow list there is nothing security-relevant to miss.
	if _, warns := mustCompile(t, withApps("db", "  dedicatedNetworking: {enabled: true, public: true}\n"), compile.Options{CNPGVersion: "1.25"}); len(warns) > 0 {
		t.Errorf("no allow list: %v", warns)
	}
}

func TestIPAllowList(t *testing.T) {
	objs, warns := mustCompile(t, withApps("db", `  dedicatedNetworking: {enabled: true}
  ipAllowList:
    - 203.0.113.7
    - " 198.51.100.0/24 "
    - 10.1.2.3/8
    - 2001:db8::1
    - 2001:DB8::/32
    - 203.0.113.7/32
    - 0.0.0.0/0
`), compile.Options{CNPGVersion: "1.29"})
	got := dedicated(t, objs, "db", "db-dedicated").ServiceTemplate.Spec.LoadBalancerSourceRanges
	want := []string{"203.0.113.7/32", "198.51.100.0/24", "10.0.0.0/8", "2001:db8::1/128", "2001:db8::/32", "0.0.0.0/0"}
	if !slices.Equal(got, want) {
		t.Errorf("loadBalancerSourceRanges\n got %v\nwant %v", got, want)
	}
	// Every range is in the canonical form Kubernetes validates.
	for _, r := range got {
		if p, err := netip.ParsePrefix(r); err != nil || p.Masked() != p || p.String() != r {
			t.Errorf("%q is not a canonical CIDR", r)
		}
	}
	if !hasEntry(warns, "spec.ipAllowList[2]", "host bits.*10.0.0.0/8") || len(warns) != 1 {
		t.Errorf("want one host-bits warning at spec.ipAllowList[2], got:\n%v", warns)
	}

	// Invalid entries are errors at their own line, all at once.
	src := withApps("db", `  dedicatedNetworking: {enabled: true}
  ipAllowList:
    - 10.0.0.1
    - 10.0.0.256
    - 10.0.0.0/33
    - "fe80::1%eth0"
    - example.com
    - ""
    - 010.0.0.1
`)
	_, _, errs := compileDoc(t, src, compile.Options{})
	for i := 1; i <= 6; i++ {
		p := "spec.ipAllowList[" + string(rune('0'+i)) + "]"
		if !hasEntry(errs, p, "not an IP address or CIDR") {
			t.Errorf("want an error at %s, got:\n%v", p, errs)
		}
	}
	lines := map[int]bool{}
	for _, e := range errs {
		if strings.HasPrefix(e.Path, "spec.ipAllowList[") {
			lines[e.Line] = true
		}
	}
	if len(lines) != 6 {
		t.Errorf("want the 6 errors on 6 different lines, got %v", errs)
	}
	if hasEntry(errs, "spec.ipAllowList[0]", ".") {
		t.Error("a valid entry reported as an error")
	}
}
