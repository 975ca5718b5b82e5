package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/coredb-dev/coredb/compile"
	"github.com/coredb-dev/coredb/internal/manifestdiff"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
)

func newDiffCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var (
		opts   renderOptions
		output string
		gitRev string
	)
	c := &cobra.Command{
		Use:   "diff OLD NEW | diff --git REV [PATH...]",
		Short: "Compare two renders object by object",
		Long: `diff compares two sets of manifests object by object and prints what was added,
removed, changed or replaced, field by field. Each side is a CoreDB file or
directory (rendered first, with the render flags given here) or an already
rendered stream or --output-dir directory (recognised by the apiVersion and
kind of its documents; a directory's kustomization.yaml is skipped); - is
stdin. Objects are matched by group, kind, namespace and name, so document
order and formatting do not matter. Secret values are never printed.

An object whose name ends in a content hash (the Jobs and ConfigMaps that
install and enable extensions) gets a new name whenever its content changes.
diff pairs the old and the new one (same kind, namespace, and
app.kubernetes.io/instance and component labels) and shows them as one
"replaced" object with the fields that changed; multi-line values (SQL,
scripts, package lists) are shown as unified line diffs.

--git REV compares PATHs (files or directories, default .) as they are in
the git revision REV with the work tree, reading REV's files with git itself:
no checkout and no temporary files. A file that exists on one side only is
all added or all removed.

--output text (default) is for terminals and logs, markdown is a
pull-request comment (one collapsible section per object), json is for bots.

Exit codes: 0 the same, 1 different, 2 error (as diff(1) and kubectl diff).`,
		Example: `  # what a branch changes, against the commit it forked from:
  coredb diff --git "$(git merge-base origin/main HEAD)" dbs/
  # the same as a pull-request comment:
  coredb diff --git origin/main -o markdown dbs/ > comment.md
  # two files, or a file against stdin:
  coredb diff old.coredb.yaml new.coredb.yaml
  git show main:dbs/orders.coredb.yaml | coredb diff - dbs/orders.coredb.yaml`,
		Args: func(c *cobra.Command, args []string) error {
			if gitRev != "" {
				if slices.Contains(args, "-") {
					return &usageError{msg: "coredb diff --git compares files in git with the work tree; - (stdin) is not a PATH", usage: c.UsageString()}
				}
				return nil
			}
			if len(args) != 2 {
				return &usageError{msg: fmt.Sprintf("coredb diff needs two arguments, OLD and NEW (or --git REV [PATH...]), got %d", len(args)), usage: c.UsageString()}
			}
			if args[0] == "-" && args[1] == "-" {
				return &usageError{msg: "only one side of coredb diff can be - (stdin)", usage: c.UsageString()}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if !slices.Contains(manifestdiff.Formats, output) {
				return &usageError{msg: fmt.Sprintf("--output must be one of %s, got %q", strings.Join(manifestdiff.Formats, ", "), output), usage: c.UsageString()}
			}
			// Any failure to read or render a side is exit 2: exit 1 means
			// "different" to scripts.
			var oldIns, curIns []input
			var oldName, curName string
			if gitRev != "" {
				paths := args
				if len(paths) == 0 {
					paths = []string{"."}
				}
				var err error
				if oldIns, curIns, err = gitSides(gitRev, paths); err != nil {
					return &usageError{msg: err.Error()}
				}
				oldName, curName = gitRev, "the work tree"
			} else {
				var err error
				if oldIns, err = readInputs(args[:1], stdin); err != nil {
					return &usageError{msg: err.Error()}
				}
				if curIns, err = readInputs(args[1:], stdin); err != nil {
					return &usageError{msg: err.Error()}
				}
				oldName, curName = args[0], args[1]
			}
			old, err := loadDiffSide(oldName, oldIns, gitRev != "", stderr, opts.compileOptions())
			if err != nil {
				return &usageError{msg: err.Error()}
			}
			cur, err := loadDiffSide(curName, curIns, gitRev != "", stderr, opts.compileOptions())
			if err != nil {
				return &usageError{msg: err.Error()}
			}
			d := manifestdiff.Compare(old, cur)
			if d.Empty() && output == manifestdiff.Text {
				return nil
			}
			if err := d.Write(stdout, output); err != nil {
				return &usageError{msg: err.Error()}
			}
			if d.Empty() {
				return nil
			}
			return errReported // exit 1: different
		},
	}
	opts.bind(c, false)
	c.Flags().StringVarP(&output, "output", "o", manifestdiff.Text, "output format: text, markdown (a pull-request comment) or json")
	c.Flags().StringVar(&gitRev, "git", "", "compare PATHs at git revision `REV` with the work tree (default PATH: .)")
	return c
}

// loadDiffSide parses one side's files (named arg in messages) and returns
// its objects by identity. With mayBeEmpty a side without objects is valid:
// with --git, a database added or removed in the change.
func loadDiffSide(arg string, ins []input, mayBeEmpty bool, stderr io.Writer, opts compile.Options) (map[manifestdiff.Key]map[string]any, error) {
	type doc struct {
		file  string
		index int
		v     any
	}
	var docs []doc
	coredbs := 0
	ins = slices.DeleteFunc(slices.Clone(ins), func(in input) bool {
		// a directory's own kustomization, not an object
		return kustomizationFile[filepath.Base(in.name)] && arg != in.name
	})
	for _, in := range ins {
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
		if mayBeEmpty {
			return map[manifestdiff.Key]map[string]any{}, nil
		}
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
	out := map[manifestdiff.Key]map[string]any{}
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
		k := manifestdiff.Key{Group: group, Kind: kind, Namespace: ns, Name: name}
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
