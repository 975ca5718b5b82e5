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
