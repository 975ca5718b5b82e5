package compile

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/coredb-dev/coredb/internal/suggest"
	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/resource"
)

// decoder fills Go values from a yaml.v3 node tree by walking it against the
// Go type, so that every unknown field, duplicate key and wrong type is
// reported with its line and column and a field path, all at once. yaml.v3's
// own Decode stops at the first error and gives no columns.
//
// Field names come from `yaml` tags, else `json` tags, so the Kubernetes and
// CNPG types embedded in a spec (resources, affinity, volumes) are read with
// the keys users know from kubectl.
type decoder struct {
	file      string
	errs      ErrorList
	positions map[string]*yaml.Node // field path -> value node, for later checks
	budget    int                   // nodes left to visit; bounds alias expansion
}

// maxNodes bounds the nodes one document may expand to. A real CoreDB has a
// few hundred; the bound stops "billion laughs" alias bombs without a stall.
const maxNodes = 200_000

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

func newDecoder(file string) *decoder {
	return &decoder{file: file, positions: map[string]*yaml.Node{}, budget: maxNodes}
}

func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	d.errs = append(d.errs, &FieldError{File: d.file, Line: n.Line, Col: n.Column, Path: path, Msg: sprintf(format, args...)})
}

func (d *decoder) warnf(n *yaml.Node, path, format string, args ...any) {
	d.errs = append(d.errs, &FieldError{File: d.file, Line: n.Line, Col: n.Column, Path: path, Msg: sprintf(format, args...), Warning: true})
}

// resolve follows aliases, charging the budget so expansion stays bounded.
func (d *decoder) resolve(n *yaml.Node) (*yaml.Node, bool) {
	for n.Kind == yaml.AliasNode {
		d.budget--
		n = n.Alias
	}
	d.budget--
	return n, d.budget > 0
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// decode fills v (addressable) from n. path is the field path of n.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	n, ok := d.resolve(n)
	if !ok {
		if d.budget == 0 { // report once
			d.errorf(n, path, "document expands to more than %d nodes (YAML aliases?); refusing to continue", maxNodes)
		}
		return
	}
	d.positions[path] = n
	t := v.Type()

	if isNull(n) {
		return // null means "not set": leave the zero value
	}
	if t.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		d.decode(n, v.Elem(), path)
		return
	}
	// Kubernetes value types (Quantity, IntOrString, Time) parse themselves.
	if t.PkgPath() != reflect.TypeFor[Spec]().PkgPath() && reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		d.decodeJSON(n, v, path)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.Slice:
		d.decodeSlice(n, v, path)
	case reflect.Interface:
		var x any
		if err := n.Decode(&x); err != nil {
			d.errorf(n, path, "%s", cleanYAMLError(err))
			return
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, path, "must be a string, got %s", kindName(n))
			return
		}
		// Any scalar is taken as its literal text: `value: 0.05` and
		// `value: on` mean the strings users wrote, not a float or a bool.
		v.SetString(n.Value)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.errorf(n, path, "must be true or false, got %s", describe(n))
			return
		}
		b, _ := strconv.ParseBool(strings.ToLower(n.Value))
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var x int64
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&x) != nil {
			d.errorf(n, path, "must be an integer, got %s", describe(n))
			return
		}
		if v.OverflowInt(x) {
			d.errorf(n, path, "%s is out of range for a %d-bit integer", n.Value, t.Bits())
			return
		}
		v.SetInt(x)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		var x uint64
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&x) != nil {
			d.errorf(n, path, "must be a non-negative integer, got %s", describe(n))
			return
		}
		if v.OverflowUint(x) {
			d.errorf(n, path, "%s is out of range", n.Value)
			return
		}
		v.SetUint(x)
	case reflect.Float32, reflect.Float64:
		var x float64
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!float" && n.Tag != "!!int") || n.Decode(&x) != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			d.errorf(n, path, "must be a number, got %s", describe(n))
			return
		}
		v.SetFloat(x)
	default:
		d.errorf(n, path, "cannot decode into %s", t)
	}
}

