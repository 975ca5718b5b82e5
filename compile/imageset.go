package compile

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/coredb-dev/coredb/compile/sources"
	"github.com/coredb-dev/coredb/extensions"
	"github.com/coredb-dev/coredb/internal/lazyre"
	"go.yaml.in/yaml/v3"
)

// ImageSet declares images coredb cannot know by itself: a Postgres image
// the user built and what it ships, or an image-volume extension and its
// paths. It is kept in Git next to the CoreDBs (a document of its own, in
// any input file) and applies to every CoreDB of the same render. With it,
// an extension no official image ships (pg_cron, pgml, pgmq, ...) gets a
// source, so coredb can prove the Cluster starts with it.
//
//	apiVersion: coredb.io/v1alpha1
//	kind: ImageSet
//	metadata: {name: platform-images}
//	spec:
//	  images:
//	    - image: registry.example.com/postgres-ml:16.4-1
//	      extensions: [pg_cron, pgmq]
//	      libraries: [pg_cron]
//	  extensionImages:
//	    - name: pg-cron
//	      image: registry.example.com/ext/pg-cron:1.6.4-18-trixie
//	      major: 18
//	      extensions: [pg_cron]
type ImageSet struct {
	APIVersion string       `yaml:"apiVersion"`
	Kind       string       `yaml:"kind"`
	Metadata   Metadata     `yaml:"metadata"`
	Spec       ImageSetSpec `yaml:"spec"`

	src source
}

// ImageSetSpec lists the declared images.
type ImageSetSpec struct {
	Images          []DeclaredImage     `yaml:"images"`
	ExtensionImages []DeclaredExtension `yaml:"extensionImages"`
}

// DeclaredImage is a Postgres operand image and what it ships.
type DeclaredImage struct {
	// Image is the reference a CoreDB's spec.image names, or the
	// repository alone (no tag) for every tag of it.
	Image string `yaml:"image"`
	// Contrib: the image has PostgreSQL's contrib modules (default true:
	// every PGDG and Docker Official build has them; Tembo's do not).
	Contrib *bool `yaml:"contrib"`
	// Extensions are the SQL extension names it ships besides contrib.
	Extensions []string `yaml:"extensions"`
	// Libraries are the preloadable libraries it ships besides contrib
	// and those of its extensions.
	Libraries []string `yaml:"libraries"`
	// Versions are the extension versions it ships, where you know them:
	// the Database objects then pin them, so a new build reaches ALTER
	// EXTENSION ... UPDATE TO without superuser access.
	Versions    map[string]string `yaml:"versions"`
	BarmanCloud *bool             `yaml:"barmanCloud"`
	Description string            `yaml:"description"`
}

// DeclaredExtension is an image-volume extension (spec.postgresql.extensions):
// CloudNativePG 1.27+, Postgres 18+.
type DeclaredExtension struct {
	Name                 string            `yaml:"name"`
	Image                string            `yaml:"image"`
	Major                int               `yaml:"major"`
	Extensions           []string          `yaml:"extensions"`
	Libraries            []string          `yaml:"libraries"`
	ExtensionControlPath []string          `yaml:"extension_control_path"`
	DynamicLibraryPath   []string          `yaml:"dynamic_library_path"`
	LDLibraryPath        []string          `yaml:"ld_library_path"`
	Versions             map[string]string `yaml:"versions"`
	Description          string            `yaml:"description"`
}

const kindImageSet = "ImageSet"

func decodeImageSet(filename string, root *yaml.Node) (*ImageSet, ErrorList) {
	d := newDecoder(filename)
	set := &ImageSet{}
	d.decode(root, reflectValue(set), "")
	set.src = source{file: filename, positions: d.origins()}
	if set.APIVersion != apiVersion {
		n := root
		if p, ok := d.positions["apiVersion"]; ok {
			n = p
		}
		d.errorf(n, "apiVersion", "got %q, want %q", set.APIVersion, apiVersion)
	}
	return set, d.errs
}

// declarations are the checked ImageSets of one render, in the form the
// resolver takes, with where each was written.
type declarations struct {
	images     []*sources.DeclaredImage
	extensions []*sources.DeclaredExtension
	at         []Origin // ID -> position of the declaration
}

