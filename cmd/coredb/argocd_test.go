package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"
)

// cmpPlugin mirrors Argo CD's ConfigManagementPlugin (cmpserver/plugin/config.go,
// argo-cd v3.5). Argo CD decodes plugin.yaml leniently and ignores misspelled
// keys; this test decodes it strictly so a typo cannot hide.
type cmpPlugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version  string     `json:"version"`
		Init     cmpCommand `json:"init"`
		Generate cmpCommand `json:"generate"`
		Discover struct {
			FileName string `json:"fileName"`
			Find     struct {
				cmpCommand
				Glob string `json:"glob"`
			} `json:"find"`
		} `json:"discover"`
		Parameters struct {
			Static []struct {
				Name           string            `json:"name"`
				Title          string            `json:"title"`
				Tooltip        string            `json:"tooltip"`
				Required       bool              `json:"required"`
				ItemType       string            `json:"itemType"`
				CollectionType string            `json:"collectionType"`
				String         *string           `json:"string"`
				Array          []string          `json:"array"`
				Map            map[string]string `json:"map"`
			} `json:"static"`
			Dynamic cmpCommand `json:"dynamic"`
		} `json:"parameters"`
		PreserveFileMode bool `json:"preserveFileMode"`
		ProvideGitCreds  bool `json:"provideGitCreds"`
	} `json:"spec"`
}

type cmpCommand struct {
	Command []string `json:"command"`
	Args    []string `json:"args"`
}

