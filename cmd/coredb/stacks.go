package main

import (
	"errors"
	"io"

	"github.com/spf13/cobra"
)

// newStacksCmd is not built yet; it is hidden until it is.
func newStacksCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:    "stacks",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("stacks: not implemented yet") },
	}
}
