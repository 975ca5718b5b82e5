package compile

import (
	"cmp"
	"github.com/coredb-dev/coredb/extensions"
	corev1 "k8s.io/api/core/v1"
	"slices"
	"strings"
)

// Precedence of Postgres settings, lowest to highest. This is the one place
// it is written down in code; the README repeats it.
//
//  1. the built-in stack's postgres_config   (stacks/<name>.yaml)
//  2. the user's spec.stack.postgres_config
//  3. the config engine's output             (computed from resources and storage)
//  4. the user's spec.runtime_config
//  5. the user's spec.override_configs
//
// Each layer replaces the value of a name set by a lower layer, except the
// preload-library lists (preloadLists): layers 1-4 and the libraries required
// by enabled extensions are unioned; override_configs replaces the union. This
// is Tembo's order (tembo-operator.md §4) with the engine placed where
// Tembo's control plane put it (it wrote the engine output into runtime_config,
// so a user's runtime_config entry must still win over it).
//
// Unlike Tembo, search_path is an ordinary last-wins setting: Tembo sorted its
// parts, which changes which schema is searched first.
type layer struct {
	name     string
	settings []Setting
}

// preloadLists are the settings whose values are library lists merged as a
// union across layers.
var preloadLists = []string{"shared_preload_libraries", "local_preload_libraries", "session_preload_libraries"}

// preloadFirst are the libraries Tembo renders first, in this order; the rest
// follow sorted (tembo-operator.md §4, "Multi-value rendering").
var preloadFirst = []string{"citus", "pg_stat_statements", "pg_stat_kcache"}

// merged is the result of merging settings: ordinary parameters by name and
// the preload lists as ordered library names.
type merged struct {
	params  map[string]Setting
	preload map[string][]string // list name -> libraries in render order
	origin  map[string]Origin   // list name -> origin of the last layer that set it
	libFrom map[string]Origin   // library -> where it was first asked for
}

// mergeSettings applies the precedence above. Libraries that enabled
// extensions need are not added: they must be listed (extsteps.go,
// checkPreloaded), so that removing an extension's entry never unloads the
// library under a created extension.
func mergeSettings(layers []layer, override []Setting) merged {
	m := merged{params: map[string]Setting{}, preload: map[string][]string{}, origin: map[string]Origin{}, libFrom: map[string]Origin{}}
	union := map[string][]string{}
	addLibs := func(list string, s Setting) {
		for _, lib := range splitList(s.Value) {
			if !slices.Contains(union[list], lib) {
				union[list] = append(union[list], lib)
				if _, ok := m.libFrom[lib]; !ok {
					m.libFrom[lib] = s.Origin
				}
			}
		}
		m.origin[list] = s.Origin
	}
	for _, l := range layers {
		for _, s := range l.settings {
			if slices.Contains(preloadLists, s.Name) {
				addLibs(s.Name, s)
				continue
			}
			m.params[s.Name] = s
		}
	}
	for _, s := range override {
		if slices.Contains(preloadLists, s.Name) {
			// override_configs replaces the whole list, as in Tembo.
			union[s.Name] = nil
			for _, lib := range splitList(s.Value) {
				if !slices.Contains(union[s.Name], lib) {
					union[s.Name] = append(union[s.Name], lib)
				}
				m.libFrom[lib] = s.Origin
			}
			m.origin[s.Name] = s.Origin
			continue
		}
		m.params[s.Name] = s
	}
	for list, libs := range union {
		m.preload[list] = orderLibraries(libs)
	}
	return m
}

// splitList splits a comma-separated library list, trimming spaces and
// dropping empty parts ("a, b," -> [a b]).
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// orderLibraries puts citus, pg_stat_statements and pg_stat_kcache first and
// sorts the rest bytewise, as Tembo renders them.
func orderLibraries(libs []string) []string {
	out := slices.Clone(libs)
	rank := func(s string) int {
		if i := slices.Index(preloadFirst, s); i >= 0 {
			return i
		}
		return len(preloadFirst)
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a, b)) })
	return slices.Compact(out)
}

// sortedSettings returns the parameters sorted by name.
func (m merged) sortedSettings() []Setting {
	// Sorting the names and not the Settings moves 16 bytes a swap, not 80:
	// a build sorts its hundred-odd parameters three times.
	names := make([]string, 0, len(m.params))
	for name := range m.params {
		names = append(names, name)
	}
	slices.Sort(names)
	out := make([]Setting, len(names))
	for i, name := range names {
		out[i] = m.params[name]
	}
	return out
}

// pgConfigSettings turns a list of PgConfig into Settings located at path.
func pgConfigSettings(src source, path string, cfgs []PgConfig) []Setting {
	out := make([]Setting, 0, len(cfgs))
	for i, c := range cfgs {
		p := sprintf("%s[%d]", path, i)
		o := src.at(p + ".value")
		o.Path = p
		out = append(out, Setting{Name: c.Name, Value: c.Value, Origin: o})
	}
	return out
}

