// Command coredb compiles CoreDB specs into CloudNativePG manifests.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // bad input or a compile error
	exitUsage = 2 // wrong flags or arguments
)

// run is the whole program; tests call it in-process.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "coredb: %s\n", ue.msg)
		if ue.usage != "" {
			fmt.Fprintf(stderr, "\n%s", ue.usage)
		}
		return exitUsage
	}
	if !errors.Is(err, errReported) {
		fmt.Fprintf(stderr, "coredb: %s\n", err)
	}
	return exitError
}

// usageError is a mistake in how coredb was called; it exits 2 with usage.
type usageError struct{ msg, usage string }

func (e *usageError) Error() string { return e.msg }

// errReported marks a failure whose details were already printed.
var errReported = errors.New("errors reported")
