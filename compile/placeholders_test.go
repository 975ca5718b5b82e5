package compile_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/coredb-dev/coredb/compile"
	"github.com/coredb-dev/coredb/internal/exampleflags"
)

// TestNoUnexpandedPlaceholders: no rendered value holds a placeholder that
// the program reading it does not expand (issue 12: Tembo's embeddings URL
// carried ${NAMESPACE} into postgresql.conf, where nothing expands it).
// Allowed are ${...} and $(...) in shell scripts (a ConfigMap value starting
// with #!, a container's command and args: the shell expands them) and
// $(VAR) in a container's env value when VAR is an earlier entry of the same
// container's env (Kubernetes expands those). coredb's own {name} must never
// reach the output.
func TestNoUnexpandedPlaceholders(t *testing.T) {
	examples, _ := filepath.Glob("../examples/*.yaml")
	checked := 0
	for _, ex := range examples {
		for _, target := range exampleflags.Targets {
			if refused(t, ex, target) {
				continue
			}
			t.Run(filepath.Base(ex)+"/"+target, func(t *testing.T) {
				src, err := os.ReadFile(ex)
				if err != nil {
					t.Fatal(err)
				}
				opts := exampleOptions(t, ex, target)
				docs, _, err := compile.LoadDocuments(ex, src)
				if err != nil {
					t.Fatal(err)
				}
				opts.ImageSets = append(opts.ImageSets, docs.ImageSets...)
				objs, _, err := compile.Compile(docs.CoreDBs, opts)
				if err != nil {
					t.Fatal(err)
				}
				out, err := compile.Encode(objs, compile.FormatJSON)
				if err != nil {
					t.Fatal(err)
				}
				var list struct{ Items []map[string]any }
				if err := json.Unmarshal(out, &list); err != nil {
					t.Fatal(err)
				}
				for _, it := range list.Items {
					md, _ := it["metadata"].(map[string]any)
					w := placeholderWalker{t: t, obj: fmt.Sprintf("%v %v", it["kind"], md["name"])}
					w.walk(it, "", nil)
					checked += w.strings
				}
			})
		}
	}
	if checked < 10000 {
		t.Errorf("only %d strings checked over all examples", checked)
	}
}

var (
	shellPlaceholder = regexp.MustCompile(`\$\{[^}]*\}|\$\([^)]*\)`)
	kubeVarRef       = regexp.MustCompile(`\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)`)
	coredbName       = regexp.MustCompile(`\{name\}`)
	shellPath        = regexp.MustCompile(`(containers|initContainers)\[\d+\]\.(command|args)\[\d+\]$`)
	envValuePath     = regexp.MustCompile(`(containers|initContainers)\[\d+\]\.env\[(\d+)\]\.value$`)
)

type placeholderWalker struct {
	t       *testing.T
	obj     string
	strings int
}

// walk visits every string; env is the env names of the container being
// walked, in order.
func (w *placeholderWalker) walk(v any, path string, env []string) {
	switch v := v.(type) {
	case map[string]any:
		if list, ok := v["env"].([]any); ok && v["image"] != nil {
			env = nil
			for _, e := range list {
				if m, ok := e.(map[string]any); ok {
					env = append(env, fmt.Sprintf("%v", m["name"]))
				}
			}
		}
		for k, c := range v {
			w.walk(c, path+"."+k, env)
		}
	case []any:
		for i, c := range v {
			w.walk(c, fmt.Sprintf("%s[%d]", path, i), env)
		}
	case string:
		w.strings++
		if coredbName.MatchString(v) {
			w.t.Errorf("%s %s: coredb's placeholder {name} reached the output: %q", w.obj, path, clipString(v))
		}
		if !shellPlaceholder.MatchString(v) {
			return
		}
		switch {
		case strings.HasPrefix(v, "#!") && strings.HasPrefix(path, ".data."):
			return // a script the shell runs
		case shellPath.MatchString(path):
			return
		case envValuePath.MatchString(path):
			j, _ := strconv.Atoi(envValuePath.FindStringSubmatch(path)[2])
			for _, m := range kubeVarRef.FindAllStringSubmatch(v, -1) {
				if !slices.Contains(env[:min(j, len(env))], m[1]) {
					w.t.Errorf("%s %s: $(%s) is not an earlier env entry of the container, so Kubernetes leaves it as it is: %q", w.obj, path, m[1], clipString(v))
				}
			}
			if rest := kubeVarRef.ReplaceAllString(v, ""); shellPlaceholder.MatchString(rest) {
				w.t.Errorf("%s %s: placeholder nothing expands: %q", w.obj, path, clipString(v))
			}
			return
		}
		w.t.Errorf("%s %s: placeholder nothing expands: %q", w.obj, path, clipString(v))
	}
}

func clipString(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}
