package sources

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestInspect(t *testing.T) {
	for _, tt := range []struct {
		ref                 string
		major               int
		flavor, distro, fam string
		tembo               bool
	}{
		{"ghcr.io/cloudnative-pg/postgresql:16.15-202608170814-standard-trixie@sha256:00", 16, "standard", "trixie", "cnpg-standard", false},
		{"ghcr.io/cloudnative-pg/postgresql:18-minimal-bookworm", 18, "minimal", "bookworm", "cnpg-minimal", false},
		{"ghcr.io/cloudnative-pg/postgresql:17.6", 17, "system", "bullseye", "cnpg-system", false},
		{"ghcr.io/cloudnative-pg/postgresql:17-system-trixie", 17, "system", "trixie", "cnpg-system", false},
		{"ghcr.io/cloudnative-pg/postgis:17-3.6-standard-trixie", 17, "standard", "trixie", "cnpg-postgis", false},
		{"quay.io/tembo/ml-cnpg:15.3.0-1-a3e532d", 15, "", "", "tembo-ml", true},
		{"quay.io/tembo/geo-cnpg:16-bffd097", 16, "", "", "tembo-geo", true},
		{"quay.io/tembo/something-new:17-abc", 17, "", "", "tembo-other", true},
		{"registry.example.com/pg:16-custom", 16, "", "", "", false},
		{"localhost:5000/pg:15", 15, "", "", "", false},
	} {
		img := Inspect(tt.ref, nil)
		fam := ""
		if img.Family != nil {
			fam = img.Family.Name
		}
		if img.Major != tt.major || img.Flavor != tt.flavor || img.Distro != tt.distro || fam != tt.fam || img.Tembo() != tt.tembo {
			t.Errorf("Inspect(%s) = major %d flavor %q distro %q family %q tembo %v; want %d %q %q %q %v",
				tt.ref, img.Major, img.Flavor, img.Distro, fam, img.Tembo(), tt.major, tt.flavor, tt.distro, tt.fam, tt.tembo)
		}
	}
	// A declaration matches the exact reference, or the repository.
	d := &DeclaredImage{Image: "registry.example.com/pg"}
	if Inspect("registry.example.com/pg:16-a@sha256:00", []*DeclaredImage{d}).Declared != d {
		t.Error("a repository declaration does not match a tag of it")
	}
	if Inspect("registry.example.com/pg2:16", []*DeclaredImage{d}).Declared != nil {
		t.Error("a declaration matches another repository")
	}
}

func TestReplacementAndDefault(t *testing.T) {
	for _, tt := range []struct{ ref, want, family string }{
		{"quay.io/tembo/standard-cnpg:15-bffd097", "ghcr.io/cloudnative-pg/postgresql:15.19-", "cnpg-standard"},
		{"quay.io/tembo/ml-cnpg:16-bffd097", "ghcr.io/cloudnative-pg/postgresql:16.15-", "cnpg-standard"},
		{"quay.io/tembo/geo-cnpg:17-bffd097", "ghcr.io/cloudnative-pg/postgis:17.10-3.6.4-", "cnpg-postgis"},
		{"quay.io/tembo/standard-cnpg:13-x", "", "cnpg-standard"}, // no official image of 13 in the catalog
	} {
		got, fam, ok := Replacement(Inspect(tt.ref, nil))
		if !ok || fam != tt.family || !strings.HasPrefix(got, tt.want) || (tt.want == "") != (got == "") {
			t.Errorf("Replacement(%s) = %q %q %v, want prefix %q family %q", tt.ref, got, fam, ok, tt.want, tt.family)
		}
	}
	if _, _, ok := Replacement(Inspect("ghcr.io/cloudnative-pg/postgresql:16-standard-trixie", nil)); ok {
		t.Error("an official image is replaced")
	}
	if got := Default(CNPG); !strings.HasPrefix(got, "ghcr.io/cloudnative-pg/postgresql:15.") || !strings.Contains(got, "@sha256:") {
		t.Errorf("Default(cnpg) = %s", got)
	}
	if got := Default(Tembo); got != "quay.io/tembo/standard-cnpg:15-bffd097" {
		t.Errorf("Default(tembo) = %s", got)
	}
}

