package jsonvalue

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"
)

// goldenJSON is every object of the headline example's reviewed output, as
// the JSON encoding/json writes for it: what the encoder parses per render.
func goldenJSON(b *testing.B) [][]byte {
	src, err := os.ReadFile("../../golden/sample-machine-learning.yaml")
	if err != nil {
		b.Fatal(err)
	}
	var docs [][]byte
	for _, d := range strings.Split(string(src), "\n---\n") {
		j, err := sigsyaml.YAMLToJSON([]byte(d))
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, j)
	}
	return docs
}

func BenchmarkParse(b *testing.B) {
	docs := goldenJSON(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			if _, err := Parse(d); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkEncodingJSON is the same with encoding/json, what the encoder
// used before.
func BenchmarkEncodingJSON(b *testing.B) {
	docs := goldenJSON(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			dec := json.NewDecoder(bytes.NewReader(d))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				b.Fatal(err)
			}
		}
	}
}
