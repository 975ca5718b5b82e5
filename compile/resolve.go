package compile

import (
	"slices"
	"strings"

	"github.com/coredb-dev/coredb/compile/sources"
	"github.com/coredb-dev/coredb/extensions"
)

// Every extension, Trunk install and preload library of a CoreDB gets a
// source before anything is built (sources.Env.Find): the operand image, an
// image-volume extension, a declared image, or a Trunk install on target
// tembo. One without a source is an error at the line that asked for it,
// or, with --drop-unavailable, is left out together with everything tied to
// it. Postgres exits at start on a preload library it cannot load, on every
// pod, for the life of the Cluster (cloudnativepg.md §7.2).

// refKind is what asked for an item.
type refKind int

const (
	refExtension refKind = iota // spec.extensions[i] with an enabled location
	refTrunk                    // spec.trunk_installs[i]
	refLibrary                  // a preload list entry
	refManaged                  // a parameter that makes CloudNativePG preload a library
)

// itemRef is one place that asks for an item.
type itemRef struct {
	kind    refKind
	index   int    // spec.extensions or spec.trunk_installs index
	name    string // as written
	version string // Trunk version
	list    string // the preload list, for refLibrary
	at      Origin
}

func (r itemRef) describe() string {
	switch r.kind {
	case refExtension:
		return "extension " + r.name
	case refTrunk:
		return "Trunk install " + r.name + " " + r.version
	case refManaged:
		return "parameter " + r.name + " (CloudNativePG then preloads its library)"
	}
	return r.list + " entry " + r.name
}

// item is one thing that needs a source: a catalog entry, or a name the
// catalog does not know, with every place that asks for it.
type item struct {
	key     string // catalog entry name, or the name as written
	lib     string // library name when a preload list names it
	known   bool
	entry   extensions.Entry
	refs    []itemRef
	src     sources.Source
	dropped bool
}

func (it *item) has(k refKind) bool {
	return slices.ContainsFunc(it.refs, func(r itemRef) bool { return r.kind == k })
}

// resolution is the outcome for one CoreDB, kept for the builders and for
// `coredb explain`.
type resolution struct {
	items   []*item
	volumes []sources.Volume
	// volumeFrom is where the first item that needs each volume asked.
	volumeFrom map[string]Origin
	// skipExt and skipTrunk are the spec.extensions (enabled locations
	// only) and spec.trunk_installs entries that render nothing: dropped,
	// or, for Trunk, provided by an image.
	skipExt   map[int]bool
	skipTrunk map[int]bool
}

// resolveImage decides the operand image: the spec's (or the stack's), else
// the target's default. On target cnpg, one of Tembo's images is replaced by
// the official image of the same Postgres major: Tembo's builds keep
// Postgres' own files under the data volume's mount point, so initdb cannot
// find them on stock CloudNativePG (running-on-stock-cnpg.md Q1).
func (b *build) resolveImage() {
	ref, at := b.db.Spec.Image, b.db.src.at("spec.image")
	if ref == "" {
		b.imageRef = sources.Default(b.target)
		b.img = sources.Inspect(b.imageRef, b.decl.images)
		return
	}
	img := sources.Inspect(ref, b.decl.images)
	if b.target == sources.CNPG && img.Tembo() && img.Declared == nil {
		repl, family, _ := sources.Replacement(img)
		if repl == "" {
			b.errs = append(b.errs, at.errorf(false, "%s is one of Tembo's images, which do not run on stock CloudNativePG, and coredb has no official %s image of Postgres %d to replace it; name an image (e.g. ghcr.io/cloudnative-pg/postgresql:17-standard-trixie), or use --target tembo",
				ref, family, img.Major))
		} else {
			b.errs = append(b.errs, at.errorf(true, "%s is one of Tembo's images, which do not start on stock CloudNativePG (their Postgres files sit under the data volume's mount point); using CloudNativePG's official %s (%s, Postgres %d) instead. Set spec.image to it to silence this, or render with --target tembo for clusters that run tembo-pod-init",
				ref, sources.Short(repl), family, img.Major))
			ref = repl
			img = sources.Inspect(ref, b.decl.images)
		}
	}
	b.imageRef, b.img = ref, img
}

