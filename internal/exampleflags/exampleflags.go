// Package exampleflags reads examples/flags.txt: the render flags each
// example and conformance file needs on each target. The golden tests, the
// determinism tests and the e2e suite all render with these flags, so the
// table is the one place that says which files a plain render refuses.
package exampleflags

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/coredb-dev/coredb/compile"
)

// Targets are the render targets every file is rendered for.
var Targets = []string{"cnpg", "tembo"}

// SourceFlags are the flags that make a refused render succeed; a line
// with one of them claims that the render without them fails.
var SourceFlags = map[string]bool{"--drop-unavailable": true, "--allow-trunk-preloads": true, "--superuser-access": true}

// Refused is the first "flag" of a line whose file the target refuses even
// with the flags that follow: the tests keep the error as the golden.
const Refused = "!"

// Table maps "path target" to the flags of that line.
type Table map[string][]string

// Read parses the table at path (examples/flags.txt).
func Read(path string) (Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t := Table{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 2 || (fields[1] != "cnpg" && fields[1] != "tembo") {
			return nil, fmt.Errorf("%s:%d: want PATH TARGET FLAGS..., TARGET cnpg or tembo", path, n)
		}
		key := fields[0] + " " + fields[1]
		if _, dup := t[key]; dup {
			return nil, fmt.Errorf("%s:%d: %s is listed twice", path, n, key)
		}
		t[key] = fields[2:]
	}
	return t, sc.Err()
}

// Flags are the flags of a file (examples/x.yaml or conformance/sub/x.yaml)
// on a target, without --target and without the Refused mark.
func (t Table) Flags(path, target string) []string {
	f := t[filepath.ToSlash(path)+" "+target]
	if len(f) > 0 && f[0] == Refused {
		return f[1:]
	}
	return f
}

// Refuses reports whether the target refuses the file even with its flags.
func (t Table) Refuses(path, target string) bool {
	f := t[filepath.ToSlash(path)+" "+target]
	return len(f) > 0 && f[0] == Refused
}

// WithoutSourceFlags drops the flags in SourceFlags.
func WithoutSourceFlags(flags []string) []string {
	var out []string
	for _, f := range flags {
		if !SourceFlags[f] {
			out = append(out, f)
		}
	}
	return out
}

// Options turns flags into compile.Options, for tests that call the
// compiler directly. It knows the flags the table uses; any other is an
// error (the CLI tests render with the real flag parser).
func Options(target string, flags []string) (compile.Options, error) {
	o := compile.Options{Target: target}
	for i := 0; i < len(flags); i++ {
		switch f := flags[i]; f {
		case "--drop-unavailable":
			o.DropUnavailable = true
		case "--superuser-access":
			o.SuperuserAccess = true
		case "--allow-trunk-preloads":
			o.AllowTrunkPreloads = true
		case "--ingress-class", "--ingress-host", "--cnpg-version":
			if i+1 == len(flags) {
				return o, fmt.Errorf("%s needs a value", f)
			}
			i++
			switch f {
			case "--ingress-class":
				o.IngressClass = flags[i]
			case "--ingress-host":
				o.IngressHost = flags[i]
			default:
				o.CNPGVersion = flags[i]
			}
		default:
			return o, fmt.Errorf("exampleflags: unknown flag %q", f)
		}
	}
	return o, nil
}
