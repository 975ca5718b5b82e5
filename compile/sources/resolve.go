package sources

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/coredb-dev/coredb/extensions"
)

// Kind says where an item comes from.
type Kind int

const (
	// Missing: nothing provides it; rendering it would not run.
	Missing Kind = iota
	// FromImage: the operand image ships it.
	FromImage
	// FromExtensionImage: an official image-volume extension ships it.
	FromExtensionImage
	// FromDeclaredExtension: an image-volume extension the user declared.
	FromDeclaredExtension
	// FromTrunk: a Trunk install Job puts it into the pods (target tembo).
	FromTrunk
)

func (k Kind) String() string {
	switch k {
	case FromImage:
		return "image"
	case FromExtensionImage:
		return "extension image"
	case FromDeclaredExtension:
		return "declared extension image"
	case FromTrunk:
		return "Trunk"
	}
	return "missing"
}

// Volume is an image-volume extension to mount (spec.postgresql.extensions).
type Volume struct {
	Name                 string
	Image                string
	ExtensionControlPath []string
	DynamicLibraryPath   []string
	LDLibraryPath        []string
	Env                  map[string]string
	// Declared is the ID of the user's declaration, -1 for an official image.
	Declared int
}

// Source is where one item comes from.
type Source struct {
	Kind Kind
	// Volumes are the image-volume extensions the item needs: its own and
	// those of the extensions it requires.
	Volumes []Volume
	// Trunk is the Trunk project that installs it (FromTrunk).
	Trunk string
	// Version is the extension version the source is known to ship, ""
	// when unknown (official extension images, declared versions).
	Version string
	// Why says, for Missing, why no source applies.
	Why string
	// Requires are, for Missing, the required extensions that have no
	// source when the item itself has one.
	Requires []string
}

// Env is what a Cluster can draw on.
type Env struct {
	Target Target
	Image  Image
	// ImageVolumes: the CloudNativePG version supports
	// spec.postgresql.extensions (1.27 and later, cloudnativepg.md §1.3).
	ImageVolumes bool
	Declared     []*DeclaredExtension
	// Trunk are the projects of spec.trunk_installs.
	Trunk []string
}

// TrunkAvailable reports whether Trunk can install into this Cluster, and
// why not.
func (e Env) TrunkAvailable() (bool, string) {
	switch {
	case e.Target != Tembo:
		return false, "Trunk is not available on target cnpg"
	case !e.Image.Tembo() || !e.Image.Family.Trunk:
		return false, sprintf("Trunk needs one of Tembo's images, not %s", Short(e.Image.Ref))
	case e.Image.Major < trunkMinMajor || e.Image.Major > trunkMaxMajor:
		return false, sprintf("Trunk has packages for Postgres %d to %d only, not %d", trunkMinMajor, trunkMaxMajor, e.Image.Major)
	}
	return true, ""
}

// Find decides the source of one item: key is a catalog entry name (or a
// name the catalog does not know), lib the library when the item is a
// preload library. Sources are tried in order: the operand image, an
// official extension image, a declared extension image, Trunk. An item is
// only available when everything it requires (CREATE ... CASCADE creates
// them) is available too.
func (e Env) Find(key, lib string) Source {
	return e.find(key, lib, 0)
}

func (e Env) find(key, lib string, depth int) Source {
	entry, known := extensions.Lookup(key)
	if known {
		key = entry.Name
	}
	src := e.own(key, lib, entry, known)
	if src.Kind == Missing || !known || depth > 8 {
		return src
	}
	var missing []string
	for _, r := range entry.Requires {
		rs := e.find(r, "", depth+1)
		if rs.Kind == Missing {
			missing = append(missing, r)
			continue
		}
		src.Volumes = mergeVolumes(src.Volumes, rs.Volumes)
	}
	if len(missing) > 0 {
		return Source{Why: sprintf("it requires %s, which %s no source", strings.Join(missing, ", "), plural(len(missing), "has", "have")), Requires: missing}
	}
	return src
}

