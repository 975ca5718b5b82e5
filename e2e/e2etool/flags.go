package main

import (
	"fmt"
	"io"

	"github.com/coredb-dev/coredb/internal/exampleflags"
)

// cmdFlags prints the flags examples/flags.txt gives path on target, so the
// suite renders each file exactly as the golden tests do (one table, read by
// one parser). Printed one per line, so run.sh can read them into an array
// without word splitting.
func cmdFlags(w io.Writer, table, path, target string) error {
	if target != "cnpg" && target != "tembo" {
		return fmt.Errorf("flags: target %q: want cnpg or tembo", target)
	}
	t, err := exampleflags.Read(table)
	if err != nil {
		return err
	}
	if t.Refuses(path, target) {
		fmt.Fprintln(w, exampleflags.Refused)
	}
	fmt.Fprintln(w, "--target="+target)
	for _, f := range t.Flags(path, target) {
		fmt.Fprintln(w, f)
	}
	return nil
}
