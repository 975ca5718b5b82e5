package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/coredb-dev/coredb/compile"
	gocmp "github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
)

func newDiffCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var opts renderOptions
	c := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Compare two renders object by object",
		Long: `diff compares two sets of manifests object by object and prints what was added,
removed or changed, field by field. Each side is a CoreDB file or directory
(rendered first, with the flags given here) or an already rendered stream or
--output-dir directory (recognised by the apiVersion and kind of its
documents; a directory's kustomization.yaml is skipped); - is stdin. Objects are matched by group, kind, namespace and
name, so document order and formatting do not matter. Secret values are
never printed.

Exit codes: 0 the same, 1 different, 2 error (as diff(1) and kubectl diff).`,
		Example: `  # what a branch changes, against main (both sides are CoreDB files):
  git show main:dbs/orders.coredb.yaml | coredb diff - dbs/orders.coredb.yaml
  # a whole directory: check main out beside the work tree
  git worktree add /tmp/coredb-main main && coredb diff /tmp/coredb-main/dbs dbs`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 2 {
				return &usageError{msg: fmt.Sprintf("coredb diff needs two arguments, OLD and NEW, got %d", len(args)), usage: c.UsageString()}
			}
			if args[0] == "-" && args[1] == "-" {
				return &usageError{msg: "only one side of coredb diff can be - (stdin)", usage: c.UsageString()}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			// Any failure to read or render a side is exit 2: exit 1 means
			// "different" to scripts.
			old, err := loadDiffSide(args[0], stdin, stderr, opts.compileOptions())
			if err != nil {
				return &usageError{msg: err.Error()}
			}
			cur, err := loadDiffSide(args[1], stdin, stderr, opts.compileOptions())
			if err != nil {
				return &usageError{msg: err.Error()}
			}
			var buf bytes.Buffer
			if !diffObjects(&buf, old, cur) {
				return nil
			}
			if _, err := stdout.Write(buf.Bytes()); err != nil {
				return &usageError{msg: err.Error()}
			}
			return errReported // exit 1: different
		},
	}
	opts.bind(c, false)
	return c
}

// objKey identifies an object the way appliers do. The version is left out:
// v1beta1 -> v1 of the same kind is a change to the same object.
type objKey struct{ group, kind, namespace, name string }

func (k objKey) String() string {
	s := k.kind
	if k.group != "" {
		s += "." + k.group
	}
	if k.namespace != "" {
		return s + " " + k.namespace + "/" + k.name
	}
	return s + " " + k.name
}

func compareKeys(a, b objKey) int {
	return cmp.Or(cmp.Compare(a.group, b.group), cmp.Compare(a.kind, b.kind), cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.name, b.name))
}