// own is the source of the item itself, ignoring what it requires.
func (e Env) own(key, lib string, entry extensions.Entry, known bool) Source {
	var why []string
	img := e.Image
	switch {
	case known && entry.Core:
		return Source{Kind: FromImage}
	case img.Declared != nil:
		if img.Declared.ships(key, lib, entry, known) {
			return Source{Kind: FromImage, Version: img.Declared.Versions[key]}
		}
		why = append(why, sprintf("image %s is declared without it", Short(img.Ref)))
	case img.Family != nil:
		if known && img.Family.ShipsEntry(entry) {
			return Source{Kind: FromImage}
		}
		why = append(why, sprintf("image %s (%s) does not ship it", Short(img.Ref), img.Family.Name))
	default:
		why = append(why, sprintf("coredb does not know what image %s ships (declare it in an ImageSet)", Short(img.Ref)))
	}

	if v, version, reason := e.officialVolume(key, entry, known); v != nil {
		return Source{Kind: FromExtensionImage, Volumes: v, Version: version}
	} else if reason != "" {
		why = append(why, reason)
	}
	if v, version, reason := e.declaredVolume(key, lib, entry, known); v != nil {
		return Source{Kind: FromDeclaredExtension, Volumes: []Volume{*v}, Version: version}
	} else if reason != "" {
		why = append(why, reason)
	}

	ok, reason := e.TrunkAvailable()
	if !ok {
		why = append(why, reason)
		return Source{Why: strings.Join(why, "; ")}
	}
	projects := []string{key}
	if known {
		projects = entry.Trunk
	}
	if lib != "" && !slices.Contains(projects, lib) {
		projects = append(projects, lib)
	}
	for _, p := range e.Trunk {
		if slices.Contains(projects, p) {
			return Source{Kind: FromTrunk, Trunk: p}
		}
	}
	if known && len(entry.Trunk) > 0 {
		why = append(why, sprintf("no trunk_installs entry installs it (Trunk project %s)", entry.Trunk[0]))
	} else {
		why = append(why, "no trunk_installs entry installs it")
	}
	return Source{Why: strings.Join(why, "; ")}
}

// volumesUsable says whether image-volume extensions can be mounted, and
// why not.
func (e Env) volumesUsable() (bool, string) {
	switch {
	case !e.ImageVolumes:
		return false, "image-volume extensions need CloudNativePG 1.27 or newer (--cnpg-version)"
	case e.Image.Major < extensions.ExtensionImageMajor:
		return false, sprintf("image-volume extensions need Postgres %d or newer, and this Cluster runs %d", extensions.ExtensionImageMajor, e.Image.Major)
	}
	return true, ""
}

// officialVolume finds the official extension image that ships the item,
// with the ones it requires.
func (e Env) officialVolume(key string, entry extensions.Entry, known bool) ([]Volume, string, string) {
	if !known {
		return nil, "", ""
	}
	found, ok := extensions.FindExtensionImage(func(x extensions.ExtensionImage) bool { return slices.Contains(x.Ships, entry.Name) })
	if !ok {
		return nil, "", "no official extension image ships it"
	}
	if ok, why := e.volumesUsable(); !ok {
		return nil, "", sprintf("official extension image %s ships it, but %s", found.Name, why)
	}
	// Official extension images are built on the official Debian images;
	// the image must be one of those, of the same Debian release.
	if e.Image.Family == nil || e.Image.Family.Target != extensions.TargetCNPG || found.Images[e.Image.Distro] == "" {
		return nil, "", sprintf("official extension image %s ships it, but only for CloudNativePG's own operand images on %s (image %s)",
			found.Name, strings.Join(slices.Sorted(maps.Keys(found.Images)), " or "), Short(e.Image.Ref))
	}
	var out []Volume
	var add func(x extensions.ExtensionImage)
	add = func(x extensions.ExtensionImage) {
		if slices.ContainsFunc(out, func(v Volume) bool { return v.Name == x.Name }) {
			return
		}
		out = append(out, Volume{Name: x.Name, Image: x.Images[e.Image.Distro], LDLibraryPath: x.LDLibraryPath, Env: x.Env, Declared: -1})
		for _, r := range x.Requires {
			if y, ok := extensions.FindExtensionImage(func(y extensions.ExtensionImage) bool { return y.Name == r }); ok {
				add(y)
			}
		}
	}
	add(found)
	return sortVolumes(out), found.Version, ""
}

// declaredVolume finds a declared extension image that ships the item.
func (e Env) declaredVolume(key, lib string, entry extensions.Entry, known bool) (*Volume, string, string) {
	var match *DeclaredExtension
	for _, d := range e.Declared {
		ships := slices.Contains(d.Extensions, key) || (lib != "" && slices.Contains(d.Libraries, lib))
		if known {
			ships = ships || slices.ContainsFunc(entry.SQL, func(s string) bool { return slices.Contains(d.Extensions, s) })
		}
		if ships {
			match = d
			break
		}
	}
	if match == nil {
		return nil, "", ""
	}
	if ok, why := e.volumesUsable(); !ok {
		return nil, "", sprintf("declared extension image %s ships it, but %s", match.Name, why)
	}
	if match.Major != e.Image.Major {
		return nil, "", sprintf("declared extension image %s ships it, but for Postgres %d, and this Cluster runs %d", match.Name, match.Major, e.Image.Major)
	}
	return &Volume{Name: match.Name, Image: match.Image, ExtensionControlPath: match.ExtensionControlPath,
		DynamicLibraryPath: match.DynamicLibraryPath, LDLibraryPath: match.LDLibraryPath, Declared: match.ID}, match.Versions[key], ""
}

func mergeVolumes(a, b []Volume) []Volume {
	for _, v := range b {
		if !slices.ContainsFunc(a, func(w Volume) bool { return w.Name == v.Name }) {
			a = append(a, v)
		}
	}
	return sortVolumes(a)
}

func sortVolumes(v []Volume) []Volume {
	slices.SortFunc(v, func(a, b Volume) int { return strings.Compare(a.Name, b.Name) })
	return v
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
