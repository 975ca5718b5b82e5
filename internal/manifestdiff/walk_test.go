package manifestdiff

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// gocmpFields is how compareObjects listed fields before the walker
// replaced go-cmp in the binary: go-cmp's Equal with a Reporter. It is the
// oracle the walker is checked against.
func gocmpFields(k Key, o, n map[string]any) []Field {
	r := gocmpReporter{w: walker{secret: k.Group == "" && k.Kind == "Secret", report: true}}
	gocmp.Equal(o, n, gocmp.Reporter(&r))
	return r.w.fields
}

type gocmpReporter struct {
	path gocmp.Path
	w    walker // for its leaf, which records a Field as the old Report did
}

func (r *gocmpReporter) PushStep(ps gocmp.PathStep) { r.path = append(r.path, ps) }
func (r *gocmpReporter) PopStep()                   { r.path = r.path[:len(r.path)-1] }

func (r *gocmpReporter) Report(res gocmp.Result) {
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
	// The old fieldPath: map keys and list indexes, the new index unless
	// the item was removed.
	r.w.steps = r.w.steps[:0]
	for _, step := range r.path {
		switch s := step.(type) {
		case gocmp.MapIndex:
			r.w.steps = append(r.w.steps, pathKey(fmt.Sprint(s.Key().Interface())))
		case gocmp.SliceIndex:
			ix, iy := s.SplitKeys()
			if iy < 0 {
				iy = ix
			}
			r.w.steps = append(r.w.steps, fmt.Sprintf("[%d]", iy))
		}
	}
	r.w.leaf(false, x, y, vx.IsValid(), vy.IsValid())
}

// gocmpReverseFirst tells which way go-cmp's list alignment started in
// this process (it tosses a coin seeded by the clock): [a] -> [a a] adds
// item 1 searching forward, item 0 searching from the end.
func gocmpReverseFirst(t *testing.T) bool {
	fields := gocmpFields(Key{}, map[string]any{"l": []any{"a"}}, map[string]any{"l": []any{"a", "a"}})
	if len(fields) != 1 {
		t.Fatalf("go-cmp probe: %d fields, want 1", len(fields))
	}
	switch fields[0].Path {
	case "l[1]":
		return false
	case "l[0]":
		return true
	}
	t.Fatalf("go-cmp probe: path %q", fields[0].Path)
	return false
}

// TestWalkerMatchesGoCmp: on random pairs of similar values the walker
// reports the same fields, in the same order, as go-cmp did. go-cmp starts
// its list alignment in a direction chosen at random per process; the
// walker is run the same way here (coredb always starts forward), so each
// run of the test checks one direction against go-cmp.
func TestWalkerMatchesGoCmp(t *testing.T) {
	reverseFirst := gocmpReverseFirst(t)
	t.Logf("go-cmp aligns lists starting from the %s", map[bool]string{false: "start", true: "end"}[reverseFirst])
	g := valueGen{rand.New(rand.NewPCG(3, 4))}
	var fields, listFields int
	for i := range 4000 {
		k := Key{Kind: "ConfigMap"}
		if i%5 == 0 {
			k.Kind = "Secret"
		}
		o := g.object(3)
		n := g.mutate(o, 3).(map[string]any)
		want := gocmpFields(k, o, n)
		w := walker{secret: k.Kind == "Secret", report: true, reverseFirst: reverseFirst}
		w.compare(o, n, true, true)
		if diff := gocmp.Diff(want, w.fields, cmpopts.EquateNaNs(), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("pair %d: fields differ from go-cmp's (-go-cmp +walker):\n%s\nold: %#v\nnew: %#v", i, diff, o, n)
		}
		fields += len(want)
		if i == 3999 {
			t.Logf("%d fields, %d in lists", fields, listFields)
		}
		for _, f := range want {
			if strings.Contains(f.Path, "[") && !strings.Contains(f.Path, `["`) {
				listFields++
			}
		}
	}
	// The generator must produce differences, many of them in lists, for
	// the comparison to mean something.
	if fields < 4000 || listFields < 1000 {
		t.Errorf("only %d differing fields, %d in lists: the generator is too tame", fields, listFields)
	}
}

// TestListAlignmentStartsForward: an item added next to an equal one is
// reported after it, on every run. go-cmp reported it before it in about
// half of the processes (its alignment starts from the end at random).
func TestListAlignmentStartsForward(t *testing.T) {
	old := cm("c", "", "", map[string]any{"l": []any{"a"}})
	cur := cm("c", "", "", map[string]any{"l": []any{"a", "a"}})
	d := Compare(objs(old), objs(cur))
	var paths []string
	for _, f := range d.Objects[0].Fields {
		paths = append(paths, f.Change+" "+f.Path)
	}
	if want := []string{"added data.l[1]"}; !slices.Equal(paths, want) {
		t.Errorf("fields = %q, want %q", paths, want)
	}
}

