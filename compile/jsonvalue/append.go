package jsonvalue

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// AppendJSON appends to dst the bytes json.Marshal(v) returns.
//
// coredb names its Jobs by a hash of their spec's JSON, so those bytes must
// never change; encoding/json would first prepare encoders for the whole
// Kubernetes pod API (milliseconds in a one-file render). AppendJSON walks
// the values with Of's rules and cache, in the field order encoding/json
// uses, escaping as it does; TestAppendJSONMatchesMarshal and FuzzOf hold it
// to json.Marshal byte for byte.
func AppendJSON(dst []byte, v any) ([]byte, error) {
	if v == nil {
		return append(dst, "null"...), nil
	}
	return appendValue(dst, reflect.ValueOf(v))
}

func appendValue(b []byte, v reflect.Value) ([]byte, error) {
	if !v.IsValid() {
		return append(b, "null"...), nil
	}
	t := v.Type()
	if m := methodsOf(t); m != 0 {
		switch {
		case m&addrJSON != 0 && v.CanAddr():
			return appendMarshalJSON(b, v.Addr())
		case m&valueJSON != 0:
			return appendMarshalJSON(b, v)
		case m&addrText != 0 && v.CanAddr():
			return appendMarshalText(b, v.Addr())
		case m&valueText != 0:
			return appendMarshalText(b, v)
		}
	}
	switch t.Kind() {
	case reflect.Bool:
		return strconv.AppendBool(b, v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(b, v.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		n, err := float(v.Float(), t.Bits())
		if err != nil {
			return b, err
		}
		return append(b, n...), nil
	case reflect.String:
		if t == numberType {
			n, err := numberString(v.String())
			if err != nil {
				return b, err
			}
			return append(b, n...), nil
		}
		return appendString(b, v.String()), nil
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		return appendValue(b, v.Elem())
	case reflect.Struct:
		return appendObject(b, v)
	case reflect.Map:
		return appendMap(b, v)
	case reflect.Slice:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		if bytesAsBase64(t) {
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, v.Bytes())
			return append(b, '"'), nil
		}
		return appendList(b, v)
	case reflect.Array:
		return appendList(b, v)
	}
	return b, &json.UnsupportedTypeError{Type: t}
}

// appendMarshalJSON writes a Marshaler's output as encoding/json does:
// compacted, with <, >, & and U+2028/U+2029 escaped.
func appendMarshalJSON(b []byte, v reflect.Value) ([]byte, error) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return append(b, "null"...), nil
	}
	m, ok := v.Interface().(json.Marshaler)
	if !ok {
		return append(b, "null"...), nil
	}
	raw, err := m.MarshalJSON()
	if err != nil {
		return b, &json.MarshalerError{Type: v.Type(), Err: err}
	}
	if !json.Valid(raw) {
		var compact bytes.Buffer
		err := json.Compact(&compact, raw) // for encoding/json's error
		return b, &json.MarshalerError{Type: v.Type(), Err: err}
	}
	if !needsCompacting(raw) {
		return append(b, raw...), nil // the usual case: "10Gi", a timestamp
	}
	var compact, escaped bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return b, &json.MarshalerError{Type: v.Type(), Err: err}
	}
	json.HTMLEscape(&escaped, compact.Bytes())
	return append(b, escaped.Bytes()...), nil
}

// needsCompacting reports whether valid JSON has white space or characters
// encoding/json escapes in a Marshaler's output (<, >, &, U+2028, U+2029).
func needsCompacting(raw []byte) bool {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r', '<', '>', '&', 0xE2:
			return true
		}
	}
	return false
}

func appendMarshalText(b []byte, v reflect.Value) ([]byte, error) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return append(b, "null"...), nil
	}
	m, ok := v.Interface().(encoding.TextMarshaler)
	if !ok {
		return append(b, "null"...), nil
	}
	text, err := m.MarshalText()
	if err != nil {
		return b, &json.MarshalerError{Type: v.Type(), Err: err}
	}
	return appendString(b, string(text)), nil
}

func appendList(b []byte, v reflect.Value) ([]byte, error) {
	b = append(b, '[')
	for i := range v.Len() {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendValue(b, v.Index(i)); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

func appendMap(b []byte, v reflect.Value) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	type entry struct {
		key string
		v   reflect.Value
	}
	kt := v.Type().Key()
	entries := make([]entry, 0, v.Len())
	it := v.MapRange()
	for it.Next() {
		k, err := rawMapKey(it.Key(), kt)
		if err != nil {
			return b, err
		}
		entries = append(entries, entry{k, it.Value()})
	}
	// Sorted by the key as resolved, before escaping, as encoding/json does.
	slices.SortFunc(entries, func(x, y entry) int { return strings.Compare(x.key, y.key) })
	b = append(b, '{')
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, e.key)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, e.v); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// rawMapKey is mapKey before invalid UTF-8 is replaced.
func rawMapKey(k reflect.Value, t reflect.Type) (string, error) {
	if t.Kind() == reflect.String {
		return k.String(), nil
	}
	if t.Implements(textMarshalerType) {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		text, err := k.Interface().(encoding.TextMarshaler).MarshalText()
		return string(text), err
	}
	return mapKey(k, t)
}

func appendObject(b []byte, v reflect.Value) ([]byte, error) {
	fields := structFields(v.Type())
	if fields.fallback {
		raw, err := marshalWhole(v)
		return append(b, raw...), err
	}
	b = append(b, '{')
	first := true
	for i := range fields.list {
		f := &fields.list[i]
		fv, ok := f.value(v)
		if !ok {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, f.name)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, fv); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

const hexDigits = "0123456789abcdef"

// mustEscape are the ASCII bytes json.Marshal writes escaped: control
// characters, the quote and backslash, and (HTML-safe) <, > and &.
var mustEscape = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&'
	}
	return t
}()

// appendString quotes s as encoding/json does with HTML escaping on (its
// default): \b \f \n \r \t by name, other control characters and < > & as
// \u00XX, U+2028 and U+2029 escaped, each invalid UTF-8 byte as \ufffd.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if !mustEscape[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
