package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/coredb-dev/coredb/compile"
	"github.com/coredb-dev/coredb/internal/parallel"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	sigsyaml "sigs.k8s.io/yaml"
)

type renderOptions struct {
	output             string
	namespace          string
	cnpgVersion        string
	strict             bool
	target             string
	dropUnavailable    bool
	allowTrunkPreloads bool
	images             []string
	superuserAccess    bool
	trunkJobImage      string
	trunkRegistry      string
	dropCascade        bool
	backupMethod       string
	ingressClass       string
	ingressHost        string
	ingressIssuer      string
	protectCluster     bool
}

func (o *renderOptions) bind(c *cobra.Command, withOutput bool) {
	f := c.Flags()
	if withOutput {
		f.StringVarP(&o.output, "output", "o", "yaml", "output format: yaml (a multi-document stream) or json (one v1 List)")
	}
	f.StringVarP(&o.namespace, "namespace", "n", "", "namespace for objects of CoreDBs that name none")
	f.StringVar(&o.cnpgVersion, "cnpg-version", compile.DefaultCNPGVersion, "CloudNativePG operator version to target (1.25 to 1.30)")
	f.BoolVar(&o.strict, "strict", false, "treat warnings as errors")
	f.StringVar(&o.target, "target", "cnpg", "where the output runs: cnpg (stock CloudNativePG) or tembo (CloudNativePG with Tembo's tembo-pod-init webhook, for Tembo's images and Trunk)")
	f.BoolVar(&o.dropUnavailable, "drop-unavailable", false, "leave out every extension, Trunk install and preload library without a source (and what is tied to it) instead of failing")
	f.BoolVar(&o.allowTrunkPreloads, "allow-trunk-preloads", false, "target tembo: render preload libraries only a Trunk install provides (apply without them first)")
	f.BoolVar(&o.superuserAccess, "superuser-access", false, "turn on CloudNativePG's superuser access for CoreDBs whose spec.superuserAccess is unset (coredb's SQL Job needs it for database postgres)")
	f.StringArrayVar(&o.images, "images", nil, "file of ImageSet documents declaring images and what they ship (repeatable; ImageSets among the inputs count too)")
	f.StringVar(&o.trunkJobImage, "trunk-job-image", "", "image of the Trunk install Job (needs sh and kubectl; default: a pinned kubectl image)")
	f.StringVar(&o.trunkRegistry, "trunk-registry", "", "Trunk registry URL (default: Trunk's own)")
	f.BoolVar(&o.dropCascade, "drop-cascade", false, "drop disabled extensions with CASCADE, deleting objects that depend on them")
	f.StringVar(&o.backupMethod, "backup-method", "", "barmanObjectStore (in-tree) or plugin (Barman Cloud plugin), unless spec.backup.method says; default: in-tree where the image has barman-cloud, else the plugin")
	f.StringVar(&o.ingressClass, "ingress-class", "", "emit a networking.k8s.io/v1 Ingress of this class for app services with routing and ingress: true")
	f.StringVar(&o.ingressHost, "ingress-host", "", "host name for those Ingresses, served over TLS with the Secret <coredb>-<app>-tls ({name} is the CoreDB name)")
	f.StringVar(&o.ingressIssuer, "ingress-cluster-issuer", "", "cert-manager ClusterIssuer that issues those Ingresses' certificates (annotation cert-manager.io/cluster-issuer)")
	f.BoolVar(&o.protectCluster, "protect-cluster", true, "annotate the Cluster with Argo CD Prune=false,Delete=false, so removing the CoreDB from Git never deletes the database (--protect-cluster=false for ephemeral environments)")
}