// loadDiffSide reads one side and returns its objects by identity.
func loadDiffSide(arg string, stdin io.Reader, stderr io.Writer, opts compile.Options) (map[objKey]map[string]any, error) {
	ins, err := readInputs([]string{arg}, stdin)
	if err != nil {
		return nil, err
	}
	type doc struct {
		file  string
		index int
		v     any
	}
	var docs []doc
	coredbs := 0
	for _, in := range ins {
		if kustomizationFile[filepath.Base(in.name)] && arg != in.name {
			continue // a rendered directory's own kustomization, not an object
		}
		if len(in.src) > compile.MaxInputSize {
			return nil, fmt.Errorf("%s: larger than %d bytes", in.name, compile.MaxInputSize)
		}
		dec := yaml.NewDecoder(bytes.NewReader(in.src))
		for i := 1; ; i++ {
			var v any
			err := dec.Decode(&v)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: document %d: %s", in.name, i, strings.TrimPrefix(err.Error(), "yaml: "))
			}
			if v == nil {
				continue // empty documents are skipped, as by kubectl and Argo CD
			}
			if m, ok := v.(map[string]any); ok && (m["kind"] == "CoreDB" || m["kind"] == "ImageSet") && strings.HasPrefix(fmt.Sprint(m["apiVersion"]), "coredb.io/") {
				coredbs++
			}
			docs = append(docs, doc{in.name, i, v})
		}
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("%s: no objects", arg)
	}
	if coredbs > 0 && coredbs < len(docs) {
		return nil, fmt.Errorf("%s mixes CoreDB files and rendered manifests; give one or the other", arg)
	}
	if coredbs > 0 {
		objs, diag, err := compileSources(ins, opts)
		if err != nil {
			return nil, err
		}
		if errs := diag.Errors(); len(errs) > 0 {
			fmt.Fprintln(stderr, errs.Error())
			return nil, fmt.Errorf("%s cannot be rendered (errors above)", arg)
		}
		rendered, err := compile.Encode(objs, compile.FormatJSON)
		if err != nil {
			return nil, err
		}
		var list any
		if err := yaml.Unmarshal(rendered, &list); err != nil { // yaml.v3, as for the other kind of side
			return nil, err
		}
		docs = []doc{{arg, 1, list}}
	}
	out := map[objKey]map[string]any{}
	var add func(d doc, v any) error
	add = func(d doc, v any) error {
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: document %d: not a Kubernetes object (a mapping with apiVersion, kind and metadata.name)", d.file, d.index)
		}
		apiVersion, _ := m["apiVersion"].(string)
		kind, _ := m["kind"].(string)
		if strings.HasSuffix(kind, "List") && apiVersion == "v1" {
			items, _ := m["items"].([]any)
			for _, it := range items {
				if err := add(d, it); err != nil {
					return err
				}
			}
			return nil
		}
		md, _ := m["metadata"].(map[string]any)
		name, _ := md["name"].(string)
		ns, _ := md["namespace"].(string)
		if apiVersion == "" || kind == "" || name == "" {
			return fmt.Errorf("%s: document %d: not a Kubernetes object (needs apiVersion, kind and metadata.name)", d.file, d.index)
		}
		group, _, found := strings.Cut(apiVersion, "/")
		if !found {
			group = ""
		}
		k := objKey{group, kind, ns, name}
		if _, dup := out[k]; dup {
			return fmt.Errorf("%s: %s appears twice", arg, k)
		}
		out[k] = m
		return nil
	}
	for _, d := range docs {
		if err := add(d, d.v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// kustomizationFile are the names kustomize reads in a directory.
var kustomizationFile = map[string]bool{"kustomization.yaml": true, "kustomization.yml": true, "Kustomization": true}

// diffObjects writes the differences and reports whether there were any.
// Objects come in (group, kind, namespace, name) order; fields in go-cmp's
// traversal order (map keys sorted, list items in order), so the output is
// deterministic.
func diffObjects(w io.Writer, old, cur map[objKey]map[string]any) bool {
	keys := make([]objKey, 0, len(old)+len(cur))
	for k := range old {
		keys = append(keys, k)
	}
	for k := range cur {
		if _, ok := old[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareKeys)
	var added, removed, changed int
	for _, k := range keys {
		o, inOld := old[k]
		n, inNew := cur[k]
		switch {
		case !inOld:
			added++
			fmt.Fprintf(w, "+ %s: added\n", k)
		case !inNew:
			removed++
			fmt.Fprintf(w, "- %s: removed\n", k)
		default:
			var r fieldReporter
			r.secret = k.group == "" && k.kind == "Secret"
			gocmp.Equal(o, n, gocmp.Reporter(&r))
			if len(r.lines) == 0 {
				continue
			}
			changed++
			fmt.Fprintf(w, "~ %s:\n", k)
			for _, l := range r.lines {
				fmt.Fprintf(w, "    %s\n", l)
			}
		}
	}
	if added+removed+changed == 0 {
		return false
	}
	fmt.Fprintf(w, "%d added, %d removed, %d changed\n", added, removed, changed)
	return true
}

// fieldReporter collects one line per differing leaf from go-cmp's walk.
type fieldReporter struct {
	path   gocmp.Path
	lines  []string
	secret bool // mask the values under data and stringData
}

func (r *fieldReporter) PushStep(ps gocmp.PathStep) { r.path = append(r.path, ps) }
func (r *fieldReporter) PopStep()                   { r.path = r.path[:len(r.path)-1] }

func (r *fieldReporter) Report(res gocmp.Result) {
	if res.Equal() {
		return
	}
	vx, vy := r.path.Last().Values()
	var x, y any
	if vx.IsValid() {
		x = vx.Interface()
	}
	if vy.IsValid() {
		y = vy.Interface()
	}
	path := fieldPath(r.path)
	hide := r.secret && (strings.HasPrefix(path, "data") || strings.HasPrefix(path, "stringData"))
	switch {
	case !vx.IsValid():
		r.leaves("added", path, y, hide)
	case !vy.IsValid():
		r.leaves("removed", path, x, hide)
	case hide:
		r.lines = append(r.lines, path+": changed (secret value not shown)")
	default:
		xs, xok := x.(string)
		ys, yok := y.(string)
		if xok && yok && (strings.Contains(xs, "\n") || strings.Contains(ys, "\n")) {
			r.lines = append(r.lines, path+": changed lines:")
			for _, l := range lineDiff(xs, ys) {
				r.lines = append(r.lines, "  "+l)
			}
			return
		}
		r.lines = append(r.lines, fmt.Sprintf("%s: %s -> %s", path, show(x), show(y)))
	}
}

// leaves reports an added or removed subtree one leaf per line, so a new
// block of settings is as readable as a changed one.
func (r *fieldReporter) leaves(what, path string, v any, hide bool) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) > 0 {
			for _, k := range slices.Sorted(maps.Keys(v)) {
				r.leaves(what, path+pathKey(k), v[k], hide)
			}
			return
		}
	case []any:
		if len(v) > 0 {
			for i, e := range v {
				r.leaves(what, fmt.Sprintf("%s[%d]", path, i), e, hide)
			}
			return
		}
	}
	if hide {
		r.lines = append(r.lines, path+": "+what+" (secret value not shown)")
		return
	}
	r.lines = append(r.lines, fmt.Sprintf("%s: %s %s", path, what, show(v)))
}