// extensionImageName is CloudNativePG's pattern for spec.postgresql.extensions
// names; "_" is allowed from 1.29.0 (and the 1.28.2 backport) and the length
// is capped at 59 from 1.30 (cloudnativepg.md §1.3). coredb always applies
// the cap: the name must fit the volume name on every version.
var extensionImageName = lazyre.New(`^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$`)

// checkImageSets validates every ImageSet and turns them into declarations.
// A declaration that is wrong is reported at its line and left out.
func checkImageSets(sets []*ImageSet, cnpg Version) (declarations, ErrorList) {
	var (
		decl     declarations
		errs     ErrorList
		seenImg  = map[string]string{}
		seenName = map[string]string{}
	)
	for _, set := range sets {
		at := func(p string) Origin { return set.src.at(p) }
		bad := func(p, format string, args ...any) { errs = append(errs, at(p).errorf(false, format, args...)) }
		if set.Metadata.Name == "" {
			bad("metadata.name", "required: a name for this set of images")
		}
		if len(set.Spec.Images) == 0 && len(set.Spec.ExtensionImages) == 0 {
			bad("spec", "declares no images: add spec.images or spec.extensionImages")
		}
		for i, im := range set.Spec.Images {
			p := sprintf("spec.images[%d]", i)
			ok := true
			switch {
			case im.Image == "":
				bad(p+".image", "required: the image reference a CoreDB's spec.image names (or its repository, for every tag)")
				ok = false
			case strings.ContainsAny(im.Image, " \t\n"):
				bad(p+".image", "%q is not an image reference", im.Image)
				ok = false
			case strings.HasPrefix(im.Image, "quay.io/tembo/"):
				bad(p+".image", "%s is one of Tembo's images, which coredb already knows (they only run on --target tembo); declare your own build instead", im.Image)
				ok = false
			}
			if where, dup := seenImg[im.Image]; dup && im.Image != "" {
				bad(p+".image", "%s is declared twice (also at %s)", im.Image, where)
				ok = false
			}
			seenImg[im.Image] = at(p).where()
			ok = checkNames(&errs, set, p+".extensions", im.Extensions, validExtensionName) && ok
			ok = checkNames(&errs, set, p+".libraries", im.Libraries, validLibraryName) && ok
			ok = checkVersions(&errs, set, p+".versions", im.Versions, im.Extensions, im.Contrib == nil || *im.Contrib) && ok
			if !ok {
				continue
			}
			decl.images = append(decl.images, &sources.DeclaredImage{
				Image: im.Image, Contrib: im.Contrib == nil || *im.Contrib,
				Extensions: im.Extensions, Libraries: im.Libraries, Versions: im.Versions,
				BarmanCloud: im.BarmanCloud != nil && *im.BarmanCloud, ID: len(decl.at),
			})
			decl.at = append(decl.at, at(p+".image"))
		}
		for i, x := range set.Spec.ExtensionImages {
			p := sprintf("spec.extensionImages[%d]", i)
			ok := true
			switch {
			case x.Name == "":
				bad(p+".name", "required: the volume name (mounted at /extensions/<name>)")
				ok = false
			case len(x.Name) > 59 || !extensionImageName.MatchString(x.Name):
				bad(p+".name", "%q must be 1-59 lower-case letters, digits, '-' or '_', starting and ending with a letter or digit (CloudNativePG's rule)", x.Name)
				ok = false
			case strings.Contains(x.Name, "_") && cnpg.Less(Version{1, 29, 0}):
				bad(p+".name", "%q: CloudNativePG %s does not allow '_' in extension names (1.29 does); use '-'", x.Name, cnpg)
				ok = false
			}
			if x.Name != "" {
				// CloudNativePG's volume names replace '_' with '-': two
				// names that differ only there collide.
				key := strings.ReplaceAll(x.Name, "_", "-")
				if where, dup := seenName[key]; dup {
					bad(p+".name", "%q is declared twice (also at %s)", x.Name, where)
					ok = false
				}
				seenName[key] = at(p).where()
				if _, official := extensions.FindExtensionImage(func(o extensions.ExtensionImage) bool { return o.Name == key }); official {
					bad(p+".name", "%q is the name of an official extension image; choose another name", x.Name)
					ok = false
				}
			}
			if x.Image == "" || strings.ContainsAny(x.Image, " \t\n") {
				bad(p+".image", "required: the extension image reference (pin it by digest: reference@sha256:...)")
				ok = false
			}
			switch {
			case x.Major == 0:
				bad(p+".major", "required: the Postgres major the image was built for (%d or newer)", extensions.ExtensionImageMajor)
				ok = false
			case x.Major < extensions.ExtensionImageMajor:
				bad(p+".major", "%d: image-volume extensions need Postgres %d or newer (extension_control_path)", x.Major, extensions.ExtensionImageMajor)
				ok = false
			}
			if len(x.Extensions) == 0 && len(x.Libraries) == 0 {
				bad(p+".extensions", "required: the SQL extensions (or libraries) the image holds")
				ok = false
			}
			ok = checkNames(&errs, set, p+".extensions", x.Extensions, validExtensionName) && ok
			ok = checkNames(&errs, set, p+".libraries", x.Libraries, validLibraryName) && ok
			ok = checkVersions(&errs, set, p+".versions", x.Versions, x.Extensions, false) && ok
			for _, f := range []struct {
				key   string
				paths []string
			}{{"extension_control_path", x.ExtensionControlPath}, {"dynamic_library_path", x.DynamicLibraryPath}, {"ld_library_path", x.LDLibraryPath}} {
				for j, pth := range f.paths {
					if msg := checkVolumePath(pth, f.paths[:j]); msg != "" {
						bad(sprintf("%s.%s[%d]", p, f.key, j), "%s", msg)
						ok = false
					}
				}
			}
			if !ok {
				continue
			}
			decl.extensions = append(decl.extensions, &sources.DeclaredExtension{
				Name: x.Name, Image: x.Image, Major: x.Major, Extensions: x.Extensions, Libraries: x.Libraries,
				ExtensionControlPath: x.ExtensionControlPath, DynamicLibraryPath: x.DynamicLibraryPath,
				LDLibraryPath: x.LDLibraryPath, Versions: x.Versions, ID: len(decl.at),
			})
			decl.at = append(decl.at, at(p+".name"))
		}
	}
	return decl, errs
}

