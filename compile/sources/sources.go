// Package sources decides where every extension, Trunk install and preload
// library of a Cluster comes from: the operand image, an image-volume
// extension, an image the user declared, or a Trunk install. Postgres stops
// at start on a preload library it cannot find, and CREATE EXTENSION fails
// on one it does not have, so an item without a source must never reach the
// output (running-on-stock-cnpg.md TL;DR 3, cloudnativepg.md §7.2).
//
// The facts live in extensions/images.yaml and extensions/catalog.yaml; this
// package only applies them. It does no I/O and keeps no state.
package sources

import (
	"slices"
	"strconv"
	"strings"

	"github.com/coredb-dev/coredb/extensions"
)

// Target is the kind of cluster the output runs on.
type Target string

const (
	// CNPG is stock CloudNativePG with no Tembo component (the default).
	CNPG Target = extensions.TargetCNPG
	// Tembo is CloudNativePG plus Tembo's tembo-pod-init webhook, which
	// makes Tembo's *-cnpg images and Trunk installs work.
	Tembo Target = extensions.TargetTembo
)

// ParseTarget checks a --target value.
func ParseTarget(s string) (Target, bool) {
	switch Target(s) {
	case "", CNPG:
		return CNPG, true
	case Tembo:
		return Tembo, true
	}
	return "", false
}

// Trunk supports Postgres 14 to 17 only (running-on-stock-cnpg.md Q6;
// Trunk's registry never published builds for other majors).
const (
	trunkMinMajor = 14
	trunkMaxMajor = 17
)

// Image is what is known about an operand image reference.
type Image struct {
	Ref    string
	Major  int    // from the tag; 0 when the tag has no version
	Flavor string // minimal, standard, system; "" when the tag names none
	Distro string // bookworm, trixie, bullseye; "" when the tag names none
	// Family is the catalog family of the image, nil when coredb does not
	// know it.
	Family *extensions.Family
	// Declared is the user's declaration of the image, nil when none. It
	// wins over Family: the user says what their build ships.
	Declared *DeclaredImage
}

// Known reports whether coredb knows what the image ships.
func (i Image) Known() bool { return i.Family != nil || i.Declared != nil }

// Describe names the image and where its contents are known from.
func (i Image) Describe() string {
	switch {
	case i.Declared != nil:
		return Short(i.Ref) + " (declared)"
	case i.Family != nil:
		return Short(i.Ref) + " (" + i.Family.Name + ")"
	}
	return Short(i.Ref)
}

// Short is an image reference without its digest, for messages: the tag
// says which image it is; the digest only pins it.
func Short(ref string) string {
	name, _, _ := strings.Cut(ref, "@")
	return name
}

// BarmanCloud reports whether the image has barman-cloud (the
// barman-cloud-wal-archive, -wal-restore, -backup and -restore commands),
// which CloudNativePG's in-tree Barman Cloud support runs inside the Postgres
// container (images.yaml barmanCloud). known is false when coredb knows
// nothing about the image. A declaration wins over the catalog.
func (i Image) BarmanCloud() (has, known bool) {
	switch {
	case i.Declared != nil:
		return i.Declared.BarmanCloud, true
	case i.Family != nil:
		return i.Family.BarmanCloud, true
	}
	return false, false
}

// Tembo reports whether the image is one of Tembo's: it needs tembo-pod-init.
func (i Image) Tembo() bool { return i.Family != nil && i.Family.Target == extensions.TargetTembo }

// DeclaredImage is an operand image the user declared, with what it ships.
type DeclaredImage struct {
	// Image is a full reference, or a repository without tag meaning every
	// tag of it.
	Image       string
	Contrib     bool
	Extensions  []string          // SQL extension names
	Libraries   []string          // preloadable libraries
	Versions    map[string]string // extension -> the version it ships, where declared
	BarmanCloud bool
	// ID lets the caller find its declaration again (for messages).
	ID int
}

func (d *DeclaredImage) matches(ref string) bool {
	if d.Image == ref {
		return true
	}
	repo, _ := splitRef(ref)
	return d.Image == repo
}

