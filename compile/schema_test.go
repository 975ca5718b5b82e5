package compile

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// validator is a minimal JSON Schema (draft-07) validator for exactly the
// keywords Schema emits: type, properties, additionalProperties, items,
// enum, required, pattern, $ref into definitions and allOf. Annotations (title,
// description, examples, $schema, definitions) are skipped. Any other
// keyword fails the test, so the schema cannot grow a keyword this
// validator silently ignores.
type validator struct {
	root map[string]any
	errs []string
}

var annotationKeys = map[string]bool{"$schema": true, "title": true, "description": true, "examples": true, "definitions": true}

func (v *validator) validate(s map[string]any, x any, path string) {
	for k, kw := range s {
		switch k {
		case "type":
			if !typeMatches(kw, x) {
				v.errorf(path, "got %s, want type %v", jsonType(x), kw)
				return
			}
		case "enum":
			if !slices.ContainsFunc(kw.([]any), func(e any) bool { return reflect.DeepEqual(e, x) }) {
				v.errorf(path, "%v is not one of %v", x, kw)
			}
		case "$ref":
			name, ok := strings.CutPrefix(kw.(string), "#/definitions/")
			def, found := v.root["definitions"].(map[string]any)[name]
			if !ok || !found {
				v.errorf(path, "unresolved $ref %q", kw)
				continue
			}
			v.validate(def.(map[string]any), x, path)
		case "allOf":
			for _, sub := range kw.([]any) {
				v.validate(sub.(map[string]any), x, path)
			}
		case "pattern":
			if str, ok := x.(string); ok && !regexp.MustCompile(kw.(string)).MatchString(str) {
				v.errorf(path, "%q does not match %s", str, kw)
			}
		case "const":
			if !reflect.DeepEqual(kw, x) {
				v.errorf(path, "%v is not %v", x, kw)
			}
		case "if":
			// if/then/else: the branch the if schema selects applies.
			probe := &validator{root: v.root}
			probe.validate(kw.(map[string]any), x, path)
			branch := "then"
			if len(probe.errs) > 0 {
				branch = "else"
			}
			if b, ok := s[branch].(map[string]any); ok {
				v.validate(b, x, path)
			}
		case "then", "else":
			// applied by "if"
		case "properties", "additionalProperties", "required", "items":
			// applied below, once the type is known to match
		default:
			if !annotationKeys[k] {
				v.errorf(path, "schema keyword %q is not supported by the test validator", k)
			}
		}
	}
	switch x := x.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, k := range sortedKeys(x) {
			sub := path + "." + k
			if ps, ok := props[k]; ok {
				v.validate(ps.(map[string]any), x[k], sub)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					v.errorf(sub, "unknown field")
				}
			case map[string]any:
				v.validate(ap, x[k], sub)
			}
		}
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := x[r.(string)]; !ok {
					v.errorf(path, "missing required field %q", r)
				}
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, e := range x {
				v.validate(items, e, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
}

func (v *validator) errorf(path, format string, args ...any) {
	v.errs = append(v.errs, path+": "+fmt.Sprintf(format, args...))
}

// jsonType is the JSON type of a value decoded from YAML.
func jsonType(x any) string {
	switch x := x.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case int, int64, uint64:
		return "integer"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case string, time.Time: // yaml.v3 may resolve timestamps; Load takes their text
		return "string"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", x)
}

func typeMatches(want, x any) bool {
	got := jsonType(x)
	ok := func(w any) bool { return w == got || (w == "number" && got == "integer") }
	if ws, isList := want.([]any); isList {
		return slices.ContainsFunc(ws, ok)
	}
	return ok(want)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	b, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// schemaErrors validates one decoded document.
func schemaErrors(root map[string]any, doc any) []string {
	v := &validator{root: root}
	v.validate(root, doc, "")
	return v.errs
}

// inputDocs are every CoreDB input the project knows: examples/ and the
// shared conformance samples. Each entry is file name -> documents.
func inputDocs(t *testing.T) map[string][]any {
	t.Helper()
	files, _ := filepath.Glob("../examples/*.yaml")
	conf := "../../shared/conformance"
	if _, err := os.Stat(conf); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("conformance samples missing: %v", err)
		}
		t.Logf("conformance samples not found at %s; checking examples/ only", conf)
	}
	_ = filepath.WalkDir(conf, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 3 {
		t.Fatalf("found only %d input files", len(files))
	}
	out := map[string][]any{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(src)))
		for {
			var doc any
			if err := dec.Decode(&doc); err != nil {
				break
			}
			out[f] = append(out[f], doc)
		}
	}
	return out
}

