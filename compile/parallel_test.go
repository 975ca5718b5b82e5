package compile_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coredb-dev/coredb/compile"
	"github.com/google/go-cmp/cmp"
)

// loadExamples loads every example as one fleet, as `coredb render
// examples/` does: all CoreDBs, and every ImageSet for all of them.
// Files examples/flags.txt says the target refuses are left out.
func loadExamples(t *testing.T, target string) ([]*compile.CoreDB, []*compile.ImageSet) {
	t.Helper()
	files, err := filepath.Glob("../examples/*.yaml")
	if err != nil || len(files) < 20 {
		t.Fatalf("examples: %v, %d files", err, len(files))
	}
	var (
		dbs  []*compile.CoreDB
		sets []*compile.ImageSet
	)
	for i, f := range files {
		if refused(t, f, target) {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs, _, err := compile.LoadDocuments(f, src)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// Several examples name the same database; a namespace per file
		// keeps the fleet free of duplicate objects.
		for _, db := range docs.CoreDBs {
			db.Metadata.Namespace = fmt.Sprintf("ex-%d", i)
		}
		dbs = append(dbs, docs.CoreDBs...)
		sets = append(sets, docs.ImageSets...)
	}
	return dbs, sets
}

// TestParallelSameOutput proves that building CoreDBs on several goroutines
// (Options.Workers) changes nothing (encoding them as they build is
// TestRenderMatchesEncode's):
// the same objects in the same bytes, the same warnings and errors in the
// same order, for every example as one fleet on both targets, with the flags
// that make them render and without (where many are refused). Under -race
// (make test) it is also the check that builds share nothing they write.
func TestParallelSameOutput(t *testing.T) {
	for _, target := range []string{"cnpg", "tembo"} {
		for _, permissive := range []bool{true, false} {
			name := target + "/plain"
			if permissive {
				name = target + "/permissive"
			}
			t.Run(name, func(t *testing.T) {
				type result struct {
					yaml, json []byte
					diag       string
				}
				run := func(workers int) result {
					dbs, sets := loadExamples(t, target)
					opts := compile.Options{Target: target, ImageSets: sets, Workers: workers,
						IngressClass: "nginx", IngressHost: "{name}.db.example.com"}
					if permissive {
						opts.DropUnavailable, opts.SuperuserAccess, opts.AllowTrunkPreloads = true, true, true
					}
					objs, warns, err := compile.Compile(dbs, opts)
					r := result{diag: warns.Error()}
					if err != nil {
						r.diag += "\nerrors:\n" + err.Error()
						return r
					}
					var y, j bytes.Buffer
					if err := compile.EncodeTo(&y, objs, compile.FormatYAML); err != nil {
						t.Fatal(err)
					}
					if err := compile.EncodeTo(&j, objs, compile.FormatJSON); err != nil {
						t.Fatal(err)
					}
					r.yaml, r.json = y.Bytes(), j.Bytes()
					return r
				}
				want := run(1)
				if permissive && len(want.yaml) == 0 {
					t.Fatalf("the permissive fleet did not render: %s", want.diag)
				}
				if !permissive && want.diag == "" {
					t.Fatal("the plain fleet reported nothing; it should refuse the stacks on target cnpg")
				}
				for _, workers := range []int{2, 3, 8} {
					got := run(workers)
					if d := cmp.Diff(want.diag, got.diag); d != "" {
						t.Errorf("%d workers: diagnostics differ (-1 worker +%d):\n%s", workers, workers, d)
					}
					if !bytes.Equal(want.yaml, got.yaml) {
						t.Errorf("%d workers: YAML differs:\n%s", workers, cmp.Diff(string(want.yaml), string(got.yaml)))
					}
					if !bytes.Equal(want.json, got.json) {
						t.Errorf("%d workers: JSON differs", workers)
					}
				}
			})
		}
	}
}

// TestRenderMatchesEncode: Render's documents, written by WriteDocuments,
// are the bytes Encode gives for Compile's objects, for every example as one
// fleet on both targets, sequential and parallel; and Render reports what
// Compile reports.
func TestRenderMatchesEncode(t *testing.T) {
	for _, target := range []string{"cnpg", "tembo"} {
		for _, workers := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/%d", target, workers), func(t *testing.T) {
				opts := func(sets []*compile.ImageSet) compile.Options {
					return compile.Options{Target: target, ImageSets: sets, Workers: workers,
						DropUnavailable: true, SuperuserAccess: true, AllowTrunkPreloads: true,
						IngressClass: "nginx", IngressHost: "{name}.db.example.com"}
				}
				dbs, sets := loadExamples(t, target)
				objs, wantWarns, err := compile.Compile(dbs, opts(sets))
				if err != nil {
					t.Fatal(err)
				}
				want, err := compile.Encode(objs, compile.FormatYAML)
				if err != nil {
					t.Fatal(err)
				}
				dbs, sets = loadExamples(t, target)
				docs, warns, err := compile.Render(dbs, opts(sets))
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(wantWarns.Error(), warns.Error()); d != "" {
					t.Errorf("warnings differ:\n%s", d)
				}
				var got bytes.Buffer
				if err := compile.WriteDocuments(&got, docs); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(want, got.Bytes()) {
					t.Errorf("Render differs from Encode(Compile):\n%s", cmp.Diff(string(want), got.String()))
				}
				if len(docs) != len(objs) || len(docs) < 100 {
					t.Errorf("%d documents for %d objects", len(docs), len(objs))
				}
			})
		}
	}
}

