package compile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/coredb-dev/coredb/compile/jsonvalue"
	"github.com/coredb-dev/coredb/compile/yamlenc"
)

// Format is an output format.
type Format string

const (
	FormatYAML Format = "yaml" // a multi-document YAML stream
	FormatJSON Format = "json" // one v1 List
)

// Encode renders objects as one canonical stream: ordered by kind rank,
// namespace and name; keys sorted; no status and no null fields; documents
// joined by "---"; LF endings. The same objects always give the same bytes.
func Encode(objs []Object, format Format) ([]byte, error) {
	var buf bytes.Buffer
	if err := EncodeTo(&buf, objs, format); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// EncodeTo writes what Encode returns to w. YAML is written one object at a
// time, so memory holds the objects and one document, not the whole stream
// (a thousand databases render tens of megabytes). An error from w, or from
// an object that cannot be encoded, can leave a partial stream on w. (A
// fleet's YAML is encoded in parallel as it builds: Render.)
func EncodeTo(w io.Writer, objs []Object, format Format) error {
	sorted := sortObjects(objs)
	switch format {
	case FormatJSON:
		items := make([]any, len(sorted))
		for i, o := range sorted {
			u, err := canonical(o)
			if err != nil {
				return err
			}
			items[i] = u
		}
		list := map[string]any{"apiVersion": "v1", "kind": "List", "items": items}
		out, err := json.MarshalIndent(list, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(out, '\n'))
		return err
	case FormatYAML, "":
		var doc []byte
		for i, o := range sorted {
			var err error
			if doc, err = encodeDocument(doc[:0], o, i > 0); err != nil {
				return err
			}
			if _, err := w.Write(doc); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown output format %q (want yaml or json)", format)
}

// encodeDocument appends one object as a YAML document to doc, after a
// "---" line unless it is the first of the stream.
func encodeDocument(doc []byte, o Object, separator bool) ([]byte, error) {
	u, err := canonical(o)
	if err != nil {
		return doc, err
	}
	if separator {
		doc = append(doc, "---\n"...)
	}
	// yamlenc writes the bytes sigs.k8s.io/yaml.Marshal would, from the map
	// directly: no JSON round trip, no reflection.
	if doc, err = yamlenc.Append(doc, u); err != nil {
		return doc, fmt.Errorf("%s %s: %w", o.GetObjectKind().GroupVersionKind().Kind, o.GetName(), err)
	}
	return doc, nil
}

// Document is one object of a YAML stream, encoded: what Render returns.
type Document struct {
	Kind, Namespace, Name string
	YAML                  []byte // the document, without a "---" line
}

func (d Document) ident() ident { return ident{d.Kind, d.Namespace, d.Name} }

// Render is Compile followed by Encode in YAML, in less memory: each
// CoreDB's objects are encoded by the worker that built them, right after
// the build, and only the documents are kept, in stream order. The bytes
// WriteDocuments writes are the bytes EncodeTo writes for Compile's objects
// (TestRenderMatchesEncode).
func Render(dbs []*CoreDB, opts Options) ([]Document, ErrorList, error) {
	builds, warns, err := compileFleet(dbs, opts, keepDocuments)
	if err != nil {
		return nil, warns, err
	}
	var docs []Document
	for _, b := range builds {
		docs = append(docs, b.docs...)
	}
	// The order of sortObjects: stable, so documents that compare equal
	// (none in a fleet that passed the duplicate check) keep input order.
	slices.SortStableFunc(docs, func(a, b Document) int { return compareIdents(a.ident(), b.ident()) })
	return docs, warns, nil
}

// Validate is Compile for a check: the same warnings and errors, and the
// objects it would render only as their kind, namespace and name (Document
// without YAML), so a fleet's objects are not held in memory.
func Validate(dbs []*CoreDB, opts Options) ([]Document, ErrorList, error) {
	builds, warns, err := compileFleet(dbs, opts, keepNames)
	if err != nil {
		return nil, warns, err
	}
	var refs []Document
	for _, b := range builds {
		for _, id := range b.ids {
			refs = append(refs, Document{Kind: id.kind, Namespace: id.namespace, Name: id.name})
		}
	}
	return refs, warns, nil
}

// WriteDocuments writes documents as one YAML stream, in the order given.
func WriteDocuments(w io.Writer, docs []Document) error {
	for i, d := range docs {
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if _, err := w.Write(d.YAML); err != nil {
			return err
		}
	}
	return nil
}

// encodeDocuments encodes one CoreDB's objects, whose identities are ids,
// each into a buffer of its own size (a shared scratch buffer takes the
// growing).
func encodeDocuments(objs []Object, ids []ident) ([]Document, error) {
	scratch := scratchBuffers.Get().(*[]byte)
	defer scratchBuffers.Put(scratch)
	docs := make([]Document, 0, len(objs))
	for i, o := range objs {
		b, err := encodeDocument((*scratch)[:0], o, false)
		*scratch = b
		if err != nil {
			return nil, err
		}
		docs = append(docs, Document{Kind: ids[i].kind, Namespace: ids[i].namespace, Name: ids[i].name, YAML: bytes.Clone(b)})
	}
	return docs, nil
}

var scratchBuffers = sync.Pool{New: func() any { return new([]byte) }}

// canonical converts an object to plain maps and drops what a live object
// would own or what carries no meaning: status, creationTimestamp and null
// values. Empty maps are kept: `emptyDir: {}` means something.
//
// The maps are the object's JSON as plain values (numbers kept as written,
// as json.Number): what sigs.k8s.io/yaml.Marshal starts from too, built
// without the JSON (jsonvalue.Of). Kubernetes' unstructured converter gives
// the same maps, but its first use of a kind walks the whole Go type (about
// 15 ms for a Cluster); encoding/json builds encoders for the whole type too
// (about 4 ms) and its output must then be read back.
func canonical(o Object) (map[string]any, error) {
	u, err := jsonMap(o)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", o.GetObjectKind().GroupVersionKind().Kind, o.GetName(), err)
	}
	delete(u, "status")
	if md, ok := u["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	dropDefaultSyncConstraint(u)
	dropNulls(u)
	protectFromSubstitution(u)
	return u, nil
}

// jsonMap is v as its JSON object would decode into plain values, numbers
// as json.Number: what encoding/json's Decoder with UseNumber gives for
// json.Marshal's output, built from v directly by jsonvalue.Of (which
// TestOfMatchesMarshal and FuzzOf hold to encoding/json).
func jsonMap(v any) (map[string]any, error) {
	tree, err := jsonvalue.Of(v)
	if err != nil {
		return nil, err
	}
	u, ok := tree.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object but %T", tree)
	}
	return u, nil
}

// dropNulls removes null values and the empty structs Go's types leave behind
// where the field is not a pointer (Cluster spec.affinity, spec.resources,
// Job spec.template.metadata): an empty map whose schema is a struct with no
// required fields means "not set". emptyDir stays: its presence is the value.
func dropNulls(m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			dropNulls(x)
			if len(x) == 0 && !meaningfulEmpty[k] {
				delete(m, k)
			}
		case []any:
			for _, e := range x {
				if em, ok := e.(map[string]any); ok {
					dropNulls(em)
				}
			}
		}
	}
}

