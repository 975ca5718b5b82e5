package main

import (
	"errors"
	"io"

	"github.com/spf13/cobra"
)

// newKRMCmd is not built yet; it is hidden until it is.
func newKRMCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:    "krm",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("krm: not implemented yet") },
	}
}
