package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustJSON(t *testing.T, s string) obj {
	t.Helper()
	var m obj
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// summary renders findings as "D path" (drift) and "A pattern path" lines.
func summary(fs []finding) []string {
	var out []string
	for _, f := range fs {
		if f.drift {
			out = append(out, "D "+f.path+" "+compact(f.ours)+" -> "+compact(f.server))
		} else {
			out = append(out, "A "+f.pattern+" "+f.path)
		}
	}
	return out
}

func TestCompareObject(t *testing.T) {
	ours := mustJSON(t, `{
	  "apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
	  "metadata": {"name": "db", "labels": {"a": "1"}},
	  "spec": {
	    "instances": 1,
	    "postgresql": {"parameters": {"work_mem": "5MB"}},
	    "monitoring": {"customQueriesConfigMap": [{"name": "mine", "key": "q"}]},
	    "containers": [{"name": "c"}],
	    "storage": {"size": "8Gi", "storageClass": "fast"}
	  }}`)
	server := mustJSON(t, `{
	  "apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
	  "metadata": {"name": "db", "namespace": "default", "uid": "u", "generation": 1,
	    "resourceVersion": "7", "creationTimestamp": "2026-01-01T00:00:00Z",
	    "labels": {"a": "1", "added.by/server": "x"},
	    "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}},
	  "spec": {
	    "instances": 1.0,
	    "postgresql": {"parameters": {"work_mem": "4MB", "archive_mode": "on", "cron.host": "/x"}},
	    "monitoring": {"customQueriesConfigMap": [{"name": "cnpg-default-monitoring", "key": "queries"}, {"name": "mine", "key": "q"}]},
	    "containers": [{"name": "c", "imagePullPolicy": "IfNotPresent"}],
	    "storage": {"size": "8Gi"},
	    "probes": {"liveness": {"isolationCheck": {"enabled": true}}}
	  },
	  "status": {"phase": "x"}}`)
	got := summary(compareObject(ours, server))
	want := []string{
		`A .metadata.labels.* .metadata.labels["added.by/server"]`,
		`A .spec.containers[*].imagePullPolicy .spec.containers[0].imagePullPolicy`,
		// a list the server extends is a difference Argo CD shows forever
		`D .spec.monitoring.customQueriesConfigMap [{"key":"q","name":"mine"}] -> [{"key":"queries","name":"cnpg-default-monitoring"},{"key":"q","name":"mine"}]`,
		`D .spec.postgresql.parameters.work_mem "5MB" -> "4MB"`,
		`A .spec.postgresql.parameters.* .spec.postgresql.parameters.archive_mode`,
		`A .spec.postgresql.parameters.* .spec.postgresql.parameters["cron.host"]`,
		`D .spec.storage.storageClass "fast" -> <absent>`,
		// a map the server adds is split into its leaves
		`A .spec.probes.liveness.isolationCheck.enabled .spec.probes.liveness.isolationCheck.enabled`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
}

func TestCompareObjectIdentical(t *testing.T) {
	o := mustJSON(t, `{"kind": "ConfigMap", "metadata": {"name": "x", "annotations": {"a": "b"}}, "data": {"k": "v"}}`)
	s := mustJSON(t, `{"kind": "ConfigMap", "metadata": {"name": "x", "uid": "u", "annotations": {"a": "b", "kubectl.kubernetes.io/last-applied-configuration": "{}"}}, "data": {"k": "v"}}`)
	if got := compareObject(o, s); len(got) != 0 {
		t.Errorf("want no findings, got %v", summary(got))
	}
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{".spec.postgresql.parameters.*", ".spec.postgresql.parameters.*", true},
		{".spec.*", ".spec.template.spec.containers[*].imagePullPolicy", true},
		{".spec.*", ".metadata.labels.*", false},
		{".spec.enablePDB", ".spec.enablePDB", true},
		{".spec.enablePDB", ".spec.enablePDBs", false},
		{".spec.ports[*].nodePort", ".spec.ports[*].nodePort", true},
		{".a.*.c", ".a.b.x.c", true},
		{".a.*.c", ".a.b.x.d", false},
	} {
		if got := glob(c.p, c.s); got != c.want {
			t.Errorf("glob(%q, %q) = %v, want %v", c.p, c.s, got, c.want)
		}
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func job(name, component, script string) string {
	return `apiVersion: batch/v1
kind: Job
metadata:
  name: ` + name + `
  namespace: ns
  labels: {app.kubernetes.io/component: ` + component + `}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: i, command: [sh, -c, "` + script + `"]}]
`
}

func TestJobs(t *testing.T) {
	old := job("db-trunk-aaa", "trunk", "trunk install a") + "---\n" + job("db-sql-bbb", "sql", "psql one")
	for _, c := range []struct {
		name, new string
		fail      string // substring of the expected violation, "" for none
	}{
		{"content-addressed", job("db-trunk-ccc", "trunk", "trunk install a b") + "---\n" + job("db-sql-bbb", "sql", "psql one"), ""},
		{"same name, new spec", job("db-trunk-aaa", "trunk", "trunk install a b") + "---\n" + job("db-sql-bbb", "sql", "psql one"), "keeps its name but its spec changed"},
		{"new name, same content", job("db-trunk-ccc", "trunk", "trunk install a") + "---\n" + job("db-sql-bbb", "sql", "psql one"), "has the content of"},
		{"nothing renamed", old, "gave no Job a new name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			err := cmdJobs(&out, writeFile(t, "old.yaml", old), writeFile(t, "new.yaml", c.new))
			if c.fail == "" {
				if err != nil {
					t.Fatalf("unexpected violation:\n%s", out.String())
				}
				if !strings.Contains(out.String(), "NEW\tns/db-trunk-ccc\treplaces ns/db-trunk-aaa") || !strings.Contains(out.String(), "SAME\tns/db-sql-bbb") {
					t.Errorf("report:\n%s", out.String())
				}
				return
			}
			if err == nil || !strings.Contains(out.String(), c.fail) {
				t.Errorf("want a violation %q, got err=%v:\n%s", c.fail, err, out.String())
			}
		})
	}
}

func TestPlan(t *testing.T) {
	render := `apiVersion: v1
kind: ConfigMap
metadata: {name: db-trunk-script, namespace: ns}
data: {install.sh: "for p in $(kubectl get pods -o name); do kubectl exec $p -- trunk install x; done"}
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: db, namespace: ns}
---
apiVersion: batch/v1
kind: Job
metadata: {name: db-trunk-1, namespace: ns, labels: {app.kubernetes.io/instance: db}}
spec:
  template:
    spec:
      serviceAccountName: db-trunk
      containers: [{name: c, image: i, command: [sh, /scripts/install.sh]}]
      volumes: [{name: s, configMap: {name: db-trunk-script}}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: db-sql-1, namespace: ns}
spec:
  template:
    spec:
      containers: [{name: c, image: i, command: [psql, -f, /sql/a.sql]}]
`
	objs, err := readObjects(writeFile(t, "r.yaml", render))
	if err != nil {
		t.Fatal(err)
	}
	checks := plan(jobInfos(objs), "elsewhere")
	got := map[string]string{}
	for _, c := range checks {
		key := c.sa + " " + c.verb + " " + c.target
		if c.subresource != "" {
			key += "/" + c.subresource
		}
		if c.namespace != c.saNamespace {
			key += " @" + c.namespace
		}
		got[key] = c.want
	}
	for key, want := range map[string]string{
		// the kubectl Job: exactly what kubectl exec into the instances needs
		"db-trunk get pods":                                 "yes",
		"db-trunk list pods":                                "yes",
		"db-trunk create pods/exec":                         "yes",
		"db-trunk get clusters.postgresql.cnpg.io/db":       "yes",
		"db-trunk get clusters.postgresql.cnpg.io/db-other": "no",
		"db-trunk get secrets":                              "no",
		"db-trunk delete pods":                              "no",
		"db-trunk patch clusters.postgresql.cnpg.io/db":     "no",
		"db-trunk get pods @elsewhere":                      "no",
		"db-trunk list pods @":                              "no",
		// the SQL Job runs as "default" and needs no API access at all
		"default get pods":                           "no",
		"default create pods/exec":                   "no",
		"default get clusters.postgresql.cnpg.io/db": "no",
	} {
		if got[key] != want {
			t.Errorf("%s: want %q, got %q", key, want, got[key])
		}
	}
}

func TestAdded(t *testing.T) {
	known := writeFile(t, "known.txt", `# comment
Cluster .spec.postgresql.parameters.*   webhook:parameters
Cluster .spec.enablePDB                 crd-default
Cluster .spec.logLevel                  crd-default
`)
	tsv := strings.Join([]string{
		"OBJECT\ta.yaml\tCluster/a",
		"ADDED\ta.yaml\tCluster/a\t.spec.postgresql.parameters.*\t.spec.postgresql.parameters.archive_mode\t\"on\"",
		"ADDED\ta.yaml\tCluster/a\t.spec.enablePDB\t.spec.enablePDB\ttrue",
		"ADDED\ta.yaml\tCluster/a\t.spec.logLevel\t.spec.logLevel\t\"info\"",
		"OBJECT\tb.yaml\tCluster/b",
		"ADDED\tb.yaml\tCluster/b\t.spec.postgresql.parameters.*\t.spec.postgresql.parameters.archive_mode\t\"on\"",
		"ADDED\tb.yaml\tCluster/b\t.spec.postgresql.parameters.*\t.spec.postgresql.parameters[\"cron.host\"]\t\"/x\"",
		"ADDED\tb.yaml\tCluster/b\t.spec.probes.liveness.enabled\t.spec.probes.liveness.enabled\ttrue",
		"ADDED\tb.yaml\tCluster/b\t.spec.logLevel\t.spec.logLevel\t\"debug\"",
		"OBJECT\tb.yaml\tJob/j",
	}, "\n")
	var out bytes.Buffer
	if err := cmdAdded(&out, known, writeFile(t, "added.tsv", tsv)); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(strings.Fields(out.String()), " ")
	want := strings.Join([]string{
		"! Cluster .spec.probes.liveness.enabled 1/2 true",
		`Cluster [crd-default] 2/2 enablePDB=true, logLevel (2 values)`,
		`Cluster [webhook:parameters] .spec.postgresql.parameters.* 2/2 archive_mode="on", ["cron.host"]="/x"`,
		"1 group(s) marked ! are not in " + known + ": explain them in docs/e2e.md and add them there",
	}, " ")
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
}

func TestPaths(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{".spec.postgresql.parameters.archive_mode", []string{"spec", "postgresql", "parameters", "archive_mode"}},
		{`.metadata.annotations["a.b/c"]`, []string{"metadata", "annotations", "a.b/c"}},
	} {
		got, err := jqPath(c.in)
		if err != nil || !cmp.Equal(got, c.want) {
			t.Errorf("jqPath(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{".spec | .x", ".spec[]", "spec.x", ""} {
		if _, err := jqPath(bad); err == nil {
			t.Errorf("jqPath(%q): want an error", bad)
		}
	}
	got, err := jsonPointer("/metadata/annotations/a.b~1c~0d")
	if want := []string{"metadata", "annotations", "a.b/c~d"}; err != nil || !cmp.Equal(got, want) {
		t.Errorf("jsonPointer = %q, %v; want %q", got, err, want)
	}
}

func TestIgnoreCheck(t *testing.T) {
	doc := "text\n```yaml\nother: 1\n```\n```yaml\nignoreDifferences:\n  - group: postgresql.cnpg.io\n    kind: Cluster\n" +
		"    jqPathExpressions:\n      - .spec.postgresql.parameters.archive_mode\n    jsonPointers:\n      - /spec/logLevel\n```\n"
	render := "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: db}\nspec: {instances: 1, postgresql: {parameters: {work_mem: 4MB}}}\n"
	check := func(serverSpec string) (string, error) {
		server := `{"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {"name": "db"}, "spec": ` + serverSpec + `}`
		pairs := "x.yaml\t" + writeFile(t, "r.yaml", render) + "\t" + writeFile(t, "s.json", server) + "\n"
		var out bytes.Buffer
		err := cmdIgnoreCheck(&out, writeFile(t, "doc.md", doc), ".spec.enablePDB", writeFile(t, "pairs.tsv", pairs))
		return out.String(), err
	}
	if out, err := check(`{"instances": 1, "logLevel": "info", "enablePDB": true, "postgresql": {"parameters": {"work_mem": "4MB", "archive_mode": "on"}}}`); err != nil {
		t.Errorf("a snippet that removes exactly the additions failed:\n%s", out)
	}
	if out, err := check(`{"instances": 1, "logLevel": "info", "startDelay": 3600, "postgresql": {"parameters": {"work_mem": "4MB"}}}`); err == nil || !strings.Contains(out, "misses a CNPG default: .spec.startDelay") {
		t.Errorf("want a missed default, got %v:\n%s", err, out)
	}
	render = strings.Replace(render, "instances: 1,", "instances: 1, logLevel: debug,", 1)
	if out, err := check(`{"instances": 1, "logLevel": "debug", "postgresql": {"parameters": {"work_mem": "4MB"}}}`); err == nil || !strings.Contains(out, "removes what coredb writes: .spec.logLevel") {
		t.Errorf("want a removed coredb field, got %v:\n%s", err, out)
	}
}

func TestFlags(t *testing.T) {
	dir := t.TempDir()
	table := filepath.Join(dir, "flags.txt")
	if err := os.WriteFile(table, []byte("# c\nexamples/a.yaml cnpg --drop-unavailable --superuser-access\nconformance/x/b.yaml tembo ! --superuser-access\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, target, want string }{
		{"examples/a.yaml", "cnpg", "--target=cnpg\n--drop-unavailable\n--superuser-access\n"},
		{"examples/a.yaml", "tembo", "--target=tembo\n"},
		{"conformance/x/b.yaml", "tembo", "!\n--target=tembo\n--superuser-access\n"},
	} {
		var out, errb bytes.Buffer
		if rc := run([]string{"flags", "-table", table, tc.path, tc.target}, &out, &errb); rc != exitOK || out.String() != tc.want {
			t.Errorf("flags %s %s: rc %d, got %q (%s), want %q", tc.path, tc.target, rc, out.String(), errb.String(), tc.want)
		}
	}
	var out, errb bytes.Buffer
	if rc := run([]string{"flags", "-table", table, "examples/a.yaml", "kind"}, &out, &errb); rc != exitUsage {
		t.Errorf("unknown target: rc %d, want %d", rc, exitUsage)
	}
}

// runtimeEnv is a fake installation: a temporary extension and library
// directory holding exactly the files named.
func runtimeEnv(t *testing.T, exts, libs []string) runEnv {
	dir := t.TempDir()
	env := runEnv{major: "15", extDir: filepath.Join(dir, "ext"), libDir: filepath.Join(dir, "lib")}
	for _, d := range []string{env.extDir, env.libDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range exts {
		os.WriteFile(filepath.Join(env.extDir, e+".control"), nil, 0o644)
	}
	for _, l := range libs {
		os.WriteFile(filepath.Join(env.libDir, l+".so"), nil, 0o644)
	}
	return env
}

func renderObjs(t *testing.T, y string) []obj {
	f := filepath.Join(t.TempDir(), "r.yaml")
	if err := os.WriteFile(f, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	objs, err := readObjects(f)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

const runtimeRender = `apiVersion: v1
kind: ConfigMap
metadata:
  name: NAME-extensions-1
  labels: {app.kubernetes.io/component: extension-sql}
data:
  databases: |
    db-001
  db-001.dbname: postgres
  db-001.sql: |
    CREATE EXTENSION IF NOT EXISTS "vector" CASCADE;
    CREATE EXTENSION IF NOT EXISTS "pg_cron" SCHEMA "cron" CASCADE;
    DROP EXTENSION IF EXISTS "embedding" RESTRICT;
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: NAME}
spec:
  bootstrap: {initdb: {database: app, owner: app}}
  imageName: ghcr.io/cloudnative-pg/postgresql:15.19-standard-trixie@sha256:abc
  postgresql:
    parameters: {shared_buffers: 1024MB, cron.database_name: postgres}
    shared_preload_libraries: [pg_stat_statements, pg_cron]
---
apiVersion: postgresql.cnpg.io/v1
kind: Database
metadata: {name: NAME-app}
spec:
  name: app
  owner: app
  cluster: {name: NAME}
  extensions: [{name: citext, ensure: present, version: "1.6"}, {name: hstore, ensure: absent}]
`

func TestRunPlan(t *testing.T) {
	env := runtimeEnv(t, []string{"vector", "pg_cron", "citext"}, []string{"pg_stat_statements", "pg_cron"})
	p := makeRunPlan(renderObjs(t, strings.ReplaceAll(runtimeRender, "NAME", "orders")), env)
	if len(p.skips) != 0 {
		t.Fatalf("skips %v, want none", p.skips)
	}
	want := []extWant{
		{db: "postgres", name: "vector", present: true},
		{db: "postgres", name: "pg_cron", present: true, schema: "cron"},
		{db: "postgres", name: "embedding"},
		{db: "app", name: "citext", present: true, version: "1.6"},
		{db: "app", name: "hstore"},
	}
	if d := cmp.Diff(want, p.wants, cmp.AllowUnexported(extWant{})); d != "" {
		t.Errorf("wants (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][2]string{{"cron.database_name", "postgres"}, {"shared_buffers", "1024MB"}, {"shared_preload_libraries", "pg_stat_statements,pg_cron"}}, p.params); d != "" {
		t.Errorf("params (-want +got):\n%s", d)
	}
	// Another name, same runtime: the same key; another setting: another key.
	if q := makeRunPlan(renderObjs(t, strings.ReplaceAll(runtimeRender, "NAME", "billing")), env); q.key != p.key {
		t.Errorf("key differs by name only: %s vs %s", p.key, q.key)
	}
	if q := makeRunPlan(renderObjs(t, strings.ReplaceAll(strings.ReplaceAll(runtimeRender, "NAME", "orders"), "1024MB", "512MB")), env); q.key == p.key {
		t.Errorf("key is the same for different settings")
	}

	for _, tc := range []struct{ edit, reason string }{
		{"15.19-standard", "Postgres major of"},
		{"initdb: {database: app, owner: app}", "bootstrap is not initdb"},
		{"pg_stat_statements, pg_cron]", "preload library pg_later"},
		{"\"vector\" CASCADE", "extension pgml"},
		{"shared_preload_libraries:", "image-volume extensions"},
	} {
		y := strings.ReplaceAll(runtimeRender, "NAME", "orders")
		switch tc.reason {
		case "Postgres major of":
			y = strings.Replace(y, tc.edit, "16.1-standard", 1)
		case "bootstrap is not initdb":
			y = strings.Replace(y, tc.edit, "recovery: {source: x}", 1)
		case "preload library pg_later":
			y = strings.Replace(y, tc.edit, "pg_stat_statements, pg_cron, pg_later]", 1)
		case "extension pgml":
			y = strings.Replace(y, tc.edit, "\"pgml\" CASCADE", 1)
		default:
			y = strings.Replace(y, tc.edit, "extensions: [{name: x, image: {reference: y}}]\n    shared_preload_libraries:", 1)
		}
		p := makeRunPlan(renderObjs(t, y), env)
		if len(p.skips) == 0 || !strings.Contains(strings.Join(p.skips, "; "), tc.reason) {
			t.Errorf("%s: skips %q, want one containing %q", tc.reason, p.skips, tc.reason)
		}
	}
}

func TestSameSetting(t *testing.T) {
	for _, tc := range []struct {
		want, got string
		same      bool
	}{
		{"1024MB", "1GB", true},
		{"2867MB", "2867MB", true},
		{"204MB", "208896kB", true},
		{"200ms", "200ms", true},
		{"60s", "1min", true},
		{"on", "on", true},
		{"true", "on", true},
		{"off", "on", false},
		{"1024MB", "1023MB", false},
		{"1GB", "1s", false},
		{"pg_stat_statements,pg_cron", "pg_stat_statements, pg_cron", true},
		{"pg_cron,pg_stat_statements", "pg_stat_statements,pg_cron", false},
		{"all", "top", false},
		{"100", "100", true},
	} {
		if got := sameSetting("x", tc.want, tc.got); got != tc.same {
			t.Errorf("sameSetting(%q, %q) = %v, want %v", tc.want, tc.got, got, tc.same)
		}
	}
}

func TestExtCheck(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan")
	os.WriteFile(plan, []byte("EXPECT\tpostgres\tvector\tpresent\t\t\nEXPECT\tpostgres\tearthdistance\tpresent\t\t\nEXPECT\tapp\tcitext\tpresent\tpublic\t1.6\nEXPECT\tapp\thstore\tabsent\t\t\n"), 0o644)
	good := "STATE\tpostgres\tplpgsql\t1.0\tpg_catalog\t\tt\t0\n" +
		"STATE\tpostgres\tvector\t0.8.0\tpublic\t\tt\t0\n" +
		"STATE\tpostgres\tcube\t1.5\tpublic\tearthdistance\tt\t0\n" +
		"STATE\tpostgres\tearthdistance\t1.1\tpublic\t\tt\t0\n" +
		"STATE\tapp\tcitext\t1.6\tpublic\t\tt\t0\n"
	for _, tc := range []struct {
		name, state, want string
	}{
		{"good", good, ""},
		{"missing", strings.Replace(good, "STATE\tpostgres\tvector\t0.8.0\tpublic\t\tt\t0\n", "", 1), "vector is declared but not installed"},
		{"not dropped", good + "STATE\tapp\thstore\t1.8\tpublic\t\tt\t0\n", "hstore is declared absent but installed"},
		{"undeclared", good + "STATE\tapp\tpgcrypto\t1.3\tpublic\t\tt\t0\n", "pgcrypto is installed but not declared"},
		{"kept from before", good + "STATE\tapp\tpg_cron\t1.4\tpg_catalog\t\tt\t0\n", "pg_cron is installed but not declared"},
		{"version", strings.Replace(good, "citext\t1.6", "citext\t1.5", 1), "citext is version 1.5, declared 1.6"},
		{"schema", strings.Replace(good, "citext\t1.6\tpublic", "citext\t1.6\text", 1), "citext is in schema ext, declared public"},
		{"no usage", strings.Replace(good, "citext\t1.6\tpublic\t\tt", "citext\t1.6\tpublic\t\tf", 1), "no USAGE"},
		{"no execute", strings.Replace(good, "vector\t0.8.0\tpublic\t\tt\t0", "vector\t0.8.0\tpublic\t\tt\t3", 1), "cannot execute 3 function(s)"},
	} {
		state := filepath.Join(dir, "state")
		os.WriteFile(state, []byte(tc.state), 0o644)
		var out bytes.Buffer
		err := cmdExtCheck(&out, plan, state, "")
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v: %s", tc.name, err, out.String())
			}
		} else if err == nil || !strings.Contains(out.String(), tc.want) {
			t.Errorf("%s: err %v, output %q, want %q", tc.name, err, out.String(), tc.want)
		}
	}
}

func TestExtCheckKeptFromBefore(t *testing.T) {
	dir := t.TempDir()
	plan, state, prev := filepath.Join(dir, "plan"), filepath.Join(dir, "state"), filepath.Join(dir, "prev")
	os.WriteFile(plan, []byte("EXPECT\tapp\tcitext\tpresent\t\t\n"), 0o644)
	os.WriteFile(state, []byte("STATE\tapp\tcitext\t1.6\tpublic\t\tt\t0\nSTATE\tapp\tpg_cron\t1.4\tpg_catalog\t\tt\t0\n"), 0o644)
	os.WriteFile(prev, []byte("STATE\tapp\tpg_cron\t1.4\tpg_catalog\t\tt\t0\n"), 0o644)
	var out bytes.Buffer
	if err := cmdExtCheck(&out, plan, state, prev); err != nil {
		t.Errorf("an entry removed from the spec stays installed: %v: %s", err, out.String())
	}
	os.WriteFile(prev, nil, 0o644)
	out.Reset()
	if err := cmdExtCheck(&out, plan, state, prev); err == nil {
		t.Errorf("pg_cron appeared without a declaration, and extcheck passed")
	}
}

func TestPGLog(t *testing.T) {
	f := filepath.Join(t.TempDir(), "instance.log")
	log := `{"level":"info","msg":"starting"}
{"level":"info","logger":"postgres","record":{"error_severity":"LOG","message":"starting PostgreSQL 15"}}
{"level":"info","logger":"postgres","record":{"error_severity":"FATAL","message":"could not access file \"pg_later\": No such file or directory"}}
not json
{"level":"info","logger":"pg_ctl","msg":"waiting for server to start....2026-12-02 12:40:29.264 UTC [26920] FATAL:  could not access file \"pg_cron\": No such file or directory","pipe":"stdout"}
{"level":"info","logger":"postgres","record":{"error_severity":"FATAL","message":"could not access file \"pg_later\": No such file or directory"}}
`
	os.WriteFile(f, []byte(log), 0o644)
	var out bytes.Buffer
	if err := cmdPGLog(&out, []string{f, filepath.Join(t.TempDir(), "missing.log")}); err != nil {
		t.Fatal(err)
	}
	if want := "FATAL:  could not access file \"pg_later\": No such file or directory\nFATAL:  could not access file \"pg_cron\": No such file or directory\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestOneInstance(t *testing.T) {
	src := "apiVersion: postgresql.cnpg.io/v1\nkind: Pooler\nspec:\n  instances: 2\n---\napiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: x}\nspec:\n  instances: 3\n  storage: {size: 1Gi}\n"
	want := strings.Replace(src, "  instances: 3", "  instances: 1", 1)
	if got := string(oneInstance([]byte(src))); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestSameInUnit(t *testing.T) {
	for _, tc := range []struct {
		want, raw, unit string
		same            bool
	}{
		{"1000", "1000", "ms", true},      // log_min_duration_statement
		{"2048", "2048", "B", true},       // track_activity_query_size
		{"1024MB", "131072", "8kB", true}, // shared_buffers
		{"1024", "1024", "8kB", true},
		{"10min", "600", "s", true}, // checkpoint_timeout
		{"204MB", "208896", "kB", true},
		{"1GB", "1024", "MB", true},
		{"1000", "999", "ms", false},
		{"1GB", "1", "s", false},
		{"on", "on", "", false},
	} {
		if got := sameInUnit(tc.want, tc.raw, tc.unit); got != tc.same {
			t.Errorf("sameInUnit(%q, %q, %q) = %v, want %v", tc.want, tc.raw, tc.unit, got, tc.same)
		}
	}
	if !sameSetting("wal_compression", "on", "pglz") || sameSetting("wal_compression", "off", "pglz") {
		t.Errorf("wal_compression: on is pglz, off is not")
	}
}

func TestExtCheckCNPGManaged(t *testing.T) {
	dir := t.TempDir()
	plan, state := filepath.Join(dir, "plan"), filepath.Join(dir, "state")
	os.WriteFile(state, []byte("STATE\tpostgres\tvector\t0.8.0\tpublic\t\tt\t0\nSTATE\tpostgres\tpg_stat_statements\t1.10\tpublic\t\tt\t0\n"), 0o644)
	for _, tc := range []struct {
		plan string
		ok   bool
	}{
		{"PARAM\tshared_preload_libraries\tpg_stat_statements,pg_cron\nEXPECT\tpostgres\tvector\tpresent\t\t\n", true},
		{"PARAM\tpg_stat_statements.track\ttop\nEXPECT\tpostgres\tvector\tpresent\t\t\n", true},
		{"PARAM\tshared_preload_libraries\tpg_cron\nEXPECT\tpostgres\tvector\tpresent\t\t\n", false},
	} {
		os.WriteFile(plan, []byte(tc.plan), 0o644)
		var out bytes.Buffer
		if err := cmdExtCheck(&out, plan, state, ""); (err == nil) != tc.ok {
			t.Errorf("plan %q: err %v (%s), want ok=%v", tc.plan, err, out.String(), tc.ok)
		}
	}
}
