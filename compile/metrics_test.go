package compile

import (
	"bytes"
	"slices"
	"testing"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
)

// exporterQueries mirrors the types CNPG's exporter unmarshals the
// ConfigMap into (pkg/management/postgres/metrics/parser.go, CNPG 1.28.2),
// with the same yaml.v3 library.
type exporterQueries map[string]struct {
	Query           string                      `yaml:"query"`
	PredicateQuery  string                      `yaml:"predicate_query"`
	Metrics         []map[string]exporterColumn `yaml:"metrics"`
	Master          bool                        `yaml:"master"`
	Primary         bool                        `yaml:"primary"`
	CacheSeconds    uint64                      `yaml:"cache_seconds"`
	RunOnServer     string                      `yaml:"runonserver"`
	TargetDatabases []string                    `yaml:"target_databases"`
	Name            string                      `yaml:"name"`
}

type exporterColumn struct {
	Usage             string             `yaml:"usage"`
	Description       string             `yaml:"description"`
	Mapping           map[string]float64 `yaml:"metric_mapping"`
	SupportedVersions string             `yaml:"pg_version"`
	Name              string             `yaml:"name"`
}

const metricsSpec = `  metrics:
    queries:
      pgmq:
        query: select queue_name, queue_length from pgmq.metrics_all()
        master: true
        metrics:
          - queue_name: {usage: LABEL, description: Name of the queue}
          - queue_length: {usage: GAUGE, description: "Messages: waiting"}
        target_databases: ["*", postgres]
      locks:
        query: select mode, count(*) as n from pg_locks group by mode
        cache_seconds: 30
        metrics:
          - mode: {usage: LABEL, description: Lock mode}
          - n: {usage: MAPPEDMETRIC, description: Locks, metric_mapping: {a: 1, b: 2.5}}
`

// TestMetricsConfigMap: the exporter's own parser (its types, strictly)
// reads back exactly the queries written, the ConfigMap reloads on change,
// and the Cluster lists CNPG's default queries first, as the webhook would.
func TestMetricsConfigMap(t *testing.T) {
	objs := mustCoreDB(t, metricsSpec, Options{})
	cm := objOf[*corev1.ConfigMap](t, objs, "ConfigMap", "metrics-db")
	if _, wave := cm.Annotations["argocd.argoproj.io/sync-wave"]; cm.Labels["cnpg.io/reload"] != "true" || wave {
		t.Errorf("metadata %+v", cm.ObjectMeta)
	}
	dec := yaml.NewDecoder(bytes.NewReader([]byte(cm.Data["queries"])))
	dec.KnownFields(true)
	var q exporterQueries
	if err := dec.Decode(&q); err != nil {
		t.Fatalf("the exporter cannot read the ConfigMap: %v\n%s", err, cm.Data["queries"])
	}
	if len(q) != 2 || q["pgmq"].Query != "select queue_name, queue_length from pgmq.metrics_all()" || !q["pgmq"].Master ||
		!slices.Equal(q["pgmq"].TargetDatabases, []string{"*", "postgres"}) || q["pgmq"].Metrics[1]["queue_length"].Description != "Messages: waiting" ||
		q["locks"].CacheSeconds != 30 || q["locks"].Metrics[1]["n"].Mapping["b"] != 2.5 || q["locks"].Metrics[1]["n"].Usage != "MAPPEDMETRIC" {
		t.Errorf("read back %+v", q)
	}
	again := objOf[*corev1.ConfigMap](t, mustCoreDB(t, metricsSpec, Options{}), "ConfigMap", "metrics-db")
	if again.Data["queries"] != cm.Data["queries"] {
		t.Error("ConfigMap text changes between runs")
	}

	c := objOf[*cnpgv1.Cluster](t, objs, "Cluster", "db")
	var refs []string
	for _, r := range c.Spec.Monitoring.CustomQueriesConfigMap {
		refs = append(refs, r.Name+"/"+r.Key)
	}
	if !slices.Equal(refs, []string{"cnpg-default-monitoring/queries", "metrics-db/queries"}) {
		t.Errorf("customQueriesConfigMap %v", refs)
	}
	if mustCoreDBCount(t, "  metrics:\n    enabled: true\n") != 1 {
		t.Error("metrics without queries must produce no ConfigMap")
	}
}

func mustCoreDBCount(t *testing.T, spec string) int { return len(mustCoreDB(t, spec, Options{})) }

