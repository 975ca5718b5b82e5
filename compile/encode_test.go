package compile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

// TestEncodeMatchesSigsYAML guards the shortcut in Encode: marshalling the
// unstructured map with yaml.v2 directly must give exactly the bytes
// sigs.k8s.io/yaml.Marshal (JSON first, then yaml.v2) gives, for every object
// every example renders.
func TestEncodeMatchesSigsYAML(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.yaml")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d, _, err := LoadDocuments(f, src)
		if err != nil {
			t.Fatal(err)
		}
		objs, _, err := Compile(d.CoreDBs, Options{DropUnavailable: true, SuperuserAccess: true, ImageSets: d.ImageSets}) // as examples/flags.txt
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, o := range objs {
			got, err := Encode([]Object{o}, FormatYAML)
			if err != nil {
				t.Fatal(err)
			}
			u, err := canonical(o)
			if err != nil {
				t.Fatal(err)
			}
			want, err := yaml.Marshal(u)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s: %s %s differs from sigs.k8s.io/yaml (-sigs +ours):\n%s", f, o.GetObjectKind().GroupVersionKind().Kind, o.GetName(), diff)
			}
		}
	}
}

// TestEncodeMatchesOldEncoder proves the switch to yamlenc: for every example
// (on both targets) and for generated specs of every stack, the stream
// Encode writes is byte for byte the one the previous encoder (yaml.v2's
// Marshal of each canonical map, joined by "---") wrote.
func TestEncodeMatchesOldEncoder(t *testing.T) {
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
				out, err := yamlv2.Marshal(u)
				if err != nil {
					t.Fatal(err)
				}
				want.Write(out)
			}
			if diff := cmp.Diff(want.String(), string(got)); diff != "" {
				t.Errorf("%s (target %s): new encoder differs from the old (-old +new):\n%s", in.name, target, diff)
			}
		}
	}
	if rendered < len(inputs) {
		t.Fatalf("only %d renders of %d inputs", rendered, len(inputs))
	}
	t.Logf("%d renders compared", rendered)
}
