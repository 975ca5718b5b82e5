package main

import (
	"errors"
	"io"

	"github.com/spf13/cobra"
)

// newDiffCmd is not built yet; it is hidden until it is.
func newDiffCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:    "diff",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("diff: not implemented yet") },
	}
}
