package extensions

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The image catalog (images.yaml): which Postgres images a Cluster can run,
// what each ships, and the official image-volume extension images. Like the
// extension catalog it is data with a source for every fact; compile/sources
// holds the logic that resolves a spec against it.

// imagesJSON is images.yaml as encoding/json writes it: generated and held
// to the YAML as catalogJSON is (every render reads this catalog).
//
//go:embed images.json
var imagesJSON []byte

// Targets a family runs on.
const (
	TargetCNPG  = "cnpg"  // stock CloudNativePG
	TargetTembo = "tembo" // CloudNativePG plus Tembo's tembo-pod-init webhook
)

// Family is a set of operand images with the same contents: one flavour of
// one or more repositories.
type Family struct {
	Name string `yaml:"name" json:",omitempty"`
	// Repositories are registry/path/name without tag; one ending in "/"
	// matches every repository below it.
	Repositories []string `yaml:"repositories" json:",omitempty"`
	// Flavour is the type token of the tag (minimal, standard, system);
	// empty matches any tag.
	Flavour     string            `yaml:"flavour" json:",omitempty"`
	Target      string            `yaml:"target" json:",omitempty"`
	Contrib     bool              `yaml:"contrib" json:",omitempty"`     // ships PostgreSQL's contrib modules
	Ships       []string          `yaml:"ships" json:",omitempty"`       // further catalog entries it ships
	BarmanCloud bool              `yaml:"barmanCloud" json:",omitempty"` // has barman-cloud for in-tree backups
	Trunk       bool              `yaml:"trunk" json:",omitempty"`       // has the trunk CLI
	Replacement string            `yaml:"replacement" json:",omitempty"` // official family replacing it on target cnpg
	Defaults    map[string]string `yaml:"defaults" json:",omitempty"`    // Postgres major -> pinned image
	Source      string            `yaml:"source" json:",omitempty"`
}

// ShipsEntry reports whether the family's images ship catalog entry e.
func (f Family) ShipsEntry(e Entry) bool {
	return (f.Contrib && e.Contrib) || slices.Contains(f.Ships, e.Name)
}

// Default is the family's pinned image for a Postgres major, "" if none.
func (f Family) Default(major int) string { return f.Defaults[strconv.Itoa(major)] }

// ExtensionImage is an official image-volume extension: one name, one
// pinned image per Debian release, all for Postgres 18.
type ExtensionImage struct {
	Name          string            `yaml:"name" json:",omitempty"`     // volume name: mounted at /extensions/<name>
	Ships         []string          `yaml:"ships" json:",omitempty"`    // catalog entries it holds
	Requires      []string          `yaml:"requires" json:",omitempty"` // other extension images it needs (by Name)
	Version       string            `yaml:"version" json:",omitempty"`  // the extension version it holds
	LDLibraryPath []string          `yaml:"ld_library_path" json:",omitempty"`
	Env           map[string]string `yaml:"env" json:",omitempty"`    // needs CloudNativePG >= 1.29
	Images        map[string]string `yaml:"images" json:",omitempty"` // Debian release -> pinned image
	Source        string            `yaml:"source" json:",omitempty"`
}

// ExtensionImageMajor is the Postgres major every official extension image
// is built for (postgres-extensions-containers: PG 18 only).
const ExtensionImageMajor = 18

type imageCatalog struct {
	Families        []Family         `yaml:"families" json:",omitempty"`
	ExtensionImages []ExtensionImage `yaml:"extensionImages" json:",omitempty"`
}

var loadImages = sync.OnceValues(func() (*imageCatalog, error) {
	var doc derivedImages
	if err := json.Unmarshal(imagesJSON, &doc); err != nil {
		return nil, fmt.Errorf("image catalog (images.json): %w", err)
	}
	return checkImageCatalog(doc.imageCatalog)
})

// derivedImages is the form of images.json.
type derivedImages struct {
	Comment string `json:"_comment"`
	imageCatalog
}

// Families returns every operand image family in catalog order. The result
// is a copy.
func Families() []Family {
	c, err := loadImages()
	if err != nil {
		return nil
	}
	out := make([]Family, len(c.Families))
	for i, f := range c.Families {
		out[i] = cloneFamily(f)
	}
	return out
}

// FamilyNamed finds a family by name. The result is a copy.
func FamilyNamed(name string) (Family, bool) {
	return FindFamily(func(f Family) bool { return f.Name == name })
}

// FindFamily returns (a copy of) the first family in catalog order that
// match accepts. match sees the catalog's own family and must not change
// it; unlike ranging over Families, only the family found is copied, which
// matters when every image of every CoreDB is identified.
func FindFamily(match func(Family) bool) (Family, bool) {
	c, err := loadImages()
	if err != nil {
		return Family{}, false
	}
	for _, f := range c.Families {
		if match(f) {
			return cloneFamily(f), true
		}
	}
	return Family{}, false
}

// ExtensionImages returns the official image-volume extensions, sorted by
// name. The result is a copy.
func ExtensionImages() []ExtensionImage {
	c, err := loadImages()
	if err != nil {
		return nil
	}
	out := make([]ExtensionImage, len(c.ExtensionImages))
	for i, x := range c.ExtensionImages {
		out[i] = cloneExtensionImage(x)
	}
	return out
}