// checkVolumePath applies CloudNativePG's webhook rules to a path inside an
// extension image: relative, non-empty, unique, and inside the mount after
// resolution (cloudnativepg.md §1.3).
func checkVolumePath(p string, before []string) string {
	switch {
	case strings.TrimSpace(p) == "":
		return "must not be empty"
	case path.IsAbs(p) || !isLocal(p):
		return sprintf("%q must be a relative path inside the image (no leading / and no ..)", p)
	case slices.Contains(before, p):
		return sprintf("%q is listed twice", p)
	}
	return ""
}

// isLocal is filepath.IsLocal for slash paths, without the OS.
func isLocal(p string) bool {
	c := path.Clean(p)
	return c != ".." && !strings.HasPrefix(c, "../")
}

// checkNames validates a list of names at path.
func checkNames(errs *ErrorList, set *ImageSet, p string, names []string, valid func(string) error) bool {
	ok := true
	for i, n := range names {
		if err := valid(n); err != nil {
			*errs = append(*errs, set.src.at(sprintf("%s[%d]", p, i)).errorf(false, "%v", err))
			ok = false
		} else if slices.Contains(names[:i], n) {
			*errs = append(*errs, set.src.at(sprintf("%s[%d]", p, i)).errorf(false, "%q is listed twice", n))
			ok = false
		}
	}
	return ok
}

// validLibraryName checks a shared_preload_libraries entry: a file name
// without path or list separators.
func validLibraryName(s string) error {
	if err := identRule("library", s); err != nil {
		return err
	}
	if strings.ContainsAny(s, `/\,"' `) {
		return fmt.Errorf("invalid library name %q: a file name without path, comma, quote or space", s)
	}
	return nil
}

// checkVersions: each key is one of the declared extensions (or a contrib
// module, when the image has contrib), each value a version.
func checkVersions(errs *ErrorList, set *ImageSet, p string, versions map[string]string, exts []string, contrib bool) bool {
	ok := true
	for _, k := range slices.Sorted(maps.Keys(versions)) {
		e, known := extensions.Lookup(k)
		switch {
		case !slices.Contains(exts, k) && !(contrib && known && e.Contrib && e.Name == k):
			*errs = append(*errs, set.src.at(p+"["+k+"]").errorf(false, "%q is not among the declared extensions (or contrib)", k))
			ok = false
		case validVersion(versions[k]) != nil:
			*errs = append(*errs, set.src.at(p+"["+k+"]").errorf(false, "%v", validVersion(versions[k])))
			ok = false
		}
	}
	return ok
}
