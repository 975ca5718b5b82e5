// Command schemagen writes the JSON schemas kubeconform validates against,
// from the two sources a cluster itself uses: the Kubernetes OpenAPI v3
// documents (api/openapi-spec/v3 of the k8s.io/kubernetes module) and the
// CustomResourceDefinitions of a release manifest (CloudNativePG's). It does
// what kubeconform's openapi2jsonschema.py does, without Python:
//
//   - one file per group/version/kind, as DIR/<group>/<kind>_<version>.json
//     (the core group is written as "v1", which is what kubeconform's
//     {{.Group}} gives for apiVersion v1), for
//     -schema-location 'DIR/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json';
//   - every $ref inlined, so each file stands alone;
//   - strict: every object schema that lists properties and says nothing of
//     additionalProperties gets additionalProperties: false (unless it has
//     x-kubernetes-preserve-unknown-fields), so unknown fields fail as they
//     do on a real API server;
//   - OpenAPI's nullable: true becomes a "null" type.
//
// Usage: go run ./e2e/gitops/schemagen -out DIR [-openapi DIR] [-crds FILE]...
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	var (
		out     = flag.String("out", "", "directory to write the schemas into")
		openapi = flag.String("openapi", "", "directory of Kubernetes OpenAPI v3 documents (api/openapi-spec/v3)")
		crds    stringList
	)
	flag.Var(&crds, "crds", "YAML file with CustomResourceDefinitions (repeatable)")
	flag.Parse()
	if *out == "" || (*openapi == "" && len(crds) == 0) {
		fmt.Fprintln(os.Stderr, "usage: schemagen -out DIR [-openapi DIR] [-crds FILE]...")
		os.Exit(2)
	}
	n := 0
	if *openapi != "" {
		c, err := fromOpenAPI(*openapi, *out)
		if err != nil {
			fatal(err)
		}
		n += c
	}
	for _, f := range crds {
		c, err := fromCRDs(f, *out)
		if err != nil {
			fatal(err)
		}
		n += c
	}
	fmt.Fprintf(os.Stderr, "schemagen: wrote %d schemas to %s\n", n, *out)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "schemagen:", err)
	os.Exit(1)
}

// fromOpenAPI writes a schema for every kind in the core and apis/<group>/<version>
// documents of dir.
func fromOpenAPI(dir, out string) (int, error) {
	files, err := filepath.Glob(filepath.Join(dir, "api*__v*_openapi.json"))
	if err != nil {
		return 0, err
	}
	files = append(files, filepath.Join(dir, "api__v1_openapi.json"))
	slices.Sort(files)
	files = slices.Compact(files)
	n := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return n, err
		}
		var doc struct {
			Components struct {
				Schemas map[string]any `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			return n, fmt.Errorf("%s: %w", f, err)
		}
		defs := doc.Components.Schemas
		for _, name := range sortedKeys(defs) {
			s := defs[name].(map[string]any)
			gvks, _ := s["x-kubernetes-group-version-kind"].([]any)
			for _, g := range gvks {
				gvk := g.(map[string]any)
				group, version, kind := gvk["group"].(string), gvk["version"].(string), gvk["kind"].(string)
				// Only kinds served by the document's own group/version:
				// meta kinds such as DeleteOptions appear in every file.
				if !strings.Contains(filepath.Base(f), docName(group, version)) {
					continue
				}
				resolved, err := resolve(s, defs, nil)
				if err != nil {
					return n, fmt.Errorf("%s: %s: %w", f, name, err)
				}
				if err := write(out, group, version, kind, strictify(resolved)); err != nil {
					return n, err
				}
				n++
			}
		}
	}
	return n, nil
}

// docName is how the OpenAPI v3 file of a group/version is named.
func docName(group, version string) string {
	if group == "" {
		return "api__" + version + "_openapi.json"
	}
	return "apis__" + group + "__" + version + "_openapi.json"
}

// resolve returns s with every $ref replaced by the definition it names.
func resolve(s any, defs map[string]any, stack []string) (any, error) {
	switch x := s.(type) {
	case map[string]any:
		if ref, ok := x["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/components/schemas/")
			if slices.Contains(stack, name) {
				return map[string]any{}, nil // recursive type: accept anything below
			}
			def, ok := defs[name]
			if !ok {
				return nil, fmt.Errorf("unresolved $ref %s", ref)
			}
			return resolve(def, defs, append(stack, name))
		}
		c := make(map[string]any, len(x))
		for k, v := range x {
			r, err := resolve(v, defs, stack)
			if err != nil {
				return nil, err
			}
			c[k] = r
		}
		return c, nil
	case []any:
		c := make([]any, len(x))
		for i, v := range x {
			r, err := resolve(v, defs, stack)
			if err != nil {
				return nil, err
			}
			c[i] = r
		}
		return c, nil
	}
	return s, nil
}

// strictify closes object schemas and turns nullable into a null type.
func strictify(s any) any {
	switch x := s.(type) {
	case map[string]any:
		for k, v := range x {
			if k == "properties" { // property names, not schemas, at this level
				props := v.(map[string]any)
				for p, ps := range props {
					props[p] = strictify(ps)
				}
				continue
			}
			x[k] = strictify(v)
		}
		_, hasProps := x["properties"]
		_, hasAdditional := x["additionalProperties"]
		preserve, _ := x["x-kubernetes-preserve-unknown-fields"].(bool)
		if hasProps && !hasAdditional && !preserve {
			x["additionalProperties"] = false
		}
		if nullable, _ := x["nullable"].(bool); nullable {
			if t, ok := x["type"].(string); ok {
				x["type"] = []any{t, "null"}
			}
		}
		return x
	case []any:
		for i, v := range x {
			x[i] = strictify(v)
		}
	}
	return s
}

// fromCRDs writes a schema for every served version of every CRD in file.
func fromCRDs(file, out string) (int, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, doc := range splitYAML(raw) {
		var crd struct {
			Kind string `json:"kind"`
			Spec struct {
				Group string `json:"group"`
				Names struct {
					Kind string `json:"kind"`
				} `json:"names"`
				Versions []struct {
					Name   string `json:"name"`
					Served bool   `json:"served"`
					Schema struct {
						OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
					} `json:"schema"`
				} `json:"versions"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(doc, &crd); err != nil {
			return n, fmt.Errorf("%s: %w", file, err)
		}
		if crd.Kind != "CustomResourceDefinition" {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if !v.Served || v.Schema.OpenAPIV3Schema == nil {
				continue
			}
			if err := write(out, crd.Spec.Group, v.Name, crd.Spec.Names.Kind, strictify(v.Schema.OpenAPIV3Schema)); err != nil {
				return n, err
			}
			n++
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("%s: no CustomResourceDefinitions", file)
	}
	return n, nil
}

// splitYAML splits a multi-document stream at "---" lines.
func splitYAML(raw []byte) [][]byte {
	var docs [][]byte
	var cur bytes.Buffer
	for line := range bytes.Lines(raw) {
		if bytes.Equal(bytes.TrimRight(line, "\r\n"), []byte("---")) {
			docs = append(docs, bytes.Clone(cur.Bytes()))
			cur.Reset()
			continue
		}
		cur.Write(line)
	}
	return append(docs, cur.Bytes())
}

func write(out, group, version, kind string, schema any) error {
	dir := group
	if dir == "" {
		dir = version // kubeconform's {{.Group}} for apiVersion v1
	}
	path := filepath.Join(out, dir, strings.ToLower(kind)+"_"+version+".json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s written twice", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	b, err := json.Marshal(schema)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
