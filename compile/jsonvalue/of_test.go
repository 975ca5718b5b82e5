package jsonvalue

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/randfill"
)

// viaJSON is what Of must return: the value's JSON, read back.
func viaJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

func checkOf(t *testing.T, label string, v any) {
	t.Helper()
	want, wantErr := viaJSON(v)
	got, err := Of(v)
	if (wantErr == nil) != (err == nil) {
		t.Fatalf("%s: encoding/json error %v, Of error %v", label, wantErr, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n Of   %#v\n JSON %#v", label, got, want)
	}
}

type valueMarshaler struct{ N int }

func (m valueMarshaler) MarshalJSON() ([]byte, error) { return fmt.Appendf(nil, `{"v":%d}`, m.N), nil }

type ptrMarshaler struct{ N int }

func (m *ptrMarshaler) MarshalJSON() ([]byte, error) { return fmt.Appendf(nil, `["p",%d]`, m.N), nil }

type ptrText struct{ S string }

func (m *ptrText) MarshalText() ([]byte, error) { return []byte("t:" + m.S), nil }

type textKey int

func (k textKey) MarshalText() ([]byte, error) { return fmt.Appendf(nil, "k%d", int(k)), nil }

type zeroByMethod struct{ N int }

func (z zeroByMethod) IsZero() bool { return z.N == 7 }

type zeroByPtrMethod struct{ N int }

func (z *zeroByPtrMethod) IsZero() bool { return z.N == 9 }

type failing struct{}

func (failing) MarshalJSON() ([]byte, error) { return nil, errors.New("no") }

type Inner struct {
	A string `json:"a"`
	B int
	C string `json:"c,omitempty"`
}

type Other struct {
	A string // untagged: hidden by Inner's tagged a? different name "A"
	D string `json:"d"`
}

type Deeper struct{ Inner }

type hidden struct {
	H string `json:"h"`
}

type Conflict1 struct{ X int }
type Conflict2 struct{ X int }

type kitchen struct {
	Inner
	*Other
	Deeper             // Inner again, one level deeper: hidden
	hidden             // unexported embedded struct: its exported fields count
	Conflict1          //
	Conflict2          // X at the same depth, untagged twice: dropped
	Named     string   `json:"named"`
	Dash      string   `json:"-"`
	DashComma string   `json:"-,"`
	Bad       string   `json:"a\\b"`
	Empty     []string `json:"empty,omitempty"`
	Nil       []string `json:"nil"`
	Bytes     []byte   `json:"bytes"`
	Arr       [2]int   `json:"arr"`
	M         map[string]int
	TK        map[textKey]string
	IK        map[int8]bool
	UK        map[uint]bool
	F64       float64
	F32       float32
	Small     float64
	Big       float64
	Neg       float64
	Num       json.Number
	NumEmpty  json.Number
	Any       any
	AnyNil    any
	Ptr       *int
	PtrNil    *int `json:"ptrNil,omitempty"`
	VM        valueMarshaler
	PM        ptrMarshaler            // addressable here: its MarshalJSON is used
	PMs       map[string]ptrMarshaler // map values are not addressable: it is not
	PT        ptrText
	PTNil     *ptrText
	Z1        zeroByMethod    `json:",omitzero"`
	Z2        zeroByPtrMethod `json:",omitzero"`
	Z3        struct{ Q int } `json:",omitzero"`
	Z4        *int            `json:",omitzero"`
	Str       string
	Invalid   string
	unexp     int
}

// ofCases are values that exercise each of encoding/json's rules.
func ofCases() []any {
	one := 1
	k := kitchen{
		Inner: Inner{A: "a", B: 2}, Other: &Other{A: "oa", D: "d"}, Deeper: Deeper{Inner{A: "deep"}},
		hidden: hidden{H: "h"}, Conflict1: Conflict1{1}, Conflict2: Conflict2{2},
		Named: "n", Dash: "x", DashComma: "dc", Bad: "bad", Bytes: []byte{0, 1, 254, 255},
		Arr: [2]int{3, 4}, M: map[string]int{"z": 1, "a": 2}, TK: map[textKey]string{3: "three"},
		IK: map[int8]bool{-3: true}, UK: map[uint]bool{7: false},
		F64: 1.5, F32: 0.1, Small: 1e-7, Big: 1e21, Neg: -0.0,
		Num: "12.50", Any: map[string]any{"x": []any{1, "y", nil}}, Ptr: &one,
		VM: valueMarshaler{5}, PM: ptrMarshaler{6}, PMs: map[string]ptrMarshaler{"m": {8}},
		PT: ptrText{"s"}, Z1: zeroByMethod{7}, Z2: zeroByPtrMethod{9}, Z4: nil,
		Str: "caf\u00e9 <&> \u2028", Invalid: "bad \xff\xfe utf8", unexp: 3,
	}
	k2 := k
	k2.Other = nil
	k2.Z1, k2.Z2 = zeroByMethod{1}, zeroByPtrMethod{1}
	return []any{
		&k,
		k,   // nothing addressable: pointer methods unused
		&k2, // a nil embedded pointer, IsZero false
		&kitchen{},
		nil, true, 0, -12, uint8(200), 3.0, float32(1e-7), math.MaxFloat64, "s", []any{}, map[string]any{},
		[]int(nil), map[string]string(nil), &one, []*int{nil, &one}, []byte(nil), []byte{},
		struct {
			N int `json:"n,string"` // quoted: the fallback
		}{4},
		map[string]valueMarshaler{"a": {1}}, []ptrMarshaler{{2}}, [1]ptrMarshaler{{3}},
		struct{ M json.Marshaler }{}, struct{ M json.Marshaler }{valueMarshaler{4}},
	}
}

func TestOfMatchesMarshal(t *testing.T) {
	for i, v := range ofCases() {
		checkOf(t, fmt.Sprintf("case %d: %T", i, v), v)
	}
	// encoding/json refuses these; so must Of.
	for _, v := range []any{math.NaN(), math.Inf(1), make(chan int), failing{}, json.Number("x1"),
		map[[2]int]int{{1, 2}: 3}} {
		if _, err := Of(v); err == nil {
			t.Errorf("Of(%T) accepted what encoding/json refuses", v)
		}
	}
}

// randomObjects fills every kind of object coredb renders with random
// values, seeded: fields, maps, lists, nested pointers, every branch a
// generator reaches.
func randomObjects(seed int64) []any {
	f := randfill.NewWithSeed(seed).NilChance(0.3).NumElements(0, 3).MaxDepth(12).Funcs(
		// Floats in Kubernetes types are rare and randfill makes NaNs and
		// infinities, which encoding/json refuses: both refuse them alike
		// (TestOfMatchesMarshal), so they are kept finite here.
		func(f *float64, c randfill.Continue) { *f = c.Float64() * 1e6 },
		// Raw JSON fields hold JSON in real objects; random bytes would only
		// test that both refuse them.
		func(f *metav1.FieldsV1, c randfill.Continue) { f.Raw = fmt.Appendf(nil, `{"f:%s":{}}`, c.String(5)) },
		func(r *runtime.RawExtension, c randfill.Continue) { r.Raw = fmt.Appendf(nil, `{"k":%q}`, c.String(5)) },
	)
	objs := []any{&cnpgv1.Cluster{}, &cnpgv1.Pooler{}, &cnpgv1.ScheduledBackup{}, &cnpgv1.Database{},
		&batchv1.Job{}, &batchv1.CronJob{}, &corev1.ConfigMap{}, &corev1.Secret{}, &corev1.Service{},
		&corev1.ServiceAccount{}, &appsv1.Deployment{}, &networkingv1.Ingress{}, &rbacv1.Role{}, &rbacv1.RoleBinding{}}
	for _, o := range objs {
		f.Fill(o)
	}
	return objs
}

func TestOfMatchesMarshalRandom(t *testing.T) {
	var objects, marshalled int
	for seed := range int64(20) {
		for _, o := range randomObjects(seed) {
			checkOf(t, fmt.Sprintf("seed %d %T", seed, o), o)
			objects++
			if b, err := json.Marshal(o); err == nil && len(b) > 200 {
				marshalled++
			}
		}
	}
	// Objects encoding/json refuses only prove that both refuse them.
	if marshalled < objects*9/10 {
		t.Fatalf("only %d of %d random objects marshal to something", marshalled, objects)
	}
}

func FuzzOf(f *testing.F) {
	f.Add(int64(0))
	f.Add(int64(12345))
	f.Fuzz(func(t *testing.T, seed int64) {
		for _, o := range randomObjects(seed) {
			checkOf(t, fmt.Sprintf("seed %d %T", seed, o), o)
		}
	})
}

func BenchmarkOf(b *testing.B) {
	objs := randomObjects(1)
	b.ReportAllocs()
	for b.Loop() {
		for _, o := range objs {
			if _, err := Of(o); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkViaJSON(b *testing.B) {
	objs := randomObjects(1)
	b.ReportAllocs()
	for b.Loop() {
		for _, o := range objs {
			if _, err := viaJSON(o); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func checkAppend(t *testing.T, label string, v any) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, err := AppendJSON(nil, v)
	if (wantErr == nil) != (err == nil) {
		t.Fatalf("%s: json.Marshal error %v, AppendJSON error %v", label, wantErr, err)
	}
	if wantErr == nil && string(got) != string(want) {
		t.Fatalf("%s:\n AppendJSON %s\n Marshal    %s", label, got, want)
	}
}

// TestAppendJSONMatchesMarshal: the same values as TestOfMatchesMarshal,
// random objects and strings of every awkward character give json.Marshal's
// bytes.
func TestAppendJSONMatchesMarshal(t *testing.T) {
	for _, v := range ofCases() {
		checkAppend(t, fmt.Sprintf("%T", v), v)
	}
	for seed := range int64(20) {
		for _, o := range randomObjects(seed) {
			checkAppend(t, fmt.Sprintf("seed %d %T", seed, o), o)
		}
	}
	for _, s := range []string{"", "plain", "q\"b\\s/", "\b\f\n\r\t\x00\x1f\x7f", "<a href='x'>&amp;</a>",
		"\u2028\u2029\u00e9\U0001F600", "bad\xff\xc3(\xed\xa0\x80", "\ufffd"} {
		checkAppend(t, fmt.Sprintf("%q", s), s)
		checkAppend(t, fmt.Sprintf("key %q", s), map[string]int{s: 1, "a": 2})
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("a<b>\u2028\xff")
	f.Fuzz(func(t *testing.T, s string) {
		checkAppend(t, fmt.Sprintf("%q", s), s)
	})
}
