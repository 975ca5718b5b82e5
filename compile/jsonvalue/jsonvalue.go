// Package jsonvalue reads one JSON value into the plain Go values
// encoding/json gives when it decodes into an `any` with UseNumber:
// map[string]any, []any, string, json.Number, bool and nil.
//
// The encoder turns every object into such a tree before writing canonical
// YAML (the tree sigs.k8s.io/yaml.Marshal starts from too). encoding/json
// builds it by reflection, one allocation per value and one per key; in a
// stack fleet that decoding was an eighth of a render's CPU (issue 13). This
// reader walks the bytes once, shares key strings within a document (the
// same few dozen keys repeat hundreds of times) and sizes each map once.
// FuzzParse holds it to encoding/json's result on every input.
package jsonvalue

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// Parse returns the value data holds. data must be one JSON value, with
// only white space around it. Invalid UTF-8 and unpaired surrogate escapes
// in strings become U+FFFD, and a repeated key keeps its last value, as
// encoding/json does.
func Parse(data []byte) (any, error) {
	p := parsers.Get().(*parser)
	defer p.release()
	p.data, p.i = data, 0
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.data) {
		return nil, p.errorf("data after the value")
	}
	return v, nil
}

// parsers keeps parsers between documents, with their scratch stacks and
// the key strings they have seen: a render parses thousands of documents
// that use the same few hundred keys. Each goroutine takes its own.
var parsers = sync.Pool{New: func() any { return &parser{keys: map[string]string{}} }}

// maxKeys bounds the strings a pooled parser keeps; a document with many
// distinct keys (user labels, say) must not make it grow for ever.
const maxKeys = 4096

func (p *parser) release() {
	p.data = nil
	clear(p.kvs[:cap(p.kvs)])
	clear(p.vals[:cap(p.vals)])
	p.kvs, p.vals = p.kvs[:0], p.vals[:0]
	if len(p.keys) > maxKeys {
		clear(p.keys)
	}
	parsers.Put(p)
}

// maxDepth bounds nesting as encoding/json does (10000), so a hostile input
// cannot exhaust the stack.
const maxDepth = 10000

type parser struct {
	data []byte
	i    int
	keys map[string]string // key strings seen (kept across documents)
	kvs  []kv              // pending members of the objects being read
	vals []any             // pending items of the arrays being read
}

type kv struct {
	k string
	v any
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("jsonvalue: offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *parser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (any, error) {
	if p.i >= len(p.data) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.data[p.i]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		s, err := p.string()
		if err != nil {
			return nil, err
		}
		return s, nil
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case p.literal("true"):
		return true, nil
	case p.literal("false"):
		return false, nil
	case p.literal("null"):
		return nil, nil
	default:
		return nil, p.errorf("unexpected %q", c)
	}
}

func (p *parser) literal(word string) bool {
	if len(p.data)-p.i >= len(word) && string(p.data[p.i:p.i+len(word)]) == word {
		p.i += len(word)
		return true
	}
	return false
}

func (p *parser) object(depth int) (any, error) {
	if depth > maxDepth {
		return nil, p.errorf("exceeded max depth")
	}
	p.i++ // {
	base := len(p.kvs)
	p.space()
	if p.i < len(p.data) && p.data[p.i] == '}' {
		p.i++
		return map[string]any{}, nil
	}
	for {
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != '"' {
			return nil, p.errorf("want a key")
		}
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != ':' {
			return nil, p.errorf("want ':' after a key")
		}
		p.i++
		p.space()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		p.kvs = append(p.kvs, kv{k, v})
		if more, err := p.next('}', "an object"); err != nil {
			return nil, err
		} else if !more {
			break
		}
	}
	// The members were collected first so that the map is made at its final
	// size: growing maps member by member was much of encoding/json's cost.
	m := make(map[string]any, len(p.kvs)-base)
	for _, e := range p.kvs[base:] {
		m[e.k] = e.v
	}
	clear(p.kvs[base:]) // let the values go with the map
	p.kvs = p.kvs[:base]
	return m, nil
}

func (p *parser) array(depth int) (any, error) {
	if depth > maxDepth {
		return nil, p.errorf("exceeded max depth")
	}
	p.i++ // [
	p.space()
	if p.i < len(p.data) && p.data[p.i] == ']' {
		p.i++
		return []any{}, nil
	}
	base := len(p.vals)
	for {
		p.space()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		p.vals = append(p.vals, v)
		if more, err := p.next(']', "an array"); err != nil {
			return nil, err
		} else if !more {
			break
		}
	}
	// Made at its final size, as objects are.
	a := make([]any, len(p.vals)-base)
	copy(a, p.vals[base:])
	clear(p.vals[base:])
	p.vals = p.vals[:base]
	return a, nil
}

