// floor prints the Cluster of one plain database with sigs.k8s.io/yaml, as
// a typed CloudNativePG struct built by hand: the start-up and first-use
// cost of any Go program that links the Kubernetes and CloudNativePG types
// coredb must use, with nothing read, checked or computed. scripts/bench.sh
// runs it next to `coredb render` of the same database.
package main

import (
	"fmt"
	"os"

	"github.com/coredb-dev/coredb/internal/floor"
	sigsyaml "sigs.k8s.io/yaml"
)

func main() {
	c := floor.Cluster(1)
	out, err := sigsyaml.Marshal(&c)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}
