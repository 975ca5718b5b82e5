package extensions

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestImageCatalog(t *testing.T) {
	if err := CheckImages(); err != nil {
		t.Fatal(err)
	}
	std, ok := FamilyNamed("cnpg-standard")
	if !ok {
		t.Fatal("no cnpg-standard family")
	}
	for major := 14; major <= 18; major++ {
		ref := std.Default(major)
		if !strings.HasPrefix(ref, "ghcr.io/cloudnative-pg/postgresql:") || !strings.Contains(ref, "-standard-trixie@sha256:") {
			t.Errorf("cnpg-standard default for %d = %q, want a digest-pinned standard-trixie image", major, ref)
		}
	}
	for _, name := range []string{"vector", "pgaudit", "pg_failover_slots", "pg_stat_statements", "hstore"} {
		e, _ := Lookup(name)
		if !std.ShipsEntry(e) {
			t.Errorf("cnpg-standard does not ship %s", name)
		}
	}
	for _, name := range []string{"pg_cron", "pgml", "postgis", "plpython3u"} {
		e, _ := Lookup(name)
		if std.ShipsEntry(e) {
			t.Errorf("cnpg-standard ships %s; it does not", name)
		}
	}
	// Tembo images are built without contrib: hstore needs a Trunk install there.
	tembo, _ := FamilyNamed("tembo-standard")
	if e, _ := Lookup("hstore"); tembo.ShipsEntry(e) {
		t.Error("tembo-standard ships hstore; Tembo's images have no contrib")
	}
	for _, f := range Families() {
		if f.Target == TargetTembo && f.Replacement == "" {
			t.Errorf("%s: no replacement", f.Name)
		}
	}
	var names []string
	for _, x := range ExtensionImages() {
		names = append(names, x.Name)
		if x.Images["trixie"] == "" || x.Images["bookworm"] == "" {
			t.Errorf("%s: want trixie and bookworm images", x.Name)
		}
	}
	if got := strings.Join(names, ","); got != "pg-ivm,pgaudit,pgrouting,pgvector,postgis,timescaledb-oss,wal2json" {
		t.Errorf("extension images = %s", got)
	}
}

// TestFindExtensionImage: the first image match accepts, in name order, as
// a copy the caller may change.
func TestFindExtensionImage(t *testing.T) {
	x, ok := FindExtensionImage(func(x ExtensionImage) bool { return slices.Contains(x.Ships, "postgis") })
	if !ok || x.Name != "postgis" {
		t.Fatalf("image shipping postgis = %q, %v; want postgis", x.Name, ok)
	}
	x.Ships[0] = "mutated"
	x.Images["trixie"] = "mutated"
	again, _ := FindExtensionImage(func(y ExtensionImage) bool { return y.Name == "postgis" })
	if again.Ships[0] == "mutated" || again.Images["trixie"] == "mutated" {
		t.Fatalf("catalog changed through FindExtensionImage: %+v", again)
	}
	// Every image's own entry is found by its name, and equals ExtensionImages'.
	for _, want := range ExtensionImages() {
		got, ok := FindExtensionImage(func(y ExtensionImage) bool { return y.Name == want.Name })
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("FindExtensionImage(%s) = %+v, %v; want %+v", want.Name, got, ok, want)
		}
	}
	if _, ok := FindExtensionImage(func(ExtensionImage) bool { return false }); ok {
		t.Error("found an image nothing matches")
	}
}

// checkedImages is parseImages followed by the check CheckImages adds.
func checkedImages(src []byte) (*imageCatalog, error) {
	c, err := parseImages(src)
	if err != nil {
		return nil, err
	}
	return c, checkShips(c)
}

// TestParseImages_rejects: the checks of the image catalog catch the
// mistakes a hand edit makes.
func TestParseImages_rejects(t *testing.T) {
	base := `families:
  - name: a
    repositories: [r.io/a]
    target: cnpg
    contrib: true
    source: s
    defaults: {"16": "r.io/a:16.1-x@sha256:00"}
`
	if _, err := checkedImages([]byte(base)); err != nil {
		t.Fatalf("base: %v", err)
	}
	for _, tt := range []struct{ old, new, want string }{
		{"target: cnpg", "target: k8s", "target must be"},
		{"source: s", "source: \"\"", "no source"},
		{"contrib: true", "contrib: true\n    ships: [no_such_ext]", "not in the extension catalog"},
		{`"16": "r.io/a:16.1`, `"16": "r.io/a:17.1`, "does not have that major"},
		{`"16": "r.io/a:`, `"16": "r.io/b:`, "not in the family's repositories"},
		{"target: cnpg", "target: tembo", "needs a replacement"},
		{"    source: s\n", "    source: s\n    replacement: nope\n", "must be a cnpg family"},
		{"contrib: true", "contrib: true\n    typo: 1", "field typo not found"},
	} {
		src := strings.Replace(base, tt.old, tt.new, 1)
		if _, err := checkedImages([]byte(src)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q -> %q: err = %v, want %q", tt.old, tt.new, err, tt.want)
		}
	}
	x := base + `extensionImages:
  - name: x
    ships: [vector]
    images: {trixie: "r.io/x:1-18-trixie@sha256:00"}
    source: s
`
	if _, err := checkedImages([]byte(x)); err != nil {
		t.Fatalf("with an extension image: %v", err)
	}
	for _, tt := range []struct{ old, new, want string }{
		{"1-18-trixie@sha256", "1-17-trixie@sha256", "not pinned by digest for Postgres 18"},
		{"ships: [vector]", "ships: [vector]\n    requires: [y]", "not an extension image"},
	} {
		src := strings.Replace(x, tt.old, tt.new, 1)
		if _, err := checkedImages([]byte(src)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q -> %q: err = %v, want %q", tt.old, tt.new, err, tt.want)
		}
	}
}
