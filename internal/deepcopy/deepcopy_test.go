package deepcopy

import (
	"reflect"
	"testing"

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
