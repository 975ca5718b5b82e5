package compile_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	"github.com/coredb-dev/coredb/compile"
	"github.com/coredb-dev/coredb/compile/sources"
	"github.com/coredb-dev/coredb/extensions"
	"github.com/coredb-dev/coredb/internal/exampleflags"
	"github.com/coredb-dev/coredb/stacks"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// TestEveryPreloadHasASource walks every example (with its flags from
// examples/flags.txt) and every stack, on both targets, and reads what
// Postgres would load at start from the rendered objects alone: the
// Cluster's shared_preload_libraries plus the libraries CloudNativePG adds
// for pg_stat_statements.*, pgaudit.*, auto_explain.* and
// pg_failover_slots.* parameters. Each must be shipped by the Cluster's
// image (images.yaml), by one of its image-volume extensions, or, on target
// tembo with --allow-trunk-preloads, by a package of its Trunk Job. A miss
// is a Cluster that would not start. On target cnpg, no Tembo image and no
// Trunk Job may be rendered at all.
func TestEveryPreloadHasASource(t *testing.T) {
	table, err := exampleflags.Read("../examples/flags.txt")
	if err != nil {
		t.Fatal(err)
	}
	type input struct {
		name string
		src  []byte
		opts func(target string) compile.Options
		skip func(target string) bool
	}
	var inputs []input
	examples, _ := filepath.Glob("../examples/*.yaml")
	for _, ex := range examples {
		src, err := os.ReadFile(ex)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, input{ex, src, func(target string) compile.Options {
			o, err := exampleflags.Options(target, table.Flags("examples/"+filepath.Base(ex), target))
			if err != nil {
				t.Fatal(err)
			}
			return o
		}, func(target string) bool { return table.Refuses("examples/"+filepath.Base(ex), target) }})
	}
	for _, name := range stacks.Names() {
		for _, major := range []string{"", "ghcr.io/cloudnative-pg/postgresql:18-standard-trixie"} {
			spec := "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata: {name: s}\nspec:\n  stack: {name: " + name + "}\n"
			if major != "" {
				spec += "  image: " + major + "\n"
			}
			inputs = append(inputs, input{"stack " + name + " " + major, []byte(spec), func(target string) compile.Options {
				return compile.Options{Target: target, DropUnavailable: true, AllowTrunkPreloads: true, SuperuserAccess: true}
			}, func(string) bool { return false }})
		}
	}
	checked := 0
	for _, in := range inputs {
		for _, target := range exampleflags.Targets {
			if in.skip(target) {
				continue // refused, as examples/flags.txt documents
			}
			opts := in.opts(target)
			docs, _, err := compile.LoadDocuments(in.name, in.src)
			if err != nil {
				t.Fatalf("%s: %v", in.name, err)
			}
			opts.ImageSets = docs.ImageSets
			objs, _, err := compile.Compile(docs.CoreDBs, opts)
			if err != nil {
				t.Fatalf("%s on %s: %v", in.name, target, err)
			}
			var trunk []string
			for _, o := range objs {
				if j, ok := o.(*batchv1.Job); ok && j.Labels["app.kubernetes.io/component"] == "trunk-install" {
					if target == "cnpg" {
						t.Errorf("%s: target cnpg renders Trunk Job %s", in.name, j.Name)
					}
					trunk = append(trunk, trunkPackages(t, objs, j)...)
				}
			}
			for _, o := range objs {
				c, ok := o.(*cnpgv1.Cluster)
				if !ok {
					continue
				}
				if target == "cnpg" && strings.HasPrefix(c.Spec.ImageName, "quay.io/tembo/") {
					t.Errorf("%s: target cnpg runs Tembo's image %s", in.name, c.Spec.ImageName)
				}
				var declared []*sources.DeclaredImage
				for _, set := range docs.ImageSets {
					for _, d := range set.Spec.Images {
						declared = append(declared, &sources.DeclaredImage{Image: d.Image, Contrib: d.Contrib == nil || *d.Contrib, Extensions: d.Extensions, Libraries: d.Libraries})
					}
				}
				img := sources.Inspect(c.Spec.ImageName, declared)
				for _, lib := range startLibraries(c) {
					checked++
					if why := libraryMissing(lib, img, c.Spec.PostgresConfiguration.Extensions, trunk, opts); why != "" {
						t.Errorf("%s on target %s: Postgres would not start: %s", in.name, target, why)
					}
				}
			}
		}
	}
	t.Logf("%d preloaded libraries checked in %d inputs on %d targets", checked, len(inputs), len(exampleflags.Targets))
}

// startLibraries are the libraries Postgres loads at start.
func startLibraries(c *cnpgv1.Cluster) []string {
	libs := slices.Clone(c.Spec.PostgresConfiguration.AdditionalLibraries)
	for p := range c.Spec.PostgresConfiguration.Parameters {
		ns, _, ok := strings.Cut(p, ".")
		if !ok || slices.Contains(libs, ns) {
			continue
		}
		if e, found := extensions.Lookup(ns); found && e.CNPGManaged == ns {
			libs = append(libs, ns)
		}
	}
	return libs
}

// libraryMissing says why nothing provides lib, or "".
func libraryMissing(lib string, img sources.Image, volumes []cnpgv1.ExtensionConfiguration, trunk []string, opts compile.Options) string {
	e, known := extensions.Lookup(lib)
	if !known {
		return "library " + lib + " is not in the catalog, so no image is known to ship it"
	}
	if d := img.Declared; d != nil {
		if (d.Contrib && e.Contrib) || slices.Contains(d.Libraries, lib) || slices.ContainsFunc(e.SQL, func(s string) bool { return slices.Contains(d.Extensions, s) }) {
			return ""
		}
	} else if img.Family != nil && img.Family.ShipsEntry(e) {
		return ""
	}
	for _, v := range volumes {
		for _, x := range extensions.ExtensionImages() {
			for _, ref := range x.Images {
				if ref == v.ImageVolumeSource.Reference && slices.Contains(x.Ships, e.Name) {
					return ""
				}
			}
		}
	}
	if opts.AllowTrunkPreloads && slices.ContainsFunc(e.Trunk, func(p string) bool { return slices.Contains(trunk, p) }) {
		return ""
	}
	return "library " + lib + " is preloaded, and neither image " + img.Ref + " nor its image volumes nor an allowed Trunk install provides it"
}

// trunkPackages are the project names a Trunk Job installs.
func trunkPackages(t *testing.T, objs []compile.Object, j *batchv1.Job) []string {
	for _, v := range j.Spec.Template.Spec.Volumes {
		if v.ConfigMap == nil {
			continue
		}
		for _, o := range objs {
			if cm, ok := o.(*corev1.ConfigMap); ok && cm.Name == v.ConfigMap.Name {
				var out []string
				for _, line := range strings.Split(strings.TrimSpace(cm.Data["packages"]), "\n") {
					name, _, _ := strings.Cut(line, " ")
					out = append(out, name)
				}
				return out
			}
		}
	}
	t.Fatalf("Trunk Job %s has no package list", j.Name)
	return nil
}
