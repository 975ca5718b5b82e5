// Copyright 2017, The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found at
// https://github.com/google/go-cmp/blob/v0.7.0/LICENSE.
//
// align is Difference from github.com/google/go-cmp v0.7.0,
// cmp/internal/diff/diff.go, with its debug visualisation removed. It is
// copied rather than imported so that the binary does not carry go-cmp,
// whose package init compiles regexps on every start of coredb, and so that
// list items pair up exactly as they did when manifestdiff used go-cmp.

package manifestdiff

// edit is one step of an alignment of two lists.
type edit uint8

const (
	same     edit = iota // the items are equal
	onlyOld              // an item of the old list only
	onlyNew              // an item of the new list only
	modified             // the items differ but are similar enough to pair up
)

// result counts the equal and differing leaves under two values, as
// go-cmp's diff.Result does.
type result struct{ same, diff int }

func (r result) equal() bool { return r.diff == 0 }

// similar: binary comparisons ({1, 0} or {0, 1}) are similar, as in go-cmp.
func (r result) similar() bool { return r.same+1 >= r.diff }

// align returns the edits that turn a list of nx items into one of ny,
// comparing items with eq. It is greedy, not minimal: a search from the
// start and one from the end take turns until they meet, each following
// the first match it finds.
//
// go-cmp starts with either search at random (seeded by the clock) so that
// its users cannot rely on the result; manifestdiff's output must be the
// same on every run, so it always starts forward, as go-cmp does in its
// own deterministic test mode. reverseFirst exists for the test that
// checks align against go-cmp whichever way go-cmp chose.
func align(nx, ny int, eq func(ix, iy int) result, reverseFirst bool) []edit {
	fwd := alignPath{+1, point{0, 0}, make([]edit, 0, (nx+ny)/2)}
	rev := alignPath{-1, point{nx, ny}, nil}
	fwdFrontier := fwd.point
	revFrontier := rev.point

	// The longest run of non-matching items tolerated is about the square
	// root of the budget.
	budget := 4 * (nx + ny)

	forward := !reverseFirst
	for fwdFrontier.X < revFrontier.X && fwdFrontier.Y < revFrontier.Y && budget > 0 {
		if forward {
			for stop1, stop2, i := false, false, 0; !(stop1 && stop2) && budget > 0; i++ {
				// Search along a diagonal through the frontier.
				z := zigzag(i)
				p := point{fwdFrontier.X + z, fwdFrontier.Y - z}
				switch {
				case p.X >= rev.X || p.Y < fwd.Y:
					stop1 = true // hit the top-right corner
				case p.Y >= rev.Y || p.X < fwd.X:
					stop2 = true // hit the bottom-left corner
				case eq(p.X, p.Y).equal():
					fwd.connect(p, eq)
					fwd.append(same)
					for fwd.X < rev.X && fwd.Y < rev.Y && eq(fwd.X, fwd.Y).equal() {
						fwd.append(same)
					}
					fwdFrontier = fwd.point
					stop1, stop2 = true, true
				default:
					budget--
				}
			}
			if rev.X-fwdFrontier.X >= rev.Y-fwdFrontier.Y {
				fwdFrontier.X++
			} else {
				fwdFrontier.Y++
			}
		} else {
			for stop1, stop2, i := false, false, 0; !(stop1 && stop2) && budget > 0; i++ {
				z := zigzag(i)
				p := point{revFrontier.X - z, revFrontier.Y + z}
				switch {
				case fwd.X >= p.X || rev.Y < p.Y:
					stop1 = true // hit the bottom-left corner
				case fwd.Y >= p.Y || rev.X < p.X:
					stop2 = true // hit the top-right corner
				case eq(p.X-1, p.Y-1).equal():
					rev.connect(p, eq)
					rev.append(same)
					for fwd.X < rev.X && fwd.Y < rev.Y && eq(rev.X-1, rev.Y-1).equal() {
						rev.append(same)
					}
					revFrontier = rev.point
					stop1, stop2 = true, true
				default:
					budget--
				}
			}
			if revFrontier.X-fwd.X >= revFrontier.Y-fwd.Y {
				revFrontier.X--
			} else {
				revFrontier.Y--
			}
		}
		forward = !forward
	}

	// Join the two paths.
	fwd.connect(rev.point, eq)
	for i := len(rev.es) - 1; i >= 0; i-- {
		fwd.append(rev.es[i])
	}
	return fwd.es
}

type alignPath struct {
	dir int // +1 forward, -1 reverse
	point
	es []edit
}

// connect appends the edits that lead from p.point to dst.
func (p *alignPath) connect(dst point, eq func(ix, iy int) result) {
	if p.dir > 0 {
		for dst.X > p.X && dst.Y > p.Y {
			switch r := eq(p.X, p.Y); {
			case r.equal():
				p.append(same)
			case r.similar():
				p.append(modified)
			case dst.X-p.X >= dst.Y-p.Y:
				p.append(onlyOld)
			default:
				p.append(onlyNew)
			}
		}
		for dst.X > p.X {
			p.append(onlyOld)
		}
		for dst.Y > p.Y {
			p.append(onlyNew)
		}
		return
	}
	for p.X > dst.X && p.Y > dst.Y {
		switch r := eq(p.X-1, p.Y-1); {
		case r.equal():
			p.append(same)
		case r.similar():
			p.append(modified)
		case p.Y-dst.Y >= p.X-dst.X:
			p.append(onlyNew)
		default:
			p.append(onlyOld)
		}
	}
	for p.X > dst.X {
		p.append(onlyOld)
	}
	for p.Y > dst.Y {
		p.append(onlyNew)
	}
}

func (p *alignPath) append(e edit) {
	p.es = append(p.es, e)
	switch e {
	case same, modified:
		p.X += p.dir
		p.Y += p.dir
	case onlyOld:
		p.X += p.dir
	case onlyNew:
		p.Y += p.dir
	}
}

type point struct{ X, Y int }

// zigzag maps 0, 1, 2, 3, 4, ... to 0, -1, +1, -2, +2, ...
func zigzag(x int) int {
	if x&1 != 0 {
		x = ^x
	}
	return x >> 1
}
