package compile_test

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/coredb-dev/coredb/compile"
	"github.com/coredb-dev/coredb/internal/floor"
	sigsyaml "sigs.k8s.io/yaml"
)

// stackOptions render the Stacks and the seed as examples/flags.txt does:
// stock CloudNativePG has no source for some of their extensions, and some
// live in database postgres.
var stackOptions = compile.Options{DropUnavailable: true, SuperuserAccess: true}

// BenchmarkRenderSeed is one `coredb render` of the headline example, minus
// file I/O: Load, Compile, Encode.
func BenchmarkRenderSeed(b *testing.B) {
	src, err := os.ReadFile("../examples/sample-machine-learning.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		dbs, _, err := compile.Load("sample-machine-learning.yaml", src)
		if err != nil {
			b.Fatal(err)
		}
		objs, _, err := compile.Compile(dbs, stackOptions)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := compile.Encode(objs, compile.FormatYAML); err != nil {
			b.Fatal(err)
		}
	}
}

// genSpecs makes n distinct CoreDBs cycling through the stacks and sizes, as
// a platform team's repository of many databases would have.
func genSpecs(n int) [][]byte {
	stacks := []string{"Standard", "OLTP", "MessageQueue", "MachineLearning", "VectorDB", "Geospatial", "MongoAlternative", "Analytics", "Timeseries", "ParadeDB"}
	out := make([][]byte, n)
	for i := range n {
		mem := 1 << (i % 5) // 1..16Gi
		out[i] = fmt.Appendf(nil, `apiVersion: coredb.io/v1alpha1
kind: CoreDB
metadata:
  name: db-%04d
  namespace: team-%d
spec:
  replicas: %d
  storage: %dGi
  stack:
    name: %s
  resources:
    requests: {cpu: "2", memory: %dGi}
    limits: {cpu: "2", memory: %dGi}
  runtime_config:
    - {name: work_mem, value: 8MB}
  extensions:
    - name: hstore
      locations: [{database: app, enabled: true}]
`, i, i%7, 1+i%3, 10+i%200, stacks[i%len(stacks)], mem+4, mem+4)
	}
	return out
}

// BenchmarkRender1000 renders 1000 generated specs as one invocation would
// (`coredb render dir/` with 1000 files): load each, compile all, encode one
// stream.
func BenchmarkRender1000(b *testing.B) {
	benchRender(b, genSpecs(1000), stackOptions)
}

