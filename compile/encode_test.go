package compile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/coredb-dev/coredb/compile/yamlenc"
	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"
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

// TestCanonicalMatchesUnstructured proves the switch of canonical from
// Kubernetes' unstructured converter to a JSON round trip: for every object
// of every example on both targets, both give the same YAML and JSON.
func TestCanonicalMatchesUnstructured(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.yaml")
	n := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d, _, err := LoadDocuments(f, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, target := range []string{"cnpg", "tembo"} {
			objs, _, err := Compile(d.CoreDBs, Options{Target: target, DropUnavailable: true, SuperuserAccess: true, AllowTrunkPreloads: true, ImageSets: d.ImageSets})
			if err != nil {
				continue
			}
			for _, o := range objs {
				n++
				got, err := canonical(o)
				if err != nil {
					t.Fatal(err)
				}
				want, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
				if err != nil {
					t.Fatal(err)
				}
				delete(want, "status")
				if md, ok := want["metadata"].(map[string]any); ok {
					delete(md, "creationTimestamp")
				}
				dropDefaultSyncConstraint(want)
				dropNulls(want)
				protectFromSubstitution(want)
				gy, err := yamlenc.Append(nil, got)
				if err != nil {
					t.Fatal(err)
				}
				wy, err := yamlenc.Append(nil, want)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(string(wy), string(gy)); diff != "" {
					t.Errorf("%s %s %s: YAML differs (-unstructured +json):\n%s", f, target, o.GetName(), diff)
				}
				gj, _ := json.Marshal(got)
				wj, _ := json.Marshal(want)
				if string(gj) != string(wj) {
					t.Errorf("%s %s %s: JSON differs:\n%s\n%s", f, target, o.GetName(), wj, gj)
				}
			}
		}
	}
	if n < 200 {
		t.Fatalf("only %d objects compared", n)
	}
	t.Logf("%d objects compared", n)
}