func TestFind(t *testing.T) {
	std18 := Inspect("ghcr.io/cloudnative-pg/postgresql:18.6-202608170814-standard-trixie@sha256:00", nil)
	min18 := Inspect("ghcr.io/cloudnative-pg/postgresql:18-minimal-bookworm", nil)
	std16 := Inspect("ghcr.io/cloudnative-pg/postgresql:16-standard-trixie", nil)
	tembo15 := Inspect("quay.io/tembo/standard-cnpg:15-bffd097", nil)
	custom := &DeclaredImage{Image: "registry.example.com/pg:16-ml", Contrib: true, Extensions: []string{"pg_cron", "pgml"}, Libraries: []string{"my_lib"}}
	cron18 := &DeclaredExtension{Name: "pg-cron", Image: "registry.example.com/pg-cron:1.6-18", Major: 18, Extensions: []string{"pg_cron"}}

	type want struct {
		kind    Kind
		volumes string // names, comma-separated
		why     string // substring of Why
	}
	for _, tt := range []struct {
		name     string
		env      Env
		key, lib string
		want     want
	}{
		{"contrib in the official image", Env{Image: std16, ImageVolumes: true}, "hstore", "", want{kind: FromImage}},
		{"the standard flavour's pgvector", Env{Image: std16}, "vector", "", want{kind: FromImage}},
		{"minimal has no pgvector: the official extension image", Env{Image: min18, ImageVolumes: true}, "vector", "", want{kind: FromExtensionImage, volumes: "pgvector"}},
		{"PostGIS as an image volume", Env{Image: std18, ImageVolumes: true}, "postgis_raster", "", want{kind: FromExtensionImage, volumes: "postgis"}},
		{"pgrouting brings postgis along", Env{Image: std18, ImageVolumes: true}, "pgrouting", "", want{kind: FromExtensionImage, volumes: "pgrouting,postgis"}},
		{"a preload library from an image volume", Env{Image: std18, ImageVolumes: true}, "timescaledb", "timescaledb", want{kind: FromExtensionImage, volumes: "timescaledb-oss"}},
		{"image volumes need Postgres 18", Env{Image: std16, ImageVolumes: true}, "postgis", "", want{why: "need Postgres 18 or newer, and this Cluster runs 16"}},
		{"image volumes need CloudNativePG 1.27", Env{Image: std18}, "postgis", "", want{why: "need CloudNativePG 1.27 or newer"}},
		{"no official image at all", Env{Image: std18, ImageVolumes: true}, "pg_cron", "", want{why: "no official extension image ships it"}},
		{"official volumes only for official operands", Env{Image: Inspect("registry.example.com/pg:18", nil), ImageVolumes: true}, "postgis", "",
			want{why: "only for CloudNativePG's own operand images"}},
		{"a declared image", Env{Image: Inspect("registry.example.com/pg:16-ml", []*DeclaredImage{custom})}, "pg_cron", "pg_cron", want{kind: FromImage}},
		{"a declared image's library", Env{Image: Inspect("registry.example.com/pg:16-ml", []*DeclaredImage{custom})}, "my_lib", "my_lib", want{kind: FromImage}},
		{"a declared image's contrib", Env{Image: Inspect("registry.example.com/pg:16-ml", []*DeclaredImage{custom})}, "hstore", "", want{kind: FromImage}},
		{"a declared image without it", Env{Image: Inspect("registry.example.com/pg:16-ml", []*DeclaredImage{custom})}, "pgmq", "", want{why: "is declared without it"}},
		{"an unknown image ships nothing", Env{Image: Inspect("registry.example.com/other:16", nil)}, "hstore", "", want{why: "does not know what image"}},
		{"but every server has plpgsql", Env{Image: Inspect("registry.example.com/other:16", nil)}, "plpgsql", "", want{kind: FromImage}},
		{"a declared extension image", Env{Image: std18, ImageVolumes: true, Declared: []*DeclaredExtension{cron18}}, "pg_cron", "pg_cron", want{kind: FromDeclaredExtension, volumes: "pg-cron"}},
		{"a declared extension image of another major", Env{Image: Inspect("ghcr.io/cloudnative-pg/postgresql:19-standard-trixie", nil), ImageVolumes: true, Declared: []*DeclaredExtension{cron18}}, "pg_cron", "",
			want{why: "but for Postgres 18, and this Cluster runs 19"}},
		{"Trunk on target tembo", Env{Target: Tembo, Image: tembo15, Trunk: []string{"pg_cron"}}, "pg_cron", "pg_cron", want{kind: FromTrunk}},
		{"Tembo's image already ships it", Env{Target: Tembo, Image: tembo15, Trunk: []string{"pg_stat_statements"}}, "pg_stat_statements", "", want{kind: FromImage}},
		{"Tembo's images have no contrib", Env{Target: Tembo, Image: tembo15}, "hstore", "", want{why: "no trunk_installs entry installs it (Trunk project hstore)"}},
		{"no Trunk on target cnpg", Env{Image: std16, Trunk: []string{"pg_cron"}}, "pg_cron", "", want{why: "Trunk is not available on target cnpg"}},
		{"no Trunk for official images", Env{Target: Tembo, Image: std16, Trunk: []string{"pg_cron"}}, "pg_cron", "", want{why: "Trunk needs one of Tembo's images"}},
		{"no Trunk for Postgres 18", Env{Target: Tembo, Image: Inspect("quay.io/tembo/standard-cnpg:18-x", nil), Trunk: []string{"pg_cron"}}, "pg_cron", "", want{why: "Postgres 14 to 17 only, not 18"}},
		{"a requirement without a source", Env{Target: Tembo, Image: tembo15, Trunk: []string{"pg_later"}}, "pg_later", "", want{why: "it requires pgmq, which has no source"}},
		{"an unknown name from Trunk", Env{Target: Tembo, Image: tembo15, Trunk: []string{"my_ext"}}, "my_ext", "", want{kind: FromTrunk}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.env.Find(tt.key, tt.lib)
			var names []string
			for _, v := range src.Volumes {
				names = append(names, v.Name)
			}
			got := want{kind: src.Kind, volumes: strings.Join(names, ",")}
			if tt.want.why != "" {
				if !strings.Contains(src.Why, tt.want.why) {
					t.Errorf("Why = %q, want it to contain %q", src.Why, tt.want.why)
				}
				got.why = tt.want.why
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("Find(%s) (-want +got):\n%s\nwhy: %s", tt.key, diff, src.Why)
			}
		})
	}
}