// fieldPath renders a go-cmp path as a field path: spec.instances,
// metadata.labels["app.kubernetes.io/name"], spec.containers[0].image.
// A list item is shown at its index in the new list, or in the old one when
// it was removed.
func fieldPath(p gocmp.Path) string {
	var b strings.Builder
	for _, step := range p {
		switch s := step.(type) {
		case gocmp.MapIndex:
			b.WriteString(pathKey(fmt.Sprint(s.Key().Interface())))
		case gocmp.SliceIndex:
			ix, iy := s.SplitKeys()
			if iy < 0 {
				iy = ix
			}
			fmt.Fprintf(&b, "[%d]", iy)
		}
	}
	return strings.TrimPrefix(b.String(), ".")
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func pathKey(k string) string {
	if plainKey.MatchString(k) {
		return "." + k
	}
	return fmt.Sprintf("[%q]", k)
}

// show renders a value as compact JSON: strings quoted, so "1" and 1 differ.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// lineDiff is a minimal line diff (longest common subsequence) of two
// multi-line strings such as scripts in a ConfigMap: unchanged lines are
// left out, removed lines start with "- ", added ones with "+ ".
func lineDiff(a, b string) []string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(x)*len(y) > 4_000_000 { // too big for the quadratic table
		return []string{fmt.Sprintf("(%d lines -> %d lines)", len(x), len(y))}
	}
	// lcs[i][j] is the LCS length of x[i:] and y[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, "- "+x[i]) // removals first, as diff -u
			i++
		default:
			out = append(out, "+ "+y[j])
			j++
		}
	}
	return out
}
