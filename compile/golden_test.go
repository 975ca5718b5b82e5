package compile_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coredb-dev/coredb/compile"
	"github.com/google/go-cmp/cmp"
)

// update reports whether golden files should be rewritten instead of
// compared: COREDB_UPDATE=1 go test ./... (a -update flag would break every
// package that does not define it).
func update() bool { return os.Getenv("COREDB_UPDATE") != "" }

// render runs the whole pipeline on one file, as `coredb render FILE` does.
func render(t testing.TB, file string, opts compile.Options) []byte {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dbs, _, err := compile.Load(file, src)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	objs, _, err := compile.Compile(dbs, opts)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	out, err := compile.Encode(objs, compile.FormatYAML)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return out
}

// exampleOptions are the options of examples that exercise a command-line
// flag, by file name (the example's header comment shows the command line).
// Other examples render with the zero Options, as `coredb render FILE` does.
var exampleOptions = map[string]compile.Options{
	"network-ingress.yaml": {IngressClass: "nginx", IngressHost: "{name}.db.example.com"},
}

// TestGolden renders every example and compares it byte for byte with its
// reviewed output in golden/.
func TestGolden(t *testing.T) {
	examples, err := filepath.Glob("../examples/*.yaml")
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	want := map[string]bool{}
	for _, ex := range examples {
		base := filepath.Base(ex)
		want[base] = true
		t.Run(strings.TrimSuffix(base, ".yaml"), func(t *testing.T) {
			got := render(t, ex, exampleOptions[base])
			golden := filepath.Join("../golden", base)
			if update() {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			exp, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run COREDB_UPDATE=1 go test ./compile to create it, then review it)", err)
			}
			if diff := cmp.Diff(string(exp), string(got)); diff != "" {
				t.Errorf("%s differs from the rendered output (-want +got):\n%s", golden, diff)
			}
		})
	}
	goldens, _ := filepath.Glob("../golden/*.yaml")
	for _, g := range goldens {
		if !want[filepath.Base(g)] {
			t.Errorf("%s has no example in examples/; remove it or add the example", g)
		}
	}
}

// TestDeterministic renders each example several times, and all examples as
// one input in two orders: the bytes must not change.
func TestDeterministic(t *testing.T) {
	examples, _ := filepath.Glob("../examples/*.yaml")
	for _, ex := range examples {
		opts := exampleOptions[filepath.Base(ex)]
		first := render(t, ex, opts)
		for range 5 {
			if got := render(t, ex, opts); string(got) != string(first) {
				t.Fatalf("%s: output changed between runs", ex)
			}
		}
	}
	load := func(files []string) []byte {
		var dbs []*compile.CoreDB
		for _, f := range files {
			src, _ := os.ReadFile(f)
			d, _, err := compile.Load(f, src)
			if err != nil {
				t.Fatal(err)
			}
			dbs = append(dbs, d...)
		}
		objs, _, err := compile.Compile(dbs, compile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		out, err := compile.Encode(objs, compile.FormatYAML)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	slices.Sort(examples)
	rev := slices.Clone(examples)
	slices.Reverse(rev)
	// Which of two same-named files is kept depends on order, so compare
	// only inputs with unique names.
	examples, rev = uniqueNames(t, examples), uniqueNames(t, rev)
	if a, b := load(examples), load(rev); string(a) != string(b) {
		t.Fatalf("output depends on input order:\n%s", cmp.Diff(string(a), string(b)))
	}
}

// uniqueNames keeps the files whose CoreDB names appear in no other file.
func uniqueNames(t *testing.T, files []string) []string {
	count := map[string]int{}
	names := map[string][]string{}
	for _, f := range files {
		src, _ := os.ReadFile(f)
		dbs, _, err := compile.Load(f, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, db := range dbs {
			count[db.Metadata.Name]++
			names[f] = append(names[f], db.Metadata.Name)
		}
	}
	var out []string
	for _, f := range files {
		if !slices.ContainsFunc(names[f], func(n string) bool { return count[n] > 1 }) {
			out = append(out, f)
		}
	}
	return out
}
