package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/coredb-dev/coredb/compile"
	"github.com/coredb-dev/coredb/stacks"
	"github.com/spf13/cobra"
)

func newStacksCmd(stdout io.Writer) *cobra.Command {
	c := &cobra.Command{
		Use:   "stacks",
		Short: "List the built-in Tembo Stacks",
		Long: `stacks lists every built-in Stack: its config engine, the Postgres majors it has
images for (the default marked *), and the extensions it enables.`,
		Example: "  coredb stacks\n  coredb stacks show MachineLearning",
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tENGINE\tIMAGES\tEXTENSIONS")
			for _, name := range stacks.Names() {
				def, err := compile.LoadStack(name)
				if err != nil {
					return err
				}
				var majors []string
				for _, m := range slices.Sorted(maps.Keys(def.Images)) {
					if m == fmt.Sprint(def.DefaultMajor) {
						m += "*"
					}
					majors = append(majors, m)
				}
				var exts []string
				for _, e := range def.Extensions {
					exts = append(exts, e.Name)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", def.Name, def.Engine, strings.Join(majors, ","), strings.Join(exts, ","))
			}
			return tw.Flush()
		},
	}
	c.AddCommand(&cobra.Command{
		Use:     "show NAME",
		Short:   "Print one stack's definition as YAML",
		Example: "  coredb stacks show oltp",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{msg: "stacks show needs exactly one stack name", usage: c.UsageString()}
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			_, _, src, err := stacks.Lookup(args[0])
			if err != nil {
				return err
			}
			_, err = stdout.Write(src)
			return err
		},
	})
	return c
}
