package compile

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"sync"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	"github.com/coredb-dev/coredb/internal/lazyre"
	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Custom metrics (tembo-operator.md §5 "ConfigMaps", "monitoring";
// cloudnativepg.md §1.11): spec.metrics.queries, written by the user or
// brought by a stack, become a ConfigMap metrics-<name> that the Cluster's
// metrics exporter reads through monitoring.customQueriesConfigMap.

const (
	// metricsQueriesKey is the ConfigMap key of the queries, the key CNPG's
	// own cnpg-default-monitoring ConfigMap uses.
	metricsQueriesKey = "queries"
	// defaultMonitoringConfigMap is what CNPG's defaulting webhook puts first
	// in customQueriesConfigMap when the operator has default queries (as
	// every standard install has). coredb writes it too: Argo CD compares
	// lists whole, so leaving it to the webhook would show the Cluster
	// OutOfSync forever.
	defaultMonitoringConfigMap = "cnpg-default-monitoring"
)

// metricsObjects builds the queries ConfigMap and points the Cluster at it.
func (b *build) metricsObjects(c *cnpgv1.Cluster) {
	m := b.db.Spec.Metrics
	if m == nil || len(m.Queries) == 0 {
		return
	}
	b.checkQueries(m.Queries)
	text, err := b.queriesYAML(m.Queries)
	if err != nil {
		b.errorf("spec.metrics.queries", "cannot be written as YAML: %v", err)
		return
	}
	name := "metrics-" + b.db.Metadata.Name
	meta := b.objectMeta(name, "metrics")
	// CNPG reloads the exporter's queries when a labelled ConfigMap changes.
	meta.Labels["cnpg.io/reload"] = "true"
	b.add(&corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta,
		Data:       map[string]string{metricsQueriesKey: text},
	})
	if c.Spec.Monitoring == nil {
		c.Spec.Monitoring = &cnpgv1.MonitoringConfiguration{}
	}
	mon := c.Spec.Monitoring
	if !slices.ContainsFunc(mon.CustomQueriesConfigMap, func(s cnpgv1.ConfigMapKeySelector) bool { return s.Name == defaultMonitoringConfigMap }) {
		mon.CustomQueriesConfigMap = append([]cnpgv1.ConfigMapKeySelector{{
			LocalObjectReference: cnpgv1.LocalObjectReference{Name: defaultMonitoringConfigMap}, Key: metricsQueriesKey,
		}}, mon.CustomQueriesConfigMap...)
	}
	mon.CustomQueriesConfigMap = append(mon.CustomQueriesConfigMap, cnpgv1.ConfigMapKeySelector{
		LocalObjectReference: cnpgv1.LocalObjectReference{Name: name}, Key: metricsQueriesKey,
	})
}

// The shape CNPG's exporter reads (pkg/management/postgres/metrics/parser.go,
// UserQuery and ColumnMapping): it unmarshals the whole key at once, so one
// ill-typed value disables every query in the ConfigMap. Unknown keys are
// ignored by CNPG; coredb warns about them.
var (
	queryKeys = map[string]string{
		"query": "string", "predicate_query": "string", "metrics": "list",
		"master": "bool", "primary": "bool", "cache_seconds": "uint",
		"runonserver": "string", "target_databases": "strings", "name": "string",
	}
	columnKeys = map[string]string{
		"usage": "string", "description": "string", "metric_mapping": "numbers",
		"pg_version": "string", "name": "string",
	}
	columnUsages = []string{"COUNTER", "DISCARD", "DURATION", "GAUGE", "HISTOGRAM", "LABEL", "MAPPEDMETRIC"}
)

// queriesYAML is the queries as the ConfigMap holds them. A stack's queries
// that the CoreDB adds none to are the same bytes for every CoreDB of a fleet
// on that stack, so they are written once per stack and process (writing
// them was 3.5% of validating a thousand stacked CoreDBs).
func (b *build) queriesYAML(queries map[string]any) (string, error) {
	if b.queriesOfStack == "" {
		return encodeQueries(queries)
	}
	if text, ok := stackQueriesYAML.Load(b.queriesOfStack); ok {
		return text.(string), nil
	}
	text, err := encodeQueries(queries)
	if err == nil {
		stackQueriesYAML.Store(b.queriesOfStack, text)
	}
	return text, err
}

// stackQueriesYAML: stack file -> its postgres_metrics as queriesYAML
// writes them. The stack files are compiled in and never change.
var stackQueriesYAML sync.Map

func encodeQueries(queries map[string]any) (string, error) {
	var text strings.Builder
	enc := yaml.NewEncoder(&text)
	enc.SetIndent(2)
	if err := enc.Encode(queries); err != nil { // map keys sorted: deterministic
		return "", err
	}
	return text.String(), nil
}

