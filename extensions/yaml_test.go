package extensions

import (
	"bytes"
	_ "embed"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// The catalogs as people edit and review them, with a source for every
// fact. Only the tests read the YAML: they generate and check catalog.json
// and images.json from it (TestDerivedJSON), which is what coredb embeds.

//go:embed catalog.yaml
var catalogYAML []byte

//go:embed images.yaml
var imagesYAML []byte

// parse reads and checks catalog.yaml.
func parse(src []byte) (*catalog, error) {
	entries, err := decodeCatalog(src)
	if err != nil {
		return nil, err
	}
	return check(entries)
}

// decodeCatalog reads catalog.yaml strictly.
func decodeCatalog(src []byte) ([]Entry, error) {
	var doc struct {
		Extensions []Entry `yaml:"extensions"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("extension catalog: %w", err)
	}
	return doc.Extensions, nil
}

// parseImages reads and checks images.yaml.
func parseImages(src []byte) (*imageCatalog, error) {
	c, err := decodeImages(src)
	if err != nil {
		return nil, err
	}
	return checkImageCatalog(c)
}

// decodeImages reads images.yaml strictly.
func decodeImages(src []byte) (imageCatalog, error) {
	var c imageCatalog
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("image catalog: %w", err)
	}
	return c, nil
}
