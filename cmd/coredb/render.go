package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/coredb-dev/coredb/compile"
	"github.com/spf13/cobra"
)

type renderOptions struct {
	output         string
	namespace      string
	cnpgVersion    string
	strict         bool
	trunkJobImage  string
	trunkRegistry  string
	dropCascade    bool
	backupMethod   string
	ingressClass   string
	ingressHost    string
	protectCluster bool
}

func (o *renderOptions) bind(c *cobra.Command, withOutput bool) {
	f := c.Flags()
	if withOutput {
		f.StringVarP(&o.output, "output", "o", "yaml", "output format: yaml (a multi-document stream) or json (one v1 List)")
	}
	f.StringVarP(&o.namespace, "namespace", "n", "", "namespace for objects of CoreDBs that name none")
	f.StringVar(&o.cnpgVersion, "cnpg-version", compile.DefaultCNPGVersion, "CloudNativePG operator version to target (1.25 to 1.30)")
	f.BoolVar(&o.strict, "strict", false, "treat warnings as errors")
	f.StringVar(&o.trunkJobImage, "trunk-job-image", "", "image of the Trunk install Job (needs sh and kubectl; default: a pinned kubectl image)")
	f.StringVar(&o.trunkRegistry, "trunk-registry", "", "Trunk registry URL (default: Trunk's own)")
	f.BoolVar(&o.dropCascade, "drop-cascade", false, "drop disabled extensions with CASCADE, deleting objects that depend on them")
	f.StringVar(&o.backupMethod, "backup-method", "", "barmanObjectStore (in-tree, default) or plugin (Barman Cloud plugin), unless spec.backup.method says")
	f.StringVar(&o.ingressClass, "ingress-class", "", "emit a networking.k8s.io/v1 Ingress of this class for app services with routing")
	f.StringVar(&o.ingressHost, "ingress-host", "", "host name for those Ingresses")
	f.BoolVar(&o.protectCluster, "protect-cluster", false, "annotate the Cluster with Argo CD Prune=false,Delete=false")
}

func (o *renderOptions) compileOptions() compile.Options {
	return compile.Options{
		Namespace:      o.namespace,
		CNPGVersion:    o.cnpgVersion,
		Strict:         o.strict,
		TrunkJobImage:  o.trunkJobImage,
		TrunkRegistry:  o.trunkRegistry,
		DropCascade:    o.dropCascade,
		BackupMethod:   o.backupMethod,
		IngressClass:   o.ingressClass,
		IngressHost:    o.ingressHost,
		ProtectCluster: o.protectCluster,
	}
}

func newRenderCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var opts renderOptions
	c := &cobra.Command{
		Use:   "render [FILE|DIR|-]...",
		Short: "Print the CloudNativePG manifests for CoreDB files",
		Long: `render compiles each CoreDB file (a directory means its *.yaml and *.yml files in
name order; - is stdin) and prints one YAML stream on stdout. Warnings and errors
go to stderr; on any error nothing is printed and the exit code is 1.`,
		Example: "  coredb render examples/sample-machine-learning.yaml | kubectl apply -f -",
		Args:    argsAtLeast(1),
		RunE: func(c *cobra.Command, args []string) error {
			if opts.output != "yaml" && opts.output != "json" {
				return &usageError{msg: fmt.Sprintf("--output must be yaml or json, got %q", opts.output), usage: c.UsageString()}
			}
			objs, err := compileInputs(args, stdin, stderr, opts.compileOptions())
			if err != nil {
				return err
			}
			out, err := compile.Encode(objs, compile.Format(opts.output))
			if err != nil {
				return err
			}
			_, err = stdout.Write(out)
			return err
		},
	}
	opts.bind(c, true)
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
			_, err := compileInputs(args, stdin, stderr, opts.compileOptions())
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
}

// readInputs expands directories and reads every file (or stdin for "-").
func readInputs(args []string, stdin io.Reader) ([]input, error) {
	var ins []input
	for _, a := range args {
		if a == "-" {
			src, err := io.ReadAll(io.LimitReader(stdin, compile.MaxInputSize+1))
			if err != nil {
				return nil, fmt.Errorf("reading stdin: %w", err)
			}
			ins = append(ins, input{"<stdin>", src})
			continue
		}
		fi, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		files := []string{a}
		if fi.IsDir() {
			entries, err := os.ReadDir(a)
			if err != nil {
				return nil, err
			}
			files = files[:0]
			for _, e := range entries { // ReadDir sorts by name
				if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
					files = append(files, filepath.Join(a, e.Name()))
				}
			}
			if len(files) == 0 {
				return nil, fmt.Errorf("%s: no *.yaml or *.yml files", a)
			}
		}
		for _, f := range files {
			src, err := readLimited(f)
			if err != nil {
				return nil, err
			}
			ins = append(ins, input{f, src})
		}
	}
	return ins, nil
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

// compileInputs loads and compiles every input, prints warnings and errors to
// stderr, and returns the objects only when there was no error.
func compileInputs(args []string, stdin io.Reader, stderr io.Writer, opts compile.Options) ([]compile.Object, error) {
	ins, err := readInputs(args, stdin)
	if err != nil {
		return nil, err
	}
	var (
		dbs  []*compile.CoreDB
		diag compile.ErrorList
		bad  bool
	)
	for _, in := range ins {
		docs, warns, err := compile.Load(in.name, in.src)
		diag = append(diag, warns...)
		if err != nil {
			bad = true
			if el, ok := err.(compile.ErrorList); ok {
				diag = append(diag, el...)
				continue
			}
			return nil, err
		}
		dbs = append(dbs, docs...)
	}
	var objs []compile.Object
	if !bad {
		var warns compile.ErrorList
		objs, warns, err = compile.Compile(dbs, opts)
		diag = append(diag, warns...)
		if err != nil {
			bad = true
			if el, ok := err.(compile.ErrorList); ok {
				diag = append(diag, el...)
			} else {
				return nil, err
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
	if len(diag) > 0 {
		fmt.Fprintln(stderr, diag.Error())
	}
	if bad {
		return nil, errReported
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("nothing to render")
	}
	return objs, nil
}
