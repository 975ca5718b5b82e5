package lazyre

import (
	"slices"
	"sync"
	"testing"
)

func TestRegexp(t *testing.T) {
	r := New(`^a(\d+)$`)
	var wg sync.WaitGroup
	for range 4 { // first use from several goroutines at once
		wg.Go(func() {
			if !r.MatchString("a12") || r.MatchString("b") {
				t.Error("MatchString")
			}
		})
	}
	wg.Wait()
	if got := New(`-\d+$`).FindStringIndex("x-12"); !slices.Equal(got, []int{1, 4}) {
		t.Errorf("FindStringIndex = %v", got)
	}
	if got := r.FindStringSubmatch("a7"); !slices.Equal(got, []string{"a7", "7"}) {
		t.Errorf("FindStringSubmatch = %q", got)
	}
	if got := New(`x(\d)`).FindAllStringSubmatch("x1 x2", -1); len(got) != 2 || got[1][1] != "2" {
		t.Errorf("FindAllStringSubmatch = %q", got)
	}
	if r.String() != `^a(\d+)$` {
		t.Error("String")
	}
}

func TestBadExpressionPanicsAtFirstUse(t *testing.T) {
	r := New(`(`) // no panic here
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	r.MatchString("x")
}