// TestSchema_inputsValidate: every example and conformance sample is valid
// against the schema (no false alarms in an editor), and Load accepts it too.
func TestSchema_inputsValidate(t *testing.T) {
	root := loadSchema(t)
	if root["$schema"] != "http://json-schema.org/draft-07/schema#" {
		t.Errorf("$schema = %v", root["$schema"])
	}
	for file, docs := range inputDocs(t) {
		src, _ := os.ReadFile(file)
		if _, _, err := LoadDocuments(file, src); err != nil {
			t.Errorf("%s: Load: %v", file, err)
		}
		for i, doc := range docs {
			for _, e := range schemaErrors(root, doc) {
				t.Errorf("%s: document %d: %s", file, i+1, e)
			}
		}
	}
}

// TestSchema_agreesWithLoad mutates every input in ways Load rejects or
// accepts depending on the field (an unknown key in each mapping, a list in
// place of each scalar, a scalar in place of each mapping) and checks the
// schema gives the same verdict as Load each time. This is what makes the
// schema trustworthy in an editor: it flags exactly the structural mistakes
// coredb would.
func TestSchema_agreesWithLoad(t *testing.T) {
	root := loadSchema(t)
	checked, rejected := 0, 0
	seen := map[string]bool{} // each kind of mutation once per field path
	files := inputDocs(t)
	for _, file := range slices.Sorted(maps.Keys(files)) {
		docs := files[file]
		for i, doc := range docs {
			for _, m := range mutations(doc) {
				key := anyListIndex.ReplaceAllString(m.what, "[]")
				if seen[key] {
					continue
				}
				seen[key] = true
				src, err := yaml.Marshal(m.doc)
				if err != nil {
					t.Fatal(err)
				}
				_, _, loadErr := LoadDocuments("mutated.yaml", src)
				schemaErrs := schemaErrors(root, m.doc)
				checked++
				if loadErr != nil {
					rejected++
				}
				if (loadErr != nil) != (len(schemaErrs) > 0) {
					t.Errorf("%s: document %d, %s: Load error = %v, schema errors = %v", file, i+1, m.what, loadErr, schemaErrs)
				}
			}
		}
	}
	t.Logf("%d mutated documents, %d rejected by both", checked, rejected)
	if rejected == 0 || rejected == checked {
		t.Errorf("mutations should be both accepted and rejected; %d of %d rejected", rejected, checked)
	}
}

var anyListIndex = regexp.MustCompile(`\[\d+\]`)

type mutation struct {
	what string
	doc  any
}

// mutations returns copies of doc with one change each.
func mutations(doc any) []mutation {
	var out []mutation
	var walk func(x any, path string, set func(any) any)
	walk = func(x any, path string, set func(any) any) {
		switch x := x.(type) {
		case map[string]any:
			out = append(out, mutation{"unknown key in " + path, set(withEntry(x, "zzUnknownField", "x"))})
			if path != "" {
				out = append(out, mutation{"scalar for mapping " + path, set("x")})
			}
			for _, k := range sortedKeys(x) {
				walk(x[k], path+"."+k, func(v any) any { return set(withEntry(x, k, v)) })
			}
		case []any:
			for i, e := range x {
				walk(e, fmt.Sprintf("%s[%d]", path, i), func(v any) any {
					c := slices.Clone(x)
					c[i] = v
					return set(c)
				})
			}
		default:
			out = append(out, mutation{"list for scalar " + path, set([]any{"x"})})
		}
	}
	walk(doc, "", func(v any) any { return v })
	return out
}

