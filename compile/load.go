package compile

import (
	"bytes"
	"errors"
	"io"
	"strconv"

	"github.com/coredb-dev/coredb/internal/lazyre"
	"go.yaml.in/yaml/v3"
)

// MaxInputSize is the largest file Load accepts. A CoreDB is a few KiB; the
// cap keeps a mistaken or hostile input from costing minutes or gigabytes.
const MaxInputSize = 8 << 20

const (
	apiVersion = "coredb.io/v1alpha1"
	kindCoreDB = "CoreDB"
)

// Documents are the documents of one input: CoreDBs to compile and
// ImageSets that declare images for every CoreDB of the render.
type Documents struct {
	CoreDBs   []*CoreDB
	ImageSets []*ImageSet
}

// Load decodes every YAML document in src strictly: unknown fields, duplicate
// keys, wrong types, wrong apiVersion/kind and empty documents are errors.
// filename is used only in messages. All problems of the file are returned
// together as an ErrorList; warnings (ignored Tembo fields) come back in the
// second result and never stop loading. Load takes CoreDB documents only;
// LoadDocuments also takes ImageSets.
func Load(filename string, src []byte) ([]*CoreDB, ErrorList, error) {
	docs, warns, err := loadDocuments(filename, src, false)
	return docs.CoreDBs, warns, err
}

// LoadDocuments is Load for inputs that may also hold ImageSet documents.
// An input with only ImageSets is fine: they apply to the CoreDBs of the
// other inputs.
func LoadDocuments(filename string, src []byte) (Documents, ErrorList, error) {
	return loadDocuments(filename, src, true)
}

func loadDocuments(filename string, src []byte, imageSets bool) (Documents, ErrorList, error) {
	if len(src) > MaxInputSize {
		return Documents{}, nil, ErrorList{{File: filename, Msg: sprintf("input is %d bytes; the limit is %d (8 MiB)", len(src), MaxInputSize)}}
	}
	var (
		docs Documents
		errs ErrorList
	)
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for i := 0; ; i++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, syntaxError(filename, err))
			break // the parser cannot resynchronise after a syntax error
		}
		if len(doc.Content) == 0 || isNull(doc.Content[0]) {
			errs = append(errs, &FieldError{File: filename, Line: max(doc.Line, 1), Col: max(doc.Column, 1), Msg: sprintf("document %d is empty", i+1)})
			continue
		}
		if imageSets && kindOf(doc.Content[0]) == kindImageSet {
			set, derrs := decodeImageSet(filename, doc.Content[0])
			errs = append(errs, derrs...)
			if len(derrs.Errors()) == 0 {
				docs.ImageSets = append(docs.ImageSets, set)
			}
			continue
		}
		db, derrs := decodeCoreDB(filename, doc.Content[0])
		errs = append(errs, derrs...)
		if db != nil {
			docs.CoreDBs = append(docs.CoreDBs, db)
		}
	}
	if len(docs.CoreDBs) == 0 && len(docs.ImageSets) == 0 && len(errs) == 0 {
		errs = append(errs, &FieldError{File: filename, Msg: "no CoreDB documents found"})
	}
	if len(errs.Errors()) > 0 {
		return Documents{}, errs.Warnings(), errs.Errors()
	}
	return docs, errs.Warnings(), nil
}

// kindOf is the value of a mapping's top-level kind key, "" if none. The
// key may come through a merge key (<<) and its value through an alias, as
// the decoder reads them; problems are left for the decoder to report.
func kindOf(n *yaml.Node) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	d := newDecoder("")
	for _, p := range d.mappingPairs(n, "") {
		if p[0].Value != "kind" {
			continue
		}
		if v, ok := d.resolve(p[1]); ok && v.Kind == yaml.ScalarNode {
			return v.Value
		}
		return ""
	}
	return ""
}

func decodeCoreDB(filename string, root *yaml.Node) (*CoreDB, ErrorList) {
	d := newDecoder(filename)
	db := &CoreDB{}
	if root.Kind != yaml.MappingNode {
		d.errorf(root, "", "a CoreDB document must be a mapping, got %s", describe(root))
		return nil, d.errs
	}
	d.decode(root, reflectValue(db), "")
	db.src = source{file: filename, positions: d.origins()}
	checkHeader(db, d)
	return db, d.errs
}

// checkHeader insists on the exact apiVersion and kind: a file meant for
// another tool must not be silently compiled as an empty CoreDB.
func checkHeader(db *CoreDB, d *decoder) {
	at := func(path string) *yaml.Node {
		if n, ok := d.positions[path]; ok {
			return n
		}
		return d.positions[""]
	}
	switch db.APIVersion {
	case apiVersion:
	case "":
		d.errorf(at(""), "apiVersion", "missing; want %q", apiVersion)
	default:
		d.errorf(at("apiVersion"), "apiVersion", "got %q, want %q", db.APIVersion, apiVersion)
	}
	switch db.Kind {
	case kindCoreDB:
	case "":
		d.errorf(at(""), "kind", "missing; want %q", kindCoreDB)
	default:
		d.errorf(at("kind"), "kind", "got %q, want %q", db.Kind, kindCoreDB)
	}
}

var yamlLine = lazyre.New(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a yaml.v3 parse error into a FieldError with its line.
// yaml.v3 reports no column for syntax errors.
func syntaxError(file string, err error) *FieldError {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &FieldError{File: file, Line: line, Col: 1, Msg: "invalid YAML: " + m[2]}
	}
	return &FieldError{File: file, Msg: "invalid YAML: " + cleanYAMLError(err)}
}
