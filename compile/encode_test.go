package compile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
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
