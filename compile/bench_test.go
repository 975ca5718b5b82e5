package compile_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/coredb-dev/coredb/compile"
)

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
		objs, _, err := compile.Compile(dbs, compile.Options{})
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
	specs := genSpecs(1000)
	b.ReportAllocs()
	for b.Loop() {
		var dbs []*compile.CoreDB
		for i, src := range specs {
			d, _, err := compile.Load(fmt.Sprintf("db-%04d.yaml", i), src)
			if err != nil {
				b.Fatal(err)
			}
			dbs = append(dbs, d...)
		}
		objs, _, err := compile.Compile(dbs, compile.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := compile.Encode(objs, compile.FormatYAML); err != nil {
			b.Fatal(err)
		}
	}
}
