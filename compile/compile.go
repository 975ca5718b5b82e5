package compile

import (
	"cmp"
	"strings"

	"github.com/coredb-dev/coredb/compile/sources"
	"github.com/coredb-dev/coredb/internal/charset"
	"github.com/coredb-dev/coredb/internal/parallel"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Object is what every generated manifest satisfies.
type Object interface {
	metav1.Object
	runtime.Object
}

// Options are the choices a user makes on the command line. The zero value
// is valid and means the documented defaults.
type Options struct {
	// Namespace is set on every object of a CoreDB that names none.
	Namespace string
	// CNPGVersion is the CloudNativePG operator version the output must
	// satisfy, e.g. "1.28" or "1.29.3". Empty means DefaultCNPGVersion.
	CNPGVersion string
	// Strict turns every warning into an error.
	Strict bool

	// Target is the kind of cluster the output runs on: "cnpg" (stock
	// CloudNativePG, the default) or "tembo" (CloudNativePG with Tembo's
	// tembo-pod-init webhook, where Tembo's images and Trunk work).
	Target string
	// DropUnavailable leaves out every extension, Trunk install and
	// preload library without a source, with what is tied to it, instead
	// of failing.
	DropUnavailable bool
	// AllowTrunkPreloads lets a preload library that only a Trunk install
	// provides be rendered (target tembo): apply without it first.
	AllowTrunkPreloads bool
	// ImageSets declare images and what they ship, for every CoreDB.
	ImageSets []*ImageSet
	// SuperuserAccess is the default of spec.superuserAccess: superuser
	// access for CoreDBs that do not say.
	SuperuserAccess bool

	// TrunkJobImage runs the Trunk install Job; it needs a shell and
	// kubectl. Empty means DefaultTrunkJobImage.
	TrunkJobImage string
	// TrunkRegistry is the Trunk registry URL. Empty means Trunk's default.
	TrunkRegistry string
	// DropCascade lets `enabled: false` drop an extension together with the
	// objects that depend on it. Off by default: that deletes user data.
	DropCascade bool

	// BackupMethod is how backups are taken when spec.backup.method is not
	// set: "barmanObjectStore" (in-tree) or "plugin" (Barman Cloud plugin).
	// Empty chooses from the image and the CNPG version
	// (defaultBackupMethod).
	BackupMethod string

	// IngressClass, when set, makes app services with routing get a
	// networking.k8s.io/v1 Ingress of this class (never Traefik CRDs).
	IngressClass string
	// IngressHost is the host name of those Ingresses.
	IngressHost string
	// IngressClusterIssuer, when set, is the cert-manager ClusterIssuer
	// that issues the Ingresses' certificates.
	IngressClusterIssuer string

	// AllowClusterPrune leaves out the Argo CD Prune=false,Delete=false
	// annotation coredb puts on every Cluster by default, so that removing
	// the CoreDB from Git deletes the database (ephemeral environments).
	AllowClusterPrune bool

	// Workers is how many CoreDBs are built at once; 0 or 1 builds them one
	// after another. The output never depends on it: each build writes only
	// its own slot and the results are joined in input order. The command
	// line sets it to the CPUs Go may use; compile itself reads no
	// environment.
	Workers int
}

// DefaultCNPGVersion is the operator version rules are checked against when
// none is given: the 1.28 line, the oldest CNPG release still supported
// upstream when coredb started and the one the e2e referee runs.
const DefaultCNPGVersion = "1.28"

// Compile builds the manifests for every CoreDB. It returns all objects, the
// warnings, and an ErrorList with every error found; objects are only
// returned when there are no errors.
//
// Each CoreDB is compiled once: after its build Compile drops its spec and
// the source positions nothing reports at any more (a fleet's would
// otherwise stay in memory until the last CoreDB has compiled), and a build
// needs them all.
// Load it again to compile it again; a second Compile of the same CoreDB is
// an error, not a wrong result.
func Compile(dbs []*CoreDB, opts Options) ([]Object, ErrorList, error) {
	builds, warns, err := compileFleet(dbs, opts, keepObjects)
	if err != nil {
		return nil, warns, err
	}
	var objs []Object
	for _, b := range builds {
		objs = append(objs, b.objs...)
	}
	return objs, warns, nil
}

// built is what one CoreDB's build leaves: its objects (or, when the fleet
// is encoded as it builds, their documents), the identity of each, and what
// it reported. Not the build itself: its expanded stack is a deep copy.
type built struct {
	objs []Object
	docs []Document
	ids  []ident
	errs ErrorList
}

// ident is what the duplicate check and the stream order need of an object.
type ident struct{ kind, namespace, name string }

func identOf(o Object) ident {
	return ident{o.GetObjectKind().GroupVersionKind().Kind, o.GetNamespace(), o.GetName()}
}

// keep is what compileFleet keeps of each CoreDB's objects.
type keep int

const (
	keepObjects   keep = iota // the typed objects (Compile)
	keepDocuments             // their YAML documents (Render)
	keepNames                 // their identities only (Validate)
)

// compileFleet builds every CoreDB and checks the fleet. With keepDocuments,
// each CoreDB's objects are encoded as YAML documents by the worker that
// built them, as soon as they are built, and the typed objects are dropped:
// a document is a tenth of the memory of the Go object it came from, so a
// fleet's peak memory is its output, not its objects (issue 13). With
// keepNames nothing of the objects is kept but what the duplicate check
// needs.
func compileFleet(dbs []*CoreDB, opts Options, what keep) ([]built, ErrorList, error) {
	for _, db := range dbs {
		if db.src.trimmed {
			return nil, nil, ErrorList{{Msg: sprintf("compile: CoreDB %q (%s) was compiled before; Load it again to compile it again", db.Metadata.Name, db.src.file)}}
		}
	}
	// The target version is checked once here: every builder's rules
	// depend on it.
	cnpg, err := CheckCNPGVersion(cmp.Or(opts.CNPGVersion, DefaultCNPGVersion))
	if err != nil {
		return nil, nil, ErrorList{{Msg: err.Error()}}
	}
	target, ok := sources.ParseTarget(opts.Target)
	if !ok {
		return nil, nil, ErrorList{{Msg: sprintf("unknown target %q: want cnpg or tembo", opts.Target)}}
	}
	decl, errs := checkImageSets(opts.ImageSets, cnpg)
	// Builds share nothing they write: the catalogs and the stack cache are
	// read-only once loaded (sync.Once, sync.Map), so CoreDBs build in
	// parallel, each into its own slot, and are joined in input order below.
	builds := make([]built, len(dbs))
	encodeErrs := make([]error, len(dbs))
	parallel.Each(len(dbs), opts.Workers, func(i int) {
		db := dbs[i]
		b := newBuild(db, opts)
		b.cnpg, b.target, b.decl = cnpg, target, decl
		b.run()
		// From here on only checkDuplicates reports on this CoreDB, at its
		// metadata.name. Its other positions (a stacked spec holds its
		// stack's too, hundreds) would otherwise stay alive with every other
		// CoreDB's until the whole fleet has compiled.
		db.src.keep("", "metadata", "metadata.name")
		// Nor is the spec read again; a stacked one holds the whole merged
		// stack. Its objects and reports are all there is to keep.
		db.Spec = Spec{}
		out := built{objs: b.objs, errs: b.errs}
		for _, o := range b.objs {
			out.ids = append(out.ids, identOf(o))
		}
		switch what {
		case keepDocuments:
			if len(b.errs.Errors()) == 0 {
				out.docs, encodeErrs[i] = encodeDocuments(b.objs, out.ids)
			}
			out.objs = nil
		case keepNames:
			out.objs = nil
		}
		builds[i] = out
	})
	if err := firstError(encodeErrs); err != nil {
		return nil, nil, err // not about the input: a bug, reported as such
	}
	var (
		ids    []ident
		owners []*CoreDB // owners[i] produced ids[i]
	)
	for i, b := range builds {
		ids = append(ids, b.ids...)
		for range b.ids {
			owners = append(owners, dbs[i])
		}
		errs = append(errs, b.errs...)
	}
	errs = append(errs, checkDuplicates(ids, owners)...)
	if opts.Strict {
		for _, e := range errs {
			e.Warning = false
		}
	}
	if fatal := errs.Errors(); len(fatal) > 0 {
		return nil, errs.Warnings().Sorted(), fatal.Sorted()
	}
	return builds, errs.Warnings().Sorted(), nil
}

// firstError is the first error of a fleet's, in input order.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// build holds the state of compiling one CoreDB.
type build struct {
	db        *CoreDB
	stack     *StackDef // the expanded stack, nil without one
	opts      Options
	cnpg      Version // the parsed Options.CNPGVersion
	target    sources.Target
	decl      declarations // the render's ImageSets
	namespace string

	imageRef string        // the operand image (resolveImage)
	img      sources.Image // what is known about it
	res      *resolution   // where every item comes from (resolveSources)
	// preloaded is what Postgres will preload: shared_preload_libraries
	// and the libraries CloudNativePG adds for their parameters.
	preloaded []string
	// queriesOfStack is the stack file whose metrics queries are the
	// CoreDB's, unchanged (queriesYAML), or "".
	queriesOfStack string
	errs           ErrorList
	objs           []Object
}

func newBuild(db *CoreDB, opts Options) *build {
	ns := db.Metadata.Namespace
	if ns == "" {
		ns = opts.Namespace
	}
	return &build{db: db, opts: opts, namespace: ns}
}

// errorf reports an error at a field path of the user's file.
func (b *build) errorf(path, format string, args ...any) {
	b.errs = append(b.errs, b.db.src.at(path).errorf(false, format, args...))
}

// warnf reports a warning at a field path of the user's file.
func (b *build) warnf(path, format string, args ...any) {
	b.errs = append(b.errs, b.db.src.at(path).errorf(true, format, args...))
}

func (b *build) add(o Object) { b.objs = append(b.objs, o) }

// run is the pipeline for one CoreDB: check identity, merge settings,
// validate, build objects. Later stages run even after errors so the user
// sees every problem at once; objects are discarded by Compile then.
//
// Each area lives in its own file: stack.go expands the stack into the spec
// before anything reads it; the builders after cluster() read the expanded
// spec and may adjust the Cluster they depend on (backup, monitoring,
// superuser access) before it is encoded.
func (b *build) run() {
	b.checkMetadata()
	b.expandStack()
	b.checkSpec()
	b.resolveImage()
	res := b.resources()
	settings := b.settings(res)
	b.resolveSources(&settings)
	b.markManagedLibraries(settings)
	b.preloaded = effectivePreload(settings)
	b.checkSettings(settings, res)
	c := b.cluster(settings, res)
	b.add(c)
	b.extensionObjects(c)
	b.backupObjects(c)
	b.poolerObjects(c)
	b.metricsObjects(c)
	b.appServiceObjects(c)
	b.networkObjects(c)
}

// maxClusterName leaves room for the suffixes CNPG appends (cloudnativepg.md §3.4).
const maxClusterName = 50

func (b *build) checkMetadata() {
	name := b.db.Metadata.Name
	switch {
	case name == "":
		b.errorf("metadata.name", "required: the Cluster and every object are named after it")
	case len(name) > maxClusterName:
		b.errorf("metadata.name", "%q is %d characters; CloudNativePG allows at most %d for a Cluster name", name, len(name), maxClusterName)
	case !charset.DNS1035Label(name): // CNPG derives Service names from it (cloudnativepg.md §1.1)
		b.errorf("metadata.name", "%q must be a DNS-1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit", name)
	}
	if ns := b.namespace; ns != "" && (len(ns) > 63 || !charset.DNSLabel(ns)) {
		b.errorf("metadata.namespace", "%q is not a valid namespace name (a DNS-1123 label of at most 63 characters)", ns)
	}
}

// checkSpec validates the fields every object depends on.
func (b *build) checkSpec() {
	s := &b.db.Spec
	if s.Replicas != nil && *s.Replicas < 1 {
		b.errorf("spec.replicas", "must be at least 1, got %d (to stop the database keep replicas and set stop: true)", *s.Replicas)
	}
	if s.Storage != nil && s.Storage.Sign() <= 0 {
		b.errorf("spec.storage", "must be a positive size, got %q", s.Storage.String())
	}
	if img := s.Image; img != "" {
		if msg := checkImage(img); msg != "" {
			b.errorf("spec.image", "%s", msg)
		}
	}
	for i, c := range s.RuntimeConfig {
		b.checkPgConfig(sprintf("spec.runtime_config[%d]", i), c)
	}
	for i, c := range s.OverrideConfigs {
		b.checkPgConfig(sprintf("spec.override_configs[%d]", i), c)
	}
	if s.Stack != nil {
		for i, c := range s.Stack.PostgresConfig {
			b.checkPgConfig(sprintf("spec.stack.postgres_config[%d]", i), c)
		}
	}
}

func (b *build) checkPgConfig(path string, c PgConfig) {
	if c.Name == "" {
		b.errorf(path+".name", "required")
	}
	if !b.db.src.has(path + ".value") {
		b.errorf(path+".value", "required (write \"\" for an empty value)")
	}
	// CloudNativePG writes each setting as one line of postgresql.conf, whose
	// quoted values cannot hold a line break or NUL: such a value would end
	// the line and turn the rest into another setting, or stop Postgres.
	if strings.ContainsAny(c.Value, "\n\r\x00") {
		b.errorf(path+".value", "must not contain a line break or NUL (postgresql.conf holds one setting per line), got %q", c.Value)
	}
}

// checkImage applies CNPG's image tag rules (cloudnativepg.md §1.1, rule 6):
// the tag must start with the Postgres version and must not be "latest".
func checkImage(img string) string {
	ref, digest, _ := strings.Cut(img, "@")
	slash := strings.LastIndex(ref, "/")
	colon := strings.LastIndex(ref, ":")
	if colon <= slash {
		if digest != "" {
			return sprintf("%q has a digest but no tag; CloudNativePG reads the Postgres version from the tag (write repo:16.4@sha256:...)", img)
		}
		return sprintf("%q has no tag; CloudNativePG reads the Postgres version from the tag (e.g. :16.4)", img)
	}
	tag := ref[colon+1:]
	if tag == "latest" {
		return sprintf("%q: the tag latest is rejected by CloudNativePG because it cannot detect upgrades", img)
	}
	if pgMajorOfTag(tag) == 0 {
		return sprintf("%q: the tag %q must start with the Postgres version (e.g. 16-..., 15.3.0-...)", img, tag)
	}
	if m := pgMajorOfTag(tag); m < 13 {
		return sprintf("%q: Postgres %d is not supported by CloudNativePG (13 or newer)", img, m)
	}
	return ""
}

// pgMajorOfTag reads the leading version number of an image tag; 0 if none.
func pgMajorOfTag(tag string) int {
	n := 0
	for i, r := range tag {
		if r < '0' || r > '9' {
			if i == 0 {
				return 0
			}
			break
		}
		n = n*10 + int(r-'0')
		if n > 1000 {
			return 0
		}
	}
	return n
}

// pgMajor is the Postgres major of an image reference, 0 when unknown.
func pgMajor(img string) int {
	ref, _, _ := strings.Cut(img, "@")
	colon := strings.LastIndex(ref, ":")
	if colon < 0 || colon < strings.LastIndex(ref, "/") {
		return 0
	}
	return pgMajorOfTag(ref[colon+1:])
}

// checkDuplicates fails when two CoreDBs would produce objects of the same
// identity: one would silently overwrite the other on apply.
func checkDuplicates(ids []ident, owners []*CoreDB) ErrorList {
	var errs ErrorList
	first := map[ident]*CoreDB{}
	for i, id := range ids {
		if prev, dup := first[id]; dup {
			// Reported at the later CoreDB's name, like a duplicate key, so
			// the message has a file and line to go to.
			at := prev.src.at("metadata.name")
			key := id.kind + "/" + id.namespace + "/" + id.name
			errs = append(errs, owners[i].src.at("metadata.name").errorf(false, "two CoreDBs produce the same object %s (namespace %q; the other is at %s:%d); give them different names or namespaces", key, id.namespace, at.File, at.Line))
			continue
		}
		first[id] = owners[i]
	}
	return errs
}
