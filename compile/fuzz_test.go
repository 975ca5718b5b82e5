package compile_test

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coredb-dev/coredb/compile"
	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.yaml.in/yaml/v3"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// The fuzz targets of the loader and of the whole pipeline: the parts that
// read untrusted files. `make fuzz` runs every target of the module for
// FUZZTIME each; CI runs a short smoke of the same. Both seed from the
// examples, the conformance files and the hostile corpus; inputs the fuzzer
// found that once failed are kept in testdata/fuzz/<Target>/ and run by
// every `go test`.

type seed struct {
	name string
	src  []byte
}

// fuzzSeeds are the inputs every target starts from.
func fuzzSeeds(f testing.TB) []seed {
	f.Helper()
	var files []string
	for _, pattern := range []string{
		"../examples/*.yaml",
		// The shared conformance files sit beside the repository (in CI
		// too); a checkout without them still fuzzes from the examples.
		"../../shared/conformance/*/*.yaml",
	} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		files = append(files, m...)
	}
	var seeds []seed
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, seed{name, src})
	}
	for _, c := range hostileCases(f) {
		if len(c.src) < 16<<10 { // the big ones (alias-breadth, generated) only slow the fuzzer down
			seeds = append(seeds, seed{"hostile " + c.name, c.src})
		}
	}
	if len(seeds) < 50 {
		f.Fatalf("only %d seeds: examples missing?", len(seeds))
	}
	return seeds
}

// positioned is an error line as users see it: FILE:LINE:COL: or FILE: (a
// problem of the whole file, e.g. its size), then the path and message. The
// path is the keys as written, so it may start with a space (an unknown
// key " 000": testdata/fuzz/FuzzLoad/6240276f25840ffc).
var positioned = regexp.MustCompile(`^[^\s:]+(:[1-9][0-9]*:[1-9][0-9]*)?: .`)

// checkFailure: a failed Load or Compile returns no objects and only errors
// that name a file (and a line and column whenever they have a line).
func checkFailure(t *testing.T, stage string, err error, nothing any) {
	t.Helper()
	var el compile.ErrorList
	if !errors.As(err, &el) || len(el) == 0 {
		t.Fatalf("%s failed with %T %v, want a non-empty compile.ErrorList", stage, err, err)
	}
	if v := reflect.ValueOf(nothing); v.IsValid() && !v.IsNil() {
		t.Fatalf("%s failed but returned output %v", stage, nothing)
	}
	for _, e := range el {
		if e.Warning {
			t.Errorf("%s: a warning among the errors: %v", stage, e)
		}
		if e.File == "" || (e.Line > 0) != (e.Col > 0) || !positioned.MatchString(e.Error()) {
			t.Errorf("%s: error without a file:line:col or file: position: %q", stage, e.Error())
		}
	}
}

// FuzzLoad: the loader never panics; a success is the same on a second run;
// a failure has positioned errors and no documents.
func FuzzLoad(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s.src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		dbs, warns, err := compile.Load("fuzz.yaml", src)
		if err != nil {
			checkFailure(t, "Load", err, dbs)
			return
		}
		if len(dbs) == 0 {
			t.Fatal("Load succeeded with no documents")
		}
		for _, w := range warns {
			if !w.Warning || w.File != "fuzz.yaml" {
				t.Errorf("warning %q: not a warning of fuzz.yaml", w.Error())
			}
		}
		again, warns2, err := compile.Load("fuzz.yaml", src)
		if err != nil {
			t.Fatalf("second Load failed: %v", err)
		}
		if d := gocmp.Diff(dbs, again, cmpopts.EquateNaNs(), gocmp.Exporter(func(reflect.Type) bool { return true })); d != "" {
			t.Fatalf("second Load differs (-first +second):\n%s", d)
		}
		if warns.Error() != warns2.Error() {
			t.Fatalf("second Load warns differently:\n%s\n---\n%s", warns, warns2)
		}
	})
}

// fuzzRender is the CLI's pipeline for one file, ImageSet documents
// included, with superuser access on so that names reach the SQL Job too.
func fuzzRender(src []byte) ([]byte, []byte, int, error) {
	docs, _, err := compile.LoadDocuments("fuzz.yaml", src)
	if err != nil {
		return nil, nil, 0, err
	}
	objs, _, err := compile.Compile(docs.CoreDBs, compile.Options{SuperuserAccess: true, ImageSets: docs.ImageSets})
	if err != nil {
		return nil, nil, 0, err
	}
	y, err := compile.Encode(objs, compile.FormatYAML)
	if err != nil {
		return nil, nil, 0, errors.New("Encode yaml: " + err.Error())
	}
	j, err := compile.Encode(objs, compile.FormatJSON)
	if err != nil {
		return nil, nil, 0, errors.New("Encode json: " + err.Error())
	}
	return y, j, len(objs), nil
}

// FuzzRender runs Load, Compile and Encode: never a panic; a success gives
// the same bytes on a second run, and its YAML stream, read the way kubectl
// reads it and by a YAML 1.2 parser, holds exactly the objects of the JSON
// List; a failure has positioned errors and no output.
func FuzzRender(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s.src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		y, j, n, err := fuzzRender(src)
		if err != nil {
			if strings.HasPrefix(err.Error(), "Encode") {
				t.Fatal(err)
			}
			checkFailure(t, "render", err, y)
			return
		}
		y2, j2, _, err := fuzzRender(src)
		if err != nil || !bytes.Equal(y, y2) || !bytes.Equal(j, j2) {
			t.Fatalf("second render differs (err %v)", err)
		}
		checkSameObjects(t, y, j, n)
	})
}

