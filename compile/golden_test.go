package compile_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/coredb-dev/coredb/compile"
	"github.com/coredb-dev/coredb/internal/exampleflags"
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
	docs, _, err := compile.LoadDocuments(file, src)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	opts.ImageSets = append(opts.ImageSets, docs.ImageSets...)
	objs, _, err := compile.Compile(docs.CoreDBs, opts)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	out, err := compile.Encode(objs, compile.FormatYAML)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return out
}

// exampleOptions are the options examples/flags.txt gives an example on a
// target (the golden tests in cmd/coredb render the same with the real CLI).
func exampleOptions(t testing.TB, file, target string) compile.Options {
	t.Helper()
	table, err := exampleflags.Read("../examples/flags.txt")
	if err != nil {
		t.Fatal(err)
	}
	opts, err := exampleflags.Options(target, table.Flags("examples/"+filepath.Base(file), target))
	if err != nil {
		t.Fatal(err)
	}
	return opts
}

// refused reports whether examples/flags.txt says the target refuses the
// example.
func refused(t testing.TB, file, target string) bool {
	t.Helper()
	table, err := exampleflags.Read("../examples/flags.txt")
	if err != nil {
		t.Fatal(err)
	}
	return table.Refuses("examples/"+filepath.Base(file), target)
}

// TestDeterministic renders each example several times, and all examples as
// one input in two orders: the bytes must not change.
func TestDeterministic(t *testing.T) {
	examples, _ := filepath.Glob("../examples/*.yaml")
	for _, ex := range examples {
		for _, target := range exampleflags.Targets {
			if refused(t, ex, target) {
				continue
			}
			opts := exampleOptions(t, ex, target)
			first := render(t, ex, opts)
			for range 3 {
				if got := render(t, ex, opts); string(got) != string(first) {
					t.Fatalf("%s: output on target %s changed between runs", ex, target)
				}
			}
		}
	}
	load := func(files []string) []byte {
		var dbs []*compile.CoreDB
		// Every file renders with these (examples/flags.txt).
		opts := compile.Options{DropUnavailable: true, SuperuserAccess: true}
		for _, f := range files {
			src, _ := os.ReadFile(f)
			d, _, err := compile.LoadDocuments(f, src)
			if err != nil {
				t.Fatal(err)
			}
			dbs = append(dbs, d.CoreDBs...)
			opts.ImageSets = append(opts.ImageSets, d.ImageSets...)
		}
		objs, _, err := compile.Compile(dbs, opts)
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
		d, _, err := compile.LoadDocuments(f, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, db := range d.CoreDBs {
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
