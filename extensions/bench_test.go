package extensions

import (
	"encoding/json"
	"testing"
)

// BenchmarkLoadYAML and BenchmarkLoadJSON: loading both catalogs from their
// YAML (what people edit) and from the derived JSON (what a render reads).
func BenchmarkLoadYAML(b *testing.B) {
	for b.Loop() {
		if _, err := parse(catalogYAML); err != nil {
			b.Fatal(err)
		}
		if _, err := parseImages(imagesYAML); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadJSON(b *testing.B) {
	for b.Loop() {
		var doc derivedCatalog
		if err := json.Unmarshal(catalogJSON, &doc); err != nil {
			b.Fatal(err)
		}
		if _, err := check(doc.Extensions); err != nil {
			b.Fatal(err)
		}
		var d2 derivedImages
		if err := json.Unmarshal(imagesJSON, &d2); err != nil {
			b.Fatal(err)
		}
		if _, err := checkImageCatalog(d2.imageCatalog); err != nil {
			b.Fatal(err)
		}
	}
}
