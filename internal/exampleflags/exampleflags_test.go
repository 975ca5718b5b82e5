package exampleflags

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestRead(t *testing.T) {
	p := filepath.Join(t.TempDir(), "flags.txt")
	src := "# comment\nexamples/a.yaml cnpg --drop-unavailable --superuser-access\nexamples/a.yaml tembo ! --allow-trunk-preloads\n"
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	table, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := table.Flags("examples/a.yaml", "cnpg"); !slices.Equal(got, []string{"--drop-unavailable", "--superuser-access"}) {
		t.Errorf("cnpg flags %v", got)
	}
	if got := table.Flags("examples/a.yaml", "tembo"); !slices.Equal(got, []string{"--allow-trunk-preloads"}) || !table.Refuses("examples/a.yaml", "tembo") || table.Refuses("examples/a.yaml", "cnpg") {
		t.Errorf("tembo flags %v refuses %v", got, table.Refuses("examples/a.yaml", "tembo"))
	}
	if got := WithoutSourceFlags([]string{"--drop-unavailable", "--ingress-class", "x", "--superuser-access"}); !slices.Equal(got, []string{"--ingress-class", "x"}) {
		t.Errorf("WithoutSourceFlags = %v", got)
	}
	o, err := Options("tembo", []string{"--superuser-access", "--ingress-host", "h"})
	if err != nil || !o.SuperuserAccess || o.IngressHost != "h" || o.Target != "tembo" {
		t.Errorf("Options = %+v, %v", o, err)
	}
	if _, err := Options("cnpg", []string{"--nope"}); err == nil {
		t.Error("an unknown flag is accepted")
	}
	for _, bad := range []string{"examples/a.yaml k8s\n", "x cnpg\nx cnpg\n"} {
		if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(p); err == nil {
			t.Errorf("Read(%q) accepted it", bad)
		}
	}
}