func (o *renderOptions) compileOptions() compile.Options {
	return compile.Options{
		Namespace:            o.namespace,
		CNPGVersion:          o.cnpgVersion,
		Strict:               o.strict,
		Target:               o.target,
		DropUnavailable:      o.dropUnavailable,
		AllowTrunkPreloads:   o.allowTrunkPreloads,
		SuperuserAccess:      o.superuserAccess,
		TrunkJobImage:        o.trunkJobImage,
		TrunkRegistry:        o.trunkRegistry,
		DropCascade:          o.dropCascade,
		BackupMethod:         o.backupMethod,
		IngressClass:         o.ingressClass,
		IngressHost:          o.ingressHost,
		IngressClusterIssuer: o.ingressIssuer,
		AllowClusterPrune:    !o.protectCluster,
		Workers:              workers(),
	}
}

// workers is how many files are read, CoreDBs built and documents encoded at
// once: the CPUs this process may use (GOMAXPROCS, which Go sets from the
// machine and the container's CPU limit, and which a user may set). The
// output is the same for every value; GOMAXPROCS=1 makes a run sequential.
func workers() int { return runtime.GOMAXPROCS(0) }

func newRenderCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var (
		opts      renderOptions
		outputDir string
		force     bool
	)
	c := &cobra.Command{
		Use:   "render [FILE|DIR|GLOB|-]...",
		Short: "Print the CloudNativePG manifests for CoreDB files",
		Long: `render compiles each CoreDB file (a directory means its *.yaml and *.yml files in
name order; - is stdin; a quoted pattern such as '*.coredb.yaml' that names no
file is expanded) and prints one YAML stream on stdout. Warnings and errors go
to stderr; on any error nothing is printed and the exit code is 1.

--output-dir DIR writes one file per object instead, named
<kind>_<name>.yaml or <kind>_<namespace>_<name>.yaml, and prints nothing. DIR
must be empty or missing; with --force, the files a previous run wrote there
(recognised by their content) are replaced or removed and other files are left
alone.

Under an Argo CD Config Management Plugin, flags the command line does not set
are read from the Application: plugin env entries COREDB_<FLAG> (seen as
ARGOCD_ENV_COREDB_CNPG_VERSION, ...), plugin parameters named like the flags
(ARGOCD_APP_PARAMETERS), and the destination namespace (ARGOCD_APP_NAMESPACE)
for --namespace.`,
		Example: `  coredb render examples/sample-machine-learning.yaml | kubectl apply -f -
  coredb render --output-dir rendered/ --force dbs/`,
		Args: argsAtLeast(1),
		RunE: func(c *cobra.Command, args []string) error {
			if opts.output != "yaml" && opts.output != "json" {
				return &usageError{msg: fmt.Sprintf("--output must be yaml or json, got %q", opts.output), usage: c.UsageString()}
			}
			if outputDir != "" && opts.output != "yaml" {
				return &usageError{msg: "--output-dir writes YAML files; it cannot be combined with -o json", usage: c.UsageString()}
			}
			if force && outputDir == "" {
				return &usageError{msg: "--force needs --output-dir", usage: c.UsageString()}
			}
			if err := applyArgoContext(c.Flags(), os.Environ()); err != nil {
				return err
			}
			w := bufio.NewWriterSize(stdout, 64<<10)
			if outputDir == "" && opts.output == "yaml" {
				// Each CoreDB's documents are encoded as it builds, and
				// written once everything has compiled: every error is
				// reported before anything is printed.
				docs, err := renderInputs(args, stdin, stderr, opts)
				if err != nil {
					return err
				}
				if err := compile.WriteDocuments(w, docs); err != nil {
					return err
				}
				return w.Flush()
			}
			objs, err := compileInputs(args, stdin, stderr, opts)
			if err != nil {
				return err
			}
			if outputDir != "" {
				return writeOutputDir(outputDir, objs, force)
			}
			// Everything has compiled: errors were all reported and nothing
			// printed.
			if err := compile.EncodeTo(w, objs, compile.Format(opts.output)); err != nil {
				return err
			}
			return w.Flush()
		},
	}
	opts.bind(c, true)
	c.Flags().StringVar(&outputDir, "output-dir", "", "write one YAML file per object into this directory instead of stdout")
	c.Flags().BoolVar(&force, "force", false, "with --output-dir: replace the files coredb wrote there before")
	return c
}

