package compile

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// source is where a decoded document came from, kept so that checks after
// decoding can point at the line of any field.
//
// A CoreDB with a stack holds the stack's entries too, and their positions
// are the stack file's. They are not copied into the CoreDB's own map:
// a mount says "the positions at or below this path are the stack's at or
// below that one", and is looked up through. A fleet of a thousand stacked
// CoreDBs shares its ten stacks' positions instead of copying hundreds into
// each (issue 13: the copies were a fifth of what `coredb validate`
// allocated). The answers are exactly those of the copies; TestSourceModel
// holds every operation to the copying model it replaced.
type source struct {
	file    string
	trimmed bool // keep ran: Compile has built this CoreDB once

	positions map[string]Origin // field path -> where its value was written
	// paths are the keys of positions, sorted, when positions no longer
	// change (a cached stack's): the paths below one field are then a run
	// found by binary search, not a scan of the map, when a stack's lists
	// are merged into each of many specs.
	paths []string
	// mounts are later than every own position at or below them (graft
	// deletes those), and a later mount hides an earlier one below its path.
	mounts []mount
}

// mount: the positions at or below at are src's at or below from. src is a
// stack's source (of the build's own copy of the stack, whose positions
// every copy shares): it has no mounts of its own and is never changed.
type mount struct {
	at, from string
	src      *source
}

// lookup is the position recorded for exactly path: the source's own, or
// else the latest mount's that covers path (even if that has none there: it
// replaced whatever was below its path before it).
func (s source) lookup(path string) (Origin, bool) {
	if o, ok := s.positions[path]; ok {
		return o, true
	}
	for i := len(s.mounts) - 1; i >= 0; i-- {
		if m := s.mounts[i]; under(path, m.at) {
			o, ok := m.src.positions[m.from+path[len(m.at):]]
			return o, ok
		}
	}
	return Origin{}, false
}

// keep forgets every position but those of paths (and so what at reports
// for anything but paths and the fields below them).
func (s *source) keep(paths ...string) {
	m := make(map[string]Origin, len(paths))
	for _, p := range paths {
		if o, ok := s.lookup(p); ok {
			m[p] = o
		}
	}
	s.positions, s.paths, s.mounts, s.trimmed = m, nil, nil, true
}

// eachUnder calls fn for every path that starts with prefix. It is called
// on stacks' sources only: they have no mounts, and their paths are sorted
// once decoded (decodeStackFile), so the run is found by binary search.
func (s source) eachUnder(prefix string, fn func(p string, o Origin)) {
	i, _ := slices.BinarySearch(s.paths, prefix)
	for ; i < len(s.paths) && strings.HasPrefix(s.paths[i], prefix); i++ {
		fn(s.paths[i], s.positions[s.paths[i]])
	}
}

// at locates a field path: the position recorded for the path, or for its
// nearest recorded parent when the field itself was not written. Values a
// stack contributed, or that merging moved to another index, are recorded
// with the path and position where they were written, so messages name the
// line the user (or the stack file) actually has.
func (s source) at(path string) Origin {
	for p := path; p != ""; p = parentPath(p) {
		if o, ok := s.lookup(p); ok {
			o.Path += path[len(p):]
			return o
		}
	}
	if o, ok := s.lookup(""); ok {
		o.Path = path
		return o
	}
	return Origin{File: s.file, Path: path}
}

// has reports whether the user (or a stack) wrote the field at path.
func (s source) has(path string) bool {
	_, ok := s.lookup(path)
	return ok
}

// parentPath drops the last element of a field path: a.b[2].c -> a.b[2] -> a.b.
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// under reports whether field path p is prefix or below it.
func under(p, prefix string) bool {
	if !strings.HasPrefix(p, prefix) {
		return false
	}
	rest := p[len(prefix):]
	return rest == "" || rest[0] == '.' || rest[0] == '['
}

