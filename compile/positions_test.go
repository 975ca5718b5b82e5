package compile

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// flatSource is the model source's mounts replaced: every position a stack
// contributed copied into one map, as coredb did before issue 13. It is kept
// here, and only here, to hold the mounts to the same answers.
type flatSource map[string]Origin

func (f flatSource) graft(path string, src *source, fromPath string) {
	for p := range f {
		if under(p, path) {
			delete(f, p)
		}
	}
	src.eachUnder(fromPath, func(p string, o Origin) {
		if under(p, fromPath) {
			f[path+p[len(fromPath):]] = o
		}
	})
}

func (f flatSource) remapList(path string, fromUser map[int]int, stack *source, stackPath string, fromStack map[int]int) {
	moved := map[string]Origin{}
	for p, o := range f {
		if i, rest, ok := listIndex(p, path); ok {
			delete(f, p)
			if n, ok := fromUser[i]; ok {
				moved[path+"["+strconv.Itoa(n)+"]"+rest] = o
			}
		}
	}
	stack.eachUnder(stackPath+"[", func(p string, o Origin) {
		if j, rest, ok := listIndex(p, stackPath); ok {
			if n, ok := fromStack[j]; ok {
				moved[path+"["+strconv.Itoa(n)+"]"+rest] = o
			}
		}
	})
	maps.Copy(f, moved)
}

func (f flatSource) at(file, path string) Origin {
	for p := path; p != ""; p = parentPath(p) {
		if o, ok := f[p]; ok {
			o.Path += path[len(p):]
			return o
		}
	}
	if o, ok := f[""]; ok {
		o.Path = path
		return o
	}
	return Origin{File: file, Path: path}
}

// TestSourceModel: random sequences of the merges expandStack makes (grafts
// of a stack's field or entry, list merges with entries moved, dropped and
// brought in from a stack, and keep) answer at and has for every path
// exactly as copying every position did, including the merges no stack
// makes today (a mount above a list that is then merged).
func TestSourceModel(t *testing.T) {
	// Paths of a small grammar: two lists (one nested in the other's
	// entries) and fields at each level.
	var userPaths, stackPaths []string
	for _, root := range []string{"spec", ""} {
		join := func(a, b string) string {
			if a == "" {
				return b
			}
			return a + "." + b
		}
		ps := []string{join(root, "image"), join(root, "list"), join(root, "other")}
		for i := range 4 {
			e := fmt.Sprintf("%s[%d]", join(root, "list"), i)
			ps = append(ps, e, e+".name", e+".inner")
			for k := range 3 {
				ps = append(ps, fmt.Sprintf("%s.inner[%d]", e, k), fmt.Sprintf("%s.inner[%d].v", e, k))
			}
		}
		if root == "spec" {
			userPaths = append([]string{"", "spec"}, ps...)
		} else {
			stackPaths = ps
		}
	}
	listsUser := []string{"spec.list", "spec.list[0].inner", "spec.list[1].inner", "spec.list[3].inner"}
	listsStack := []string{"list", "list[0].inner", "list[2].inner"}
	graftsUser := []string{"spec", "spec.image", "spec.list", "spec.list[0]", "spec.list[1].inner", "spec.list[2].name", "spec.list[0].inner[1]"}
	graftsStack := []string{"image", "list", "list[1]", "list[2].inner", "list[3].name", "list[0].inner[2]", "missing"}

	r := rand.New(rand.NewPCG(13, 2026))
	pick := func(ps []string) string { return ps[r.IntN(len(ps))] }
	randomPositions := func(file string, paths []string) map[string]Origin {
		m := map[string]Origin{}
		for _, p := range paths {
			if r.IntN(3) > 0 {
				m[p] = Origin{File: file, Line: r.IntN(1000) + 1, Col: r.IntN(20) + 1, Path: p}
			}
		}
		return m
	}
	randomMap := func(n int, avoid map[int]bool) map[int]int {
		m := map[int]int{}
		for i := range n {
			if r.IntN(4) == 0 {
				continue
			}
			to := r.IntN(6)
			if avoid[to] {
				continue
			}
			avoid[to] = true
			m[i] = to
		}
		return m
	}
	probes := slices.Concat(userPaths, []string{"spec.list[5]", "spec.list[4].inner[2].v.deeper", "spec.image.x", "elsewhere"})

	for trial := range 3000 {
		stacks := make([]source, 2)
		for i := range stacks {
			pos := randomPositions(fmt.Sprintf("stacks/s%d.yaml", i), stackPaths)
			stacks[i] = source{file: "stack", positions: pos, paths: slices.Sorted(maps.Keys(pos))}
		}
		own := randomPositions("db.yaml", userPaths)
		got := source{file: "db.yaml", positions: maps.Clone(own)}
		want := flatSource(maps.Clone(own))
		var ops []string
		for range 1 + r.IntN(8) {
			st := &stacks[r.IntN(len(stacks))]
			switch r.IntN(3) {
			case 0, 1:
				path, from := pick(graftsUser), pick(graftsStack)
				ops = append(ops, fmt.Sprintf("graft(%s, %s:%s)", path, st.positions[from].File, from))
				got.graft(path, st, from)
				want.graft(path, st, from)
			case 2:
				path, from := pick(listsUser), pick(listsStack)
				taken := map[int]bool{}
				fromUser := randomMap(4, taken)
				fromStack := randomMap(4, taken)
				ops = append(ops, fmt.Sprintf("remapList(%s, %v, %s, %v)", path, fromUser, from, fromStack))
				got.remapList(path, fromUser, st, from, fromStack)
				want.remapList(path, fromUser, st, from, fromStack)
			}
			for _, p := range probes {
				if g, w := got.at(p), want.at("db.yaml", p); g != w {
					t.Fatalf("trial %d after %v: at(%q) = %+v, copying gives %+v", trial, ops, p, g, w)
				}
				_, w := want[p]
				if g := got.has(p); g != w {
					t.Fatalf("trial %d after %v: has(%q) = %v, copying gives %v", trial, ops, p, g, w)
				}
			}
		}
		kept := []string{pick(userPaths), pick(userPaths)}
		got.keep(kept...)
		for _, p := range probes {
			w := Origin{File: "db.yaml", Path: p}
			for q := p; ; q = parentPath(q) {
				if slices.Contains(kept, q) {
					if o, ok := want[q]; ok {
						o.Path += p[len(q):]
						w = o
						break
					}
				}
				if q == "" {
					break
				}
			}
			if g := got.at(p); g != w {
				t.Fatalf("trial %d after %v, keep(%q): at(%q) = %+v, want %+v", trial, ops, kept, p, g, w)
			}
		}
	}
}