// decodeJSON hands a subtree to a type's own JSON parser (resource.Quantity,
// intstr.IntOrString), reporting its error at the subtree.
func (d *decoder) decodeJSON(n *yaml.Node, v reflect.Value, path string) {
	if v.Type() == reflect.TypeFor[resource.Quantity]() && n.Kind == yaml.ScalarNode && !quantityTextInRange(n.Value) {
		d.errorf(n, path, "%s is out of range: a quantity has at most %d characters and an exponent between -%d and %d (write e.g. 10Gi, 512Mi, 2G or 500m)", describe(n), maxQuantityText, maxQuantityExponent, maxQuantityExponent)
		return
	}
	var x any
	if err := n.Decode(&x); err != nil {
		d.errorf(n, path, "%s", cleanYAMLError(err))
		return
	}
	raw, err := json.Marshal(x)
	if err != nil {
		d.errorf(n, path, "%s", err)
		return
	}
	if err := v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw); err != nil {
		if v.Type() == reflect.TypeFor[resource.Quantity]() {
			d.errorf(n, path, "%s is not a Kubernetes quantity (write e.g. 10Gi, 512Mi, 2G or 500m)", describe(n))
			return
		}
		d.errorf(n, path, "invalid value %s: %s", describe(n), strings.TrimPrefix(err.Error(), "json: "))
	}
}

// field is a settable struct field with the key it is read from.
type field struct {
	key     string
	index   []int
	ignored bool // a Tembo field Tembo itself ignores
}

// fieldsOf lists the keys of a struct type, following `json:",inline"` and
// untagged embedded structs the way encoding/json does. The list is worked
// out once per type and shared: callers must not change it. (Working it out
// for every mapping decoded was 8% of rendering a fleet of plain files.)
func fieldsOf(t reflect.Type) []field { return fieldsByType(t).list }

// fieldsByType is a struct type's fields and an index of them by key.
func fieldsByType(t reflect.Type) *typeFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*typeFields)
	}
	tf := &typeFields{list: structFields(t), byKey: map[string]int{}}
	for i, f := range tf.list {
		if _, dup := tf.byKey[f.key]; !dup {
			tf.byKey[f.key] = i // the first, as a scan of the list finds
		}
	}
	f, _ := fieldCache.LoadOrStore(t, tf)
	return f.(*typeFields)
}

type typeFields struct {
	list  []field
	byKey map[string]int
}

var fieldCache sync.Map // reflect.Type -> *typeFields

func structFields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		key, inline := tagKey(f)
		if key == "-" {
			continue
		}
		if inline || (f.Anonymous && key == "" && f.Type.Kind() == reflect.Struct) {
			for _, sub := range structFields(f.Type) {
				sub.index = append([]int{i}, sub.index...)
				out = append(out, sub)
			}
			continue
		}
		if key == "" {
			key = f.Name
		}
		out = append(out, field{key: key, index: []int{i}, ignored: f.Tag.Get("coredb") == "ignored"})
	}
	return out
}

func tagKey(f reflect.StructField) (key string, inline bool) {
	tag, ok := f.Tag.Lookup("yaml")
	if !ok {
		tag = f.Tag.Get("json")
	}
	name, opts, _ := strings.Cut(tag, ",")
	return name, slices.Contains(strings.Split(opts, ","), "inline")
}