func loadPlugin(t *testing.T) *cmpPlugin {
	t.Helper()
	src, err := os.ReadFile("../../deploy/argocd/plugin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var p cmpPlugin
	if err := yaml.UnmarshalStrict(src, &p); err != nil {
		t.Fatalf("plugin.yaml: %v", err)
	}
	if p.Kind != "ConfigManagementPlugin" || p.Metadata.Name == "" || p.Spec.Version == "" || len(p.Spec.Generate.Command) == 0 {
		t.Fatalf("plugin.yaml: want kind ConfigManagementPlugin, a name, a version and a generate command; got %+v", p)
	}
	return &p
}

// renderFlags is the flag set of `coredb render`, as Argo CD settings see it.
func renderFlags() *pflag.FlagSet {
	return newRenderCmd(nil, nil, nil).Flags()
}

// TestArgoCDPlugin_parameters: every parameter plugin.yaml announces is a
// render flag, and the default it shows is the one coredb applies (Argo CD
// never sends announced defaults to the plugin).
func TestArgoCDPlugin_parameters(t *testing.T) {
	p := loadPlugin(t)
	flags := renderFlags()
	if len(p.Spec.Parameters.Static) == 0 {
		t.Fatal("no parameters announced")
	}
	for _, param := range p.Spec.Parameters.Static {
		f := flags.Lookup(param.Name)
		if f == nil || !argoSettable(param.Name) {
			t.Errorf("parameter %q is not a render flag an Application may set", param.Name)
			continue
		}
		if param.String == nil || *param.String != f.DefValue {
			t.Errorf("parameter %q announces default %v; coredb's default is %q", param.Name, param.String, f.DefValue)
		}
	}
}

// TestArgoCDPlugin_application: the example Application names the plugin
// "<name>-<version>" (a wrong name silently turns the app into a plain
// directory app) and sets only real settings.
func TestArgoCDPlugin_application(t *testing.T) {
	p := loadPlugin(t)
	src, err := os.ReadFile("../../deploy/argocd/application.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var app struct {
		Spec struct {
			Source struct {
				Plugin struct {
					Name       string `json:"name"`
					Env        []struct{ Name, Value string }
					Parameters []struct {
						Name   string `json:"name"`
						String string `json:"string"`
					} `json:"parameters"`
				} `json:"plugin"`
			} `json:"source"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(src, &app); err != nil {
		t.Fatal(err)
	}
	plugin := app.Spec.Source.Plugin
	if want := p.Metadata.Name + "-" + p.Spec.Version; plugin.Name != want {
		t.Errorf("application.yaml: plugin.name = %q, want %q", plugin.Name, want)
	}
	var environ []string
	for _, e := range plugin.Env {
		environ = append(environ, "ARGOCD_ENV_"+e.Name+"="+e.Value)
	}
	params := `[`
	for i, prm := range plugin.Parameters {
		if i > 0 {
			params += ","
		}
		params += `{"name":"` + prm.Name + `","string":"` + prm.String + `"}`
	}
	environ = append(environ, "ARGOCD_APP_PARAMETERS="+params+"]")
	if err := applyArgoContext(renderFlags(), environ); err != nil {
		t.Errorf("application.yaml: %v", err)
	}
}

// TestArgoCDPlugin_generate runs the generate command of plugin.yaml exactly
// as argocd-cmp-server does: exec'd without a shell, in a fresh copy of the
// app directory (files 0644, no .git), with the build environment Argo CD
// sets (gitops.md §1.4). The stream must be what `coredb render` prints for
// the same settings; failures must exit non-zero with nothing on stdout.
func TestArgoCDPlugin_generate(t *testing.T) {
	p := loadPlugin(t)
	argv := append(slices.Clone(p.Spec.Generate.Command), p.Spec.Generate.Args...)
	if _, err := exec.LookPath(argv[0]); err != nil {
		t.Fatalf("%s is not on PATH (testscript puts the test binary there): %v", argv[0], err)
	}
	examples := func(names ...string) map[string]string {
		files := map[string]string{
			"README.md": "# orders\n",
			// Argo CD's parameter override file: YAML, but not a CoreDB.
			".argocd-source-orders.yaml": "plugin:\n  env: []\n",
		}
		for _, n := range names {
			src, err := os.ReadFile(filepath.Join("../../examples", n+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			files[n+".coredb.yaml"] = string(src)
		}
		return files
	}
	argoEnv := []string{
		"ARGOCD_APP_NAME=apps_orders", // an app in any namespace: not a DNS name
		"ARGOCD_APP_NAMESPACE=shop",
		"ARGOCD_APP_PROJECT_NAME=default",
		"ARGOCD_APP_REVISION=0123456789abcdef0123456789abcdef01234567",
		"ARGOCD_APP_REVISION_SHORT=0123456",
		"ARGOCD_APP_REVISION_SHORT_8=01234567",
		"ARGOCD_APP_SOURCE_PATH=databases/orders",
		"ARGOCD_APP_SOURCE_REPO_URL=https://git.example.com/platform/databases.git",
		"ARGOCD_APP_SOURCE_TARGET_REVISION=main",
		"KUBE_VERSION=1.37.2",
		"KUBE_API_VERSIONS=v1,apps/v1,batch/v1,postgresql.cnpg.io/v1",
		"ARGOCD_ENV_COREDB_PROTECT_CLUSTER=true",
		"ARGOCD_ENV_COREDB_TRUNK_REGISTRY=", // Argo CD 3 passes empty values too
		`ARGOCD_APP_PARAMETERS=[{"name":"cnpg-version","string":"1.28"}]`,
	}
	tests := []struct {
		name      string
		files     map[string]string
		env       []string
		match     bool     // discovery matches
		wantArgs  []string // coredb render arguments giving the same stream; nil: must fail
		wantError string
	}{
		{
			name:     "two databases",
			files:    examples("minimal", "stack-oltp-small"),
			env:      argoEnv,
			match:    true,
			wantArgs: []string{"render", "-n", "shop", "--protect-cluster", "--cnpg-version", "1.28", "minimal.coredb.yaml", "stack-oltp-small.coredb.yaml"},
		},
		{
			name:      "no CoreDB in the directory",
			files:     map[string]string{"deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\n"},
			env:       argoEnv,
			wantError: "no files match *.coredb.yaml",
		},
		{
			name:      "a CoreDB file with no document",
			files:     map[string]string{"orders.coredb.yaml": "# nothing yet\n"},
			env:       argoEnv,
			match:     true,
			wantError: "no CoreDB documents found",
		},
		{
			name:      "a misspelled plugin env entry",
			files:     examples("minimal"),
			env:       append(slices.Clone(argoEnv), "ARGOCD_ENV_COREDB_PROTECT_CLUSER=true"),
			match:     true,
			wantError: "plugin env COREDB_PROTECT_CLUSER",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			matches, err := filepath.Glob(filepath.Join(dir, p.Spec.Discover.FileName))
			if err != nil {
				t.Fatal(err)
			}
			if got := len(matches) > 0; got != tt.match {
				t.Errorf("discovery %q matches = %v, want %v", p.Spec.Discover.FileName, got, tt.match)
			}
			before := listDir(t, dir)

			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Dir = dir
			// No HOME and nothing else of ours: only PATH and Argo CD's variables.
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "TMPDIR=" + t.TempDir()}, tt.env...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err = cmd.Run()

			if after := listDir(t, dir); !slices.Equal(before, after) {
				t.Errorf("the app directory changed: %q -> %q", before, after)
			}
			if tt.wantArgs == nil {
				if err == nil {
					t.Fatalf("exit 0 with %d bytes of stdout; want a failure (Argo CD would prune everything on an empty success)", stdout.Len())
				}
				if stdout.Len() > 0 {
					t.Errorf("stdout must be empty on failure, got %q", stdout.String())
				}
				if !strings.Contains(stderr.String(), tt.wantError) {
					t.Errorf("stderr = %q, want it to mention %q", stderr.String(), tt.wantError)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v; stderr:\n%s", err, stderr.String())
			}
			want := runIn(t, dir, tt.wantArgs...)
			if diff := cmp.Diff(want, stdout.String()); diff != "" {
				t.Errorf("generate output differs from coredb %s (-want +got):\n%s", strings.Join(tt.wantArgs, " "), diff)
			}
			checkArgoStream(t, stdout.Bytes(), "shop")
		})
	}
}

// checkArgoStream reads the stream the way Argo CD does (split into
// documents, skip empty ones, each an object with apiVersion, kind and a
// name) and checks every object landed in the namespace.
func checkArgoStream(t *testing.T, out []byte, namespace string) {
	t.Helper()
	n := 0
	for _, doc := range strings.Split(string(out), "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var obj struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name, Namespace string
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatalf("document %d: %v", n+1, err)
		}
		if obj.APIVersion == "" || obj.Kind == "" || obj.Metadata.Name == "" {
			t.Errorf("document %d is not an object Argo CD can track: %+v", n+1, obj)
		}
		if obj.Metadata.Namespace != namespace {
			t.Errorf("%s %s: namespace %q, want the destination %q", obj.Kind, obj.Metadata.Name, obj.Metadata.Namespace, namespace)
		}
		n++
	}
	if n == 0 {
		t.Error("no objects")
	}
}

// runIn runs `coredb ARGS` in dir with a clean environment; it must succeed.
func runIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("coredb", args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("coredb %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
