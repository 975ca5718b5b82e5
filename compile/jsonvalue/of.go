package jsonvalue

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Of returns what Parse(json.Marshal(v)) returns, without writing or reading
// JSON: the encoder's tree of an object is built from the Go value directly.
//
// encoding/json prepares an encoder for every type reachable from the one it
// marshals the first time it sees it, which for a CloudNativePG Cluster is
// most of the Kubernetes API (about 4 ms, a third of a one-file render's own
// work), and then the JSON has to be read back. Of looks only at the values
// there are, and keeps what it learns of each struct type for the next one.
// It follows encoding/json's rules (field names and tags, omitempty,
// omitzero, embedded structs, Marshaler and TextMarshaler, []byte as base64,
// floats, invalid UTF-8); TestOfMatchesMarshal and FuzzOf hold it to
// encoding/json on every example's objects and on random ones. A value it
// does not handle the way encoding/json would (a `,string` field option) is
// marshalled and parsed instead.
func Of(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	return of(reflect.ValueOf(v))
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	isZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
	numberType        = reflect.TypeFor[json.Number]()
)

func of(v reflect.Value) (any, error) {
	if !v.IsValid() {
		return nil, nil
	}
	t := v.Type()
	// The order of encoding/json's newTypeEncoder: a Marshaler through the
	// pointer (where the value is addressable), then the value's own, then
	// the same for TextMarshaler.
	if m := methodsOf(t); m != 0 {
		switch {
		case m&addrJSON != 0 && v.CanAddr():
			return marshalJSON(v.Addr())
		case m&valueJSON != 0:
			return marshalJSON(v)
		case m&addrText != 0 && v.CanAddr():
			return marshalText(v.Addr())
		case m&valueText != 0:
			return marshalText(v)
		}
	}
	switch t.Kind() {
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return json.Number(strconv.FormatInt(v.Int(), 10)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return json.Number(strconv.FormatUint(v.Uint(), 10)), nil
	case reflect.Float32, reflect.Float64:
		return number(float(v.Float(), t.Bits()))
	case reflect.String:
		if t == numberType {
			return number(numberString(v.String()))
		}
		return validString(v.String()), nil
	case reflect.Interface:
		if v.IsNil() {
			return nil, nil
		}
		return of(v.Elem())
	case reflect.Pointer:
		if v.IsNil() {
			return nil, nil
		}
		return of(v.Elem())
	case reflect.Struct:
		return object(v)
	case reflect.Map:
		return mapping(v)
	case reflect.Slice:
		if v.IsNil() {
			return nil, nil
		}
		if bytesAsBase64(t) {
			return base64.StdEncoding.EncodeToString(v.Bytes()), nil
		}
		return list(v)
	case reflect.Array:
		return list(v)
	}
	return nil, &json.UnsupportedTypeError{Type: t}
}

// methods says which of the marshalling interfaces a type has, and through
// what: asking reflect for every value was most of Of's time.
type methods uint8

const (
	addrJSON  methods = 1 << iota // *T is a json.Marshaler (T is not a pointer)
	valueJSON                     // T is a json.Marshaler
	addrText                      // *T is an encoding.TextMarshaler (T is not a pointer)
	valueText                     // T is an encoding.TextMarshaler
)

var methodCache sync.Map // reflect.Type -> methods

func methodsOf(t reflect.Type) methods {
	if m, ok := methodCache.Load(t); ok {
		return m.(methods)
	}
	var m methods
	if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(marshalerType) {
		m |= addrJSON
	}
	if t.Implements(marshalerType) {
		m |= valueJSON
	}
	if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(textMarshalerType) {
		m |= addrText
	}
	if t.Implements(textMarshalerType) {
		m |= valueText
	}
	methodCache.Store(t, m)
	return m
}

// bytesAsBase64 is encoding/json's rule for a slice of bytes: base64, unless
// its element type marshals itself.
func bytesAsBase64(t reflect.Type) bool {
	if t.Elem().Kind() != reflect.Uint8 {
		return false
	}
	p := reflect.PointerTo(t.Elem())
	return !p.Implements(marshalerType) && !p.Implements(textMarshalerType)
}

func marshalJSON(v reflect.Value) (any, error) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, nil
	}
	m, ok := v.Interface().(json.Marshaler)
	if !ok { // a nil interface
		return nil, nil
	}
	b, err := m.MarshalJSON()
	if err != nil {
		return nil, &json.MarshalerError{Type: v.Type(), Err: err}
	}
	return Parse(b)
}