func newValidateCmd(stdin io.Reader, stderr io.Writer) *cobra.Command {
	var opts renderOptions
	c := &cobra.Command{
		Use:     "validate [FILE|DIR|-]...",
		Short:   "Check CoreDB files without printing manifests",
		Example: "  coredb validate examples/",
		Args:    argsAtLeast(1),
		RunE: func(c *cobra.Command, args []string) error {
			_, err := buildInputs(args, stdin, stderr, opts, compile.Validate)
			return err
		},
	}
	opts.bind(c, false)
	return c
}

// input is one file's bytes and the name to show in messages.
type input struct {
	name string
	src  []byte
	file bool // src is still to be read from the file name
}

// readInputs expands directories and reads every file (or stdin for "-").
// An argument with glob characters that names no existing file is expanded
// as a pattern, for callers without a shell (the Argo CD plugin runs
// `coredb render '*.coredb.yaml'` directly); no match is an error.
func readInputs(args []string, stdin io.Reader) ([]input, error) {
	var ins []input
	for _, a := range args {
		if a == "-" {
			src, err := io.ReadAll(io.LimitReader(stdin, compile.MaxInputSize+1))
			if err != nil {
				return nil, fmt.Errorf("reading stdin: %w", err)
			}
			ins = append(ins, input{name: "<stdin>", src: src})
			continue
		}
		paths := []string{a}
		if _, err := os.Stat(a); errors.Is(err, fs.ErrNotExist) && strings.ContainsAny(a, "*?[") {
			matches, gerr := filepath.Glob(a)
			if gerr != nil {
				return nil, fmt.Errorf("%s: %w", a, gerr)
			}
			if len(matches) == 0 {
				return nil, fmt.Errorf("no files match %s", a)
			}
			paths = matches // sorted by Glob
		}
		for _, p := range paths {
			files, err := inputFiles(p)
			if err != nil {
				return nil, err
			}
			for _, f := range files {
				ins = append(ins, input{name: f, file: true})
			}
		}
	}
	// Files are read in parallel (a fleet is a thousand small reads); the
	// first error in argument order is the one reported, as reading them
	// one after another would.
	errs := make([]error, len(ins))
	parallel.Each(len(ins), workers(), func(i int) {
		if ins[i].file {
			ins[i].src, errs[i] = readLimited(ins[i].name)
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return ins, nil
}

// inputFiles is the file itself, or a directory's *.yaml and *.yml files in
// name order.
func inputFiles(a string) ([]string, error) {
	fi, err := os.Stat(a)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{a}, nil
	}
	entries, err := os.ReadDir(a)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries { // ReadDir sorts by name
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			files = append(files, filepath.Join(a, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no *.yaml or *.yml files", a)
	}
	return files, nil
}

// readLimited reads a file but stops past the size limit, so a huge file is
// rejected by Load without being read whole.
func readLimited(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, compile.MaxInputSize+1))
}

// imageInputs reads the --images files. They may hold ImageSets only: a
// CoreDB there would be rendered without being named as an input.
func (o *renderOptions) imageInputs() ([]input, error) {
	var out []input
	for _, f := range o.images {
		src, err := readLimited(f)
		if err != nil {
			return nil, fmt.Errorf("--images: %w", err)
		}
		docs, _, err := compile.LoadDocuments(f, src)
		if err == nil && len(docs.CoreDBs) > 0 {
			return nil, fmt.Errorf("--images %s holds CoreDB documents; give them as inputs instead", f)
		}
		out = append(out, input{name: f, src: src}) // load errors are reported with the inputs'
	}
	return out, nil
}

// compileInputs loads and compiles every input, prints warnings and errors to
// stderr, and returns the objects only when there is no error.
func compileInputs(args []string, stdin io.Reader, stderr io.Writer, opts renderOptions) ([]compile.Object, error) {
	return buildInputs(args, stdin, stderr, opts, compile.Compile)
}

// renderInputs is compileInputs for a YAML stream: the objects come back
// encoded, in stream order (compile.Render).
func renderInputs(args []string, stdin io.Reader, stderr io.Writer, opts renderOptions) ([]compile.Document, error) {
	return buildInputs(args, stdin, stderr, opts, compile.Render)
}

func buildInputs[T any](args []string, stdin io.Reader, stderr io.Writer, opts renderOptions, build buildFunc[T]) ([]T, error) {
	ins, err := readInputs(args, stdin)
	if err != nil {
		return nil, err
	}
	extra, err := opts.imageInputs()
	if err != nil {
		return nil, err
	}
	out, diag, err := buildSources(append(ins, extra...), opts.compileOptions(), build)
	if err != nil {
		return nil, err
	}
	if len(diag) > 0 {
		fmt.Fprintln(stderr, diag.Error())
	}
	if len(diag.Errors()) > 0 {
		return nil, errReported
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("nothing to render")
	}
	return out, nil
}

// buildFunc is compile.Compile, compile.Render or compile.Validate.
type buildFunc[T any] func([]*compile.CoreDB, compile.Options) ([]T, compile.ErrorList, error)

// compileSources loads and compiles inputs. It returns every warning and
// error found; objects only when there is no error. With opts.Strict the
// warnings come back as errors. err is for failures that are not about the
// input.
func compileSources(ins []input, opts compile.Options) ([]compile.Object, compile.ErrorList, error) {
	return buildSources(ins, opts, compile.Compile)
}

// buildSources is compileSources with build in place of compile.Compile.
func buildSources[T any](ins []input, opts compile.Options, build buildFunc[T]) ([]T, compile.ErrorList, error) {
	var (
		dbs  []*compile.CoreDB
		diag compile.ErrorList
		bad  bool
	)
	// Files are read in parallel and joined in input order, as one after
	// another would.
	type loaded struct {
		docs  compile.Documents
		warns compile.ErrorList
		err   error
	}
	loads := make([]loaded, len(ins))
	parallel.Each(len(ins), opts.Workers, func(i int) {
		l := &loads[i]
		l.docs, l.warns, l.err = compile.LoadDocuments(ins[i].name, ins[i].src)
	})
	for _, l := range loads {
		docs, warns, err := l.docs, l.warns, l.err
		diag = append(diag, warns...)
		if err != nil {
			bad = true
			if el, ok := err.(compile.ErrorList); ok {
				diag = append(diag, el...)
				continue
			}
			return nil, nil, err
		}
		dbs = append(dbs, docs.CoreDBs...)
		opts.ImageSets = append(opts.ImageSets, docs.ImageSets...)
	}
	var objs []T
	if !bad {
		var (
			warns compile.ErrorList
			err   error
		)
		objs, warns, err = build(dbs, opts)
		diag = append(diag, warns...)
		if err != nil {
			bad = true
			if el, ok := err.(compile.ErrorList); ok {
				diag = append(diag, el...)
			} else {
				return nil, nil, err
			}
		}
	}
	if opts.Strict {
		for _, d := range diag {
			if d.Warning {
				d.Warning = false
				bad = true
			}
		}
	}
	if bad {
		return nil, diag, nil
	}
	return objs, diag, nil
}

// Argo CD Config Management Plugin context (gitops.md §1.4). The plugin runs
// `coredb render` in the Application's source directory with the sidecar's
// environment plus the Application's: plugin env entries as ARGOCD_ENV_<NAME>,
// explicitly set plugin parameters as JSON in ARGOCD_APP_PARAMETERS, and the
// destination namespace as ARGOCD_APP_NAMESPACE. Only this command layer
// reads them; compile/ never sees the environment.
const argoEnvPrefix = "ARGOCD_ENV_COREDB_"

// argoSettable are the render flags an Application may set: everything that
// changes what is rendered, not how or where it is written.
func argoSettable(flag string) bool {
	switch flag {
	case "output", "output-dir", "force", "help":
		return false
	}
	return true
}

// argoEnvName is the variable Argo CD sets for the plugin env entry
// COREDB_<FLAG>: ARGOCD_ENV_COREDB_CNPG_VERSION for --cnpg-version.
func argoEnvName(flag string) string {
	return argoEnvPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// argoParameter is one entry of ARGOCD_APP_PARAMETERS.
type argoParameter struct {
	Name   string            `json:"name"`
	String *string           `json:"string"`
	Array  []string          `json:"array"`
	Map    map[string]string `json:"map"`
}

// applyArgoContext sets the flags the command line left alone from Argo CD's
// variables. The command line wins; a plugin env entry and a parameter for
// the same flag must agree; the destination namespace comes last. Unknown
// COREDB_ entries and parameters are errors, so a typo cannot be ignored.
// Empty values count as unset (Argo CD 3 passes empty variables too).
func applyArgoContext(flags *pflag.FlagSet, environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	byEnv := map[string]string{} // variable -> flag
	var known []string
	flags.VisitAll(func(f *pflag.Flag) {
		if argoSettable(f.Name) {
			byEnv[argoEnvName(f.Name)] = f.Name
			known = append(known, f.Name)
		}
	})
	values := map[string]string{} // flag -> value
	from := map[string]string{}   // flag -> where the value came from
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !strings.HasPrefix(k, argoEnvPrefix) || env[k] == "" {
			continue
		}
		name, ok := byEnv[k]
		if !ok {
			return fmt.Errorf("plugin env %s (from the Argo CD Application): no such setting; COREDB_<FLAG> may name one of %s", strings.TrimPrefix(k, "ARGOCD_ENV_"), strings.Join(known, ", "))
		}
		values[name], from[name] = env[k], "plugin env "+strings.TrimPrefix(k, "ARGOCD_ENV_")
	}
	if raw := env["ARGOCD_APP_PARAMETERS"]; raw != "" {
		var params []argoParameter
		if err := json.Unmarshal([]byte(raw), &params); err != nil {
			return fmt.Errorf("ARGOCD_APP_PARAMETERS: %w", err)
		}
		for _, p := range params {
			if !slices.Contains(known, p.Name) {
				return fmt.Errorf("plugin parameter %q (from the Argo CD Application): no such setting; it may name one of %s", p.Name, strings.Join(known, ", "))
			}
			if p.String == nil {
				return fmt.Errorf("plugin parameter %q: must be a string, not an array or a map", p.Name)
			}
			if *p.String == "" {
				continue
			}
			if prev, ok := values[p.Name]; ok && prev != *p.String {
				return fmt.Errorf("plugin parameter %q is %q but %s is %q; set only one of them", p.Name, *p.String, from[p.Name], prev)
			}
			values[p.Name], from[p.Name] = *p.String, "plugin parameter "+p.Name
		}
	}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if flags.Changed(name) {
			continue // the command line wins
		}
		if err := setSetting(flags, name, values[name]); err != nil {
			return fmt.Errorf("%s: %w", from[name], err)
		}
		if name == "cnpg-version" {
			if _, err := compile.CheckCNPGVersion(values[name]); err != nil {
				return fmt.Errorf("%s: %w", from[name], err)
			}
		}
	}
	if ns := env["ARGOCD_APP_NAMESPACE"]; ns != "" && !flags.Changed("namespace") {
		if err := flags.Set("namespace", ns); err != nil {
			return err
		}
	}
	return nil
}

// setSetting sets a flag from a value given outside the command line (Argo
// CD, a KRM function config), with a plain message for booleans.
func setSetting(flags *pflag.FlagSet, name, value string) error {
	if f := flags.Lookup(name); f != nil && f.Value.Type() == "bool" {
		if _, err := strconv.ParseBool(value); err != nil {
			return fmt.Errorf("must be true or false, got %q", value)
		}
	}
	return flags.Set(name, value)
}

// writeOutputDir writes one file per object into dir. Every file is rendered
// before anything is written. A missing dir is built beside it and renamed
// into place in one step; an existing one must be empty unless force, and
// then only files coredb wrote (see ownedFile) are replaced or removed, each
// by an atomic rename.
func writeOutputDir(dir string, objs []compile.Object, force bool) error {
	files := map[string][]byte{}
	for _, o := range objs {
		name, err := objectFileName(o)
		if err != nil {
			return err
		}
		if _, dup := files[name]; dup {
			return fmt.Errorf("--output-dir: two objects map to the file name %s", name)
		}
		out, err := compile.Encode([]compile.Object{o}, compile.FormatYAML)
		if err != nil {
			return err
		}
		files[name] = out
	}

	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return writeNewDir(dir, files)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 && !force {
		return fmt.Errorf("--output-dir %s is not empty; use --force to replace the files coredb wrote there (other files are kept)", dir)
	}
	var stale []string
	for _, e := range entries {
		owned, err := ownedFile(dir, e)
		if err != nil {
			return err
		}
		_, ours := files[e.Name()]
		switch {
		case ours && !owned:
			return fmt.Errorf("--output-dir: %s exists and was not written by coredb; move it away", filepath.Join(dir, e.Name()))
		case owned && !ours:
			stale = append(stale, e.Name())
		}
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := writeFileAtomic(dir, name, files[name]); err != nil {
			return err
		}
	}
	for _, name := range stale {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// objectFileName is <kind>_<name>.yaml, or <kind>_<namespace>_<name>.yaml
// for a namespaced object, lower-case. Kinds, namespaces and names cannot
// contain '_' or '/', so different objects never share a file name (that is
// checked anyway), and reading a name back gives the object's identity.
func objectFileName(o compile.Object) (string, error) {
	parts := []string{strings.ToLower(o.GetObjectKind().GroupVersionKind().Kind)}
	if ns := o.GetNamespace(); ns != "" {
		parts = append(parts, ns)
	}
	parts = append(parts, o.GetName())
	for _, p := range parts {
		if p == "" || strings.ContainsAny(p, "_/\\") || p[0] == '.' {
			return "", fmt.Errorf("--output-dir: cannot name a file after %q", p)
		}
	}
	return strings.Join(parts, "_") + ".yaml", nil
}

// ownedFile reports whether a directory entry is a file a previous
// --output-dir run wrote: a regular *.yaml file holding one object labelled
// app.kubernetes.io/managed-by: coredb whose identity gives back the file's
// name. Anything else (a kustomization.yaml, a README, a hand-written
// manifest) is never touched.
func ownedFile(dir string, e fs.DirEntry) (bool, error) {
	if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".yaml") {
		return false, nil
	}
	src, err := readLimited(filepath.Join(dir, e.Name()))
	if err != nil {
		return false, err
	}
	var obj struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name      string            `json:"name"`
			Namespace string            `json:"namespace"`
			Labels    map[string]string `json:"labels"`
		} `json:"metadata"`
	}
	if sigsyaml.Unmarshal(src, &obj) != nil || obj.Metadata.Labels["app.kubernetes.io/managed-by"] != "coredb" {
		return false, nil
	}
	parts := []string{strings.ToLower(obj.Kind)}
	if obj.Metadata.Namespace != "" {
		parts = append(parts, obj.Metadata.Namespace)
	}
	parts = append(parts, obj.Metadata.Name)
	return strings.Join(parts, "_")+".yaml" == e.Name(), nil
}

// writeNewDir builds the whole directory under a temporary name next to dir
// and renames it into place, so dir appears complete or not at all.
func writeNewDir(dir string, files map[string][]byte) error {
	parent, base := filepath.Split(filepath.Clean(dir))
	if parent == "" {
		parent = "."
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".coredb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // a no-op after the rename
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
			return err
		}
	}
	return os.Rename(tmp, dir)
}

// writeFileAtomic replaces dir/name by writing a temporary file in dir and
// renaming it, so a reader sees the old or the new file, never half of one.
func writeFileAtomic(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, ".coredb-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // a no-op after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), filepath.Join(dir, name))
}