func withEntry(m map[string]any, k string, v any) map[string]any {
	c := make(map[string]any, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	c[k] = v
	return c
}

// TestSchema_rejectsUnknownField is the editor's view of a typo.
func TestSchema_rejectsUnknownField(t *testing.T) {
	root := loadSchema(t)
	var doc any
	src := "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata: {name: orders}\nspec: {replica: 3}\n"
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	errs := schemaErrors(root, doc)
	if !slices.Equal(errs, []string{".spec.replica: unknown field"}) {
		t.Errorf("schema errors = %q", errs)
	}
}

// TestSchema_tables: every description, enum and required entry names a
// field that exists, so the tables cannot go stale when spec.go changes.
func TestSchema_tables(t *testing.T) {
	fields := map[string]bool{}
	types := map[string]bool{}
	var walk func(rt reflect.Type)
	walk = func(rt reflect.Type) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || rt.PkgPath() != compilePkg || types[rt.Name()] {
			return
		}
		types[rt.Name()] = true
		for _, f := range fieldsOf(rt) {
			fields[rt.Name()+"."+f.key] = true
			walk(rt.FieldByIndex(f.index).Type)
		}
	}
	walk(reflect.TypeFor[CoreDB]())
	walk(reflect.TypeFor[ImageSet]())
	for k := range schemaDoc {
		if !fields[k] {
			t.Errorf("schemaDoc: no field %s", k)
		}
	}
	for k := range schemaEnum {
		if !fields[k] {
			t.Errorf("schemaEnum: no field %s", k)
		}
	}
	for key := range schemaRequired { // the names are checked against Compile by TestSchema_required
		if strings.Contains(key, ".") && !fields[key] {
			t.Errorf("schemaRequired: no field %s", key)
		}
		if !strings.Contains(key, ".") && !types[key] {
			t.Errorf("schemaRequired: no type %s", key)
		}
	}
	// Every field of the top two levels, and of ImageSets, is described.
	for _, typ := range []string{"CoreDB", "Metadata", "Spec", "ImageSet", "ImageSetSpec", "DeclaredImage", "DeclaredExtension"} {
		for f := range fields {
			if strings.HasPrefix(f, typ+".") && schemaDoc[f] == "" {
				t.Errorf("schemaDoc: %s has no description", f)
			}
		}
	}
}

