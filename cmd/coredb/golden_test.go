package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coredb-dev/coredb/internal/exampleflags"
	"github.com/google/go-cmp/cmp"
)

// TestGolden renders every example on both targets, as `coredb render
// --target T FLAGS FILE` with the flags examples/flags.txt gives, and
// compares stdout byte for byte with its reviewed output: golden/NAME.yaml
// for target cnpg, golden/tembo/NAME.yaml for target tembo. Where the table
// adds --drop-unavailable or --allow-trunk-preloads, the render without them
// must fail, and its stderr is kept as NAME.err next to the golden: the
// documented reason the flag is needed. A line marked "!" says the target
// refuses the file even with its flags: then the render must fail, and its
// stderr is the golden. COREDB_UPDATE=1 rewrites them all; review every
// diff.
func TestGolden(t *testing.T) {
	// From the repository root, so file names in messages read as users
	// see them.
	t.Chdir("../..")
	table, err := exampleflags.Read("examples/flags.txt")
	if err != nil {
		t.Fatal(err)
	}
	examples, err := filepath.Glob("examples/*.yaml")
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	want := map[string]bool{}
	for _, target := range exampleflags.Targets {
		dir := "golden"
		if target != "cnpg" {
			dir = filepath.Join(dir, target)
		}
		for _, ex := range examples {
			base := filepath.Base(ex)
			name := strings.TrimSuffix(base, ".yaml")
			flags := table.Flags("examples/"+base, target)
			refused := table.Refuses("examples/"+base, target)
			t.Run(target+"/"+name, func(t *testing.T) {
				args := append(append([]string{"render", "--target", target}, flags...), ex)
				out, errOut, code := runCLI(args)
				if refused {
					// Documented as refused: the error is the golden.
					if code != 1 || len(out) > 0 {
						t.Fatalf("examples/flags.txt says target %s refuses %s, but coredb %s exits %d; remove the !", target, base, strings.Join(args, " "), code)
					}
					check(t, filepath.Join(dir, name+".err"), errOut)
					want[filepath.Join(dir, name+".err")] = true
					return
				}
				if code != 0 {
					t.Fatalf("coredb %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
				}
				check(t, filepath.Join(dir, name+".yaml"), out)
				want[filepath.Join(dir, name+".yaml")] = true

				plain := exampleflags.WithoutSourceFlags(flags)
				if len(plain) == len(flags) {
					return
				}
				args = append(append([]string{"render", "--target", target}, plain...), ex)
				out, errOut, code = runCLI(args)
				if code != 1 || len(out) > 0 {
					t.Fatalf("examples/flags.txt gives %s %v, but coredb %s exits %d with %d bytes on stdout; remove the flag",
						base, flags, strings.Join(args, " "), code, len(out))
				}
				check(t, filepath.Join(dir, name+".err"), errOut)
				want[filepath.Join(dir, name+".err")] = true
			})
		}
	}
	for _, pattern := range []string{"golden/*", "golden/*/*"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			if fi, err := os.Stat(f); err == nil && !fi.IsDir() && !want[f] {
				t.Errorf("%s belongs to no example and target; remove it", f)
			}
		}
	}
}

// runCLI runs coredb in-process.
func runCLI(args []string) (stdout, stderr []byte, code int) {
	var o, e bytes.Buffer
	code = run(args, strings.NewReader(""), &o, &e)
	return o.Bytes(), e.Bytes(), code
}

func check(t *testing.T, golden string, got []byte) {
	t.Helper()
	if os.Getenv("COREDB_UPDATE") != "" {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	exp, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run COREDB_UPDATE=1 go test ./cmd/coredb to create it, then review it)", err)
	}
	if diff := cmp.Diff(string(exp), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", golden, diff)
	}
}
