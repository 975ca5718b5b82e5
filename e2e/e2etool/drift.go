package main

import (
	"cmp"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Drift is judged the way Argo CD's default diff judges a live object against
// Git (gitops-engine pkg/diff: fields present only in the live object are
// removed before comparing, recursing into maps and into list elements by
// index; extra list elements stay): a value we emit that the server changes,
// a field we emit that the server drops, and a list whose length the server
// changes show as a difference forever. Fields the server only adds do not;
// they are listed so users know what the live object holds.

// finding is one difference between what we emit and what the server returns.
type finding struct {
	drift   bool
	path    string // jq syntax: .spec.postgresql.parameters["cron.host"]
	pattern string // path with [*] for list indices and .* for free-form map keys
	ours    any
	server  any
}

// freeForm are keys whose value is a map with user-chosen keys; their keys
// become ".*" in a pattern.
var freeForm = map[string]bool{
	"labels": true, "annotations": true, "parameters": true, "data": true,
	"stringData": true, "matchLabels": true, "nodeSelector": true,
}

// bookkeeping are metadata fields every API server sets on every object.
var bookkeeping = []string{"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink"}

const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// compareObject compares a rendered object with the server's copy.
func compareObject(ours, server obj) []finding {
	server = deepCopy(server).(obj)
	if _, set := ours["status"]; !set {
		delete(server, "status") // written by controllers, never by us
	}
	if md, ok := server["metadata"].(obj); ok {
		for _, k := range bookkeeping {
			delete(md, k)
		}
		if _, set := get(ours, "metadata", "namespace").(string); !set {
			delete(md, "namespace") // the request's namespace, not ours
		}
		if an, ok := md["annotations"].(obj); ok {
			delete(an, lastApplied) // written by kubectl apply itself
			if _, set := get(ours, "metadata", "annotations").(obj); !set && len(an) == 0 {
				delete(md, "annotations")
			}
		}
	}
	var out []finding
	walk(ours, server, "", "", false, &out)
	return out
}

func walk(ours, server any, path, pattern string, inFree bool, out *[]finding) {
	switch o := ours.(type) {
	case obj:
		s, ok := server.(obj)
		if !ok {
			*out = append(*out, finding{drift: true, path: path, pattern: pattern, ours: ours, server: server})
			return
		}
		for _, k := range sortedKeys(o) {
			p, pat := path+jqKey(k), pattern+jqKey(k)
			if inFree {
				pat = pattern + ".*"
			}
			sv, present := s[k]
			if !present {
				*out = append(*out, finding{drift: true, path: p, pattern: pat, ours: o[k], server: nil})
				continue
			}
			walk(o[k], sv, p, pat, freeForm[k], out)
		}
		for _, k := range sortedKeys(s) {
			if _, mine := o[k]; mine {
				continue
			}
			p, pat := path+jqKey(k), pattern+jqKey(k)
			if inFree {
				pat = pattern + ".*"
			}
			added(s[k], p, pat, freeForm[k], out)
		}
	case []any:
		s, ok := server.([]any)
		if !ok || len(s) != len(o) {
			*out = append(*out, finding{drift: true, path: path, pattern: pattern, ours: ours, server: server})
			return
		}
		for i := range o {
			walk(o[i], s[i], fmt.Sprintf("%s[%d]", path, i), pattern+"[*]", false, out)
		}
	default:
		if !reflect.DeepEqual(ours, server) {
			*out = append(*out, finding{drift: true, path: path, pattern: pattern, ours: ours, server: server})
		}
	}
}

// added records a value only the server has, one finding per leaf: a map
// the server adds is split into its fields so that every added field is
// grouped under the same pattern whether or not we emitted its parent.
// Lists and empty maps are leaves.
func added(v any, path, pattern string, inFree bool, out *[]finding) {
	m, ok := v.(obj)
	if !ok || len(m) == 0 {
		*out = append(*out, finding{path: path, pattern: pattern, server: v})
		return
	}
	for _, k := range sortedKeys(m) {
		pat := pattern + jqKey(k)
		if inFree {
			pat = pattern + ".*"
		}
		added(m[k], path+jqKey(k), pat, freeForm[k], out)
	}
}

var ident = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// jqKey is one path step in jq syntax, usable in Argo CD jqPathExpressions.
func jqKey(k string) string {
	if ident.MatchString(k) {
		return "." + k
	}
	return "[" + strconv.Quote(k) + "]"
}

func sortedKeys(m obj) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case obj:
		m := make(obj, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// cmdDrift compares every rendered object with the server's answer for it.
// Lines (tab-separated):
//
//	OBJECT  label  Kind/name
//	MISSING label  Kind/name                       (the server returned no such object; not a drift)
//	DRIFT   label  Kind/name  path  ours  server
//	ADDED   label  Kind/name  pattern  path  value
func cmdDrift(w io.Writer, label, renderFile, serverFile string) error {
	ours, err := readObjects(renderFile)
	if err != nil {
		return err
	}
	server, err := readObjects(serverFile)
	if err != nil {
		return err
	}
	byRef := map[string]obj{}
	for _, s := range server {
		byRef[ref(s)] = s
	}
	failed := false
	for _, o := range ours {
		fmt.Fprintf(w, "OBJECT\t%s\t%s\n", label, ref(o))
		s, ok := byRef[ref(o)]
		if !ok {
			// rejected or not judged: the acceptance step reports it
			fmt.Fprintf(w, "MISSING\t%s\t%s\n", label, ref(o))
			continue
		}
		for _, f := range compareObject(o, s) {
			if f.drift {
				failed = true
				fmt.Fprintf(w, "DRIFT\t%s\t%s\t%s\t%s\t%s\n", label, ref(o), f.path, compact(f.ours), compact(f.server))
			} else {
				fmt.Fprintf(w, "ADDED\t%s\t%s\t%s\t%s\t%s\n", label, ref(o), f.pattern, f.path, compact(f.server))
			}
		}
	}
	if failed {
		return errFailed
	}
	return nil
}

// addedGroup is the server-added fields of one kind that one documented
// pattern (or, when none matches, one path pattern) covers, over all inputs.
type addedGroup struct {
	kind, pattern string
	documented    bool
	objects       map[string]bool            // label + Kind/name
	patterns      map[string]bool            // the patterns that matched
	items         map[string]map[string]bool // field path, list indices as [*] -> values
}

// display is how an item is shown: relative to the group's one wildcard
// pattern, or else to .spec.
func (g *addedGroup) display(item string) string {
	if len(g.patterns) == 1 {
		for p := range g.patterns {
			if prefix, _, wild := strings.Cut(p, "*"); wild {
				// .spec.x.* shows .spec.x.key as key and .spec.x["a.b"] as ["a.b"]
				return strings.TrimPrefix(strings.TrimPrefix(item, strings.TrimSuffix(prefix, ".")), ".")
			}
		}
	}
	if !strings.HasPrefix(g.pattern, "[") { // no group: the pattern is the item
		return ""
	}
	return strings.TrimPrefix(item, ".spec.")
}

// cmdAdded groups the ADDED lines of cmdDrift by kind and by the documented
// pattern of the known file that covers them; fields no documented pattern
// covers are grouped by their own path pattern and marked "!".
func cmdAdded(w io.Writer, knownFile, addedFile string) error {
	src, err := readFile(addedFile)
	if err != nil {
		return err
	}
	// known lines: KIND PATTERN [GROUP]; fields of one kind and group are
	// summarised together, the first matching line wins.
	type knownLine struct{ kind, pattern, group string }
	var known []knownLine
	if knownFile != "" {
		k, err := readFile(knownFile)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(k, "\n") {
			line, _, _ = strings.Cut(line, "#")
			switch f := strings.Fields(line); len(f) {
			case 0:
			case 2:
				known = append(known, knownLine{f[0], f[1], ""})
			case 3:
				known = append(known, knownLine{f[0], f[1], f[2]})
			default:
				return fmt.Errorf("%s: want KIND PATTERN [GROUP], got %q", knownFile, line)
			}
		}
	}
	totals := map[string]map[string]bool{} // kind -> objects
	groups := map[string]*addedGroup{}
	for _, line := range strings.Split(src, "\n") {
		f := strings.Split(line, "\t")
		switch {
		case f[0] == "OBJECT" && len(f) == 3:
			k, _, _ := strings.Cut(f[2], "/")
			if totals[k] == nil {
				totals[k] = map[string]bool{}
			}
			totals[k][f[1]+" "+f[2]] = true
		case f[0] == "ADDED" && len(f) == 6:
			k, _, _ := strings.Cut(f[2], "/")
			pattern, group, documented := f[3], "", false
			for _, kl := range known {
				if kl.kind == k && glob(kl.pattern, f[3]) {
					pattern, group, documented = kl.pattern, kl.group, true
					break
				}
			}
			title := pattern
			if group != "" {
				title = "[" + group + "]"
			}
			id := k + " " + title
			g := groups[id]
			if g == nil {
				g = &addedGroup{kind: k, pattern: title, documented: documented, objects: map[string]bool{}, patterns: map[string]bool{}, items: map[string]map[string]bool{}}
				groups[id] = g
			}
			g.objects[f[1]+" "+f[2]] = true
			g.patterns[pattern] = true
			item := listIndex.ReplaceAllString(f[4], "[*]")
			if g.items[item] == nil {
				g.items[item] = map[string]bool{}
			}
			g.items[item][f[5]] = true
		}
	}
	list := make([]*addedGroup, 0, len(groups))
	for _, g := range groups {
		list = append(list, g)
	}
	slices.SortFunc(list, func(a, b *addedGroup) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.pattern, b.pattern))
	})
	undocumented := 0
	for _, g := range list {
		mark := "  "
		if !g.documented {
			mark = "! "
			undocumented++
		}
		title := g.pattern
		if len(g.patterns) == 1 && strings.HasPrefix(title, "[") {
			for p := range g.patterns {
				if strings.Contains(p, "*") {
					title += " " + p
				}
			}
		}
		head := fmt.Sprintf("%s%-10s %-52s %3d/%-3d", mark, g.kind, title, len(g.objects), len(totals[g.kind]))
		var parts []string
		for _, item := range sortedSet(boolKeys(g.items)) {
			shown := g.display(item)
			switch v := sortedSet(g.items[item]); {
			case len(v) == 1 && shown == "":
				parts = append(parts, v[0])
			case len(v) == 1:
				parts = append(parts, shown+"="+v[0])
			case shown == "":
				parts = append(parts, fmt.Sprintf("(%d values)", len(v)))
			default:
				parts = append(parts, fmt.Sprintf("%s (%d values)", shown, len(v)))
			}
		}
		if len(parts) == 1 && len(parts[0]) <= 40 {
			fmt.Fprintf(w, "%s %s\n", head, parts[0])
			continue
		}
		fmt.Fprintln(w, head)
		for _, l := range wrap(parts, 100) {
			fmt.Fprintf(w, "      %s\n", l)
		}
	}
	if undocumented > 0 {
		fmt.Fprintf(w, "%d group(s) marked ! are not in %s: explain them in docs/e2e.md and add them there\n", undocumented, knownFile)
	}
	return nil
}

var listIndex = regexp.MustCompile(`\[[0-9]+\]`)

func boolKeys[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// wrap joins parts with ", " into lines of about width characters.
func wrap(parts []string, width int) []string {
	var lines []string
	cur := ""
	for i, p := range parts {
		if i < len(parts)-1 {
			p += ","
		}
		if cur != "" && len(cur)+1+len(p) > width {
			lines = append(lines, cur)
			cur = ""
		}
		if cur != "" {
			cur += " "
		}
		cur += p
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// matchesAny reports whether s matches one of the patterns, where '*' in a
// pattern stands for any run of characters (also "[*]" and ".*" literally).
func matchesAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if glob(p, s) {
			return true
		}
	}
	return false
}

func glob(p, s string) bool {
	parts := strings.Split(p, "*")
	if len(parts) == 1 {
		return p == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i, part := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(s, part)
		}
		j := strings.Index(s, part)
		if j < 0 {
			return false
		}
		s = s[j+len(part):]
	}
	return true
}
