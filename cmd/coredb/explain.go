package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/coredb-dev/coredb/compile"
	"github.com/spf13/cobra"
)

func newExplainCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var opts renderOptions
	c := &cobra.Command{
		Use:   "explain [FILE|DIR|-]...",
		Short: "Show where every extension and library of each CoreDB comes from",
		Long: `explain compiles each CoreDB with the render flags given and prints one table
per CoreDB: every extension and preload library, where it comes from (the
image, an image-volume extension, a declared image, a Trunk install; or
dropped by --drop-unavailable, or missing), the databases it is enabled in,
and whether Postgres preloads it.

A missing item is what makes render fail: the table is printed anyway, the
errors render would give go to stderr, and the exit code is 0. Input that
cannot be read or loaded exits 1 with nothing on stdout.`,
		Example: `  coredb explain examples/sample-machine-learning.yaml
  coredb explain --target tembo --allow-trunk-preloads examples/sample-machine-learning.yaml`,
		Args: argsAtLeast(1),
		RunE: func(c *cobra.Command, args []string) error {
			ins, err := readInputs(args, stdin)
			if err != nil {
				return err
			}
			extra, err := opts.imageInputs()
			if err != nil {
				return err
			}
			copts := opts.compileOptions()
			var (
				dbs  []*compile.CoreDB
				diag compile.ErrorList
			)
			for _, in := range append(ins, extra...) {
				docs, warns, err := compile.LoadDocuments(in.name, in.src)
				diag = append(diag, warns...)
				if el, ok := err.(compile.ErrorList); ok {
					diag = append(diag, el...)
					continue
				} else if err != nil {
					return err
				}
				dbs = append(dbs, docs.CoreDBs...)
				copts.ImageSets = append(copts.ImageSets, docs.ImageSets...)
			}
			if len(diag.Errors()) > 0 {
				fmt.Fprintln(stderr, diag.Error())
				return errReported
			}
			if len(dbs) == 0 {
				return fmt.Errorf("nothing to explain: no CoreDB documents")
			}
			exps, errs := compile.Explain(dbs, copts)
			var b strings.Builder
			for i, e := range exps {
				if i > 0 {
					b.WriteByte('\n')
				}
				writeExplanation(&b, e)
			}
			if _, err := io.WriteString(stdout, b.String()); err != nil {
				return err
			}
			if all := append(diag, errs...); len(all) > 0 {
				fmt.Fprintln(stderr, all.Error())
			}
			return nil
		},
	}
	opts.bind(c, false)
	return c
}

func writeExplanation(w io.Writer, e compile.Explanation) {
	ns := e.Namespace
	if ns == "" {
		ns = "(namespace from kubectl)"
	}
	fmt.Fprintf(w, "%s in %s, target %s\nimage %s (%s)\n", e.Name, ns, e.Target, e.Image, e.ImageInfo)
	if len(e.Rows) == 0 {
		fmt.Fprintln(w, "no extensions or preload libraries")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tWHAT\tSOURCE\tDATABASES\tPRELOADED")
	for _, r := range e.Rows {
		dbs := strings.Join(r.Databases, ",")
		if dbs == "" {
			dbs = "-"
		}
		pre := "no"
		if r.Preloaded {
			pre = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, r.What, r.Source, dbs, pre)
	}
	tw.Flush()
}