// FindExtensionImage returns (a copy of) the first official extension
// image, by name, that match accepts. match sees the catalog's own entry and
// must not change it. Like FindFamily, only the image found is copied:
// every extension of every CoreDB in a fleet is looked up here.
func FindExtensionImage(match func(ExtensionImage) bool) (ExtensionImage, bool) {
	c, err := loadImages()
	if err != nil {
		return ExtensionImage{}, false
	}
	for _, x := range c.ExtensionImages {
		if match(x) {
			return cloneExtensionImage(x), true
		}
	}
	return ExtensionImage{}, false
}

func cloneExtensionImage(x ExtensionImage) ExtensionImage {
	x.Ships = slices.Clone(x.Ships)
	x.Requires = slices.Clone(x.Requires)
	x.LDLibraryPath = slices.Clone(x.LDLibraryPath)
	x.Env = maps.Clone(x.Env)
	x.Images = maps.Clone(x.Images)
	return x
}

// CheckImages reports every problem of the embedded image catalog, or nil,
// including names it ships that the extension catalog does not have. That
// last check is made here and not on every load: it would make identifying
// an image (every render does) read the extension catalog too, which a
// render without extensions does not otherwise need. The tests call it.
func CheckImages() error {
	c, err := loadImages()
	if err != nil {
		return err
	}
	return checkShips(c)
}

// checkShips reports the names the image catalog ships that the extension
// catalog does not have.
func checkShips(c *imageCatalog) error {
	var errs []error
	known := func(name, what string) {
		if _, ok := Lookup(name); !ok {
			errs = append(errs, fmt.Errorf("image catalog: %q: ships %q, which is not in the extension catalog", what, name))
		}
	}
	for _, f := range c.Families {
		for _, s := range f.Ships {
			known(s, f.Name)
		}
	}
	for _, x := range c.ExtensionImages {
		for _, s := range x.Ships {
			known(s, x.Name)
		}
	}
	return errors.Join(errs...)
}

func cloneFamily(f Family) Family {
	f.Repositories = slices.Clone(f.Repositories)
	f.Ships = slices.Clone(f.Ships)
	f.Defaults = maps.Clone(f.Defaults)
	return f
}

// checkImageCatalog reports every problem of an image catalog.
func checkImageCatalog(c imageCatalog) (*imageCatalog, error) {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("image catalog: %q: %s", name, fmt.Sprintf(format, args...)))
	}
	names := map[string]Family{}
	for _, f := range c.Families {
		if _, dup := names[f.Name]; dup || f.Name == "" {
			bad(f.Name, "family names must be unique and non-empty")
		}
		names[f.Name] = f
		if len(f.Repositories) == 0 {
			bad(f.Name, "no repositories")
		}
		if f.Target != TargetCNPG && f.Target != TargetTembo {
			bad(f.Name, "target must be %s or %s", TargetCNPG, TargetTembo)
		}
		if f.Source == "" {
			bad(f.Name, "no source")
		}
		for major, ref := range f.Defaults {
			m, err := strconv.Atoi(major)
			if err != nil || m < 13 {
				bad(f.Name, "defaults key %q is not a Postgres major", major)
			}
			if !slices.ContainsFunc(f.Repositories, func(r string) bool { return strings.HasPrefix(ref, r+":") }) {
				bad(f.Name, "default %s is not in the family's repositories", ref)
			}
			name, _, _ := strings.Cut(ref, "@")
			tag := name[strings.LastIndex(name, ":")+1:]
			if !strings.HasPrefix(tag, major+".") && !strings.HasPrefix(tag, major+"-") {
				bad(f.Name, "default %s under key %q does not have that major in its tag", ref, major)
			}
		}
	}
	for _, f := range c.Families {
		if f.Target == TargetTembo && f.Replacement == "" {
			bad(f.Name, "a tembo family needs a replacement")
		}
		if f.Replacement != "" {
			r, ok := names[f.Replacement]
			if !ok || r.Target != TargetCNPG || len(r.Defaults) == 0 {
				bad(f.Name, "replacement %q must be a cnpg family with defaults", f.Replacement)
			}
		}
	}
	xnames := map[string]bool{}
	for _, x := range c.ExtensionImages {
		if xnames[x.Name] || x.Name == "" {
			bad(x.Name, "extension image names must be unique and non-empty")
		}
		xnames[x.Name] = true
		if len(x.Ships) == 0 || len(x.Images) == 0 || x.Source == "" {
			bad(x.Name, "ships, images and source are required")
		}
		for distro, ref := range x.Images {
			if !strings.Contains(ref, "-"+strconv.Itoa(ExtensionImageMajor)+"-"+distro+"@sha256:") {
				bad(x.Name, "image %s is not pinned by digest for Postgres %d on %s", ref, ExtensionImageMajor, distro)
			}
		}
	}
	for _, x := range c.ExtensionImages {
		for _, r := range x.Requires {
			if !xnames[r] {
				bad(x.Name, "requires %q, which is not an extension image", r)
			}
		}
	}
	slices.SortFunc(c.ExtensionImages, func(a, b ExtensionImage) int { return strings.Compare(a.Name, b.Name) })
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &c, nil
}