func TestQuerySchemas(t *testing.T) {
	for q, want := range map[string][]string{
		"select * from pgmq.metrics_all()":                                                 {"pgmq"},
		"SELECT queue_name FROM PGMQ.META m JOIN app.orders o ON true":                     {"PGMQ", "app"},
		"select count(*) from pg_catalog.pg_stat_activity":                                 nil,
		"select s.datname from pg_stat_database s":                                         nil,
		"select extract(epoch from now() - pg_postmaster_start_time())":                    nil,
		"select t.x from information_schema.tables t":                                      nil,
		`select * from "My Schema".events`:                                                 {`"My Schema"`},
		"select partman.check_default(true)":                                               {"partman"},
		"select a.b from (select 1 as b) a":                                                nil,
		"select count(*) from orders":                                                      nil, // unqualified: not detected (documented)
		"select x from pg_stat_statements join pg_roles r on r.oid = userid":               nil,
		"select cron.schedule('x', '* * * * *', 'select 1'), pg_catalog.now()":             {"cron"},
		"select queue_name from pgmq.metrics_all() union select x from pgmq.list_queues()": {"pgmq"},
	} {
		if got := querySchemas(q); !slices.Equal(got, want) {
			t.Errorf("querySchemas(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestMetricsDiagnostics(t *testing.T) {
	q := "  metrics:\n    queries:\n      q1:\n"
	col := "        metrics:\n          - c: {usage: GAUGE, description: d}\n"
	for _, c := range []diagCase{
		{name: "not a mapping", spec: q[:len(q)-1] + " select 1\n", path: "spec.metrics.queries[q1]", marker: "q1:", msg: "must be a mapping"},
		{name: "no query", spec: q + col, path: "spec.metrics.queries[q1].query", marker: "        metrics:", msg: "required"},
		{name: "no metrics", spec: q + "        query: select 1 as c\n", path: "spec.metrics.queries[q1].metrics", marker: "query:", msg: "required"},
		{name: "bad usage", spec: q + "        query: select 1 as c\n        metrics:\n          - c: {usage: gauge}\n", path: "spec.metrics.queries[q1].metrics[0].c.usage", marker: "query:", msg: `got "gauge"`},
		{name: "no usage", spec: q + "        query: select 1 as c\n        metrics:\n          - c: {description: d}\n", path: "spec.metrics.queries[q1].metrics[0].c.usage", marker: "query:", msg: "required"},
		{name: "two columns in one item", spec: q + "        query: select 1 as c\n        metrics:\n          - {c: {usage: GAUGE}, d: {usage: GAUGE}}\n", path: "spec.metrics.queries[q1].metrics[0]", marker: "query:", msg: "one column name"},
		{name: "master string", spec: q + "        query: select 1 as c\n        master: \"yes\"\n" + col, path: "spec.metrics.queries[q1].master", marker: "query:", msg: "must be true or false"},
		{name: "negative cache", spec: q + "        query: select 1 as c\n        cache_seconds: -1\n" + col, path: "spec.metrics.queries[q1].cache_seconds", marker: "query:", msg: "non-negative integer"},
		{name: "databases string", spec: q + "        query: select 1 as c\n        target_databases: postgres\n" + col, path: "spec.metrics.queries[q1].target_databases", marker: "query:", msg: "a list of strings"},
		{name: "unknown key", spec: q + "        query: select 1 as c\n        targetDatabases: [postgres]\n" + col, path: "spec.metrics.queries[q1].targetDatabases", marker: "query:", msg: `(did you mean "target_databases"?)`, warning: true},
		{name: "privileges", spec: q + "        query: select n from app.counters\n" + col, path: "spec.metrics.queries[q1].query", marker: "query:", msg: "reads schema app", warning: true},
	} {
		c.run(t)
	}
}

// TestStackQueriesWrittenOnce: a stack's queries are written once per
// process and shared by every CoreDB that adds none; a CoreDB that adds
// one gets its own text, with the stack's and its own, whichever of the
// two renders first.
func TestStackQueriesWrittenOnce(t *testing.T) {
	def, err := LoadStack("MessageQueue")
	if err != nil {
		t.Fatal(err)
	}
	want, err := encodeQueries(def.PostgresMetrics)
	if err != nil {
		t.Fatal(err)
	}
	const stack = "  stack:\n    name: MessageQueue\n"
	mine := stack + "  metrics:\n    queries:\n      mine:\n        query: select 1 as n\n        metrics:\n          - n: {usage: GAUGE, description: One}\n"
	for _, order := range [][]string{{stack, mine, stack}, {mine, stack, mine}} {
		stackQueriesYAML.Clear()
		for _, spec := range order {
			objs := mustCoreDB(t, spec, Options{DropUnavailable: true, SuperuserAccess: true})
			got := objOf[*corev1.ConfigMap](t, objs, "ConfigMap", "metrics-db").Data[metricsQueriesKey]
			var q exporterQueries
			if err := yaml.Unmarshal([]byte(got), &q); err != nil {
				t.Fatal(err)
			}
			_, hasMine := q["mine"]
			switch {
			case spec == stack && got != want:
				t.Errorf("stack's queries:\n%s\nwant\n%s", got, want)
			case spec == mine && (!hasMine || len(q) != len(def.PostgresMetrics)+1):
				t.Errorf("queries with mine added: %d queries, mine %v; want the stack's %d and mine", len(q), hasMine, len(def.PostgresMetrics))
			}
		}
	}
}
