// Package extensions is coredb's catalog of PostgreSQL extensions: which
// Trunk project provides each one, which library it preloads, where it must
// be created, and what CloudNativePG manages by itself.
//
// The data lives in catalog.yaml, embedded in the binary and parsed on first
// use. The package does no I/O beyond reading that embedded file, keeps no
// mutable state, and never panics.
package extensions

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

//go:embed catalog.yaml
var catalogYAML []byte

// Entry describes one extension, or one library for LOAD-only entries.
type Entry struct {
	Name    string   `yaml:"name"`    // canonical key = SQL extension name, or library name for LOAD-only entries
	Trunk   []string `yaml:"trunk"`   // Trunk project names that provide it (first = preferred)
	SQL     []string `yaml:"sql"`     // SQL extension names created by CREATE EXTENSION (empty for LOAD-only)
	Preload string   `yaml:"preload"` // shared_preload_libraries entry, "" if none
	// PreloadOptional marks Preload as an optional add-on (a background
	// worker): coredb never adds it to shared_preload_libraries by itself.
	PreloadOptional bool     `yaml:"preloadOptional"`
	Settings        []string `yaml:"settings"`    // parameter namespaces it owns besides Name and Preload
	LoadOnly        bool     `yaml:"loadOnly"`    // no CREATE EXTENSION (auto_explain, pg_failover_slots ...)
	Schema          string   `yaml:"schema"`      // fixed schema of a non-relocatable extension, "" if none
	Relocatable     bool     `yaml:"relocatable"` // control file's relocatable
	Requires        []string `yaml:"requires"`    // SQL extensions it requires (CASCADE creates them)
	CNPGManaged     string   `yaml:"cnpgManaged"` // parameter namespace CNPG uses to manage it, else ""
	PostCreate      string   `yaml:"postCreate"`  // SQL Tembo runs after CREATE; safe to re-run
	Core            bool     `yaml:"core"`        // built into every server (plpgsql)
	Contrib         bool     `yaml:"contrib"`     // one of PostgreSQL's contrib modules (images.yaml says which images have contrib)
	// ContribVersions is a contrib module's version per Postgres major,
	// where it differs between majors.
	ContribVersions map[string]string `yaml:"contribVersions"`
	Description     string            `yaml:"description"`
}

// cnpgNamespaces are the parameter namespaces of CloudNativePG's managed
// extensions (cloudnativepg.md §2.5, ManagedExtensions).
var cnpgNamespaces = []string{"auto_explain", "pg_failover_slots", "pg_stat_statements", "pgaudit"}

type catalog struct {
	entries []Entry        // sorted by Name
	byAlias map[string]int // every alias -> index in entries
}

var load = sync.OnceValues(func() (*catalog, error) { return parse(catalogYAML) })

// Lookup finds an entry by its Name, any SQL extension name, any Trunk
// project name or its Preload library. Matching is exact and case-sensitive.
func Lookup(name string) (Entry, bool) {
	c, err := load()
	if err != nil || c == nil {
		return Entry{}, false
	}
	i, ok := c.byAlias[name]
	if !ok {
		return Entry{}, false
	}
	return clone(c.entries[i]), true
}

// All returns every entry, sorted by Name. The result is a copy.
func All() []Entry {
	c, err := load()
	if err != nil || c == nil {
		return nil
	}
	out := make([]Entry, len(c.entries))
	for i, e := range c.entries {
		out[i] = clone(e)
	}
	return out
}

// Check reports every problem of the embedded catalog, or nil. Lookup and
// All return nothing when it is not nil; tests make sure it never is.
func Check() error {
	_, err := load()
	return err
}

func clone(e Entry) Entry {
	e.Trunk = slices.Clone(e.Trunk)
	e.SQL = slices.Clone(e.SQL)
	e.Requires = slices.Clone(e.Requires)
	e.Settings = slices.Clone(e.Settings)
	e.ContribVersions = maps.Clone(e.ContribVersions)
	return e
}

// aliases returns the names an entry answers to, without duplicates.
func aliases(e Entry) []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	add(e.Name)
	for _, s := range e.SQL {
		add(s)
	}
	for _, s := range e.Trunk {
		add(s)
	}
	add(e.Preload)
	return out
}