// graft records that the value at path came from another place (a stack
// file): every position at or below fromPath in from is now the position of
// the same field below path, replacing what s had at or below path.
func (s *source) graft(path string, from *source, fromPath string) {
	for p := range s.positions {
		if under(p, path) {
			delete(s.positions, p)
		}
	}
	s.mounts = append(s.withoutMounts(func(m mount) bool { return under(m.at, path) }), mount{at: path, from: fromPath, src: from})
}

// withoutMounts is s.mounts without those drop accepts, in a new slice when
// any is dropped: copies of s (values) may share the old one.
func (s *source) withoutMounts(drop func(mount) bool) []mount {
	if !slices.ContainsFunc(s.mounts, drop) {
		return s.mounts
	}
	var out []mount
	for _, m := range s.mounts {
		if !drop(m) {
			out = append(out, m)
		}
	}
	return out
}

// remapList rewrites the positions of list path after a merge: user entries
// move from index i to fromUser[i] (an entry not in it is gone); the stack's
// entries at stackPath[j] come in at fromStack[j].
func (s *source) remapList(path string, fromUser map[int]int, stack *source, stackPath string, fromStack map[int]int) {
	// A mount of the whole list (or of a field above it) cannot follow its
	// entries to new indexes; its positions become the source's own first.
	// No stack merge does this today (every mount is of one entry or one
	// field of one), so this is for correctness, not for speed.
	for i := len(s.mounts) - 1; i >= 0; i-- {
		if under(path, s.mounts[i].at) {
			s.materialize(i)
		}
	}
	var moved map[string]Origin // most merges move nothing of the user's
	for p, o := range s.positions {
		if i, rest, ok := listIndex(p, path); ok {
			delete(s.positions, p)
			if n, ok := fromUser[i]; ok {
				if moved == nil {
					moved = map[string]Origin{}
				}
				moved[path+"["+strconv.Itoa(n)+"]"+rest] = o
			}
		}
	}
	maps.Copy(s.positions, moved)
	mounts := make([]mount, 0, len(s.mounts)+len(fromStack))
	for _, m := range s.mounts {
		if i, rest, ok := listIndex(m.at, path); ok {
			n, kept := fromUser[i]
			if !kept {
				continue
			}
			m.at = path + "[" + strconv.Itoa(n) + "]" + rest
		}
		mounts = append(mounts, m)
	}
	for _, j := range slices.Sorted(maps.Keys(fromStack)) {
		mounts = append(mounts, mount{at: path + "[" + strconv.Itoa(fromStack[j]) + "]", from: stackPath + "[" + strconv.Itoa(j) + "]", src: stack})
	}
	s.mounts = mounts
}

// materialize copies what mount i answers into the source's own positions
// (where no own position or later mount answers instead) and removes it.
func (s *source) materialize(i int) {
	m := s.mounts[i]
	later := s.mounts[i+1:]
	own := map[string]Origin{}
	m.src.eachUnder(m.from, func(p string, o Origin) {
		if !under(p, m.from) {
			return
		}
		at := m.at + p[len(m.from):]
		if _, mine := s.positions[at]; mine || slices.ContainsFunc(later, func(l mount) bool { return under(at, l.at) }) {
			return
		}
		own[at] = o
	})
	if s.positions == nil {
		s.positions = map[string]Origin{}
	}
	maps.Copy(s.positions, own)
	s.mounts = slices.Concat(s.mounts[:i:i], later)
}

// listIndex splits "path[12].x" into 12 and ".x" when p is an element of
// list path (or below one).
func listIndex(p, path string) (int, string, bool) {
	if len(p) <= len(path)+2 || p[:len(path)] != path || p[len(path)] != '[' {
		return 0, "", false
	}
	rest := p[len(path)+1:]
	end := strings.IndexByte(rest, ']')
	if end <= 0 {
		return 0, "", false
	}
	i, err := strconv.Atoi(rest[:end])
	if err != nil {
		return 0, "", false
	}
	return i, rest[end+1:], true
}
