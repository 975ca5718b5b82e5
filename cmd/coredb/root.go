package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/coredb-dev/coredb/compile"
	"github.com/coredb-dev/coredb/compile/sources"
	"github.com/spf13/cobra"
)

// newRootCmd builds the command tree. It is called once per run so no state
// leaks between runs or tests.
func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "coredb",
		Short: "Compile CoreDB specs into CloudNativePG manifests",
		Long: `coredb compiles Tembo-style CoreDB specs (apiVersion coredb.io/v1alpha1) into
CloudNativePG manifests on stdout. It talks to no cluster: pipe the output to
kubectl apply, or let a GitOps tool apply it.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{msg: err.Error(), usage: c.UsageString()}
	})
	// A bad --cnpg-version is a usage error, caught before any input is read.
	root.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
		if f := c.Flags().Lookup("target"); f != nil {
			if _, ok := sources.ParseTarget(f.Value.String()); !ok || f.Value.String() == "" {
				return &usageError{msg: fmt.Sprintf("--target must be cnpg or tembo, got %q", f.Value.String()), usage: c.UsageString()}
			}
		}
		if f := c.Flags().Lookup("cnpg-version"); f != nil {
			if _, err := compile.CheckCNPGVersion(f.Value.String()); err != nil {
				return &usageError{msg: "--cnpg-version: " + err.Error(), usage: c.UsageString()}
			}
		}
		return nil
	}
	root.AddCommand(
		newRenderCmd(stdin, stdout, stderr),
		newValidateCmd(stdin, stderr),
		newExplainCmd(stdin, stdout, stderr),
		newStacksCmd(stdout),
		newExtensionsCmd(stdout),
		newDiffCmd(stdin, stdout, stderr),
		newKRMCmd(stdin, stdout, stderr),
		newSchemaCmd(stdout),
		newVersionCmd(stdout),
	)
	return root
}

// argsAtLeast is cobra.MinimumNArgs returning a usage error.
func argsAtLeast(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) < n {
			return &usageError{msg: fmt.Sprintf("%s needs at least %d argument(s): FILE, DIR or - for stdin", c.CommandPath(), n), usage: c.UsageString()}
		}
		return nil
	}
}

func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return &usageError{msg: fmt.Sprintf("%s takes no arguments, got %q", c.CommandPath(), args), usage: c.UsageString()}
	}
	return nil
}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the coredb version",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			v := "(devel)"
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
				v = bi.Main.Version
			}
			_, err := fmt.Fprintf(stdout, "coredb %s\n", v)
			return err
		},
	}
}
