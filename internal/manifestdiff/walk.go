package manifestdiff

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// walker compares two decoded YAML values (what yaml.v3 gives for an
// interface: map[string]any, map[any]any when a key is not a string, []any,
// strings, numbers, bools, nil, time.Time for a !!timestamp) and records a
// Field per differing leaf. It visits what go-cmp's Equal visited with a
// Reporter, in the same order and with the same counts, which decide how
// list items pair up (see align): map keys sorted, list items in the order
// of their alignment.
type walker struct {
	fields []Field
	secret bool     // mask the values under data and stringData
	steps  []string // the rendered path to the current node: .spec, [0]
	// report is false for a trial comparison of two list items, which only
	// counts.
	report       bool
	reverseFirst bool // see align
	res          result
}

// compare compares x and y; a missing side (a map key or list item only on
// the other side) has ok false.
func (w *walker) compare(x, y any, xok, yok bool) {
	if !xok || !yok {
		w.leaf(false, x, y, xok, yok)
		return
	}
	if x == nil || y == nil {
		w.leaf(x == nil && y == nil, x, y, true, true)
		return
	}
	switch xv := x.(type) {
	case map[string]any:
		yv, ok := y.(map[string]any)
		switch {
		case !ok:
			w.leaf(false, x, y, true, true)
		case xv == nil || yv == nil:
			w.leaf(xv == nil && yv == nil, x, y, true, true)
		default:
			for _, k := range slices.Sorted(maps.Keys(union(xv, yv))) {
				vx, okx := xv[k]
				vy, oky := yv[k]
				w.push(k)
				w.compare(vx, vy, okx, oky)
				w.pop()
			}
		}
	case map[any]any:
		yv, ok := y.(map[any]any)
		switch {
		case !ok:
			w.leaf(false, x, y, true, true)
		case xv == nil || yv == nil:
			w.leaf(xv == nil && yv == nil, x, y, true, true)
		default:
			for _, k := range sortedKeys(xv, yv) {
				w.push(fmt.Sprint(k))
				if k != k {
					w.compareNaNKeyed(xv, yv)
				} else {
					vx, okx := xv[k]
					vy, oky := yv[k]
					w.compare(vx, vy, okx, oky)
				}
				w.pop()
			}
		}
	case []any:
		yv, ok := y.([]any)
		switch {
		case !ok:
			w.leaf(false, x, y, true, true)
		case xv == nil || yv == nil:
			w.leaf(xv == nil && yv == nil, x, y, true, true)
		default:
			w.compareLists(xv, yv)
		}
	case time.Time:
		// go-cmp uses a type's Equal method: the same instant in another
		// zone is equal.
		yv, ok := y.(time.Time)
		w.leaf(ok && xv.Equal(yv), x, y, true, true)
	default:
		switch {
		case reflect.TypeOf(x) != reflect.TypeOf(y):
			w.leaf(false, x, y, true, true)
		case reflect.TypeOf(x).Comparable():
			w.leaf(x == y, x, y, true, true) // NaN differs from itself, as in go-cmp
		default:
			// yaml.v3 decodes to none of these; go-cmp would walk into them.
			w.leaf(reflect.DeepEqual(x, y), x, y, true, true)
		}
	}
}