// mappingPairs returns the key/value pairs of a mapping, with YAML merge keys
// (<<) applied: explicit keys win over merged ones.
func (d *decoder) mappingPairs(n *yaml.Node, path string) [][2]*yaml.Node {
	var pairs, merged [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			src, ok := d.resolve(val)
			if !ok {
				return pairs
			}
			srcs := []*yaml.Node{src}
			if src.Kind == yaml.SequenceNode {
				srcs = src.Content
			}
			for _, s := range srcs {
				s, ok := d.resolve(s)
				if !ok {
					return pairs
				}
				if s.Kind != yaml.MappingNode {
					d.errorf(k, path, "merge key (<<) needs a mapping, got %s", kindName(s))
					continue
				}
				merged = append(merged, d.mappingPairs(s, path)...)
			}
			continue
		}
		pairs = append(pairs, [2]*yaml.Node{k, val})
	}
	for _, m := range merged {
		if !slices.ContainsFunc(pairs, func(p [2]*yaml.Node) bool { return p[0].Value == m[0].Value }) {
			pairs = append(pairs, m)
		}
	}
	return pairs
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "must be a mapping, got %s", describe(n))
		return
	}
	tf := fieldsByType(v.Type())
	fields := tf.list
	seen := map[string]*yaml.Node{}
	for _, p := range d.mappingPairs(n, path) {
		k, val := p[0], p[1]
		key := k.Value
		sub := joinPath(path, key)
		if prev, dup := seen[key]; dup {
			d.errorf(k, sub, "duplicate key %q (first at line %d)", key, prev.Line)
			continue
		}
		seen[key] = k
		i, ok := tf.byKey[key]
		if !ok {
			keys := make([]string, len(fields))
			for j, f := range fields {
				keys[j] = f.key
			}
			d.errorf(k, sub, "unknown field %q%s", key, didYouMean(key, keys))
			continue
		}
		if fields[i].ignored {
			d.warnf(k, sub, "Tembo ignores this field and so does coredb")
		}
		d.decode(val, v.FieldByIndex(fields[i].index), sub)
	}
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "must be a mapping, got %s", describe(n))
		return
	}
	t := v.Type()
	if t.Key().Kind() != reflect.String {
		d.errorf(n, path, "cannot decode map with %s keys", t.Key())
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(t))
	}
	seen := map[string]*yaml.Node{}
	for _, p := range d.mappingPairs(n, path) {
		k, val := p[0], p[1]
		sub := path + "[" + k.Value + "]"
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "map keys must be strings, got %s", kindName(k))
			continue
		}
		if prev, dup := seen[k.Value]; dup {
			d.errorf(k, sub, "duplicate key %q (first at line %d)", k.Value, prev.Line)
			continue
		}
		seen[k.Value] = k
		elem := reflect.New(t.Elem()).Elem()
		d.decode(val, elem, sub)
		v.SetMapIndex(reflect.ValueOf(k.Value).Convert(t.Key()), elem)
	}
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "must be a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.decode(item, s.Index(i), path+"["+strconv.Itoa(i)+"]")
	}
	v.Set(s)
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return "a scalar"
}

// describe names a node for "got ..." messages: a scalar is shown quoted.
func describe(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		if len(n.Value) > 40 {
			return strconv.Quote(n.Value[:40] + "…")
		}
		return strconv.Quote(n.Value)
	}
	return kindName(n)
}

// cleanYAMLError drops yaml.v3's "yaml: " prefix; positions are ours.
func cleanYAMLError(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// didYouMean suggests the closest known name within a small edit distance.
func didYouMean(got string, known []string) string {
	best, bestDist := "", 1<<30
	for _, k := range known {
		if dist := suggest.Distance(strings.ToLower(got), strings.ToLower(k)); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best != "" && bestDist <= max(2, len(got)/3) {
		return sprintf(" (did you mean %q?)", best)
	}
	return ""
}

func reflectValue(p any) reflect.Value { return reflect.ValueOf(p).Elem() }

// origins returns the recorded positions as Origins in the decoded file.
func (d *decoder) origins() map[string]Origin {
	out := make(map[string]Origin, len(d.positions))
	for p, n := range d.positions {
		out[p] = Origin{File: d.file, Line: n.Line, Col: n.Column, Path: p}
	}
	return out
}