// checkQueries validates metrics.queries against the exporter's format and
// warns about queries that need privileges the exporter's role lacks.
func (b *build) checkQueries(queries map[string]any) {
	for _, name := range slices.Sorted(maps.Keys(queries)) {
		path := sprintf("spec.metrics.queries[%s]", name)
		q, ok := queries[name].(map[string]any)
		if !ok {
			b.errorf(path, "must be a mapping with query and metrics, got %s", yamlKind(queries[name]))
			continue
		}
		b.checkKeys(path, q, queryKeys)
		if s, ok := q["query"].(string); !ok || strings.TrimSpace(s) == "" {
			b.errorf(path+".query", "required: the SQL the exporter runs")
		} else {
			b.warnPrivileges(path+".query", name, s)
		}
		cols, ok := q["metrics"].([]any)
		if !ok || len(cols) == 0 {
			b.errorf(path+".metrics", "required: a list of columns, each {COLUMN: {usage: LABEL|GAUGE|COUNTER|..., description: ...}}")
			continue
		}
		for i, col := range cols {
			cpath := sprintf("%s.metrics[%d]", path, i)
			m, ok := col.(map[string]any)
			if !ok || len(m) != 1 {
				b.errorf(cpath, "must be a mapping of one column name to its usage and description, e.g. {queue_length: {usage: GAUGE, description: ...}}")
				continue
			}
			for colName, spec := range m {
				cpath := cpath + "." + colName
				cm, ok := spec.(map[string]any)
				if !ok {
					b.errorf(cpath, "must be a mapping with usage and description, got %s", yamlKind(spec))
					continue
				}
				b.checkKeys(cpath, cm, columnKeys)
				if _, ok := cm["usage"]; !ok {
					b.errorf(cpath+".usage", "required: one of %s", strings.Join(columnUsages, ", "))
				} else if u, ok := cm["usage"].(string); ok && !slices.Contains(columnUsages, u) {
					b.errorf(cpath+".usage", "must be one of %s, got %q", strings.Join(columnUsages, ", "), u)
				}
			}
		}
	}
}

// checkKeys checks the type of every known key and warns about the keys
// CNPG would silently ignore.
func (b *build) checkKeys(path string, m map[string]any, known map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		want, ok := known[k]
		if !ok {
			b.warnf(path+"."+k, "unknown key %q: CloudNativePG's exporter ignores it%s", k, didYouMean(k, slices.Collect(maps.Keys(known))))
			continue
		}
		if !yamlHasType(m[k], want) {
			b.errorf(path+"."+k, "must be %s, got %s; CloudNativePG's exporter would reject every query of this ConfigMap", typeWords[want], yamlKind(m[k]))
		}
	}
}

var typeWords = map[string]string{
	"string": "a string", "list": "a list", "bool": "true or false", "uint": "a non-negative integer",
	"strings": "a list of strings", "numbers": "a mapping of values to numbers",
}

// yamlHasType reports whether a decoded YAML value unmarshals into the Go
// type the exporter uses.
func yamlHasType(v any, want string) bool {
	switch want {
	case "string": // yaml.v3 accepts any scalar for a string
		switch v.(type) {
		case string, int, float64, bool, nil:
			return true
		}
	case "list":
		_, ok := v.([]any)
		return ok || v == nil
	case "bool":
		_, ok := v.(bool)
		return ok || v == nil
	case "uint":
		n, ok := v.(int)
		return (ok && n >= 0) || v == nil
	case "strings":
		l, ok := v.([]any)
		if !ok {
			return v == nil
		}
		for _, e := range l {
			if !yamlHasType(e, "string") || e == nil {
				return false
			}
		}
		return true
	case "numbers":
		m, ok := v.(map[string]any)
		if !ok {
			return v == nil
		}
		for _, e := range m {
			switch e.(type) {
			case int, float64:
			default:
				return false
			}
		}
		return true
	}
	return false
}

func yamlKind(v any) string {
	switch x := v.(type) {
	case map[string]any:
		return "a mapping"
	case map[any]any:
		return "a mapping with non-string keys"
	case []any:
		return "a list"
	case nil:
		return "null"
	case string:
		return sprintf("%q", x)
	}
	return sprintf("%v", v)
}

// schemaRef finds schema-qualified names a query reads: after FROM or JOIN
// (schema.relation) or called as functions (schema.function(...)).
var schemaRef = lazyre.New(`(?i)(?:\b(?:from|join)\s+("[^"]+"|[a-z_][a-z0-9_$]*)\s*\.\s*(?:"[^"]+"|[a-z_][a-z0-9_$]*))|(?:("[^"]+"|\b[a-z_][a-z0-9_$]*)\s*\.\s*(?:"[^"]+"|[a-z_][a-z0-9_$]*)\s*\()`)

// querySchemas lists, in order of appearance, the schemas outside the
// system catalogs a query reads from. A heuristic: unqualified user tables
// (found through search_path) are not seen.
func querySchemas(query string) []string {
	var out []string
	for _, m := range schemaRef.FindAllStringSubmatch(query, -1) {
		schema := cmp.Or(m[1], m[2])
		lower := strings.ToLower(strings.Trim(schema, `"`))
		if strings.HasPrefix(lower, "pg_") || lower == "information_schema" || slices.Contains(out, schema) {
			continue
		}
		out = append(out, schema)
	}
	return out
}

// warnPrivileges warns when a query reads a schema outside the system
// catalogs. Since CNPG 1.29.1 (and the 1.28 and 1.25 patch releases after
// it) the exporter connects as cnpg_metrics_exporter, which has only
// pg_monitor (cloudnativepg.md §1.11): such a query then fails until the
// role is granted access. coredb does not emit GRANTs; the docs say which.
func (b *build) warnPrivileges(path, name, query string) {
	schemas := querySchemas(query)
	if len(schemas) == 0 {
		return
	}
	noun := "schema"
	if len(schemas) > 1 {
		noun = "schemas"
	}
	b.warnf(path, "query %s reads %s %s; since CloudNativePG 1.29.1 the exporter runs as role cnpg_metrics_exporter, which has only pg_monitor, so the query fails until that role is granted USAGE and SELECT (or EXECUTE) there in every target database; see docs/backup-pooler-metrics.md", name, noun, strings.Join(schemas, ", "))
}