// checkSameObjects: the YAML stream and the JSON List hold the same n
// objects, read as kubectl reads YAML (k8s.io/apimachinery's document
// reader and sigs.k8s.io/yaml) and as a YAML 1.2 reader does (yaml.v3).
func checkSameObjects(t *testing.T, y, j []byte, n int) {
	t.Helper()
	var list struct{ Items []any }
	if err := json.Unmarshal(j, &list); err != nil {
		t.Fatalf("json output does not parse: %v", err)
	}
	if len(list.Items) != n {
		t.Fatalf("json List has %d items, want %d", len(list.Items), n)
	}
	var kubectl []any
	r := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(y)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("yaml stream does not split: %v", err)
		}
		js, err := sigsyaml.YAMLToJSON(doc)
		if err != nil {
			t.Fatalf("yaml document %d does not parse: %v\n%s", len(kubectl)+1, err, doc)
		}
		var v any
		if err := json.Unmarshal(js, &v); err != nil {
			t.Fatal(err)
		}
		kubectl = append(kubectl, v)
	}
	if d := gocmp.Diff(list.Items, kubectl); d != "" {
		t.Fatalf("yaml read as kubectl does differs from the json List (-json +yaml):\n%s", d)
	}
	var yaml12 []any
	dec := yaml.NewDecoder(bytes.NewReader(y))
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("yaml stream does not parse as YAML 1.2: %v", err)
		}
		yaml12 = append(yaml12, jsonRoundTrip(t, v))
	}
	if d := gocmp.Diff(list.Items, yaml12); d != "" {
		t.Fatalf("yaml read by a YAML 1.2 parser differs from the json List (-json +yaml):\n%s", d)
	}
}

// jsonRoundTrip gives a yaml.v3 value the shapes encoding/json decodes to
// (float64 numbers, map[string]any).
func jsonRoundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("yaml value does not convert to JSON: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFuzzCorpusTiming times the whole pipeline on every input of the
// FuzzLoad and FuzzRender corpora and of the hostile corpus: the seeds,
// the big hostile inputs, testdata/fuzz and, under
// COREDB_FUZZ_CORPUS (the Go cache's fuzz directory of this package, set by
// scripts/fuzz.sh), what the fuzzer kept. It reports the slowest inputs and
// fails when one takes more than 2 s: a render should take milliseconds.
func TestFuzzCorpusTiming(t *testing.T) {
	dir := os.Getenv("COREDB_FUZZ_CORPUS")
	if dir == "" {
		t.Skip("set COREDB_FUZZ_CORPUS to the fuzz cache directory (make fuzz does)")
	}
	type timed struct {
		name string
		size int
		d    time.Duration
	}
	var all []timed
	// The best of 3 runs: the machine may be busy, and a first run pays
	// for loading the stacks.
	run := func(name string, src []byte) {
		best := time.Duration(1<<63 - 1)
		for range 3 {
			start := time.Now()
			_, _, _, _ = fuzzRender(src)
			best = min(best, time.Since(start))
		}
		all = append(all, timed{name, len(src), best})
	}
	for _, s := range fuzzSeeds(t) {
		run("seed "+s.name, s.src)
	}
	for _, c := range hostileCases(t) {
		if len(c.src) >= 16<<10 { // the smaller ones are seeds, above
			run("hostile "+c.name, c.src)
		}
	}
	for _, target := range []string{"FuzzLoad", "FuzzRender"} {
		for _, d := range []string{filepath.Join("testdata/fuzz", target), filepath.Join(dir, target)} {
			entries, _ := os.ReadDir(d) // missing: nothing found yet
			for _, e := range entries {
				src, err := readCorpusFile(filepath.Join(d, e.Name()))
				if err != nil {
					t.Errorf("%s: %v", e.Name(), err)
					continue
				}
				run(filepath.Join(filepath.Base(d), e.Name()), src)
			}
		}
	}
	slices.SortFunc(all, func(a, b timed) int { return cmp.Compare(b.d, a.d) })
	t.Logf("%d inputs; slowest:", len(all))
	for _, x := range all[:min(5, len(all))] {
		t.Logf("  %v  %d bytes  %s", x.d.Round(time.Microsecond), x.size, x.name)
	}
	if len(all) > 0 && all[0].d > 2*time.Second {
		t.Errorf("%s took %v", all[0].name, all[0].d)
	}
}

// readCorpusFile reads one input of a []byte fuzz target in the
// "go test fuzz v1" format.
func readCorpusFile(name string) ([]byte, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	head, body, _ := strings.Cut(string(b), "\n")
	body = strings.TrimSpace(body)
	if head != "go test fuzz v1" || !strings.HasPrefix(body, "[]byte(") || !strings.HasSuffix(body, ")") {
		return nil, fmt.Errorf("not a go test fuzz v1 file of one []byte")
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(body, "[]byte("), ")"))
	return []byte(s), err
}