// TestRenderReportsErrors: a fleet with errors renders no documents and
// reports what Compile reports, duplicates included.
func TestRenderReportsErrors(t *testing.T) {
	src := []byte(`apiVersion: coredb.io/v1alpha1
kind: CoreDB
metadata: {name: same}
spec: {replicas: 1}
---
apiVersion: coredb.io/v1alpha1
kind: CoreDB
metadata: {name: same}
spec: {replicas: 1, stack: {name: MachineLearning}}
`)
	load := func() []*compile.CoreDB {
		docs, _, err := compile.LoadDocuments("fleet.yaml", src)
		if err != nil {
			t.Fatal(err)
		}
		return docs.CoreDBs
	}
	_, _, wantErr := compile.Compile(load(), compile.Options{Workers: 2})
	docs, _, err := compile.Render(load(), compile.Options{Workers: 2})
	if wantErr == nil || err == nil || docs != nil {
		t.Fatalf("want errors from both: Compile %v; Render %v, %d documents", wantErr, err, len(docs))
	}
	if d := cmp.Diff(wantErr.Error(), err.Error()); d != "" {
		t.Errorf("errors differ:\n%s", d)
	}
	if !strings.Contains(err.Error(), "two CoreDBs produce the same object") {
		t.Errorf("no duplicate reported:\n%v", err)
	}
}

// TestValidateMatchesCompile: Validate reports what Compile reports and
// names the objects Compile builds, in the same order, on every example as
// one fleet, on both targets, with and without the flags that make them
// render.
func TestValidateMatchesCompile(t *testing.T) {
	for _, target := range []string{"cnpg", "tembo"} {
		for _, permissive := range []bool{true, false} {
			opts := func(sets []*compile.ImageSet) compile.Options {
				o := compile.Options{Target: target, ImageSets: sets, Workers: 2}
				o.DropUnavailable, o.SuperuserAccess, o.AllowTrunkPreloads = permissive, permissive, permissive
				return o
			}
			dbs, sets := loadExamples(t, target)
			objs, wantWarns, wantErr := compile.Compile(dbs, opts(sets))
			dbs, sets = loadExamples(t, target)
			refs, warns, err := compile.Validate(dbs, opts(sets))
			if d := cmp.Diff(wantWarns.Error(), warns.Error()); d != "" {
				t.Errorf("%s %v: warnings differ:\n%s", target, permissive, d)
			}
			if fmt.Sprint(wantErr) != fmt.Sprint(err) {
				t.Errorf("%s %v: errors differ:\n%v\n%v", target, permissive, wantErr, err)
			}
			if len(refs) != len(objs) {
				t.Fatalf("%s %v: %d names for %d objects", target, permissive, len(refs), len(objs))
			}
			for i, o := range objs {
				r := refs[i]
				if r.Kind != o.GetObjectKind().GroupVersionKind().Kind || r.Namespace != o.GetNamespace() || r.Name != o.GetName() || r.YAML != nil {
					t.Errorf("%s %v: object %d is %s %s/%s, Validate names %+v", target, permissive, i, o.GetObjectKind().GroupVersionKind().Kind, o.GetNamespace(), o.GetName(), r)
				}
			}
		}
	}
}
