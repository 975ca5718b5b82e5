package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The Argo CD ignoreDifferences snippet in docs/e2e.md claims to remove
// exactly the fields CNPG adds to a Cluster and nothing coredb writes.
// cmdIgnoreCheck holds it to that: the snippet is read from the document,
// applied to every object the dry-run returned (as Argo CD's normalizer
// would), and the result compared with what coredb rendered.

// ignoreRule is one entry of an ignoreDifferences list.
type ignoreRule struct {
	Group             string   `yaml:"group"`
	Kind              string   `yaml:"kind"`
	JQPathExpressions []string `yaml:"jqPathExpressions"`
	JSONPointers      []string `yaml:"jsonPointers"`
}

// snippetRules reads the first ```yaml block of a Markdown file that starts
// with "ignoreDifferences:".
func snippetRules(doc string) ([]ignoreRule, error) {
	var block strings.Builder
	in, found := false, false
	sc := bufio.NewScanner(strings.NewReader(doc))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !in && !found && line == "```yaml":
			in = true
			block.Reset()
		case in && line == "```":
			in = false
			if strings.HasPrefix(block.String(), "ignoreDifferences:") {
				found = true
			}
		case in:
			block.WriteString(line + "\n")
		}
	}
	if !found {
		return nil, fmt.Errorf("no ```yaml block starting with ignoreDifferences:")
	}
	var v struct {
		IgnoreDifferences []ignoreRule `yaml:"ignoreDifferences"`
	}
	dec := yaml.NewDecoder(strings.NewReader(block.String()))
	dec.KnownFields(true)
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v.IgnoreDifferences, nil
}

var jqStep = regexp.MustCompile(`^(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[("(?:[^"\\]|\\.)*")\])`)

// jqPath parses the simple jq paths the snippet uses: .a.b["c.d"]. Anything
// else is an error, not a guess.
func jqPath(expr string) ([]string, error) {
	var out []string
	rest := strings.TrimSpace(expr)
	for rest != "" {
		m := jqStep.FindStringSubmatch(rest)
		if m == nil {
			return nil, fmt.Errorf("jq path %q: only .key and [\"key\"] steps are supported here", expr)
		}
		if m[1] != "" {
			out = append(out, m[1])
		} else {
			k, err := strconv.Unquote(m[2])
			if err != nil {
				return nil, fmt.Errorf("jq path %q: %v", expr, err)
			}
			out = append(out, k)
		}
		rest = rest[len(m[0]):]
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("jq path %q is empty", expr)
	}
	return out, nil
}

// jsonPointer parses an RFC 6901 pointer.
func jsonPointer(p string) ([]string, error) {
	if !strings.HasPrefix(p, "/") || len(p) < 2 {
		return nil, fmt.Errorf("json pointer %q must start with / and name a field", p)
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

// remove deletes the field at path from m; a missing path is no error (Argo
// CD skips a pointer that does not apply). A map the removal leaves empty is
// removed too: an empty parent is no difference worth a line of its own.
func remove(m obj, path []string) {
	if len(path) == 0 {
		return
	}
	if len(path) == 1 {
		delete(m, path[0])
		return
	}
	next, ok := m[path[0]].(obj)
	if !ok {
		return
	}
	remove(next, path[1:])
	if len(next) == 0 {
		delete(m, path[0])
	}
}

func groupOf(apiVersion string) string {
	if g, _, ok := strings.Cut(apiVersion, "/"); ok {
		return g
	}
	return ""
}

// cmdIgnoreCheck reads PAIRS lines "label<TAB>render.yaml<TAB>server.json".
// The fields in allow (jq paths, comma-separated) are CNPG defaults the
// snippet leaves out on purpose because coredb writes them in some specs.
func cmdIgnoreCheck(w io.Writer, docFile, allow, pairsFile string) error {
	doc, err := readFile(docFile)
	if err != nil {
		return err
	}
	rules, err := snippetRules(doc)
	if err != nil {
		return fmt.Errorf("%s: %w", docFile, err)
	}
	type compiled struct {
		group, kind string
		paths       [][]string
	}
	var cs []compiled
	for _, r := range rules {
		c := compiled{group: r.Group, kind: r.Kind}
		for _, e := range r.JQPathExpressions {
			p, err := jqPath(e)
			if err != nil {
				return fmt.Errorf("%s: %w", docFile, err)
			}
			c.paths = append(c.paths, p)
		}
		for _, e := range r.JSONPointers {
			p, err := jsonPointer(e)
			if err != nil {
				return fmt.Errorf("%s: %w", docFile, err)
			}
			c.paths = append(c.paths, p)
		}
		cs = append(cs, c)
	}
	allowed := strings.Split(allow, ",")
	pairs, err := readFile(pairsFile)
	if err != nil {
		return err
	}
	checked, problems := 0, map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(pairs), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			continue
		}
		ours, err := readObjects(f[1])
		if err != nil {
			return err
		}
		server, err := readObjects(f[2])
		if err != nil {
			return err
		}
		byRef := map[string]obj{}
		for _, s := range server {
			byRef[ref(s)] = s
		}
		for _, o := range ours {
			s, ok := byRef[ref(o)]
			if !ok {
				continue
			}
			var paths [][]string
			for _, c := range cs {
				if c.group == groupOf(str(o, "apiVersion")) && c.kind == kind(o) {
					paths = append(paths, c.paths...)
				}
			}
			if len(paths) == 0 {
				continue
			}
			checked++
			s = deepCopy(s).(obj)
			for _, p := range paths {
				remove(s, p)
			}
			for _, fd := range compareObject(o, s) {
				switch {
				case fd.drift && fd.server == nil:
					problems["removes what coredb writes: "+fd.path] = append(problems["removes what coredb writes: "+fd.path], f[0])
				case fd.drift:
					// a real drift; the drift check reports it
				case !slices.ContainsFunc(allowed, func(a string) bool {
					return a != "" && strings.HasPrefix(listIndex.ReplaceAllString(fd.path, "[*]"), a)
				}):
					problems["misses a CNPG default: "+fd.pattern] = append(problems["misses a CNPG default: "+fd.pattern], f[0])
				}
			}
		}
	}
	fmt.Fprintf(w, "ignoreDifferences snippet of %s applied to %d object(s)\n", docFile, checked)
	if checked == 0 {
		fmt.Fprintln(w, "VIOLATION\tthe snippet matched no object")
		return errFailed
	}
	for _, p := range sortedSet(boolKeys(problems)) {
		files := problems[p]
		slices.Sort(files)
		files = slices.Compact(files)
		more := ""
		if len(files) > 3 {
			more = fmt.Sprintf(" and %d more", len(files)-3)
			files = files[:3]
		}
		fmt.Fprintf(w, "VIOLATION\tthe snippet %s (%s%s)\n", p, strings.Join(files, ", "), more)
	}
	if len(problems) > 0 {
		return errFailed
	}
	return nil
}
