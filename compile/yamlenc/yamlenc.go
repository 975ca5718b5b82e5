// Package yamlenc writes a Kubernetes object held as plain values (the
// map[string]any, []any, string, int64, float64, json.Number, bool and nil
// that encoding/json and runtime.DefaultUnstructuredConverter build) as one YAML
// document, with exactly the bytes sigs.k8s.io/yaml.Marshal gives for it:
// keys in yaml.v2's order, block style, two-space indentation, sequences in
// mappings not indented, strings quoted only when a YAML 1.1 parser (kubectl's,
// through sigs.k8s.io/yaml) would otherwise read them as something else, long
// lines folded at 80 columns.
//
// It exists because going through reflection and yaml.v2's event emitter was
// more than half of coredb's CPU time and allocations on large renders. The
// writing below is a transcription of the parts of yaml.v2's emitter
// (emitterc.go, libyaml's design) that these values reach, with the same
// state (column, indent, whitespace, indention), so that the bytes are the
// same; quote.go holds the decision whether a string may stay plain.
package yamlenc

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	bestIndent = 2  // yaml.v2's default indentation
	bestWidth  = 80 // yaml.v2's default line width
)

// style is a scalar style, as yaml.v2 names them.
type style uint8

const (
	plainStyle style = iota
	singleQuotedStyle
	doubleQuotedStyle
	literalStyle
)

// Append appends the YAML document of v to dst and returns the extended
// buffer. v is a map[string]any, []any or scalar as described in the package
// comment; other types are an error.
func Append(dst []byte, v any) ([]byte, error) {
	e := encoder{buf: dst, indent: -1, whitespace: true, indention: true}
	if err := e.node(v, true, false, false); err != nil {
		return dst, err
	}
	// Document end (implicit), then stream end.
	e.writeIndent()
	if e.openEnded {
		e.writeIndicator("...", true, false, false)
		e.writeIndent()
	}
	return e.buf, nil
}

// encoder is yaml.v2's emitter state, reduced to what block output of plain
// values needs.
type encoder struct {
	buf        []byte
	column     int  // characters (not bytes) since the last line break
	indent     int  // current indentation; -1 before the root node
	whitespace bool // the last character written was whitespace
	indention  bool // only indentation has been written on this line
	openEnded  bool // the document needs an explicit "..." end
}

// node writes one value. root, mapping and simpleKey are the context
// yaml_emitter_emit_node receives: the document root, a mapping's value or
// key, and a simple (single-line) key.
func (e *encoder) node(v any, root, mapping, simpleKey bool) error {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			e.emptyFlow("{", "}")
			return nil
		}
		return e.mapping(x)
	case []any:
		if len(x) == 0 {
			e.emptyFlow("[", "]")
			return nil
		}
		return e.sequence(x, mapping && !e.indention)
	case string:
		e.str(x, root, simpleKey)
	case bool:
		e.scalar(strconv.FormatBool(x), "", plainStyle, root, simpleKey)
	case int64:
		e.scalar(strconv.FormatInt(x, 10), "", plainStyle, root, simpleKey)
	case int:
		e.scalar(strconv.Itoa(x), "", plainStyle, root, simpleKey)
	case int32:
		e.scalar(strconv.FormatInt(int64(x), 10), "", plainStyle, root, simpleKey)
	case float64:
		e.scalar(formatFloat(x), "", plainStyle, root, simpleKey)
	case json.Number:
		// As yaml.v2 writes a json.Number: an integer, else a float, else
		// the text as a string.
		if i, err := x.Int64(); err == nil {
			e.scalar(strconv.FormatInt(i, 10), "", plainStyle, root, simpleKey)
		} else if f, err := x.Float64(); err == nil {
			e.scalar(formatFloat(f), "", plainStyle, root, simpleKey)
		} else {
			e.str(string(x), root, simpleKey)
		}
	case nil:
		e.scalar("null", "", plainStyle, root, simpleKey)
	default:
		return fmt.Errorf("yamlenc: cannot encode %T", v)
	}
	return nil
}

// formatFloat is yaml.v2's float64 text.
func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	switch s {
	case "+Inf":
		return ".inf"
	case "-Inf":
		return "-.inf"
	case "NaN":
		return ".nan"
	}
	return s
}

// emptyFlow writes an empty mapping or sequence: {} or [].
func (e *encoder) emptyFlow(open, close string) {
	e.writeIndicator(open, true, true, false)
	e.writeIndicator(close, false, false, false)
}