// BenchmarkRenderCommand1000 renders the same 1000 specs as `coredb render`
// does (compile.Render: each CoreDB's documents encoded right after its
// build, then written), on one goroutine like the other benchmarks. It is
// the render that BenchmarkValidate1000's share is taken of (issue 13);
// BenchmarkRender1000 keeps the library's Compile-then-Encode path.
func BenchmarkRenderCommand1000(b *testing.B) {
	specs := genSpecs(1000)
	b.ReportAllocs()
	for b.Loop() {
		docs, _, err := compile.Render(loadFleet(b, specs), stackOptions)
		if err != nil {
			b.Fatal(err)
		}
		if err := compile.WriteDocuments(io.Discard, docs); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRender times what the fleet benchmarks share: one invocation
// rendering all of specs (load each, compile all, encode one stream).
func benchRender(b *testing.B, specs [][]byte, opts compile.Options) {
	b.ReportAllocs()
	for b.Loop() {
		objs, _, err := compile.Compile(loadFleet(b, specs), opts)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := compile.Encode(objs, compile.FormatYAML); err != nil {
			b.Fatal(err)
		}
	}
}

// loadFleet loads specs as `coredb render dir/` loads a directory of files
// named db-0000.yaml onward. It runs inside the timed loop: loading is part
// of the work a fleet benchmark measures.
func loadFleet(b *testing.B, specs [][]byte) []*compile.CoreDB {
	var dbs []*compile.CoreDB
	for i, src := range specs {
		d, _, err := compile.Load(fmt.Sprintf("db-%04d.yaml", i), src)
		if err != nil {
			b.Fatal(err)
		}
		dbs = append(dbs, d...)
	}
	return dbs
}

// plainSpec is database i of the plain fleet: 3 instances, 7 settings, no
// stack (scripts/bench.sh renders the same files as whole processes).
func plainSpec(i int) []byte {
	return fmt.Appendf(nil, `apiVersion: coredb.io/v1alpha1
kind: CoreDB
metadata:
  name: db-%04d
  namespace: team-%d
spec:
  replicas: 3
  storage: %dGi
  resources:
    requests: {cpu: "2", memory: 4Gi}
    limits: {cpu: "2", memory: 4Gi}
  runtime_config:
    - {name: work_mem, value: %dMB}
    - {name: maintenance_work_mem, value: 256MB}
    - {name: max_connections, value: "200"}
    - {name: effective_io_concurrency, value: "200"}
    - {name: random_page_cost, value: "1.1"}
    - {name: log_min_duration_statement, value: "1000"}
    - {name: checkpoint_completion_target, value: "0.9"}
`, i, i%7, 10+i%200, 4+i%60)
}

// BenchmarkRenderPlain1000 renders 1000 plain databases as one invocation:
// the workload BenchmarkFloorSigsYAML1000 is the floor of.
func BenchmarkRenderPlain1000(b *testing.B) {
	specs := make([][]byte, 1000)
	for i := range specs {
		specs[i] = plainSpec(i)
	}
	benchRender(b, specs, compile.Options{})
}

// BenchmarkFloorSigsYAML1000 is the peer the issue measured coredb against:
// the 1000 plain Clusters built as typed CloudNativePG structs by hand and
// marshalled with sigs.k8s.io/yaml (what a Go program or a controller would
// write), without reading, checking or computing anything. `make bench`
// prints BenchmarkRenderPlain1000 as a multiple of it.
func BenchmarkFloorSigsYAML1000(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var out []byte
		for i := range 1000 {
			c := floor.Cluster(i)
			y, err := sigsyaml.Marshal(&c)
			if err != nil {
				b.Fatal(err)
			}
			if i > 0 {
				out = append(out, "---\n"...)
			}
			out = append(out, y...)
		}
		_ = out
	}
}

// TestFloorIsCoreDBOutput keeps the floor honest: the typed Cluster it
// marshals is what coredb renders for the same plain spec, but for what
// typed structs always carry and coredb drops (an empty affinity, the default
// syncReplicaElectionConstraint, an empty status).
func TestFloorIsCoreDBOutput(t *testing.T) {
	for _, i := range []int{0, 1, 999} {
		dbs, _, err := compile.Load("db.yaml", plainSpec(i))
		if err != nil {
			t.Fatal(err)
		}
		objs, _, err := compile.Compile(dbs, compile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := compile.Encode(objs, compile.FormatYAML)
		if err != nil {
			t.Fatal(err)
		}
		c := floor.Cluster(i)
		want, err := sigsyaml.Marshal(&c)
		if err != nil {
			t.Fatal(err)
		}
		floor := string(want)
		floor, _, _ = strings.Cut(floor, "status:\n")
		floor = strings.Replace(floor, "  affinity: {}\n", "", 1)
		floor = strings.Replace(floor, "    syncReplicaElectionConstraint:\n      enabled: false\n", "", 1)
		if string(got) != floor {
			t.Errorf("plainSpec(%d): coredb renders\n%s\nthe floor marshals\n%s", i, got, want)
		}
	}
}

// BenchmarkValidate1000 is BenchmarkRender1000 without the encoding: what
// `coredb validate` does.
func BenchmarkValidate1000(b *testing.B) {
	specs := genSpecs(1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := compile.Compile(loadFleet(b, specs), stackOptions); err != nil {
			b.Fatal(err)
		}
	}
}
