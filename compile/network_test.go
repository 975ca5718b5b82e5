package compile_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/coredb-dev/coredb/compile"
	corev1 "k8s.io/api/core/v1"
)

func TestDedicatedNetworking(t *testing.T) {
	objs, warns := mustCompile(t, withApps("ledger", `  replicas: 2
  dedicatedNetworking: {enabled: true, includeStandby: true, public: true}
`), compile.Options{})
	if len(warns) > 0 {
		t.Errorf("unexpected warnings: %v", warns)
	}
	for name, role := range map[string]string{"ledger-dedicated": "primary", "ledger-dedicated-ro": "replica"} {
		s := findObj[*corev1.Service](objs, "Service", name)
		if s == nil {
			t.Fatalf("no Service %s", name)
		}
		// The selector must be what CloudNativePG puts on instance pods
		// (cloudnativepg.md §3.3) and what its own -rw/-ro Services use.
		want := map[string]string{"cnpg.io/cluster": "ledger", "cnpg.io/instanceRole": role}
		if len(s.Spec.Selector) != 2 || s.Spec.Selector["cnpg.io/cluster"] != want["cnpg.io/cluster"] || s.Spec.Selector["cnpg.io/instanceRole"] != role {
			t.Errorf("%s selector %v, want %v", name, s.Spec.Selector, want)
		}
		if s.Spec.Type != corev1.ServiceTypeLoadBalancer {
			t.Errorf("%s type %s, want LoadBalancer by default", name, s.Spec.Type)
		}
		if len(s.Spec.Ports) != 1 || s.Spec.Ports[0].Port != 5432 || s.Spec.Ports[0].TargetPort.IntVal != 5432 {
			t.Errorf("%s ports %+v", name, s.Spec.Ports)
		}
		if s.Spec.LoadBalancerSourceRanges != nil {
			t.Errorf("%s: source ranges %v without an allow list", name, s.Spec.LoadBalancerSourceRanges)
		}
	}

	// Off, or on without includeStandby: no standby Service.
	objs, _ = mustCompile(t, withApps("ledger", "  dedicatedNetworking: {enabled: false, includeStandby: true}\n"), compile.Options{})
	if n := kindCount(objs, "Service"); n != 0 {
		t.Errorf("%d Services with dedicated networking off", n)
	}
	objs, _ = mustCompile(t, withApps("ledger", "  dedicatedNetworking: {enabled: true, serviceType: NodePort}\n"), compile.Options{})
	if s := findObj[*corev1.Service](objs, "Service", "ledger-dedicated"); s == nil || s.Spec.Type != corev1.ServiceTypeNodePort {
		t.Errorf("want a NodePort ledger-dedicated, got %+v", s)
	}
	if s := findObj[*corev1.Service](objs, "Service", "ledger-dedicated-ro"); s != nil {
		t.Error("ledger-dedicated-ro without includeStandby")
	}

	_, _, errs := compileDoc(t, withApps("ledger", "  dedicatedNetworking: {enabled: true, serviceType: ExternalName}\n"), compile.Options{})
	if !hasEntry(errs, "spec.dedicatedNetworking.serviceType", "LoadBalancer.*NodePort or ClusterIP") {
		t.Errorf("want a serviceType error, got %v", errs)
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
	// Neither an allow list nor public: true nor disableIngress is a problem.
	for _, spec := range []string{
		"  dedicatedNetworking: {enabled: true}\n  ipAllowList: [10.0.0.0/8]",
		"  dedicatedNetworking: {enabled: true, public: true}",
		"  disableIngress: true",
	} {
		if _, warns := mustCompile(t, withApps("db", spec+"\n"), compile.Options{}); len(warns) > 0 {
			t.Errorf("%s: unexpected warnings %v", spec, warns)
		}
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
`), compile.Options{})
	got := findObj[*corev1.Service](objs, "Service", "db-dedicated").Spec.LoadBalancerSourceRanges
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