// resolveSources finds a source for every item of the spec and the merged
// settings, and applies --drop-unavailable. It edits m: dropped libraries
// and their settings go.
func (b *build) resolveSources(m *merged) {
	res := &resolution{skipExt: map[int]bool{}, skipTrunk: map[int]bool{}, volumeFrom: map[string]Origin{}}
	b.res = res
	items := b.collectItems(m)
	env := sources.Env{
		Target:       b.target,
		Image:        b.img,
		ImageVolumes: !b.cnpg.Less(Version{1, 27, 0}),
		Declared:     b.decl.extensions,
	}
	for i, t := range b.db.Spec.TrunkInstalls {
		if t.Name != "" && !res.skipTrunk[i] {
			env.Trunk = append(env.Trunk, t.Name)
		}
	}
	trunkOK, _ := env.TrunkAvailable()
	for _, it := range items {
		it.src = env.Find(it.key, it.lib)
		res.items = append(res.items, it)
		switch it.src.Kind {
		case sources.Missing:
			if b.opts.DropUnavailable {
				b.drop(it, m)
			} else {
				b.missing(it)
			}
			continue
		case sources.FromTrunk:
			if i := slices.IndexFunc(it.refs, func(r itemRef) bool { return r.kind == refLibrary || r.kind == refManaged }); i >= 0 && !b.opts.AllowTrunkPreloads {
				r := it.refs[i]
				b.errs = append(b.errs, r.at.errorf(false,
					"library %s is preloaded, but only Trunk install %s provides it: Postgres cannot start without the file, and the Trunk Job needs a running Cluster. "+
						"Apply without it first (leave it out of shared_preload_libraries), let the Trunk Job run, then add it back and render with --allow-trunk-preloads",
					r.name, it.src.Trunk))
			}
		}
		for _, r := range it.refs {
			if r.kind != refTrunk || it.src.Kind == sources.FromTrunk && trunkOK {
				continue
			}
			// The extension comes from an image: no Trunk Job, no RBAC, no
			// registry for it.
			res.skipTrunk[r.index] = true
			b.errs = append(b.errs, r.at.errorf(true, "Trunk install %s %s is not needed: %s; no Trunk Job is rendered for it", r.name, r.version, describeSource(it, b.img)))
		}
		res.volumes = mergeVolumeList(res.volumes, it.src.Volumes)
		for _, v := range it.src.Volumes {
			if _, ok := res.volumeFrom[v.Name]; !ok {
				res.volumeFrom[v.Name] = it.refs[0].at
			}
		}
	}
}

// collectItems gathers everything that needs a source, one item per
// catalog entry (or unknown name), in the order the spec asks for them.
func (b *build) collectItems(m *merged) []*item {
	var items []*item
	byKey := map[string]*item{}
	add := func(name, lib string, r itemRef) {
		entry, known := extensions.Lookup(name)
		key := name
		if known {
			key = entry.Name
		}
		it, ok := byKey[key]
		if !ok {
			it = &item{key: key, known: known, entry: entry}
			byKey[key] = it
			items = append(items, it)
		}
		if lib != "" && it.lib == "" {
			it.lib = lib
		}
		it.refs = append(it.refs, r)
	}
	s := &b.db.Spec
	for i, e := range s.Extensions {
		if e.Name == "" || validExtensionName(e.Name) != nil {
			continue // reported by extensionPlan
		}
		if !slices.ContainsFunc(e.Locations, func(l ExtensionLocation) bool { return l.Enabled != nil && *l.Enabled }) {
			continue // only DROPs: nothing to install
		}
		add(e.Name, "", itemRef{kind: refExtension, index: i, name: e.Name, at: b.db.src.at(sprintf("spec.extensions[%d].name", i))})
	}
	for i, t := range s.TrunkInstalls {
		if t.Name == "" || validTrunkName(t.Name) != nil {
			continue // reported by trunkPackages
		}
		add(t.Name, "", itemRef{kind: refTrunk, index: i, name: t.Name, version: t.Version, at: b.db.src.at(sprintf("spec.trunk_installs[%d].name", i))})
	}
	for _, list := range preloadLists {
		for _, lib := range m.preload[list] {
			add(lib, lib, itemRef{kind: refLibrary, name: lib, list: list, at: m.libFrom[lib]})
		}
	}
	// CloudNativePG adds pg_stat_statements, auto_explain, pgaudit and
	// pg_failover_slots to shared_preload_libraries by itself when a
	// parameter of their namespace is set (cloudnativepg.md §2.5).
	for _, st := range m.sortedSettings() {
		ns, _, ok := strings.Cut(st.Name, ".")
		if !ok {
			continue
		}
		if e, found := extensions.Lookup(ns); found && e.CNPGManaged == ns && !slices.Contains(m.preload["shared_preload_libraries"], ns) {
			add(ns, ns, itemRef{kind: refManaged, name: st.Name, at: st.Origin})
		}
	}
	return items
}