// ships reports whether the declared image ships entry key (a catalog
// name, or an unknown name) or library lib.
func (d *DeclaredImage) ships(key, lib string, e extensions.Entry, known bool) bool {
	if known && d.Contrib && e.Contrib {
		return true
	}
	if slices.Contains(d.Extensions, key) || (lib != "" && slices.Contains(d.Libraries, lib)) {
		return true
	}
	if known {
		for _, s := range e.SQL {
			if slices.Contains(d.Extensions, s) {
				return true
			}
		}
	}
	return false
}

// DeclaredExtension is an image-volume extension the user declared.
type DeclaredExtension struct {
	Name                 string // volume name, mounted at /extensions/<name>
	Image                string
	Major                int // the Postgres major it was built for
	Extensions           []string
	Libraries            []string
	ExtensionControlPath []string
	DynamicLibraryPath   []string
	LDLibraryPath        []string
	Versions             map[string]string // extension -> the version it ships, where declared
	ID                   int
}

// Inspect reads an image reference: its tag and what the catalog or the
// user's declarations say it ships.
func Inspect(ref string, declared []*DeclaredImage) Image {
	img := Image{Ref: ref}
	repo, tag := splitRef(ref)
	img.Major = majorOfTag(tag)
	for _, tok := range strings.Split(tag, "-") {
		switch tok {
		case "minimal", "standard", "system":
			img.Flavor = tok
		case "bookworm", "trixie", "bullseye":
			img.Distro = tok
		}
	}
	if repo == "ghcr.io/cloudnative-pg/postgresql" && img.Flavor == "" && isVersion(tag) {
		// The legacy tags MM and MM.mm are the system flavour on bullseye
		// (postgres-containers README).
		img.Flavor, img.Distro = "system", "bullseye"
	}
	for _, d := range declared {
		if d.matches(ref) {
			img.Declared = d
			break
		}
	}
	if f, ok := extensions.FindFamily(func(f extensions.Family) bool { return familyMatches(f, repo, img.Flavor) }); ok {
		img.Family = &f
	}
	return img
}

func familyMatches(f extensions.Family, repo, flavor string) bool {
	for _, r := range f.Repositories {
		if r == repo || (strings.HasSuffix(r, "/") && strings.HasPrefix(repo, r)) {
			return f.Flavour == "" || f.Flavour == flavor
		}
	}
	return false
}

// Replacement is the official image that replaces a Tembo image on target
// cnpg: the replacement family's pinned image of the same Postgres major.
// ok is false when img is not a Tembo image; ref is "" when the replacement
// family has no image of that major.
func Replacement(img Image) (ref string, family string, ok bool) {
	if !img.Tembo() {
		return "", "", false
	}
	f, found := extensions.FamilyNamed(img.Family.Replacement)
	if !found {
		return "", img.Family.Replacement, true
	}
	return f.Default(img.Major), f.Name, true
}

// Default is the image of a Cluster whose spec and stack name none:
// Tembo's default on target tembo, else the official standard image of
// Tembo's default major, so a migrated database keeps its major.
func Default(t Target) string {
	tembo, _ := extensions.FamilyNamed("tembo-standard")
	if t == Tembo {
		return tembo.Default(DefaultMajor)
	}
	std, _ := extensions.FamilyNamed("cnpg-standard")
	return std.Default(DefaultMajor)
}

// DefaultMajor is Tembo's default Postgres major (tembo-operator.md §1:
// quay.io/tembo/standard-cnpg:15-bffd097).
const DefaultMajor = 15

// splitRef splits registry/path/name[:tag][@digest] into the repository
// and the tag.
func splitRef(ref string) (repo, tag string) {
	name, _, _ := strings.Cut(ref, "@")
	slash := strings.LastIndex(name, "/")
	if colon := strings.LastIndex(name, ":"); colon > slash {
		return name[:colon], name[colon+1:]
	}
	return name, ""
}

// majorOfTag reads the leading Postgres version of a tag: 15 in
// "15.3.0-1-abc", 18 in "18-minimal-trixie"; 0 when there is none.
func majorOfTag(tag string) int {
	end := 0
	for end < len(tag) && tag[end] >= '0' && tag[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(tag[:end])
	if err != nil || end > 4 {
		return 0
	}
	return n
}

// isVersion reports whether tag is MM or MM.mm.
func isVersion(tag string) bool {
	if tag == "" {
		return false
	}
	for _, p := range strings.Split(tag, ".") {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}
