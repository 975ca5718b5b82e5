package compile

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const header = "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata:\n  name: x\n"

func loadErrs(t *testing.T, src string) []string {
	t.Helper()
	_, warns, err := Load("db.yaml", []byte(src))
	var out []string
	for _, w := range warns {
		out = append(out, w.Error())
	}
	if err != nil {
		for _, e := range err.(ErrorList) {
			out = append(out, e.Error())
		}
	}
	return out
}

// TestLoad_pgConfigLiterals: values keep the text the user wrote, whatever
// YAML would have made of it.
func TestLoad_pgConfigLiterals(t *testing.T) {
	src := header + `spec:
  runtime_config:
    - {name: a, value: on}
    - {name: b, value: 0.05}
    - {name: c, value: -1}
    - {name: d, value: 1000}
    - {name: e, value: "1.10"}
    - {name: f, value: 1.10}
    - {name: g, value: 'off'}
    - {name: h, value: 0x1F}
    - {name: i, value: ""}
`
	dbs, _, err := Load("db.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range dbs[0].Spec.RuntimeConfig {
		got = append(got, c.Value)
	}
	want := []string{"on", "0.05", "-1", "1000", "1.10", "1.10", "off", "0x1F", ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("literal values changed (-want +got):\n%s", diff)
	}
}

func TestLoad_errors(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		want      []string
	}{
		{"unknown field with suggestion", header + "spec:\n  trunk_install: []\n",
			[]string{`db.yaml:6:3: spec.trunk_install: unknown field "trunk_install" (did you mean "trunk_installs"?)`}},
		{"camelCase instead of Tembo's snake_case", header + "spec:\n  runtimeConfig: []\n",
			[]string{`db.yaml:6:3: spec.runtimeConfig: unknown field "runtimeConfig" (did you mean "runtime_config"?)`}},
		{"far-off field has no suggestion", header + "spec:\n  zzzzzzzzzz: 1\n",
			[]string{`db.yaml:6:3: spec.zzzzzzzzzz: unknown field "zzzzzzzzzz"`}},
		{"list where a mapping is expected", header + "spec:\n  stack: [a]\n",
			[]string{`db.yaml:6:10: spec.stack: must be a mapping, got a list`}},
		{"int out of range", header + "spec:\n  replicas: 99999999999\n",
			[]string{`db.yaml:6:13: spec.replicas: 99999999999 is out of range for a 32-bit integer`}},
		{"string where an int is expected", header + "spec:\n  replicas: two\n",
			[]string{`db.yaml:6:13: spec.replicas: must be an integer, got "two"`}},
		{"kubernetes types use kubectl's keys", header + "spec:\n  resources: {limit: {cpu: 1}}\n",
			[]string{`db.yaml:6:15: spec.resources.limit: unknown field "limit" (did you mean "limits"?)`}},
		{"duplicate map key", header + "spec:\n  connectionPooler:\n    pooler:\n      parameters: {a: '1', a: '2'}\n",
			[]string{`db.yaml:8:28: spec.connectionPooler.pooler.parameters[a]: duplicate key "a" (first at line 8)`}},
		{"not a mapping", "- a\n- b\n", []string{`db.yaml:1:1: a CoreDB document must be a mapping, got a list`}},
		{"empty file", "# nothing\n", []string{`db.yaml: no CoreDB documents found`}},
		{"ignored field warns", header + "spec:\n  postgresExporterImage: x\n",
			[]string{`db.yaml:6:3: spec.postgresExporterImage: warning: Tembo ignores this field and so does coredb`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, loadErrs(t, tt.src)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoad_mergeKeys: YAML merge keys work, explicit keys win.
func TestLoad_mergeKeys(t *testing.T) {
	src := header[:len(header)-len("  name: x\n")] + "  name: x\n  labels: {tier: &t gold}\nspec:\n  <<: {replicas: 2, storage: 5Gi}\n  replicas: 3\n  storageClass: *t\n"
	dbs, _, err := Load("db.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s := dbs[0].Spec
	if *s.Replicas != 3 || s.Storage.String() != "5Gi" || s.StorageClass != "gold" {
		t.Errorf("merge/alias not applied: replicas=%d storage=%s class=%q", *s.Replicas, s.Storage.String(), s.StorageClass)
	}
}

// TestLoad_aliasBomb: a "billion laughs" document is refused quickly with a
// clear message instead of expanding.
func TestLoad_aliasBomb(t *testing.T) {
	// Nest aliases 8 levels deep through metrics.queries (free-form).
	src := header + "spec:\n  metrics:\n    queries:\n      l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 1; i < 9; i++ {
		src += "      l" + string(rune('0'+i)) + ": &l" + string(rune('0'+i)) + " [" + strings.Repeat("*l"+string(rune('0'+i-1))+", ", 9) + "*l" + string(rune('0'+i-1)) + "]\n"
	}
	start := time.Now()
	errs := loadErrs(t, src)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("alias bomb took %v", d)
	}
	if len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), "alias") {
		t.Errorf("alias bomb not refused: %v", errs)
	}
}

// TestLoad_syntaxError: a YAML syntax error is one error with a line.
// (yaml.v3 reports the line where the broken construct starts, and no column.)
func TestLoad_syntaxError(t *testing.T) {
	errs := loadErrs(t, header+"spec:\n  replicas: [1\n")
	if len(errs) != 1 || !strings.HasPrefix(errs[0], "db.yaml:") || !strings.Contains(errs[0], ": invalid YAML: did not find expected ',' or ']'") {
		t.Errorf("got %q", errs)
	}
}

// TestLoad_sizeLimit: inputs over 8 MiB are refused before parsing.
func TestLoad_sizeLimit(t *testing.T) {
	src := append([]byte(header), bytes.Repeat([]byte("# padding\n"), MaxInputSize/10+1)...)
	errs := loadErrs(t, string(src))
	if len(errs) != 1 || !strings.Contains(errs[0], "the limit is 8388608 (8 MiB)") {
		t.Errorf("got %v", errs)
	}
}

// TestLoad_multiDocument: every document of a file is a CoreDB; errors of
// all documents come back together.
func TestLoad_multiDocument(t *testing.T) {
	src := header + "---\n" + strings.Replace(header, "name: x", "name: y", 1) + "spec: {replica: 1}\n---\n" + strings.Replace(header, "name: x", "name: z", 1) + "spec: {stop: 1}\n"
	got := loadErrs(t, src)
	want := []string{
		`db.yaml:10:8: spec.replica: unknown field "replica" (did you mean "replicas"?)`,
		`db.yaml:16:14: spec.stop: must be true or false, got "1"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