func marshalText(v reflect.Value) (any, error) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, nil
	}
	m, ok := v.Interface().(encoding.TextMarshaler)
	if !ok { // a nil interface
		return nil, nil
	}
	b, err := m.MarshalText()
	if err != nil {
		return nil, &json.MarshalerError{Type: v.Type(), Err: err}
	}
	return validString(string(b)), nil
}

// number is n as a tree value: nil, not an empty json.Number, on error.
func number(n json.Number, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return n, nil
}

// float formats as encoding/json's floatEncoder does.
func float(f float64, bits int) (json.Number, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", &json.UnsupportedValueError{Str: strconv.FormatFloat(f, 'g', -1, bits)}
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b := strconv.AppendFloat(nil, f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return json.Number(b), nil
}

// numberString is a json.Number as encoding/json writes it: "" as 0, and an
// error for text that is not a number.
func numberString(s string) (json.Number, error) {
	if s == "" {
		s = "0"
	}
	n, err := Parse([]byte(s))
	num, ok := n.(json.Number)
	if err != nil || !ok {
		return "", fmt.Errorf("json: invalid number literal %q", s)
	}
	return num, nil
}

// validString is s with each byte that is not valid UTF-8 replaced by
// U+FFFD, as encoding/json writes it.
func validString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func list(v reflect.Value) (any, error) {
	out := make([]any, v.Len())
	for i := range out {
		e, err := of(v.Index(i))
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

func mapping(v reflect.Value) (any, error) {
	if v.IsNil() {
		return nil, nil
	}
	out := make(map[string]any, v.Len())
	kt := v.Type().Key()
	it := v.MapRange()
	for it.Next() {
		k, err := mapKey(it.Key(), kt)
		if err != nil {
			return nil, err
		}
		e, err := of(it.Value())
		if err != nil {
			return nil, err
		}
		out[k] = e
	}
	return out, nil
}

// mapKey is encoding/json's resolveKeyName.
func mapKey(k reflect.Value, t reflect.Type) (string, error) {
	if t.Kind() == reflect.String {
		return validString(k.String()), nil
	}
	if t.Implements(textMarshalerType) {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		b, err := k.Interface().(encoding.TextMarshaler).MarshalText()
		return validString(string(b)), err
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", &json.UnsupportedTypeError{Type: t}
}

func object(v reflect.Value) (any, error) {
	fields := structFields(v.Type())
	if fields.fallback {
		b, err := marshalWhole(v)
		if err != nil {
			return nil, err
		}
		return Parse(b)
	}
	out := make(map[string]any, len(fields.list))
	for i := range fields.list {
		f := &fields.list[i]
		fv, ok := f.value(v)
		if !ok {
			continue
		}
		e, err := of(fv)
		if err != nil {
			return nil, err
		}
		out[f.name] = e
	}
	return out, nil
}

// marshalWhole is json.Marshal of a struct Of does not walk itself, through
// its pointer where it is addressable, so that its fields' pointer methods
// are used as they would be.
func marshalWhole(v reflect.Value) ([]byte, error) {
	x := v.Interface()
	if v.CanAddr() {
		x = v.Addr().Interface()
	}
	return json.Marshal(x)
}

// value is field f of struct v as encoding/json writes it; ok is false
// where a nil embedded pointer hides it, or omitempty or omitzero leave it
// out.
func (f *field) value(v reflect.Value) (fv reflect.Value, ok bool) {
	fv = v
	for _, x := range f.index {
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				return fv, false
			}
			fv = fv.Elem()
		}
		fv = fv.Field(x)
	}
	if f.omitEmpty && isEmpty(fv) || f.omitZero && f.isZero(fv) {
		return fv, false
	}
	return fv, true
}

// isEmpty is encoding/json's isEmptyValue, for omitempty.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// A field is one member of a struct's JSON object.
type field struct {
	name      string
	tagged    bool
	index     []int
	omitEmpty bool
	omitZero  bool
	isZero    func(reflect.Value) bool
}

type fieldList struct {
	list     []field
	fallback bool // a field option Of does not follow: marshal instead
}

var fieldCache sync.Map // reflect.Type -> *fieldList

func structFields(t reflect.Type) *fieldList {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*fieldList)
	}
	f, _ := fieldCache.LoadOrStore(t, typeFields(t))
	return f.(*fieldList)
}

