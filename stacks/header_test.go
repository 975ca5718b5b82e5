package stacks

import (
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestHeaderFromPrefix: every stack's name and aliases read from the lines
// before its other keys are those of the whole file, and come from the
// prefix, not the fallback.
func TestHeaderFromPrefix(t *testing.T) {
	entries, err := files.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range entries {
		src, err := files.ReadFile(d.Name())
		if err != nil {
			t.Fatal(err)
		}
		var whole, prefix header
		if err := yaml.Unmarshal(src, &whole); err != nil {
			t.Fatal(err)
		}
		p := headerPrefix(src)
		if err := yaml.Unmarshal(p, &prefix); err != nil {
			t.Fatalf("%s: prefix: %v", d.Name(), err)
		}
		if len(p) == len(src) || len(p) > len(src)/3 {
			t.Errorf("%s: the prefix is %d of %d bytes", d.Name(), len(p), len(src))
		}
		if whole.Name == "" || !reflect.DeepEqual(whole, prefix) {
			t.Errorf("%s: prefix gives %+v, the whole file %+v", d.Name(), prefix, whole)
		}
	}
	// A header after other keys is still found, from the whole file.
	h, err := readHeader([]byte("description: x\nname: Late\naliases: [L]\n"))
	if err != nil || h.Name != "Late" || len(h.Aliases) != 1 {
		t.Errorf("late header: %+v, %v", h, err)
	}
}

// BenchmarkLoad indexes the embedded stacks, as the first render with a
// stack does.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := load(); err != nil {
			b.Fatal(err)
		}
	}
}
