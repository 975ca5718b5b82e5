package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/coredb-dev/coredb/extensions"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
)

func newExtensionsCmd(stdout io.Writer) *cobra.Command {
	c := &cobra.Command{
		Use:   "extensions",
		Short: "List the extension catalog",
		Long: `extensions lists every extension coredb knows: the Trunk projects that install it,
the SQL extensions it creates, the library it must preload, and its fixed schema.
Flags: contrib (ships with PostgreSQL), load-only (no CREATE EXTENSION),
cnpg-managed (CloudNativePG creates and drops it).`,
		Example: "  coredb extensions\n  coredb extensions show pgvector",
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tTRUNK\tSQL\tPRELOAD\tSCHEMA\tFLAGS")
			for _, e := range extensions.All() {
				var flags []string
				if e.Contrib {
					flags = append(flags, "contrib")
				}
				if e.LoadOnly {
					flags = append(flags, "load-only")
				}
				if e.CNPGManaged != "" {
					flags = append(flags, "cnpg-managed")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Name, dash(strings.Join(e.Trunk, ",")), dash(strings.Join(e.SQL, ",")),
					dash(e.Preload), dash(e.Schema), dash(strings.Join(flags, ",")))
			}
			return tw.Flush()
		},
	}
	c.AddCommand(&cobra.Command{
		Use:     "show NAME",
		Short:   "Print one catalog entry as YAML (by SQL name, Trunk project or library)",
		Example: "  coredb extensions show pgvector",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{msg: "extensions show needs exactly one name", usage: c.UsageString()}
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			e, ok := extensions.Lookup(args[0])
			if !ok {
				return fmt.Errorf("unknown extension %q: not in the catalog (coredb extensions lists it)", args[0])
			}
			out, err := yaml.Marshal(e)
			if err != nil {
				return err
			}
			_, err = stdout.Write(out)
			return err
		},
	})
	return c
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