// missing reports an item without a source: one error, at the first place
// that asked for it, naming the others.
func (b *build) missing(it *item) {
	first := it.refs[0]
	var also []string
	for _, r := range it.refs[1:] {
		also = append(also, r.describe()+" at "+r.at.where())
	}
	what := it.key
	if !it.known {
		what += " (not in coredb's catalog)"
	}
	need, entry, known := it.key, it.entry, it.known
	if len(it.src.Requires) > 0 {
		// The item has a source; what it requires has none.
		need = strings.Join(it.src.Requires, ", ")
		entry, known = extensions.Lookup(it.src.Requires[0])
	}
	msg := sprintf("%s has no source on target %s: %s. Give %s one: an image that ships it, declared in an ImageSet (docs/migrating-from-tembo.md)", what, b.target, it.src.Why, need)
	if b.target == sources.CNPG && known && len(entry.Trunk) > 0 && b.img.Major >= 14 && b.img.Major <= 17 {
		msg += ", or --target tembo with a Tembo image and a Trunk install"
	} else if b.target == sources.Tembo && known && len(entry.Trunk) > 0 {
		msg += sprintf(", or a trunk_installs entry for project %s with its version", entry.Trunk[0])
	}
	msg += "; or render with --drop-unavailable to leave it out"
	if len(also) > 0 {
		msg += sprintf(" (also asked for by %s)", strings.Join(also, "; "))
	}
	b.errs = append(b.errs, first.at.errorf(false, "%s", msg))
}

// drop leaves an item out of the output with everything tied to it: its
// enabled extension locations (a location with enabled: false still drops
// it), its Trunk installs, its preload libraries and the parameters of its
// namespaces, with one warning.
func (b *build) drop(it *item, m *merged) {
	it.dropped = true
	var removed []string
	for _, r := range it.refs {
		switch r.kind {
		case refExtension:
			b.res.skipExt[r.index] = true
		case refTrunk:
			b.res.skipTrunk[r.index] = true
		}
		removed = append(removed, r.describe()+" ("+r.at.where()+")")
	}
	namespaces := []string{it.key}
	if it.known {
		namespaces = it.entry.Namespaces()
	}
	libs := []string{it.key}
	if it.lib != "" {
		libs = append(libs, it.lib)
	}
	if it.known && it.entry.Preload != "" {
		libs = append(libs, it.entry.Preload)
	}
	for _, list := range preloadLists {
		m.preload[list] = slices.DeleteFunc(m.preload[list], func(l string) bool { return slices.Contains(libs, l) })
	}
	var settings []string // the few of the build's parameters in those namespaces
	for name := range m.params {
		if ns, _, ok := strings.Cut(name, "."); ok && slices.Contains(namespaces, ns) {
			settings = append(settings, name)
		}
	}
	slices.Sort(settings)
	for _, name := range settings {
		removed = append(removed, "setting "+name+" ("+m.params[name].Origin.where()+")")
		delete(m.params, name)
	}
	b.errs = append(b.errs, it.refs[0].at.errorf(true, "--drop-unavailable: left out %s, which has no source on target %s (%s); removed: %s",
		it.key, b.target, it.src.Why, strings.Join(removed, ", ")))
}

// describeSource says where an available item comes from, for messages.
func describeSource(it *item, img sources.Image) string {
	switch it.src.Kind {
	case sources.FromImage:
		return sprintf("image %s ships %s", img.Describe(), it.key)
	case sources.FromExtensionImage, sources.FromDeclaredExtension:
		var names []string
		for _, v := range it.src.Volumes {
			names = append(names, v.Name)
		}
		return sprintf("%s %s provides %s", it.src.Kind, strings.Join(names, ", "), it.key)
	case sources.FromTrunk:
		return "Trunk install " + it.src.Trunk
	}
	return "nothing provides " + it.key
}

func mergeVolumeList(a, b []sources.Volume) []sources.Volume {
	for _, v := range b {
		if !slices.ContainsFunc(a, func(w sources.Volume) bool { return w.Name == v.Name }) {
			a = append(a, v)
		}
	}
	slices.SortFunc(a, func(x, y sources.Volume) int { return strings.Compare(x.Name, y.Name) })
	return a
}
