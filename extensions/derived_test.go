package extensions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDerivedJSON holds catalog.json and images.json to the YAML they are
// generated from: byte for byte what the YAML decodes to, written here with
// COREDB_UPDATE=1 (make golden). And what a render loads from them is what
// the YAML gives.
func TestDerivedJSON(t *testing.T) {
	entries, err := decodeCatalog(catalogYAML)
	if err != nil {
		t.Fatal(err)
	}
	images, err := decodeImages(imagesYAML)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name, from string
		doc        any
		embedded   []byte
	}{
		{"catalog.json", "catalog.yaml", derivedCatalog{Comment: fmt.Sprintf(generatedNote, "catalog.yaml"), Extensions: entries}, catalogJSON},
		{"images.json", "images.yaml", derivedImages{Comment: fmt.Sprintf(generatedNote, "images.yaml"), imageCatalog: images}, imagesJSON},
	} {
		want, err := json.MarshalIndent(f.doc, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, '\n')
		if os.Getenv("COREDB_UPDATE") != "" {
			if err := os.WriteFile(f.name, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if !bytes.Equal(want, f.embedded) {
			t.Errorf("%s is not what %s says (run make golden):\n%s", f.name, f.from, cmp.Diff(string(want), string(f.embedded)))
		}
	}

	if os.Getenv("COREDB_UPDATE") != "" {
		return // the files are embedded when the test binary is built: run again
	}
	fromYAML, err := parse(catalogYAML)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := load()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(fromYAML.entries, loaded.entries); d != "" {
		t.Errorf("catalog loaded from catalog.json differs from catalog.yaml:\n%s", d)
	}
	imgYAML, err := parseImages(imagesYAML)
	if err != nil {
		t.Fatal(err)
	}
	imgLoaded, err := loadImages()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(imgYAML, imgLoaded, cmp.AllowUnexported(imageCatalog{})); d != "" {
		t.Errorf("image catalog loaded from images.json differs from images.yaml:\n%s", d)
	}
}
