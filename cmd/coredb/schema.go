package main

import (
	"errors"
	"io"

	"github.com/spf13/cobra"
)

// newSchemaCmd is not built yet; it is hidden until it is.
func newSchemaCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:    "schema",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("schema: not implemented yet") },
	}
}