// TestSchema_required: removing a field the schema calls required makes
// Load or Compile fail, so "required" promises nothing coredb does not.
func TestSchema_required(t *testing.T) {
	base := map[string]any{
		"apiVersion": "coredb.io/v1alpha1",
		"kind":       "CoreDB",
		"metadata":   map[string]any{"name": "orders"},
		"spec": map[string]any{
			"runtime_config": []any{map[string]any{"name": "work_mem", "value": "4MB"}},
		},
	}
	if err := loadAndCompile(base); err != nil {
		t.Fatalf("base document: %v", err)
	}
	cases := map[string]func(d map[string]any){
		"CoreDB.apiVersion":    func(d map[string]any) { delete(d, "apiVersion") },
		"CoreDB.kind":          func(d map[string]any) { delete(d, "kind") },
		"CoreDB.metadata":      func(d map[string]any) { delete(d, "metadata") },
		"CoreDB.metadata.name": func(d map[string]any) { delete(d["metadata"].(map[string]any), "name") },
		"PgConfig.name":        func(d map[string]any) { delete(pgConfig(d), "name") },
		"PgConfig.value":       func(d map[string]any) { delete(pgConfig(d), "value") },
	}
	// An ImageSet and a CoreDB that uses both its declarations.
	set := map[string]any{
		"apiVersion": "coredb.io/v1alpha1",
		"kind":       "ImageSet",
		"metadata":   map[string]any{"name": "platform"},
		"spec": map[string]any{
			"images":          []any{map[string]any{"image": "registry.example.com/pg:18-x", "extensions": []any{"pgmq"}}},
			"extensionImages": []any{map[string]any{"name": "pg-cron", "image": "registry.example.com/pg-cron:1", "major": 18, "extensions": []any{"pg_cron"}}},
		},
	}
	user := deepCopy(base).(map[string]any)
	user["spec"].(map[string]any)["image"] = "registry.example.com/pg:18-x"
	user["spec"].(map[string]any)["superuserAccess"] = true
	user["spec"].(map[string]any)["runtime_config"] = append(user["spec"].(map[string]any)["runtime_config"].([]any),
		map[string]any{"name": "shared_preload_libraries", "value": "pg_cron"})
	user["spec"].(map[string]any)["extensions"] = []any{
		map[string]any{"name": "pgmq", "locations": []any{map[string]any{"enabled": true}}},
		map[string]any{"name": "pg_cron", "locations": []any{map[string]any{"enabled": true}}},
	}
	if err := loadAndCompile(set, user); err != nil {
		t.Fatalf("base ImageSet: %v", err)
	}
	image := func(d map[string]any) map[string]any {
		return d["spec"].(map[string]any)["images"].([]any)[0].(map[string]any)
	}
	ext := func(d map[string]any) map[string]any {
		return d["spec"].(map[string]any)["extensionImages"].([]any)[0].(map[string]any)
	}
	setCases := map[string]func(d map[string]any){
		"ImageSet.apiVersion":     func(d map[string]any) { delete(d, "apiVersion") },
		"ImageSet.kind":           func(d map[string]any) { delete(d, "kind") },
		"ImageSet.metadata":       func(d map[string]any) { delete(d, "metadata") },
		"ImageSet.spec":           func(d map[string]any) { delete(d, "spec") },
		"ImageSet.metadata.name":  func(d map[string]any) { delete(d["metadata"].(map[string]any), "name") },
		"DeclaredImage.image":     func(d map[string]any) { delete(image(d), "image") },
		"DeclaredExtension.name":  func(d map[string]any) { delete(ext(d), "name") },
		"DeclaredExtension.image": func(d map[string]any) { delete(ext(d), "image") },
		"DeclaredExtension.major": func(d map[string]any) { delete(ext(d), "major") },
	}
	for typ, keys := range schemaRequired {
		for _, k := range keys {
			name := typ + "." + k
			if remove, ok := setCases[name]; ok {
				d := deepCopy(set).(map[string]any)
				remove(d)
				if err := loadAndCompile(d, user); err == nil {
					t.Errorf("without %s: coredb accepts the ImageSet, but the schema requires the field", name)
				}
				continue
			}
			remove, ok := cases[name]
			if !ok {
				t.Errorf("%s is required in the schema but has no case here", name)
				continue
			}
			d := deepCopy(base).(map[string]any)
			remove(d)
			if err := loadAndCompile(d); err == nil {
				t.Errorf("without %s: coredb accepts the document, but the schema requires the field", name)
			}
		}
	}
}

func pgConfig(d map[string]any) map[string]any {
	return d["spec"].(map[string]any)["runtime_config"].([]any)[0].(map[string]any)
}

// loadAndCompile renders docs as one input, as coredb render does.
func loadAndCompile(docs ...any) error {
	var src []byte
	for i, doc := range docs {
		b, err := yaml.Marshal(doc)
		if err != nil {
			return err
		}
		if i > 0 {
			src = append(src, "---\n"...)
		}
		src = append(src, b...)
	}
	d, _, err := LoadDocuments("doc.yaml", src)
	if err != nil {
		return err
	}
	_, _, err = Compile(d.CoreDBs, Options{ImageSets: d.ImageSets})
	return err
}

func deepCopy(x any) any {
	switch x := x.(type) {
	case map[string]any:
		c := map[string]any{}
		for k, v := range x {
			c[k] = deepCopy(v)
		}
		return c
	case []any:
		c := make([]any, len(x))
		for i, v := range x {
			c[i] = deepCopy(v)
		}
		return c
	}
	return x
}

// TestSchema_deterministic: the same bytes every time (map order must not leak).
func TestSchema_deterministic(t *testing.T) {
	a, _ := Schema()
	for range 5 {
		if b, _ := Schema(); string(a) != string(b) {
			t.Fatal("Schema output differs between calls")
		}
	}
}
