package compile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// TestEncodeMatchesSigsYAML: for every example (on both targets) and for
// generated specs of every stack, the stream Encode writes (compile/yamlenc)
// is byte for byte what sigs.k8s.io/yaml.Marshal gives for each canonical
// map, joined by "---": the bytes coredb wrote before it had its own
// encoder, and what any Kubernetes Go program would write.
func TestEncodeMatchesSigsYAML(t *testing.T) {
	var inputs []struct {
		name string
		src  []byte
	}
	files, _ := filepath.Glob("../examples/*.yaml")
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, struct {
			name string
			src  []byte
		}{f, src})
	}
	stacks := []string{"Standard", "OLTP", "MessageQueue", "MachineLearning", "VectorDB", "Geospatial", "MongoAlternative", "Analytics", "Timeseries", "ParadeDB"}
	for i, st := range stacks {
		src := fmt.Appendf(nil, "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata: {name: db-%d, namespace: team-%d, labels: {\"on\": \"yes\"}}\nspec:\n  replicas: %d\n  stack: {name: %s}\n  runtime_config: [{name: work_mem, value: 8MB}, {name: search_path, value: '\"$user\", public'}]\n", i, i, 1+i%3, st)
		inputs = append(inputs, struct {
			name string
			src  []byte
		}{st, src})
	}
	rendered := 0
	for _, in := range inputs {
		d, _, err := LoadDocuments(in.name, in.src)
		if err != nil {
			t.Fatal(err)
		}
		for _, target := range []string{"cnpg", "tembo"} {
			opts := Options{Target: target, DropUnavailable: true, SuperuserAccess: true, AllowTrunkPreloads: true, ImageSets: d.ImageSets}
			objs, _, err := Compile(d.CoreDBs, opts)
			if err != nil {
				continue // not every example renders on both targets
			}
			rendered++
			got, err := Encode(objs, FormatYAML)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			for i, o := range sortObjects(objs) {
				u, err := canonical(o)
				if err != nil {
					t.Fatal(err)
				}
				if i > 0 {
					want.WriteString("---\n")
				}
				out, err := yaml.Marshal(u)
				if err != nil {
					t.Fatal(err)
				}
				want.Write(out)
			}
			if diff := cmp.Diff(want.String(), string(got)); diff != "" {
				t.Errorf("%s (target %s): Encode differs from sigs.k8s.io/yaml (-sigs +ours):\n%s", in.name, target, diff)
			}
		}
	}
	if rendered < len(inputs) {
		t.Fatalf("only %d renders of %d inputs", rendered, len(inputs))
	}
	t.Logf("%d renders compared", rendered)
}
