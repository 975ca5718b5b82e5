package main

import (
	"errors"
	"io"

	"github.com/spf13/cobra"
)

// newExtensionsCmd is not built yet; it is hidden until it is.
func newExtensionsCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:    "extensions",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("extensions: not implemented yet") },
	}
}