// typeFields finds the fields encoding/json writes for a struct type: a
// breadth-first walk of embedded structs, where a name at a shallower depth
// hides deeper ones, a tagged field wins over untagged ones at its depth,
// and names still in conflict are dropped (encoding/json's typeFields and
// dominantField).
func typeFields(t reflect.Type) *fieldList {
	type queued struct {
		typ   reflect.Type
		index []int
	}
	var (
		fields           []field
		fallback         bool
		next             = []queued{{typ: t}}
		visited          = map[reflect.Type]bool{}
		count, nextCount map[reflect.Type]int
	)
	for len(next) > 0 {
		current := next
		next = nil
		// How often each type was embedded at the level now walked.
		count, nextCount = nextCount, map[reflect.Type]int{}
		for _, q := range current {
			if visited[q.typ] {
				continue
			}
			visited[q.typ] = true
			for i := range q.typ.NumField() {
				sf := q.typ.Field(i)
				if sf.Anonymous {
					ft := sf.Type
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validTag(name) {
					name = ""
				}
				index := append(slices.Clone(q.index), i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if name != "" || !sf.Anonymous || ft.Kind() != reflect.Struct {
					if hasOption(opts, "string") {
						switch ft.Kind() {
						case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
							reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
							reflect.Float32, reflect.Float64, reflect.String:
							fallback = true
						}
					}
					f := field{
						name:      cmpOr(name, sf.Name),
						tagged:    name != "",
						index:     index,
						omitEmpty: hasOption(opts, "omitempty"),
						omitZero:  hasOption(opts, "omitzero"),
					}
					if f.omitZero {
						f.isZero = zeroTest(sf.Type)
					}
					fields = append(fields, f)
					if count[q.typ] > 1 {
						// The same struct embedded twice at one depth: its
						// fields annihilate each other (encoding/json adds a
						// second copy, which dominantField then drops).
						fields = append(fields, fields[len(fields)-1])
					}
					continue
				}
				nextCount[ft]++
				if nextCount[ft] == 1 {
					next = append(next, queued{typ: ft, index: index})
				}
			}
		}
	}
	// Sort by name, then depth, then tagged first, then index order, and keep
	// the dominant field of each name (encoding/json's rules).
	slices.SortStableFunc(fields, func(a, b field) int {
		if a.name != b.name {
			return strings.Compare(a.name, b.name)
		}
		if len(a.index) != len(b.index) {
			return len(a.index) - len(b.index)
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.index, b.index)
	})
	var out []field
	for i := 0; i < len(fields); {
		j := i + 1
		for j < len(fields) && fields[j].name == fields[i].name {
			j++
		}
		group := fields[i:j]
		i = j
		if len(group) > 1 && len(group[0].index) == len(group[1].index) && group[0].tagged == group[1].tagged {
			continue // ambiguous: dropped
		}
		out = append(out, group[0])
	}
	slices.SortFunc(out, func(a, b field) int { return slices.Compare(a.index, b.index) })
	return &fieldList{list: out, fallback: fallback}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func hasOption(opts, name string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == name {
			return true
		}
	}
	return false
}

// validTag is encoding/json's isValidTag.
func validTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
			// Backslash and quote chars are reserved, but otherwise any
			// punctuation chars are allowed in a tag name.
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// zeroTest is encoding/json's omitzero test for a field type: its IsZero
// method where it has one, else the zero value.
func zeroTest(t reflect.Type) func(reflect.Value) bool {
	switch {
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.IsNil() || (v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil()) || v.Interface().(interface{ IsZero() bool }).IsZero()
		}
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return func(v reflect.Value) bool { return v.IsNil() || v.Interface().(interface{ IsZero() bool }).IsZero() }
	case t.Implements(isZeroerType):
		return func(v reflect.Value) bool { return v.Interface().(interface{ IsZero() bool }).IsZero() }
	case reflect.PointerTo(t).Implements(isZeroerType):
		return func(v reflect.Value) bool {
			if !v.CanAddr() {
				c := reflect.New(v.Type()).Elem()
				c.Set(v)
				v = c
			}
			return v.Addr().Interface().(interface{ IsZero() bool }).IsZero()
		}
	}
	return reflect.Value.IsZero
}