// compareNaNKeyed reports the entries under NaN keys (YAML's .nan) as
// removed from the old map and added to the new one: a NaN key equals no
// key, not even itself, so they cannot be paired. (go-cmp panicked on
// them.) sortedKeys lists NaN once; its entries are taken in the order of
// their values' text, so the output does not depend on map order.
func (w *walker) compareNaNKeyed(x, y map[any]any) {
	nanKeyed := func(m map[any]any) []any {
		var vs []any
		for k, v := range m {
			if k != k {
				vs = append(vs, v)
			}
		}
		slices.SortStableFunc(vs, func(a, b any) int { return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		return vs
	}
	for _, v := range nanKeyed(x) {
		w.compare(v, nil, true, false)
	}
	for _, v := range nanKeyed(y) {
		w.compare(nil, v, false, true)
	}
}

// compareLists aligns the items of two lists and compares them in the
// alignment's order. An item is shown at its index in the new list, or in
// the old one when it was removed.
func (w *walker) compareLists(x, y []any) {
	eq := func(ix, iy int) result {
		t := walker{reverseFirst: w.reverseFirst}
		t.compare(x[ix], y[iy], true, true)
		return t.res
	}
	ix, iy := 0, 0
	for _, e := range align(len(x), len(y), eq, w.reverseFirst) {
		switch e {
		case onlyOld:
			w.pushIndex(ix)
			w.compare(x[ix], nil, true, false)
			ix++
		case onlyNew:
			w.pushIndex(iy)
			w.compare(nil, y[iy], false, true)
			iy++
		default:
			w.pushIndex(iy)
			w.compare(x[ix], y[iy], true, true)
			ix++
			iy++
		}
		w.pop()
	}
}

func (w *walker) push(key string) {
	if w.report {
		w.steps = append(w.steps, pathKey(key))
	}
}

func (w *walker) pushIndex(i int) {
	if w.report {
		w.steps = append(w.steps, "["+strconv.Itoa(i)+"]")
	}
}

func (w *walker) pop() {
	if w.report {
		w.steps = w.steps[:len(w.steps)-1]
	}
}

// leaf counts a compared leaf and records a Field if it differs.
func (w *walker) leaf(equal bool, x, y any, xok, yok bool) {
	if equal {
		w.res.same++
		return
	}
	w.res.diff++
	if !w.report {
		return
	}
	path := strings.TrimPrefix(strings.Join(w.steps, ""), ".")
	hide := w.secret && (strings.HasPrefix(path, "data") || strings.HasPrefix(path, "stringData"))
	switch {
	case !xok:
		w.leaves(Added, path, y, hide)
	case !yok:
		w.leaves(Removed, path, x, hide)
	case hide:
		w.fields = append(w.fields, Field{Path: path, Change: Changed, Secret: true})
	default:
		xs, xok := x.(string)
		ys, yok := y.(string)
		if xok && yok && (strings.Contains(xs, "\n") || strings.Contains(ys, "\n")) {
			w.fields = append(w.fields, Field{Path: path, Change: Changed, Lines: Unified(xs, ys, 3)})
			return
		}
		w.fields = append(w.fields, Field{Path: path, Change: Changed, Old: x, New: y})
	}
}

// leaves reports an added or removed subtree one leaf per field, so a new
// block of settings is as readable as a changed one.
func (w *walker) leaves(what, path string, v any, hide bool) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) > 0 {
			for _, k := range slices.Sorted(maps.Keys(v)) {
				w.leaves(what, path+pathKey(k), v[k], hide)
			}
			return
		}
	case []any:
		if len(v) > 0 {
			for i, e := range v {
				w.leaves(what, fmt.Sprintf("%s[%d]", path, i), e, hide)
			}
			return
		}
	}
	f := Field{Path: path, Change: what, Secret: hide}
	if !hide {
		if what == Added {
			f.New = v
		} else {
			f.Old = v
		}
	}
	w.fields = append(w.fields, f)
}

func union[K comparable, V any](a, b map[K]V) map[K]V {
	u := maps.Clone(a)
	maps.Copy(u, b)
	return u
}

// sortedKeys returns the keys of both maps in go-cmp's order for map keys
// (value.SortKeys): nil first, then by kind (bool, ints, uints, floats,
// strings), then by value. A key found in both maps is listed once, as the
// old map has it (0 and -0 are one key), and so are all NaN keys.
func sortedKeys(x, y map[any]any) []any {
	keys := slices.AppendSeq(slices.Collect(maps.Keys(x)), maps.Keys(y))
	slices.SortStableFunc(keys, compareKey)
	out := keys[:0]
	for i, k := range keys {
		if i == 0 || compareKey(out[len(out)-1], k) < 0 {
			out = append(out, k)
		}
	}
	return out
}

// compareKey orders the scalar keys yaml.v3 produces as go-cmp's isLess
// does. Keys of other types (a !!timestamp key) are ordered by their text,
// where go-cmp compares their fields.
func compareKey(a, b any) int {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return -1
		}
		return 1
	}
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb {
		return cmp.Or(cmp.Compare(ta.Kind(), tb.Kind()), cmp.Compare(ta.String(), tb.String()), cmp.Compare(ta.PkgPath(), tb.PkgPath()))
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	switch va.Kind() {
	case reflect.Bool:
		return cmp.Compare(b2i(va.Bool()), b2i(vb.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return cmp.Compare(va.Int(), vb.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return cmp.Compare(va.Uint(), vb.Uint())
	case reflect.Float32, reflect.Float64:
		// go-cmp: NaN first, and -0 equal to 0 (one map key).
		fa, fb := va.Float(), vb.Float()
		switch {
		case fa < fb || math.IsNaN(fa) && !math.IsNaN(fb):
			return -1
		case fb < fa || math.IsNaN(fb) && !math.IsNaN(fa):
			return 1
		}
		return 0
	case reflect.String:
		return cmp.Compare(va.String(), vb.String())
	}
	return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
