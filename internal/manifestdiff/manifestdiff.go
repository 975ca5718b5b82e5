// Package manifestdiff compares two sets of Kubernetes objects the way a
// reviewer reads a change: object by object and field by field, with
// multi-line strings (scripts, SQL, package lists) as unified line diffs.
//
// Objects whose names carry a content hash (coredb's Job and ConfigMap
// names end in one, so that a changed spec runs a new Job) would otherwise
// show up as one object removed and another added, hiding what changed.
// Compare pairs them up as one "replaced" object and diffs their content.
package manifestdiff

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/coredb-dev/coredb/internal/lazyre"
)

// Key identifies an object the way appliers do. The version is left out:
// v1beta1 -> v1 of the same kind is a change to the same object.
type Key struct{ Group, Kind, Namespace, Name string }

func (k Key) String() string {
	s := k.Kind
	if k.Group != "" {
		s += "." + k.Group
	}
	if k.Namespace != "" {
		return s + " " + k.Namespace + "/" + k.Name
	}
	return s + " " + k.Name
}

func compareKeys(a, b Key) int {
	return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}

// The kinds of change of an object or a field.
const (
	Added    = "added"
	Removed  = "removed"
	Changed  = "changed"
	Replaced = "replaced" // the same object under a new content-hashed name
)

// Diff is the result of Compare: every object that differs, in key order
// (the new key for a replaced object).
type Diff struct {
	Objects []Object
}

// Object is one differing object. Fields is empty for added and removed
// objects.
type Object struct {
	Change  string // Added, Removed, Changed or Replaced
	Key     Key
	OldName string // for Replaced: the name it had
	Fields  []Field
}

// Field is one differing leaf of an object.
type Field struct {
	Path   string   `json:"path"`             // spec.instances, data["run.sh"]
	Change string   `json:"change"`           // Added, Removed or Changed
	Old    any      `json:"old,omitempty"`    // not for secrets or multi-line strings
	New    any      `json:"new,omitempty"`    // idem
	Lines  []string `json:"lines,omitempty"`  // unified diff of a multi-line string
	Secret bool     `json:"secret,omitempty"` // a Secret's value: never shown
}

// Counts returns how many objects were added, removed, changed and replaced.
func (d *Diff) Counts() (added, removed, changed, replaced int) {
	for _, o := range d.Objects {
		switch o.Change {
		case Added:
			added++
		case Removed:
			removed++
		case Changed:
			changed++
		case Replaced:
			replaced++
		}
	}
	return
}

// Summary is the one-line count, as printed last by the text format.
func (d *Diff) Summary() string {
	a, r, c, p := d.Counts()
	s := fmt.Sprintf("%d added, %d removed, %d changed", a, r, c)
	if p > 0 {
		s += fmt.Sprintf(", %d replaced", p)
	}
	return s
}

// Empty reports whether the two sides are the same.
func (d *Diff) Empty() bool { return len(d.Objects) == 0 }

// Compare returns what changed from old to new. Objects are matched by key;
// the rest are paired up by pairKey (see there) before being reported as
// added or removed.
func Compare(old, new map[Key]map[string]any) *Diff {
	d := &Diff{}
	var gone, born []Key
	for k, o := range old {
		n, ok := new[k]
		if !ok {
			gone = append(gone, k)
			continue
		}
		if fields := compareObjects(k, o, n, false); len(fields) > 0 {
			d.Objects = append(d.Objects, Object{Change: Changed, Key: k, Fields: fields})
		}
	}
	for k := range new {
		if _, ok := old[k]; !ok {
			born = append(born, k)
		}
	}
	slices.SortFunc(gone, compareKeys)
	slices.SortFunc(born, compareKeys)
	pairs := pairUp(gone, born, old, new)
	for _, k := range gone {
		if _, paired := pairs[k]; !paired {
			d.Objects = append(d.Objects, Object{Change: Removed, Key: k})
		}
	}
	paired := map[Key]bool{}
	for o, n := range pairs {
		paired[n] = true
		d.Objects = append(d.Objects, Object{Change: Replaced, Key: n, OldName: o.Name, Fields: compareObjects(n, old[o], new[n], true)})
	}
	for _, k := range born {
		if !paired[k] {
			d.Objects = append(d.Objects, Object{Change: Added, Key: k})
		}
	}
	slices.SortStableFunc(d.Objects, func(a, b Object) int { return compareKeys(a.Key, b.Key) })
	return d
}

// The labels coredb (and most generators) put on every object: which
// application instance owns the object, and which part of it the object is.
const (
	instanceLabel  = "app.kubernetes.io/instance"
	componentLabel = "app.kubernetes.io/component"
)

// hashSuffix is a trailing content hash: coredb appends 10 hex digits;
// 8 or more are accepted so other generators' hashes pair up too.
var hashSuffix = lazyre.New(`-[0-9a-f]{8,}$`)

// pairKey says which removed and added objects may be one object renamed by
// a new content hash: same group, kind and namespace, same owning instance
// and component (both labels set), and the same name once a trailing hash is
// removed. An object without the labels or without a hash is never paired:
// a renamed database is a new database.
type pairKey struct {
	group, kind, namespace, instance, component, stem string
}

func pairKeyOf(k Key, o map[string]any) (pairKey, bool) {
	md, _ := o["metadata"].(map[string]any)
	labels, _ := md["labels"].(map[string]any)
	inst, _ := labels[instanceLabel].(string)
	comp, _ := labels[componentLabel].(string)
	loc := hashSuffix.FindStringIndex(k.Name)
	if inst == "" || comp == "" || loc == nil {
		return pairKey{}, false
	}
	return pairKey{k.Group, k.Kind, k.Namespace, inst, comp, k.Name[:loc[0]]}, true
}

// pairUp returns removed -> added keys of the same pairKey, when exactly one
// object of that pairKey was removed and exactly one added: with several on
// either side there is no telling which became which.
func pairUp(gone, born []Key, old, new map[Key]map[string]any) map[Key]Key {
	type side struct{ gone, born []Key }
	groups := map[pairKey]*side{}
	get := func(p pairKey) *side {
		if groups[p] == nil {
			groups[p] = &side{}
		}
		return groups[p]
	}
	for _, k := range gone {
		if p, ok := pairKeyOf(k, old[k]); ok {
			get(p).gone = append(get(p).gone, k)
		}
	}
	for _, k := range born {
		if p, ok := pairKeyOf(k, new[k]); ok {
			get(p).born = append(get(p).born, k)
		}
	}
	out := map[Key]Key{}
	for _, s := range groups {
		if len(s.gone) == 1 && len(s.born) == 1 {
			out[s.gone[0]] = s.born[0]
		}
	}
	return out
}

// compareObjects lists the differing leaves of two versions of one object,
// map keys sorted and list items in order (see walker), so the output is
// deterministic. For a replaced object the name is left out: the object's
// header already says it.
func compareObjects(k Key, o, n map[string]any, replaced bool) []Field {
	w := walker{secret: k.Group == "" && k.Kind == "Secret", report: true}
	w.compare(o, n, true, true)
	if replaced {
		w.fields = slices.DeleteFunc(w.fields, func(f Field) bool { return f.Path == "metadata.name" })
	}
	return w.fields
}

var plainKey = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*$`)

// pathKey renders a map key as a step of a field path: spec.instances,
// metadata.labels["app.kubernetes.io/name"].
func pathKey(k string) string {
	if plainKey.MatchString(k) {
		return "." + k
	}
	return fmt.Sprintf("[%q]", k)
}