// settings collects the layers of one CoreDB in precedence order and merges
// them; see the precedence comment at the top of this file.
func (b *build) settings(res corev1.ResourceRequirements) merged {
	s := &b.db.Spec
	var layers []layer
	if st := b.stack; st != nil {
		layers = append(layers, layer{"stack " + st.Name, pgConfigSettings(st.src, "postgres_config", b.expandStackConfig(st.PostgresConfig))})
	}
	if s.Stack != nil {
		layers = append(layers, layer{"spec.stack.postgres_config", pgConfigSettings(b.db.src, "spec.stack.postgres_config", s.Stack.PostgresConfig)})
	}
	if st := b.stack; st != nil {
		engine, err := engineSettings(st.Engine, b.engineInput(res))
		if err != nil {
			b.errs = append(b.errs, st.src.at("postgres_config_engine").errorf(false, "%s", err))
		}
		// Engine values point at the stack name: that is what chose them.
		at := b.db.src.at("spec.stack.name")
		for i := range engine {
			at.Path = engine[i].Origin.Path
			engine[i].Origin = at
		}
		layers = append(layers, layer{"engine " + st.Engine, engine})
	}
	layers = append(layers, layer{"spec.runtime_config", pgConfigSettings(b.db.src, "spec.runtime_config", s.RuntimeConfig)})
	override := pgConfigSettings(b.db.src, "spec.override_configs", s.OverrideConfigs)
	m := mergeSettings(layers, override)
	b.cronSettings(m)
	return m
}

// checkSettings applies CloudNativePG's parameter rules (rules.go) to the
// merged settings of the Cluster about to be built.
func (b *build) checkSettings(m merged, res corev1.ResourceRequirements) {
	rc := RuleContext{CNPGVersion: b.cnpg, Instances: int32(b.instances()), PGMajor: pgMajor(b.image())}
	if q, ok := res.Requests[corev1.ResourceMemory]; ok {
		rc.MemoryRequest = &q
	}
	b.errs = append(b.errs, checkSettings(m.sortedSettings(), rc)...)
}

// managedDefaults are harmless settings (each the parameter's own default)
// that mark a CNPG-managed library as used. CNPG decides whether
// pg_stat_statements, pgaudit and auto_explain are wanted only by looking for
// a parameter in their namespace, and DROPs pg_stat_statements and pgaudit
// in every database when it finds none (cloudnativepg.md §2.5) - even when
// they are in shared_preload_libraries.
var managedDefaults = map[string][2]string{
	"pg_stat_statements": {"pg_stat_statements.track", "top"},
	"pgaudit":            {"pgaudit.log", "none"},
	"auto_explain":       {"auto_explain.log_min_duration", "-1"},
}

// markManagedLibraries adds a namespace parameter for every CNPG-managed
// library the merged settings preload but set no parameter for.
func (b *build) markManagedLibraries(m merged) {
	// The namespaces (the part before the dot) of every parameter set.
	namespaces := map[string]bool{}
	for p := range m.params {
		if ns, _, ok := strings.Cut(p, "."); ok {
			namespaces[ns] = true
		}
	}
	for _, lib := range m.preload["shared_preload_libraries"] {
		if namespaces[lib] {
			continue
		}
		if lib == "pg_failover_slots" {
			b.errs = append(b.errs, m.libFrom[lib].errorf(true,
				"pg_failover_slots is preloaded but no pg_failover_slots.* parameter is set; CloudNativePG only keeps it with one (and then requires hot_standby_feedback: on)"))
			continue
		}
		if d, ok := managedDefaults[lib]; ok {
			o := m.libFrom[lib]
			m.params[d[0]] = Setting{Name: d[0], Value: d[1], Origin: o}
		}
	}
}

// effectivePreload is the shared_preload_libraries Postgres will run with:
// the list, plus the libraries CloudNativePG adds when a parameter of their
// namespace is set (cloudnativepg.md §2.5).
func effectivePreload(m merged) []string {
	out := slices.Clone(m.preload["shared_preload_libraries"])
	for p := range m.params {
		ns, _, ok := strings.Cut(p, ".")
		if !ok || slices.Contains(out, ns) {
			continue
		}
		if e, found := extensions.Lookup(ns); found && e.CNPGManaged == ns {
			out = append(out, ns)
		}
	}
	return orderLibraries(out)
}

// cronHost is where pg_cron connects to run jobs: CloudNativePG's socket
// directory. Over TCP (pg_cron's default, localhost) CloudNativePG's
// pg_hba.conf asks for a password pg_cron does not have, and every job
// fails; on the socket, peer authentication lets it in.
const cronHost = "/controller/run"

// cronSettings sets pg_cron's cron.host wherever pg_cron is preloaded, and
// cron.database_name when the spec enables pg_cron in exactly one database
// other than postgres (its CREATE EXTENSION only works there), unless the
// settings name them already.
func (b *build) cronSettings(m merged) {
	if !slices.Contains(m.preload["shared_preload_libraries"], "pg_cron") {
		return
	}
	at := m.libFrom["pg_cron"]
	if _, ok := m.params["cron.host"]; !ok {
		m.params["cron.host"] = Setting{Name: "cron.host", Value: cronHost, Origin: at}
	}
	if _, ok := m.params["cron.database_name"]; ok {
		return
	}
	var dbs []string
	for i, e := range b.db.Spec.Extensions {
		if e.Name != "pg_cron" {
			continue
		}
		for j, l := range e.Locations {
			if l.Enabled != nil && *l.Enabled && !slices.Contains(dbs, locationDB(l)) {
				dbs = append(dbs, locationDB(l))
				at = b.db.src.at(sprintf("spec.extensions[%d].locations[%d].database", i, j))
			}
		}
	}
	if len(dbs) == 1 && dbs[0] != "postgres" {
		m.params["cron.database_name"] = Setting{Name: "cron.database_name", Value: dbs[0], Origin: at}
	}
}
