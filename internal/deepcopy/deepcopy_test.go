package deepcopy

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

type inner struct {
	N    int
	S    []string
	M    map[string]any
	Q    *resource.Quantity
	P    *inner
	hide []int // shared, as documented
}

func TestOf(t *testing.T) {
	q := resource.MustParse("2Gi")
	orig := inner{
		N: 1, S: []string{"a"}, M: map[string]any{"k": map[string]any{"x": []any{"y"}}}, Q: &q,
		P: &inner{S: []string{"b"}}, hide: []int{1},
	}
	c := Of(orig)
	if !reflect.DeepEqual(c, orig) {
		t.Fatalf("copy differs: %#v", c)
	}
	c.S[0] = "changed"
	c.M["k"].(map[string]any)["x"].([]any)[0] = "changed"
	c.P.S[0] = "changed"
	c.Q.Add(resource.MustParse("1Gi"))
	if orig.S[0] != "a" || orig.M["k"].(map[string]any)["x"].([]any)[0] != "y" || orig.P.S[0] != "b" || orig.Q.String() != "2Gi" {
		t.Errorf("changing the copy changed the original: %#v", orig)
	}
	var nilMap map[string]int
	if Of(nilMap) != nil {
		t.Error("nil map copied as non-nil")
	}
}

// withDeepCopy's DeepCopy is the one Of must use: it marks its copies.
type withDeepCopy struct {
	S      []string
	copied bool
}

func (w *withDeepCopy) DeepCopy() *withDeepCopy {
	return &withDeepCopy{S: append([]string(nil), w.S...), copied: true}
}

type flatStruct struct {
	A int
	B string
	C [2]struct{ X float64 }
	d bool
}

// TestOfPlans: a type with a DeepCopy method is copied by it (Kubernetes
// types, whether or not they have unexported fields), a type holding no
// reference is copied whole (unexported fields too), slices of those are
// copied, not shared, and nested values of every kind stay independent.
func TestOfPlans(t *testing.T) {
	w := Of(withDeepCopy{S: []string{"a"}})
	if !w.copied || w.S[0] != "a" {
		t.Errorf("DeepCopy not used: %+v", w)
	}
	ws := Of([]*withDeepCopy{{S: []string{"b"}}})
	if !ws[0].copied {
		t.Errorf("DeepCopy not used through a pointer in a slice: %+v", ws[0])
	}
	f := flatStruct{A: 1, B: "b", d: true}
	f.C[1].X = 2.5
	if got := Of(f); got != f {
		t.Errorf("flat copy = %+v, want %+v", got, f)
	}
	fs := []flatStruct{f}
	c := Of(fs)
	c[0].A = 9
	if fs[0].A != 1 {
		t.Error("a slice of flat structs was shared")
	}
	p := corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", HTTPHeaders: []corev1.HTTPHeader{{Name: "a"}}}}}
	pc := Of(p)
	if !reflect.DeepEqual(pc, p) {
		t.Fatalf("probe copy differs: %+v", pc)
	}
	pc.HTTPGet.Path = "/changed"
	pc.HTTPGet.HTTPHeaders[0].Name = "changed"
	if p.HTTPGet.Path != "/" || p.HTTPGet.HTTPHeaders[0].Name != "a" {
		t.Errorf("changing the probe's copy changed it: %+v", p.HTTPGet)
	}
}