func TestFind_volumePaths(t *testing.T) {
	env := Env{Image: Inspect("ghcr.io/cloudnative-pg/postgresql:18-standard-bookworm", nil), ImageVolumes: true}
	src := env.Find("postgis", "")
	if len(src.Volumes) != 1 {
		t.Fatalf("volumes %v", src.Volumes)
	}
	v := src.Volumes[0]
	if !strings.Contains(v.Image, "postgis-extension:3.6.4-") || !strings.Contains(v.Image, "-18-bookworm@sha256:") {
		t.Errorf("image %s, want the bookworm build", v.Image)
	}
	if diff := cmp.Diff([]string{"system"}, v.LDLibraryPath); diff != "" {
		t.Errorf("ld_library_path: %s", diff)
	}
	if v.Env["GDAL_DATA"] != "${image_root}/share/gdal" || v.Declared != -1 {
		t.Errorf("env %v declared %d", v.Env, v.Declared)
	}
}

// TestImageBarmanCloud: only the system flavour (and Tembo's images) ship
// barman-cloud among the catalog's families; a declaration wins; an image
// coredb does not know is unknown.
func TestImageBarmanCloud(t *testing.T) {
	for _, tt := range []struct {
		ref        string
		decl       []*DeclaredImage
		has, known bool
	}{
		{"ghcr.io/cloudnative-pg/postgresql:17-standard-trixie", nil, false, true},
		{"ghcr.io/cloudnative-pg/postgresql:17-minimal-trixie", nil, false, true},
		{"ghcr.io/cloudnative-pg/postgresql:17-system-trixie", nil, true, true},
		{"ghcr.io/cloudnative-pg/postgresql:17.6", nil, true, true}, // legacy tags are the system flavour
		{"ghcr.io/cloudnative-pg/postgis:17-3.6-standard-trixie", nil, false, true},
		{"quay.io/tembo/standard-cnpg:15-bffd097", nil, true, true},
		{"registry.example.com/pg:16-custom", nil, false, false},
		{"registry.example.com/pg:16-custom", []*DeclaredImage{{Image: "registry.example.com/pg", BarmanCloud: true}}, true, true},
		{"ghcr.io/cloudnative-pg/postgresql:17-system-trixie", []*DeclaredImage{{Image: "ghcr.io/cloudnative-pg/postgresql"}}, false, true},
	} {
		has, known := Inspect(tt.ref, tt.decl).BarmanCloud()
		if has != tt.has || known != tt.known {
			t.Errorf("%s (declared %v): BarmanCloud() = %v, %v; want %v, %v", tt.ref, tt.decl != nil, has, known, tt.has, tt.known)
		}
	}
}