// pushIndent is yaml_emitter_increase_indent; it returns the indentation to
// restore.
func (e *encoder) pushIndent(flow, indentless bool) int {
	old := e.indent
	if e.indent < 0 {
		if flow {
			e.indent = bestIndent
		} else {
			e.indent = 0
		}
	} else if !indentless {
		e.indent += bestIndent
	}
	return old
}

func (e *encoder) mapping(m map[string]any) error {
	old := e.pushIndent(false, false)
	keys := make([]string, 0, len(m))
	digits := false
	for k := range m {
		keys = append(keys, k)
		digits = digits || strings.ContainsAny(k, "0123456789")
	}
	if digits {
		// yaml.v2's order is not transitive where digit runs meet other
		// characters ("0A" < "2" < "00002" < "0A"), so a sort's result
		// would depend on the order it started from, which is the map's,
		// random: start from the keys' byte order and sort stably, so the
		// same keys always come out the same way. Where the order is
		// transitive (every key set yaml.v2 orders the same way twice) the
		// result is the one it gives.
		slices.Sort(keys)
		slices.SortStableFunc(keys, compareKeys)
	} else {
		slices.SortFunc(keys, compareKeys)
	}
	for _, k := range keys {
		e.writeIndent()
		text, tag, st := stringStyle(k)
		a := analyze(text)
		// yaml_emitter_check_simple_key: one line, at most 128 characters
		// with its tag.
		if !a.multiline && len(tag)+len(text) <= 128 {
			e.scalarAnalyzed(text, tag, st, a, false, true)
			e.writeIndicator(":", false, false, false)
		} else {
			e.writeIndicator("?", true, false, true)
			e.scalarAnalyzed(text, tag, st, a, false, false)
			e.writeIndent()
			e.writeIndicator(":", true, false, true)
		}
		if err := e.node(m[k], false, true, false); err != nil {
			return err
		}
	}
	e.indent = old
	return nil
}

func (e *encoder) sequence(s []any, indentless bool) error {
	old := e.pushIndent(false, indentless)
	for _, v := range s {
		e.writeIndent()
		e.writeIndicator("-", true, false, true)
		if err := e.node(v, false, false, false); err != nil {
			return err
		}
	}
	e.indent = old
	return nil
}

// str writes a string as yaml.v2's encoder does (stringv): invalid UTF-8 as
// !!binary base64; text with a line break as a literal block; plain when a
// parser would read it back as this string; double-quoted otherwise.
func (e *encoder) str(s string, root, simpleKey bool) {
	text, tag, st := stringStyle(s)
	e.scalar(text, tag, st, root, simpleKey)
}

// stringStyle is the text, tag and requested style of a string.
func stringStyle(s string) (text, tag string, st style) {
	text = s
	canPlain := true
	if !utf8.ValidString(s) {
		tag, text = "binary", encodeBase64(s)
	} else {
		canPlain = PlainIsString(s)
	}
	switch {
	case containsByte(text, '\n'):
		st = literalStyle
	case canPlain:
		st = plainStyle
	default:
		st = doubleQuotedStyle
	}
	return text, tag, st
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

func (e *encoder) scalar(text, tag string, st style, root, simpleKey bool) {
	e.scalarAnalyzed(text, tag, st, analyze(text), root, simpleKey)
}

// scalarAnalyzed is yaml_emitter_emit_scalar: pick the style the text
// allows, write the tag if any, and the text one indentation level in.
func (e *encoder) scalarAnalyzed(text, tag string, st style, a analysis, root, simpleKey bool) {
	// yaml_emitter_select_scalar_style, at flow level 0.
	if simpleKey && a.multiline {
		st = doubleQuotedStyle
	}
	if st == plainStyle {
		if !a.blockPlainAllowed || len(text) == 0 && simpleKey {
			st = singleQuotedStyle
		}
	}
	if st == singleQuotedStyle && !a.singleQuotedAllowed {
		st = doubleQuotedStyle
	}
	if st == literalStyle && (!a.blockAllowed || simpleKey) {
		st = doubleQuotedStyle
	}
	if tag != "" { // only !!binary: "tag:yaml.org,2002:binary" under the !! handle
		if !e.whitespace {
			e.put(' ')
		}
		e.writeAll("!!")
		e.writeAll(tag)
		e.whitespace = false
		e.indention = false
	}
	old := e.pushIndent(true, false)
	switch st {
	case plainStyle:
		e.writePlain(text, !simpleKey, root)
	case singleQuotedStyle:
		e.writeSingleQuoted(text, !simpleKey)
	case doubleQuotedStyle:
		e.writeDoubleQuoted(text, !simpleKey)
	case literalStyle:
		e.writeLiteral(text)
	}
	e.indent = old
}
