package compile

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// FieldError is one problem found in an input, with the position of the
// value that caused it. Line and Col are 1-based; 0 means unknown.
type FieldError struct {
	File    string
	Line    int
	Col     int
	Path    string // field path in Kubernetes syntax: spec.extensions[2].name
	Msg     string
	Warning bool // a warning does not stop compilation unless Options.Strict
}

// Error renders the error the way editors and CI annotations recognise:
// FILE:LINE:COL: PATH: MESSAGE.
func (e *FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
		}
		b.WriteString(": ")
	} else {
		b.WriteString("coredb: ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList collects every problem of an input so users see them all at once.
type ErrorList []*FieldError

// maxShown caps the printed list, as the Go compiler does.
const maxShown = 10

// Warnings are always shown; errors stop after maxShown.
func (l ErrorList) Error() string {
	l = l.Sorted()
	var b strings.Builder
	shown, hidden := 0, 0
	for _, e := range l {
		if !e.Warning {
			if shown == maxShown {
				hidden++
				continue
			}
			shown++
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	if hidden > 0 {
		fmt.Fprintf(&b, "\ncoredb: too many errors (%d more)", hidden)
	}
	return b.String()
}

// Unwrap lets errors.As find a single *FieldError.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Sorted returns the list ordered by file, line, column, path and message,
// without duplicates, so output does not depend on the order checks ran in.
func (l ErrorList) Sorted() ErrorList {
	s := slices.Clone(l)
	slices.SortStableFunc(s, func(a, b *FieldError) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return slices.CompactFunc(s, func(a, b *FieldError) bool { return *a == *b })
}

// Errors returns the entries that are not warnings.
func (l ErrorList) Errors() ErrorList {
	var out ErrorList
	for _, e := range l {
		if !e.Warning {
			out = append(out, e)
		}
	}
	return out
}

// Warnings returns the entries that are warnings.
func (l ErrorList) Warnings() ErrorList {
	var out ErrorList
	for _, e := range l {
		if e.Warning {
			out = append(out, e)
		}
	}
	return out
}