func parse(src []byte) (*catalog, error) {
	var doc struct {
		Extensions []Entry `yaml:"extensions"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("extension catalog: %w", err)
	}
	entries := doc.Extensions
	slices.SortStableFunc(entries, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })

	var errs []error
	bad := func(e Entry, format string, args ...any) {
		errs = append(errs, fmt.Errorf("extension catalog: %q: %s", e.Name, fmt.Sprintf(format, args...)))
	}
	c := &catalog{entries: entries, byAlias: map[string]int{}}
	sqlNames := map[string]bool{}
	for _, e := range entries {
		for _, s := range e.SQL {
			sqlNames[s] = true
		}
	}
	for i, e := range entries {
		if e.Name == "" {
			errs = append(errs, fmt.Errorf("extension catalog: entry %d has no name", i))
			continue
		}
		for _, s := range append(aliases(e), e.Requires...) {
			if !plainName(s) {
				bad(e, "name %q must be 1-63 bytes of printable characters without spaces", s)
			}
		}
		if e.Description == "" {
			bad(e, "no description")
		}
		if e.LoadOnly != (len(e.SQL) == 0) {
			bad(e, "loadOnly must be true exactly when sql is empty")
		}
		if e.LoadOnly {
			if e.Schema != "" || e.Relocatable || len(e.Requires) > 0 || e.PostCreate != "" {
				bad(e, "a LOAD-only entry has no schema, relocatable, requires or postCreate")
			}
			if e.Preload != "" && e.Preload != e.Name {
				bad(e, "a LOAD-only entry is named after its library %q", e.Preload)
			}
		} else if e.SQL[0] != e.Name {
			bad(e, "name must be the first SQL name %q", e.SQL[0])
		}
		if e.Schema != "" && e.Relocatable {
			bad(e, "an extension with a fixed schema is not relocatable")
		}
		for _, r := range e.Requires {
			if !sqlNames[r] {
				bad(e, "requires %q, which no entry creates", r)
			}
			if slices.Contains(e.SQL, r) {
				bad(e, "requires itself")
			}
		}
		if e.CNPGManaged != "" && !slices.Contains(cnpgNamespaces, e.CNPGManaged) {
			bad(e, "cnpgManaged %q is not one of %s", e.CNPGManaged, strings.Join(cnpgNamespaces, ", "))
		}
		if e.PostCreate != "" && !strings.HasSuffix(strings.TrimSpace(e.PostCreate), ";") {
			bad(e, "postCreate must end with a semicolon")
		}
		if e.PreloadOptional && e.Preload == "" {
			bad(e, "preloadOptional without preload")
		}
		if len(e.ContribVersions) > 0 && !e.Contrib {
			bad(e, "contribVersions on an entry that is not contrib")
		}
		for _, ns := range e.Settings {
			if !plainName(ns) || strings.Contains(ns, ".") {
				bad(e, "settings namespace %q must be a name without dots", ns)
			}
		}
		for _, a := range aliases(e) {
			if j, dup := c.byAlias[a]; dup {
				bad(e, "alias %q is already claimed by %q", a, entries[j].Name)
				continue
			}
			c.byAlias[a] = i
		}
	}
	if len(entries) == 0 {
		errs = append(errs, errors.New("extension catalog: no entries"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// plainName reports whether s can be a catalog name: 1-63 bytes of UTF-8
// with no spaces or control characters. (Real names are ASCII; the check
// only keeps typos such as a stray space out of the data.)
func plainName(s string) bool {
	if s == "" || len(s) > 63 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// Namespaces are the parameter namespaces an entry owns: its name, its
// library and its Settings (pg_cron: pg_cron, cron). A parameter named
// NS.anything belongs to the entry.
func (e Entry) Namespaces() []string {
	out := []string{e.Name}
	for _, ns := range append([]string{e.Preload}, e.Settings...) {
		if ns != "" && !slices.Contains(out, ns) {
			out = append(out, ns)
		}
	}
	return out
}
