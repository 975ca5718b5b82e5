package main

import (
	"io"

	"github.com/coredb-dev/coredb/compile"
	"github.com/spf13/cobra"
)

func newSchemaCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the CoreDB format, for editors",
		Long: `schema prints a JSON Schema (draft-07) of CoreDB files with a description of
every CoreDB field, the accepted values of closed sets, and additionalProperties
false wherever coredb rejects unknown fields. Point yaml-language-server (VS
Code's YAML extension, Neovim, Helix, JetBrains) at it with a first line

  # yaml-language-server: $schema=./coredb.schema.json

or map it to *.coredb.yaml in your editor's yaml.schemas setting.`,
		Example: "  coredb schema > coredb.schema.json",
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			out, err := compile.Schema()
			if err != nil {
				return err
			}
			_, err = stdout.Write(out)
			return err
		},
	}
}
