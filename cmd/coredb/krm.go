package main

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/coredb-dev/coredb/compile"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// maxResourceList bounds what krm reads from stdin: a ResourceList carries
// every resource of a kustomization, so it may be far larger than one spec.
const maxResourceList = 64 << 20

func newKRMCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var opts renderOptions
	c := &cobra.Command{
		Use:   "krm",
		Short: "Run as a KRM function (kustomize, kpt): ResourceList in, ResourceList out",
		Long: `krm reads a KRM function ResourceList (config.kubernetes.io/v1) on stdin and
writes one on stdout. CoreDB objects among the items, and a CoreDB given as the
functionConfig, are replaced by their rendered manifests; every other item
passes through untouched. A ConfigMap functionConfig sets render flags from
its data (cnpg-version: "1.28", ...); flags on the command line win.

Problems are reported as results (severity error or warning, with the field
path, the file and the CoreDB they belong to) and on stderr; on any error the
items come back unchanged and the exit code is 1.`,
		Example: `  kustomize build --enable-alpha-plugins --enable-exec .   # with a generator whose
                                                           # config.kubernetes.io/function is exec: {path: coredb, args: [krm]}
  kpt fn eval --exec "coredb krm" .`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runKRM(c.Flags(), &opts, stdin, stdout, stderr)
		},
	}
	opts.bind(c, false)
	return c
}

// KRM annotations (KRM functions specification). kustomize and kpt add them
// to items; they describe where an item came from and must not leak into the
// Cluster through the CoreDB's annotations.
const (
	annoPath       = "internal.config.kubernetes.io/path"
	annoIndex      = "internal.config.kubernetes.io/index"
	annoLegacyPath = "config.kubernetes.io/path"
	annoLegacyIdx  = "config.kubernetes.io/index"
)

var krmAnnotationPrefixes = []string{"config.kubernetes.io/", "internal.config.kubernetes.io/", "kustomize.config.k8s.io/", "config.k8s.io/"}

// krmItem is one CoreDB taken from the input.
type krmItem struct {
	label string // the name compile sees: items[3] or functionConfig
	ref   map[string]string
	file  string // where the item came from, if kustomize/kpt said
	index string
}

