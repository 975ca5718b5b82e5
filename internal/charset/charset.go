// Package charset matches names built from ASCII character classes: a
// first character from one class, the rest from another, the last from a
// third. Most name rules coredb applies (DNS labels, PostgreSQL parameter
// names, Trunk project names, versions) have that shape, and are checked for
// every field of every CoreDB of a fleet: a class test is a bit lookup where
// a regular expression runs a matcher (issue 13). The rules that use it keep
// their regular expression in their tests, and a fuzz target holds each to
// it.
package charset

// Set is a set of ASCII bytes. Bytes from 128 up are never in a Set, so a
// name with any non-ASCII byte never matches, as with a regular expression of
// ASCII classes.
type Set struct{ lo, hi uint64 }

// Of returns the set of the bytes of spec, in which "a-z" is the range from a
// to z and a '-' that is first or last is itself, as in a regular
// expression's class. It panics on a byte from 128 up or a descending range:
// Sets are written in the source, and the tests build every one.
func Of(spec string) Set {
	var s Set
	for i := 0; i < len(spec); i++ {
		lo, hi := spec[i], spec[i]
		if i+2 < len(spec) && spec[i+1] == '-' {
			hi = spec[i+2]
			i += 2
		}
		if hi >= 128 || lo > hi {
			panic("charset: bad set " + spec)
		}
		for c := lo; ; c++ {
			s = s.with(c)
			if c == hi {
				break
			}
		}
	}
	return s
}

func (s Set) with(c byte) Set {
	if c < 64 {
		s.lo |= 1 << c
	} else {
		s.hi |= 1 << (c - 64)
	}
	return s
}

// Has reports whether c is in the set.
func (s Set) Has(c byte) bool {
	if c < 64 {
		return s.lo&(1<<c) != 0
	}
	return c < 128 && s.hi&(1<<(c-64)) != 0
}

// Union is the bytes of s and of t.
func (s Set) Union(t Set) Set { return Set{s.lo | t.lo, s.hi | t.hi} }

// Word reports whether name is one byte of first followed by bytes of rest,
// the last of which (when there are any) is in last, and is at most max
// bytes long (no limit when max is 0): the regular expression
// ^[first]([rest]*[last])?$ with last a subset of rest.
func Word(name string, first, rest, last Set, max int) bool {
	if name == "" || (max > 0 && len(name) > max) || !first.Has(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		if !rest.Has(name[i]) {
			return false
		}
	}
	return len(name) == 1 || last.Has(name[len(name)-1])
}

var (
	lower          = Of("a-z")
	lowerDigit     = Of("a-z0-9")
	lowerDigitDash = Of("-a-z0-9")
)

// DNSLabel reports whether s has the characters of a DNS-1123 label,
// ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ (Kubernetes' IsDNS1123Label without the
// 63-byte limit, which callers check with their own message).
func DNSLabel(s string) bool { return Word(s, lowerDigit, lowerDigitDash, lowerDigit, 0) }

// DNS1035Label reports whether s has the characters of a DNS-1035 label,
// ^[a-z]([-a-z0-9]*[a-z0-9])?$: a DNS-1123 label that starts with a letter.
func DNS1035Label(s string) bool { return Word(s, lower, lowerDigitDash, lowerDigit, 0) }
