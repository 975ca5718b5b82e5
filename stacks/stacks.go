// Package stacks holds every current Tembo Stack as embedded YAML data.
//
// Each stacks/<name>.yaml file is one stack, in the schema the compiler decodes
// strictly (its sub-objects use CoreDB's own keys). This package only finds a
// stack by name: it reads `name` and `aliases` out of each file and hands the
// raw bytes to the caller, which decodes them with the same decoder as a user's
// CoreDB file so that errors in stack data carry file positions too.
package stacks

import (
	"bytes"
	"embed"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/coredb-dev/coredb/internal/suggest"
	"go.yaml.in/yaml/v3"
)

//go:embed *.yaml
var files embed.FS

// dir is the directory shown in error messages and returned by Lookup.
const dir = "stacks"

// entry is one stack file.
type entry struct {
	canonical string
	file      string // stacks/<name>.yaml
	src       []byte
}

// index maps every normalised name and alias to its stack.
type index struct {
	names  []string          // canonical names, sorted case-insensitively
	byName map[string]*entry // normalised name or alias -> stack
}

// header is the part of a stack file the index needs.
type header struct {
	Name    string   `yaml:"name"`
	Aliases []string `yaml:"aliases"`
}

// Names returns the canonical stack names, sorted case-insensitively.
func Names() []string {
	ix, _ := cached() // on a broken file, the names indexed before it
	return slices.Clone(ix.names)
}

// Lookup resolves a user-given stack name (case-insensitive; '-', '_' and
// spaces ignored; aliases included) and returns the canonical name, the file
// path to show in errors (e.g. "stacks/machine-learning.yaml") and the raw bytes.
func Lookup(name string) (canonical, file string, src []byte, err error) {
	ix, err := cached()
	if err != nil {
		return "", "", nil, err
	}
	if e, ok := ix.byName[normalize(name)]; ok {
		return e.canonical, e.file, e.src, nil
	}
	e := &UnknownStackError{Name: name, Known: slices.Clone(ix.names)}
	if s, ok := removed(name); ok {
		e.Removed, e.Suggestion = true, s
	} else {
		e.Suggestion = ix.suggest(name)
	}
	return "", "", nil, e
}

// UnknownStackError is the error Lookup returns for a name that is neither a
// stack nor an alias.
type UnknownStackError struct {
	Name       string   // as the user wrote it
	Known      []string // canonical names, sorted case-insensitively
	Suggestion string   // a canonical name to suggest, or ""
	// Removed is true when Name is a stack Tembo once had and removed
	// (Search, OLAP, DataWarehouse, API, RAG); Suggestion is then its closest
	// current stack.
	Removed bool
}

func (e *UnknownStackError) Error() string {
	msg := fmt.Sprintf("unknown stack %q (known: %s)", e.Name, strings.Join(e.Known, ", "))
	if e.Suggestion != "" {
		msg += fmt.Sprintf(" did you mean %q?", e.Suggestion)
	}
	if e.Removed {
		msg += " (Tembo removed this stack; the suggestion is the closest current one)"
	}
	return msg
}

// removed maps the stacks Tembo deleted before 6959a11b (tembo-operator.md §2,
// "Removed stacks") to the current stack closest in purpose. They are not
// aliases: their extensions and settings differ from the suggestion's.
func removed(name string) (successor string, ok bool) {
	switch normalize(name) {
	case "search": // pg_search; removed in #976
		return "ParadeDB", true
	case "olap", "datawarehouse": // olap engine, columnar; removed in #1123
		return "Analytics", true
	case "rag": // vectorize and the embeddings app; removed in #1070
		return "VectorDB", true
	case "api": // a PostgREST app on Standard; removed in #1095
		return "Standard", true
	}
	return "", false
}

// cached indexes the embedded files once per process: the data is compiled
// in and never changes, and rendering a thousand specs must not parse every
// stack a thousand times. Callers get copies of the slices; src is shared and
// must not be modified.
var cached = sync.OnceValues(load)