// TestNaNKey: entries under a NaN key (YAML's .nan), which no lookup
// finds, are shown as removed and added rather than hidden; go-cmp
// panicked on them.
func TestNaNKey(t *testing.T) {
	old := cm("c", "", "", map[string]any{"m": map[any]any{math.NaN(): "a", 2: "b"}})
	cur := cm("c", "", "", map[string]any{"m": map[any]any{math.NaN(): "a", 2: "c"}})
	d := Compare(objs(old), objs(cur))
	var got []string
	for _, f := range d.Objects[0].Fields {
		got = append(got, fmt.Sprintf("%s %s %v %v", f.Change, f.Path, f.Old, f.New))
	}
	// Keys in go-cmp's order: ints before floats.
	want := []string{`changed data.m["2"] b c`, `removed data.m.NaN a <nil>`, `added data.m.NaN <nil> a`}
	if !slices.Equal(got, want) {
		t.Errorf("fields = %q, want %q", got, want)
	}
}

// valueGen makes random values of the kinds yaml.v3 decodes to, from small
// pools so that equal keys and items are common.
type valueGen struct{ r *rand.Rand }

var (
	genKeys = []string{"a", "b", "data", "stringData", "x.y", "spec", "run.sh"}
	// No NaN: go-cmp panics on a NaN key (see TestNaNKey).
	genAny  = []any{nil, true, false, 1, 2, int64(1), uint64(7), 1.5, 0.0, math.Copysign(0, -1), "1", "k"}
	genTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
)

func (g valueGen) scalar() any {
	switch g.r.IntN(12) {
	case 0:
		return nil
	case 1:
		return g.r.IntN(2) == 0
	case 2:
		return g.r.IntN(3)
	case 3:
		return float64(g.r.IntN(2)) + 0.5
	case 4:
		return math.NaN()
	case 5:
		// The same instant in two zones: equal by time.Time.Equal.
		if g.r.IntN(2) == 0 {
			return genTime
		}
		return genTime.In(time.FixedZone("x", 3600))
	case 6:
		return []string{"a\nb\n", "a\nc\n", "x"}[g.r.IntN(3)]
	}
	return []string{"a", "b", "c"}[g.r.IntN(3)]
}

func (g valueGen) object(depth int) map[string]any {
	m := map[string]any{}
	for range g.r.IntN(5) {
		m[genKeys[g.r.IntN(len(genKeys))]] = g.value(depth - 1)
	}
	return m
}

func (g valueGen) value(depth int) any {
	if depth <= 0 {
		return g.scalar()
	}
	switch g.r.IntN(10) {
	case 0, 1:
		return g.object(depth)
	case 2:
		m := map[any]any{}
		for range g.r.IntN(4) {
			m[genAny[g.r.IntN(len(genAny))]] = g.value(depth - 1)
		}
		return m
	case 3, 4, 5:
		l := []any{}
		for range g.r.IntN(6) {
			l = append(l, g.value(depth-1))
		}
		return l
	case 6:
		return []any{map[string]any(nil), []any(nil)}[g.r.IntN(2)]
	}
	return g.scalar()
}

// mutate returns a copy of v with random changes: keys and items added,
// removed, duplicated and changed.
func (g valueGen) mutate(v any, depth int) any {
	if g.r.IntN(4) == 0 {
		return v // unchanged (shared: the walk must not care)
	}
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			return g.value(depth)
		}
		m := maps.Clone(v)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			switch g.r.IntN(4) {
			case 0:
				delete(m, k)
			case 1:
				m[k] = g.mutate(m[k], depth-1)
			}
		}
		if g.r.IntN(2) == 0 {
			m[genKeys[g.r.IntN(len(genKeys))]] = g.value(depth - 1)
		}
		return m
	case map[any]any:
		m := maps.Clone(v)
		for _, k := range sortedKeys(m, nil) { // in order, for a repeatable test
			if g.r.IntN(3) == 0 {
				m[k] = g.mutate(m[k], depth-1)
			}
		}
		m[genAny[g.r.IntN(len(genAny))]] = g.value(depth - 1)
		return m
	case []any:
		if v == nil {
			return []any{}
		}
		var l []any
		for _, e := range v {
			switch g.r.IntN(6) {
			case 0: // removed
			case 1:
				l = append(l, e, e) // duplicated: an ambiguous alignment
			case 2:
				l = append(l, g.mutate(e, depth-1))
			case 3:
				l = append(l, g.value(depth-1), e)
			default:
				l = append(l, e)
			}
		}
		if l == nil {
			l = []any{}
		}
		return l
	}
	if g.r.IntN(2) == 0 {
		return g.scalar()
	}
	return g.value(depth)
}