func runKRM(flags *pflag.FlagSet, opts *renderOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	src, err := io.ReadAll(io.LimitReader(stdin, maxResourceList+1))
	if err != nil {
		return fmt.Errorf("reading the ResourceList: %w", err)
	}
	if len(src) > maxResourceList {
		return fmt.Errorf("the ResourceList is larger than %d bytes", maxResourceList)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return fmt.Errorf("stdin is not a ResourceList: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return errors.New("stdin is not a ResourceList: want a mapping with kind: ResourceList")
	}
	rl := doc.Content[0]
	apiVersion, kind := scalarAt(rl, "apiVersion"), scalarAt(rl, "kind")
	if kind != "ResourceList" || (apiVersion != "config.kubernetes.io/v1" && apiVersion != "config.kubernetes.io/v1beta1") {
		return fmt.Errorf("stdin is not a ResourceList: got apiVersion %q, kind %q; want config.kubernetes.io/v1, ResourceList", apiVersion, kind)
	}
	var items []*yaml.Node
	if n := valueAt(rl, "items"); n != nil && !isNullNode(n) {
		if n.Kind != yaml.SequenceNode {
			return errors.New("ResourceList items must be a list")
		}
		items = n.Content
	}

	var (
		results []krmResult
		ins     []input
		info    = map[string]krmItem{}
		keep    []*yaml.Node // items passed through
	)
	fail := func(msg string) {
		results = append(results, krmResult{Message: msg, Severity: "error"})
	}
	for i, it := range items {
		if !isCoreDB(it) {
			keep = append(keep, it)
			continue
		}
		in, ki, err := krmInput(it, fmt.Sprintf("items[%d]", i))
		if err != nil {
			return err
		}
		ins = append(ins, in)
		info[ki.label] = ki
	}
	if fc := valueAt(rl, "functionConfig"); fc != nil && !isNullNode(fc) {
		switch {
		case isCoreDB(fc):
			// In kustomize's generator mode the function config is also the
			// only item: compile it once.
			if !slices.ContainsFunc(items, func(it *yaml.Node) bool { return isCoreDB(it) && sameIdentity(it, fc) }) {
				in, ki, err := krmInput(fc, "functionConfig")
				if err != nil {
					return err
				}
				ins = append(ins, in)
				info[ki.label] = ki
			}
		case scalarAt(fc, "kind") == "ConfigMap":
			for _, p := range mappingPairsOf(valueAt(fc, "data")) {
				name, value := p[0].Value, p[1].Value
				if !argoSettable(name) || flags.Lookup(name) == nil {
					fail(fmt.Sprintf("functionConfig data %q: no such setting; use the name of a coredb render flag such as cnpg-version", name))
					continue
				}
				if flags.Changed(name) {
					continue // the command line wins
				}
				if err := setSetting(flags, name, value); err != nil {
					fail(fmt.Sprintf("functionConfig data %q: %v", name, err))
				}
			}
		default:
			fail(fmt.Sprintf("functionConfig must be a CoreDB or a ConfigMap of render flags, got kind %q", scalarAt(fc, "kind")))
		}
	}
	if len(ins) == 0 && len(results) == 0 {
		fail("no CoreDB among the items or as functionConfig: nothing to render")
	}

	var rendered []*yaml.Node
	if len(results) == 0 {
		if _, err := compile.CheckCNPGVersion(opts.cnpgVersion); err != nil {
			fail("cnpg-version: " + err.Error())
		}
	}
	if len(results) == 0 {
		objs, diag, err := compileSources(ins, opts.compileOptions())
		if err != nil {
			return err
		}
		for _, d := range diag {
			results = append(results, newKRMResult(d, info))
		}
		if len(diag) > 0 {
			fmt.Fprintln(stderr, krmDiagText(diag, info))
		}
		if len(diag.Errors()) == 0 {
			out, err := compile.Encode(objs, compile.FormatYAML)
			if err != nil {
				return err
			}
			dec := yaml.NewDecoder(bytes.NewReader(out))
			for {
				var n yaml.Node
				if err := dec.Decode(&n); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					return err
				}
				rendered = append(rendered, n.Content[0])
			}
		}
	} else {
		for _, r := range results {
			fmt.Fprintf(stderr, "coredb: %s\n", r.Message)
		}
	}

	failed := slices.ContainsFunc(results, func(r krmResult) bool { return r.Severity == "error" })
	outItems := items // on failure the items come back as they were
	if !failed {
		outItems = append(slices.Clip(keep), rendered...)
	}
	out := &yaml.Node{Kind: yaml.MappingNode}
	addPair(out, "apiVersion", &yaml.Node{Kind: yaml.ScalarNode, Value: apiVersion})
	addPair(out, "kind", &yaml.Node{Kind: yaml.ScalarNode, Value: "ResourceList"})
	addPair(out, "items", &yaml.Node{Kind: yaml.SequenceNode, Content: outItems})
	if len(results) > 0 {
		var rn yaml.Node
		if err := rn.Encode(results); err != nil {
			return err
		}
		addPair(out, "results", &rn)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(out); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	if _, err := stdout.Write(buf.Bytes()); err != nil {
		return err
	}
	if failed {
		return errReported
	}
	return nil
}

// krmInput re-encodes one CoreDB item for Load, without the annotations
// kustomize and kpt add (they must not reach the Cluster).
func krmInput(n *yaml.Node, label string) (input, krmItem, error) {
	ki := krmItem{label: label, ref: map[string]string{
		"apiVersion": scalarAt(n, "apiVersion"),
		"kind":       scalarAt(n, "kind"),
		"name":       scalarAt(valueAt(n, "metadata"), "name"),
	}}
	if ns := scalarAt(valueAt(n, "metadata"), "namespace"); ns != "" {
		ki.ref["namespace"] = ns
	}
	annos := valueAt(valueAt(n, "metadata"), "annotations")
	ki.file = cmp.Or(scalarAt(annos, annoPath), scalarAt(annos, annoLegacyPath))
	ki.index = cmp.Or(scalarAt(annos, annoIndex), scalarAt(annos, annoLegacyIdx))

	c := deepCopyNode(n)
	if md := valueAt(c, "metadata"); md != nil {
		if a := valueAt(md, "annotations"); a != nil && a.Kind == yaml.MappingNode {
			var kept []*yaml.Node
			for i := 0; i+1 < len(a.Content); i += 2 {
				if !slices.ContainsFunc(krmAnnotationPrefixes, func(p string) bool { return strings.HasPrefix(a.Content[i].Value, p) }) {
					kept = append(kept, a.Content[i], a.Content[i+1])
				}
			}
			a.Content = kept
			if len(kept) == 0 {
				removeKey(md, "annotations")
			}
		}
	}
	src, err := yaml.Marshal(c)
	if err != nil {
		return input{}, krmItem{}, err
	}
	return input{name: label, src: src}, ki, nil
}

// krmResult is one entry of ResourceList results (KRM functions spec).
type krmResult struct {
	Message     string            `yaml:"message"`
	Severity    string            `yaml:"severity"`
	ResourceRef map[string]string `yaml:"resourceRef,omitempty"`
	Field       *krmField         `yaml:"field,omitempty"`
	File        *krmFile          `yaml:"file,omitempty"`
}

type krmField struct {
	Path string `yaml:"path"`
}

type krmFile struct {
	Path  string `yaml:"path"`
	Index *int   `yaml:"index,omitempty"`
}

// newKRMResult turns a diagnostic into a result. Line and column are left
// out: they would point into the re-encoded item, not the user's file.
func newKRMResult(d *compile.FieldError, info map[string]krmItem) krmResult {
	r := krmResult{Message: d.Msg, Severity: "error"}
	if d.Warning {
		r.Severity = "warning"
	}
	if d.Path != "" {
		r.Field = &krmField{Path: d.Path}
	}
	if ki, ok := info[d.File]; ok {
		r.ResourceRef = ki.ref
		if ki.file != "" {
			r.File = &krmFile{Path: ki.file}
			if idx, err := strconv.Atoi(ki.index); err == nil {
				r.File.Index = &idx
			}
		}
	} else if d.File != "" { // a stack file
		r.File = &krmFile{Path: d.File}
	}
	return r
}

// krmDiagText is the stderr form, FILE: PATH: MESSAGE, where FILE names the
// item's file when kustomize or kpt said, and the CoreDB.
func krmDiagText(diag compile.ErrorList, info map[string]krmItem) string {
	c := make(compile.ErrorList, len(diag))
	for i, d := range diag {
		e := *d
		if ki, ok := info[d.File]; ok {
			e.Line, e.Col = 0, 0
			e.File = "CoreDB " + cmp.Or(ki.ref["name"], ki.label)
			if ki.file != "" {
				e.File = ki.file + " (" + e.File + ")"
			}
		}
		c[i] = &e
	}
	return c.Error()
}

// isCoreDB reports coredb's own input documents: CoreDBs, and the ImageSets
// that declare images for them (consumed like CoreDBs, never passed on).
func isCoreDB(n *yaml.Node) bool {
	kind := scalarAt(n, "kind")
	return n.Kind == yaml.MappingNode && (kind == "CoreDB" || kind == "ImageSet") && strings.HasPrefix(scalarAt(n, "apiVersion"), "coredb.io/")
}

func sameIdentity(a, b *yaml.Node) bool {
	ma, mb := valueAt(a, "metadata"), valueAt(b, "metadata")
	return scalarAt(ma, "name") == scalarAt(mb, "name") && scalarAt(ma, "namespace") == scalarAt(mb, "namespace")
}

// valueAt returns the value of key in a mapping node, or nil.
func valueAt(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalarAt(n *yaml.Node, key string) string {
	if v := valueAt(n, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

func mappingPairsOf(n *yaml.Node) [][2]*yaml.Node {
	var out [][2]*yaml.Node
	if n == nil || n.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
	}
	return out
}

func removeKey(n *yaml.Node, key string) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content = slices.Delete(n.Content, i, i+2)
			return
		}
	}
}

func addPair(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
}

func isNullNode(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func deepCopyNode(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, sub := range n.Content {
		c.Content[i] = deepCopyNode(sub)
	}
	return &c
}