// readHeader reads a stack's name and aliases. Indexing the stacks is the
// first thing any render with a stack does, and parsing all ten files whole
// to find their names took 4 ms (issue 13), so it parses only the lines
// before the first other top-level key, where every stack file keeps them
// (TestHeaderFromPrefix). Should a file put them elsewhere, the prefix has
// no name and the whole file is read.
func readHeader(src []byte) (header, error) {
	var h header
	if err := yaml.Unmarshal(headerPrefix(src), &h); err == nil && h.Name != "" {
		return h, nil
	}
	h = header{}
	err := yaml.Unmarshal(src, &h)
	return h, err
}

// headerPrefix is src up to the first line that starts a top-level key
// other than name and aliases.
func headerPrefix(src []byte) []byte {
	off := 0
	for off < len(src) {
		line := src[off:]
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i+1]
		}
		if key, ok := topLevelKey(line); ok && key != "name" && key != "aliases" {
			return src[:off]
		}
		off += len(line)
	}
	return src
}

// topLevelKey is the key a line starts at column 0 ("name: x" -> name).
func topLevelKey(line []byte) (string, bool) {
	if len(line) == 0 || !unicode.IsLetter(rune(line[0])) {
		return "", false
	}
	key, _, ok := bytes.Cut(line, []byte(":"))
	return string(key), ok
}

// load reads every embedded stack file. On error it returns what it could
// index so far.
func load() (index, error) {
	ix := index{byName: map[string]*entry{}}
	dirents, err := files.ReadDir(".")
	if err != nil {
		return ix, fmt.Errorf("reading embedded stacks: %w", err)
	}
	for _, d := range dirents {
		if d.IsDir() || path.Ext(d.Name()) != ".yaml" {
			continue
		}
		file := path.Join(dir, d.Name())
		src, err := files.ReadFile(d.Name())
		if err != nil {
			return ix.sorted(), fmt.Errorf("%s: %w", file, err)
		}
		h, err := readHeader(src)
		if err != nil {
			return ix.sorted(), fmt.Errorf("%s: %w", file, err)
		}
		if normalize(h.Name) == "" {
			return ix.sorted(), fmt.Errorf("%s: stack has no name", file)
		}
		e := &entry{canonical: h.Name, file: file, src: src}
		for _, n := range append([]string{h.Name}, h.Aliases...) {
			key := normalize(n)
			if key == "" {
				return ix.sorted(), fmt.Errorf("%s: empty alias", file)
			}
			if prev, dup := ix.byName[key]; dup {
				return ix.sorted(), fmt.Errorf("%s: name %q is already used by %s", file, n, prev.file)
			}
			ix.byName[key] = e
		}
		ix.names = append(ix.names, h.Name)
	}
	return ix.sorted(), nil
}

// sorted orders the canonical names case-insensitively (ties by byte order,
// so the result never depends on directory order).
func (ix index) sorted() index {
	slices.SortFunc(ix.names, func(a, b string) int {
		if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return ix
}

// suggest returns the canonical name of the stack whose name or alias is
// closest to name, if it is close enough to be a likely typo, else "".
func (ix index) suggest(name string) string {
	in := normalize(name)
	if in == "" {
		return ""
	}
	best, bestDist := "", -1
	for key, e := range ix.byName {
		limit := 1 + len([]rune(key))/5
		if n := len([]rune(in)) - len([]rune(key)); n > limit || -n > limit {
			continue // the distance is at least the length difference
		}
		if d := suggest.Distance(in, key); d <= limit &&
			(bestDist < 0 || d < bestDist || (d == bestDist && e.canonical < best)) {
			best, bestDist = e.canonical, d
		}
	}
	return best
}

// normalize folds case and drops '-', '_' and white space, so that
// "machine-learning", "Machine Learning" and "MACHINE_LEARNING" all match.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '-' || r == '_' || unicode.IsSpace(r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
