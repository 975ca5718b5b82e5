package compile

import (
	"cmp"
	"slices"
	"strings"

	"github.com/coredb-dev/coredb/compile/sources"
)

// Explanation says, for one CoreDB, where every extension and library comes
// from: what `coredb explain` prints.
type Explanation struct {
	Name      string
	Namespace string
	Target    string
	Image     string // the operand image
	ImageInfo string // what coredb knows about it: family, declared, or unknown
	Rows      []ExplainRow
}

// ExplainRow is one extension or library.
type ExplainRow struct {
	Name      string
	What      string // extension, library, or both
	Source    string // image, extension image NAME, declared extension image NAME, Trunk PROJECT, dropped, missing
	Databases []string
	Preloaded bool
}

// Explain compiles every CoreDB as Compile does and reports where each item
// comes from, even when some have no source: that is what it is for. The
// ErrorList holds everything Compile would report, errors included.
func Explain(dbs []*CoreDB, opts Options) ([]Explanation, ErrorList) {
	cnpg, err := CheckCNPGVersion(cmp.Or(opts.CNPGVersion, DefaultCNPGVersion))
	if err != nil {
		return nil, ErrorList{{Msg: err.Error()}}
	}
	target, ok := sources.ParseTarget(opts.Target)
	if !ok {
		return nil, ErrorList{{Msg: sprintf("unknown target %q: want cnpg or tembo", opts.Target)}}
	}
	decl, errs := checkImageSets(opts.ImageSets, cnpg)
	var out []Explanation
	for _, db := range dbs {
		b := newBuild(db, opts)
		b.cnpg, b.target, b.decl = cnpg, target, decl
		b.run()
		errs = append(errs, b.errs...)
		if b.res != nil {
			out = append(out, b.explain())
		}
	}
	return out, errs.Sorted()
}

func (b *build) explain() Explanation {
	e := Explanation{Name: b.db.Metadata.Name, Namespace: b.namespace, Target: string(b.target), Image: b.imageRef, ImageInfo: "unknown to coredb"}
	switch {
	case b.img.Declared != nil:
		e.ImageInfo = "declared in an ImageSet"
	case b.img.Family != nil:
		e.ImageInfo = b.img.Family.Name
	}
	if b.img.Major > 0 {
		e.ImageInfo += sprintf(", Postgres %d", b.img.Major)
	}
	rows := map[string]*ExplainRow{}
	var order []string
	row := func(key string) *ExplainRow {
		r, ok := rows[key]
		if !ok {
			r = &ExplainRow{Name: key}
			rows[key] = r
			order = append(order, key)
		}
		return r
	}
	for _, it := range b.res.items {
		r := row(it.key)
		switch {
		case it.dropped:
			r.Source = "dropped"
		case it.src.Kind == sources.Missing:
			r.Source = "missing"
		case it.src.Kind == sources.FromTrunk:
			r.Source = "Trunk " + it.src.Trunk
		case it.src.Kind == sources.FromExtensionImage || it.src.Kind == sources.FromDeclaredExtension:
			var names []string
			for _, v := range it.src.Volumes {
				names = append(names, v.Name)
			}
			r.Source = it.src.Kind.String() + " " + strings.Join(names, "+")
		default:
			r.Source = "image"
		}
		ext := it.has(refExtension) || it.has(refTrunk) && it.known && !it.entry.LoadOnly
		lib := it.has(refLibrary) || it.has(refManaged)
		switch {
		case ext && lib:
			r.What = "extension+library"
		case lib:
			r.What = "library"
		default:
			r.What = "extension"
		}
		libs := []string{it.key, it.lib}
		if it.known {
			libs = append(libs, it.entry.Preload)
		}
		r.Preloaded = slices.ContainsFunc(b.preloaded, func(l string) bool { return slices.Contains(libs, l) })
	}
	// Databases, from the extension locations; enabled: false is shown as
	// a drop. Extensions only ever dropped have no item: list them too.
	for i, ext := range b.db.Spec.Extensions {
		if ext.Name == "" {
			continue
		}
		key := ext.Name
		if it := slices.IndexFunc(b.res.items, func(it *item) bool {
			return slices.ContainsFunc(it.refs, func(r itemRef) bool { return r.kind == refExtension && r.index == i })
		}); it >= 0 {
			key = b.res.items[it].key
		}
		r := row(key)
		if r.What == "" {
			r.What, r.Source = "extension", "none needed (only dropped)"
		}
		for _, l := range ext.Locations {
			db := locationDB(l)
			if l.Enabled != nil && !*l.Enabled {
				db += " (drop)"
			}
			if !slices.Contains(r.Databases, db) {
				r.Databases = append(r.Databases, db)
			}
		}
	}
	for _, k := range order {
		e.Rows = append(e.Rows, *rows[k])
	}
	return e
}