// next moves past what follows an item of an object or array: a ',' (more
// is true) or the closing byte.
func (p *parser) next(closing byte, in string) (more bool, err error) {
	p.space()
	if p.i >= len(p.data) {
		return false, p.errorf("unexpected end of input in %s", in)
	}
	switch p.data[p.i] {
	case ',':
		p.i++
		return true, nil
	case closing:
		p.i++
		return false, nil
	}
	return false, p.errorf("want ',' or '%c' in %s", closing, in)
}

// key reads a string that is an object key; keys repeat, so each distinct
// one is allocated once per document.
func (p *parser) key() (string, error) {
	start := p.i + 1
	if end, ok := p.plainString(start); ok {
		p.i = end + 1
		raw := p.data[start:end]
		if k, ok := p.keys[string(raw)]; ok { // no allocation to look up
			return k, nil
		}
		k := string(raw)
		p.keys[k] = k
		return k, nil
	}
	return p.string()
}

// plainString reports where the string starting at start ends (its closing
// quote) when it has no escapes, no control characters and only ASCII, so
// its bytes are its value.
func (p *parser) plainString(start int) (int, bool) {
	for j := start; j < len(p.data); j++ {
		switch c := p.data[j]; {
		case c == '"':
			return j, true
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return 0, false
		}
	}
	return 0, false
}

func (p *parser) string() (string, error) {
	start := p.i + 1
	if end, ok := p.plainString(start); ok {
		p.i = end + 1
		return string(p.data[start:end]), nil
	}
	var b []byte
	j := start
	for {
		// Copy the run of bytes that stand for themselves at once: the
		// strings that get here are mostly long scripts with a few escapes.
		k := j
		for k < len(p.data) {
			if c := p.data[k]; c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				break
			}
			k++
		}
		b = append(b, p.data[j:k]...)
		j = k
		if j >= len(p.data) {
			p.i = j
			return "", p.errorf("unexpected end of input in a string")
		}
		c := p.data[j]
		switch {
		case c == '"':
			p.i = j + 1
			return string(b), nil
		case c < 0x20:
			p.i = j
			return "", p.errorf("control character %q in a string", c)
		case c == '\\':
			if j+1 >= len(p.data) {
				p.i = j
				return "", p.errorf("unexpected end of input in a string")
			}
			j++
			switch e := p.data[j]; e {
			case '"', '\\', '/':
				b = append(b, e)
				j++
			case 'b':
				b = append(b, '\b')
				j++
			case 'f':
				b = append(b, '\f')
				j++
			case 'n':
				b = append(b, '\n')
				j++
			case 'r':
				b = append(b, '\r')
				j++
			case 't':
				b = append(b, '\t')
				j++
			case 'u':
				r1, ok := hex4(p.data, j+1)
				if !ok {
					p.i = j
					return "", p.errorf("bad \\u escape")
				}
				j += 5
				r := r1
				if utf16.IsSurrogate(r1) {
					// A high surrogate followed by an escaped low one is one
					// character; anything else is U+FFFD, as encoding/json
					// decodes it.
					r = utf8.RuneError
					if j+1 < len(p.data) && p.data[j] == '\\' && p.data[j+1] == 'u' {
						if r2, ok := hex4(p.data, j+2); ok {
							if dec := utf16.DecodeRune(r1, r2); dec != utf8.RuneError {
								r = dec
								j += 6
							}
						}
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				p.i = j
				return "", p.errorf("bad escape \\%c", e)
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			j++
		default:
			r, size := utf8.DecodeRune(p.data[j:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, p.data[j:j+size]...)
			}
			j += size
		}
	}
}

func hex4(data []byte, j int) (rune, bool) {
	if j+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[j : j+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

var errNumber = errors.New("bad number")

// number reads a JSON number and keeps its text, as json.Number.
func (p *parser) number() (any, error) {
	start := p.i
	j := start
	if j < len(p.data) && p.data[j] == '-' {
		j++
	}
	switch {
	case j < len(p.data) && p.data[j] == '0':
		j++
	case j < len(p.data) && p.data[j] >= '1' && p.data[j] <= '9':
		for j < len(p.data) && isDigit(p.data[j]) {
			j++
		}
	default:
		return nil, p.errorf("%v", errNumber)
	}
	if j < len(p.data) && p.data[j] == '.' {
		j++
		if j >= len(p.data) || !isDigit(p.data[j]) {
			return nil, p.errorf("%v", errNumber)
		}
		for j < len(p.data) && isDigit(p.data[j]) {
			j++
		}
	}
	if j < len(p.data) && (p.data[j] == 'e' || p.data[j] == 'E') {
		j++
		if j < len(p.data) && (p.data[j] == '+' || p.data[j] == '-') {
			j++
		}
		if j >= len(p.data) || !isDigit(p.data[j]) {
			return nil, p.errorf("%v", errNumber)
		}
		for j < len(p.data) && isDigit(p.data[j]) {
			j++
		}
	}
	p.i = j
	return json.Number(p.data[start:j]), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