// meaningfulEmpty are keys whose empty object is a value, not an absence.
var meaningfulEmpty = map[string]bool{
	"emptyDir":          true, // volume source: an empty scratch volume
	"initdb":            true, // bootstrap method: initdb with defaults
	"selector":          true, // an empty label selector selects everything
	"labelSelector":     true,
	"podSelector":       true,
	"namespaceSelector": true,
}

// dropDefaultSyncConstraint removes a Cluster's
// spec.postgresql.syncReplicaElectionConstraint when it only says
// enabled: false: the Go type has no omitempty there, and the value is CNPG's
// default.
func dropDefaultSyncConstraint(u map[string]any) {
	spec, _ := u["spec"].(map[string]any)
	pg, _ := spec["postgresql"].(map[string]any)
	c, ok := pg["syncReplicaElectionConstraint"].(map[string]any)
	if ok && len(c) == 1 && c["enabled"] == false {
		delete(pg, "syncReplicaElectionConstraint")
	}
}

// fluxSubstitute is Flux's per-object switch for postBuild substitution.
const fluxSubstitute = "kustomize.toolkit.fluxcd.io/substitute"

// protectFromSubstitution marks objects that contain "${": Flux's postBuild
// substitution replaces every ${var} it finds, and undefined ones with "",
// which would silently break the Jobs' shell scripts and settings such as
// vectorize.embedding_service_url (gitops.md §3.2). The annotation means
// nothing to other tools.
func protectFromSubstitution(u map[string]any) {
	if !containsSubstitution(u) {
		return
	}
	md, _ := u["metadata"].(map[string]any)
	if md == nil {
		return
	}
	ann, _ := md["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
		md["annotations"] = ann
	}
	ann[fluxSubstitute] = "disabled"
}

func containsSubstitution(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, "${")
	case map[string]any:
		for _, e := range x {
			if containsSubstitution(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if containsSubstitution(e) {
				return true
			}
		}
	}
	return false
}
