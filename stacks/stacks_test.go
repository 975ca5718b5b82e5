package stacks_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	"github.com/coredb-dev/coredb/compile/sources"
	"github.com/coredb-dev/coredb/extensions"
	"github.com/coredb-dev/coredb/stacks"
	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// stackFile mirrors the stack file schema. It is decoded with KnownFields, so
// a misspelt key in a stack file fails. The Kubernetes-typed parts (resources,
// volumes) mirror only the fields the stacks use.
type stackFile struct {
	Name                 string                 `yaml:"name"`
	Aliases              []string               `yaml:"aliases"`
	Description          string                 `yaml:"description"`
	StackVersion         string                 `yaml:"stack_version"`
	PostgresConfigEngine string                 `yaml:"postgres_config_engine"`
	DefaultMajor         int                    `yaml:"default_major"`
	Images               map[string]string      `yaml:"images"`
	ComputeConstraints   *computeConstraints    `yaml:"compute_constraints"`
	TrunkInstalls        []trunkInstall         `yaml:"trunk_installs"`
	Extensions           []extension            `yaml:"extensions"`
	PostgresConfig       []pgConfig             `yaml:"postgres_config"`
	PostgresMetrics      map[string]metricQuery `yaml:"postgres_metrics"`
	AppServices          []appService           `yaml:"appServices"`
	AppExtensions        map[string][]string    `yaml:"app_extensions"`
	ManagedRoles         []managedRole          `yaml:"managed_roles"`
}

// managedRole is a managed role decoded into CloudNativePG's type, as
// compile decodes it: by the type's JSON field names, exactly (encoding/json
// alone would also take "Inherit" for inherit). keys are the fields the file
// writes: RoleConfiguration.ConnectionLimit is a plain int64, so a
// connectionLimit left out and one written as 0 decode alike, and only the
// file can say which it was. (Inherit is a *bool and says so itself.)
type managedRole struct {
	cnpgv1.RoleConfiguration
	keys map[string]bool
}

func (r *managedRole) UnmarshalYAML(n *yaml.Node) error {
	var m map[string]any
	if err := n.Decode(&m); err != nil {
		return err
	}
	fields := map[string]bool{}
	for f := range reflect.TypeFor[cnpgv1.RoleConfiguration]().Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			fields[name] = true
		}
	}
	r.keys = map[string]bool{}
	for k := range m {
		if !fields[k] {
			return fmt.Errorf("line %d: managed role: unknown field %q", n.Line, k)
		}
		r.keys[k] = true
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("line %d: managed role: %w", n.Line, err)
	}
	if err := json.Unmarshal(b, &r.RoleConfiguration); err != nil {
		return fmt.Errorf("line %d: managed role: %w", n.Line, err)
	}
	return nil
}

type computeConstraints struct {
	Min struct {
		CPU    string `yaml:"cpu"`
		Memory string `yaml:"memory"`
	} `yaml:"min"`
}

type trunkInstall struct {
	Name    string `yaml:"name"`
	Version string `yaml:"version"`
}

type extension struct {
	Name        string     `yaml:"name"`
	Description string     `yaml:"description"`
	Locations   []location `yaml:"locations"`
}

type location struct {
	Database string `yaml:"database"`
	Enabled  *bool  `yaml:"enabled"`
	Version  string `yaml:"version"`
	Schema   string `yaml:"schema"`
}

type pgConfig struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

type metricQuery struct {
	Query           string                    `yaml:"query"`
	Master          bool                      `yaml:"master"`
	Metrics         []map[string]metricColumn `yaml:"metrics"`
	TargetDatabases []string                  `yaml:"target_databases"`
}

type metricColumn struct {
	Usage       string `yaml:"usage"`
	Description string `yaml:"description"`
}

type appService struct {
	Name        string       `yaml:"name"`
	Image       string       `yaml:"image"`
	Args        []string     `yaml:"args"`
	Command     []string     `yaml:"command"`
	Env         []envVar     `yaml:"env"`
	Resources   *resources   `yaml:"resources"`
	Probes      *probes      `yaml:"probes"`
	Metrics     *appMetrics  `yaml:"metrics"`
	Middlewares []middleware `yaml:"middlewares"`
	Routing     []routing    `yaml:"routing"`
	Storage     *appStorage  `yaml:"storage"`
}

type envVar struct {
	Name              string  `yaml:"name"`
	Value             *string `yaml:"value"`
	ValueFromPlatform string  `yaml:"valueFromPlatform"`
	ValueFrom         *struct {
		SecretKeyRef    *keyRef `yaml:"secretKeyRef"`
		ConfigMapKeyRef *keyRef `yaml:"configMapKeyRef"`
	} `yaml:"valueFrom"`
}

type keyRef struct {
	Name string `yaml:"name"`
	Key  string `yaml:"key"`
}

type resources struct {
	Requests map[string]string `yaml:"requests"`
	Limits   map[string]string `yaml:"limits"`
}

type probes struct {
	Readiness *probe `yaml:"readiness"`
	Liveness  *probe `yaml:"liveness"`
}

type probe struct {
	Path                string `yaml:"path"`
	Port                int32  `yaml:"port"`
	InitialDelaySeconds int32  `yaml:"initialDelaySeconds"`
}

type appMetrics struct {
	Port int32  `yaml:"port"`
	Path string `yaml:"path"`
}

type middleware struct {
	CustomRequestHeaders *struct {
		Name   string            `yaml:"name"`
		Config map[string]string `yaml:"config"`
	} `yaml:"customRequestHeaders"`
	StripPrefix *struct {
		Name   string   `yaml:"name"`
		Config []string `yaml:"config"`
	} `yaml:"stripPrefix"`
	ReplacePathRegex *struct {
		Name   string `yaml:"name"`
		Config struct {
			Regex       string `yaml:"regex"`
			Replacement string `yaml:"replacement"`
		} `yaml:"config"`
	} `yaml:"replacePathRegex"`
}

type routing struct {
	Port        int32    `yaml:"port"`
	IngressPath string   `yaml:"ingressPath"`
	Middlewares []string `yaml:"middlewares"`
	EntryPoints []string `yaml:"entryPoints"`
	IngressType string   `yaml:"ingressType"`
}

type appStorage struct {
	Volumes []struct {
		Name      string `yaml:"name"`
		Ephemeral *struct {
			VolumeClaimTemplate struct {
				Spec struct {
					AccessModes []string `yaml:"accessModes"`
					Resources   struct {
						Requests map[string]string `yaml:"requests"`
					} `yaml:"resources"`
				} `yaml:"spec"`
			} `yaml:"volumeClaimTemplate"`
		} `yaml:"ephemeral"`
	} `yaml:"volumes"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

// want is what tembo-operator.md §2 says about each current stack.
var want = []struct {
	name, file, engine string
	aliases            []string
	majors             []string
}{
	{"Analytics", "analytics.yaml", "olap", nil, []string{"14", "15", "16"}},
	{"Geospatial", "geospatial.yaml", "standard", []string{"GIS"}, []string{"14", "15", "16", "17"}},
	{"MachineLearning", "machine-learning.yaml", "standard", []string{"ML"}, []string{"15", "16", "17"}},
	{"MessageQueue", "message-queue.yaml", "mq", []string{"MQ"}, []string{"14", "15", "16", "17"}},
	{"MongoAlternative", "mongo-alternative.yaml", "standard", []string{"Document", "MongoAdapter"}, []string{"14", "15", "16", "17"}},
	{"OLTP", "oltp.yaml", "standard", nil, []string{"14", "15", "16", "17"}},
	{"ParadeDB", "paradedb.yaml", "paradedb", nil, []string{"14", "15", "16", "17"}},
	{"Standard", "standard.yaml", "standard", nil, []string{"14", "15", "16", "17"}},
	{"Timeseries", "timeseries.yaml", "olap", nil, []string{"14", "15", "16"}},
	{"VectorDB", "vectordb.yaml", "standard", nil, []string{"14", "15", "16", "17"}},
}

// trunkProjects names the trunk projects that provide an extension whose name
// differs from its project (tembo-operator.md §6); any other extension is
// provided by the project of the same name.
var trunkProjects = map[string][]string{
	"vector":     {"pgvector"},
	"pgml":       {"postgresml"},
	"columnar":   {"hydra_columnar"},
	"timeseries": {"pg_timeseries"},
	"pg_ivm":     {"tembo_ivm", "pg_ivm"},
}

// ownVersion lists extensions whose extension version legitimately differs
// from the version of the trunk project that installs them.
var ownVersion = map[string]string{
	"columnar":     "11.1-10", // hydra_columnar 1.1.1 installs columnar 11.1-10
	"postgres_fdw": "1.1",     // trunk project 1.1.0, control file 1.1
	"pg_ivm":       "1.9",     // pg_ivm 1.9.0 / tembo_ivm 1.9.1, control file 1.9
}

// inImage lists extensions enabled without a trunk install because the
// stack's image already contains them.
var inImage = map[string]map[string]string{
	"Geospatial": {"postgis": "geo-cnpg builds PostGIS from source (tembo-images geo-cnpg/Dockerfile)"},
}

// libraryProjects names the trunk project that provides a preload library
// whose name differs from its project.
var libraryProjects = map[string][]string{
	"pgml":           {"postgresml"},
	"pg_partman_bgw": {"pg_partman"},
	"pg_ivm":         {"pg_ivm", "tembo_ivm"},
}

// libraryInImage lists preload libraries every Tembo *-cnpg image contains:
// tembo-images standard-cnpg (and tembo-pg-cnpg, the base of ml-cnpg) run
// `trunk install pg_stat_statements` and `trunk install auto_explain` at build
// time, and geo-cnpg is built from standard-cnpg.
var libraryInImage = map[string]bool{"pg_stat_statements": true, "auto_explain": true}

var (
	imageRef = regexp.MustCompile(`^[a-z0-9.-]+\.[a-z]{2,}(:[0-9]+)?/[a-z0-9._/-]+:([0-9]+)-([0-9a-f]{7})$`)
	appImage = regexp.MustCompile(`^[a-z0-9.-]+(/[a-z0-9._-]+)+:[A-Za-z0-9._-]+$`)
	engines  = []string{"standard", "olap", "mq", "paradedb"}
	usages   = []string{"DISCARD", "LABEL", "COUNTER", "GAUGE", "MAPPEDMETRIC", "DURATION", "HISTOGRAM"}
)

// problems decodes one stack file strictly and returns everything wrong with it.
func problems(file string, src []byte) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, file+": "+fmt.Sprintf(format, args...)) }

	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	var s stackFile
	if err := dec.Decode(&s); err != nil {
		add("decode: %v", err)
		return out
	}
	if err := dec.Decode(new(any)); err != io.EOF {
		add("want exactly one YAML document, got more (%v)", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		add("decode node: %v", err)
		return out
	}
	out = append(out, nodeProblems(file, &root)...)

	if s.Name == "" || s.Description == "" || s.StackVersion == "" {
		add("name, description and stack_version are required")
	}
	if !slices.Contains(engines, s.PostgresConfigEngine) {
		add("postgres_config_engine %q is not one of %v", s.PostgresConfigEngine, engines)
	}

	// Images: full references, tagged <major>-<7-hex>, default_major among them.
	if s.DefaultMajor != 16 {
		add("default_major is %d; every stack defaults to 16, like Tembo's Stack::to_coredb", s.DefaultMajor)
	}
	if _, ok := s.Images[fmt.Sprint(s.DefaultMajor)]; !ok {
		add("default_major %d is not a key of images", s.DefaultMajor)
	}
	for major, ref := range s.Images {
		m := imageRef.FindStringSubmatch(ref)
		switch {
		case m == nil:
			add("image %q is not a full reference registry/repository:<major>-<sha>", ref)
		case m[2] != major:
			add("image %q is under key %q but its tag starts with %q", ref, major, m[2])
		case m[3] != "bffd097":
			add("image %q: every current Tembo image is tagged bffd097", ref)
		}
	}
	if c := s.ComputeConstraints; c != nil && (c.Min.CPU == "" || c.Min.Memory == "") {
		add("compute_constraints.min needs cpu and memory")
	}

	// Trunk installs and extensions.
	trunk := map[string]string{}
	for _, ti := range s.TrunkInstalls {
		if ti.Name == "" || ti.Version == "" {
			add("trunk install %+v needs name and version", ti)
		}
		if _, dup := trunk[ti.Name]; dup {
			add("trunk install %q listed twice", ti.Name)
		}
		trunk[ti.Name] = ti.Version
	}
	seenExt := map[string]bool{}
	for _, e := range s.Extensions {
		if seenExt[e.Name] {
			add("extension %q listed twice", e.Name)
		}
		seenExt[e.Name] = true
		if len(e.Locations) == 0 {
			add("extension %q has no locations", e.Name)
		}
		seenDB := map[string]bool{}
		entry, known := extensions.Lookup(e.Name)
		// A contrib module whose version differs between the stack's
		// majors cannot be pinned to one version (pg_stat_statements is
		// 1.10 in Postgres 16 and 1.11 in 17).
		varies := known && len(distinct(entry.ContribVersions, s.Images)) > 1
		for _, l := range e.Locations {
			switch {
			case l.Enabled == nil || l.Database == "":
				add("extension %q: every location needs database and enabled", e.Name)
				continue
			case varies && l.Version != "":
				add("extension %q: version %s is pinned, but its version depends on the Postgres major (%s); leave it out", e.Name, l.Version, strings.Join(distinct(entry.ContribVersions, s.Images), ", "))
				continue
			case !varies && l.Version == "":
				add("extension %q: every location needs a version", e.Name)
				continue
			}
			if seenDB[l.Database] {
				add("extension %q: database %q listed twice", e.Name, l.Database)
			}
			seenDB[l.Database] = true
			if !*l.Enabled {
				continue
			}
			if _, ok := inImage[s.Name][e.Name]; ok {
				continue
			}
			if known && everyImageShips(s.Images, entry) {
				continue
			}
			projects := trunkProjects[e.Name]
			if projects == nil {
				projects = []string{e.Name}
			}
			var project, version string
			for _, p := range projects {
				if v, ok := trunk[p]; ok {
					project, version = p, v
				}
			}
			switch {
			case project == "":
				add("extension %q is enabled but no trunk install provides it (want one of %v)", e.Name, projects)
			case l.Version != version && ownVersion[e.Name] != l.Version:
				add("extension %q version %s in %s does not match trunk install %s %s", e.Name, l.Version, l.Database, project, version)
			}
		}
	}

	// Trunk installs against the images: nothing the image already ships
	// (Trunk would overwrite the image's own files with another build), and
	// a contrib module only at the version every major of the stack ships.
	for _, ti := range s.TrunkInstalls {
		entry, known := extensions.Lookup(ti.Name)
		if !known {
			continue
		}
		for _, major := range slices.Sorted(maps.Keys(s.Images)) {
			img := sources.Inspect(s.Images[major], nil)
			if img.Family != nil && img.Family.ShipsEntry(entry) {
				add("trunk install %s %s: image %s (%s) already ships %s", ti.Name, ti.Version, s.Images[major], img.Family.Name, entry.Name)
			}
			if v, ok := entry.ContribVersions[major]; ok && strings.TrimSuffix(ti.Version, ".0") != v {
				add("trunk install %s %s: Postgres %s ships %s %s; one Trunk version cannot fit majors whose contrib versions differ", ti.Name, ti.Version, major, entry.Name, v)
			}
		}
	}

	// Stack apps tied to extensions, and the managed roles.
	for app, exts := range s.AppExtensions {
		if !slices.ContainsFunc(s.AppServices, func(a appService) bool { return a.Name == app }) {
			add("app_extensions names app %q, which the stack does not have", app)
		}
		for _, e := range exts {
			if !seenExt[e] {
				add("app_extensions: app %q serves extension %q, which the stack does not enable", app, e)
			}
		}
	}
	roles := map[string]bool{}
	for _, r := range s.ManagedRoles {
		roles[r.Name] = true
	}
	for _, r := range s.ManagedRoles {
		if !regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`).MatchString(r.Name) || strings.HasPrefix(r.Name, "pg_") {
			add("managed role %q: want a plain lower-case name not starting with pg_", r.Name)
		}
		if r.Ensure != cnpgv1.EnsurePresent || r.Comment == "" {
			add("managed role %q: needs ensure: present and a comment", r.Name)
		}
		// CloudNativePG defaults inherit and connectionLimit when they are
		// left out; written out, the Cluster in Git equals the stored one.
		if r.Inherit == nil || !r.keys["connectionLimit"] {
			add("managed role %q: state inherit and connectionLimit (CloudNativePG fills them in otherwise: drift)", r.Name)
		}
		if r.Login != (r.PasswordSecret != nil) {
			add("managed role %q: a login role needs a passwordSecret, and only a login role has one", r.Name)
		}
		for _, in := range r.InRoles {
			if !roles[in] && !slices.Contains([]string{"pg_read_all_data", "pg_monitor", "pg_read_all_stats"}, in) {
				add("managed role %q: inRoles %q is neither a role of the stack nor a predefined read-only role", r.Name, in)
			}
		}
	}

	// Postgres settings.
	seenCfg := map[string]bool{}
	for _, c := range s.PostgresConfig {
		if c.Name == "" || c.Value == "" {
			add("postgres_config entry %+v needs name and value", c)
		}
		if seenCfg[c.Name] {
			add("postgres_config %q listed twice", c.Name)
		}
		seenCfg[c.Name] = true
		if c.Name != "shared_preload_libraries" {
			continue
		}
		for lib := range strings.SplitSeq(c.Value, ",") {
			lib = strings.TrimSpace(lib)
			projects := []string{lib}
			if p, ok := libraryProjects[lib]; ok {
				projects = p
			}
			if !slices.ContainsFunc(projects, func(p string) bool { _, ok := trunk[p]; return ok }) && !libraryInImage[lib] {
				add("shared_preload_libraries has %q but no trunk install provides it and the image does not contain it", lib)
			}
		}
	}

	// An enabled extension whose library must be preloaded has it in the
	// stack's shared_preload_libraries (pg_stat_statements included: with
	// no pg_stat_statements.* parameter CloudNativePG drops it, and the SQL
	// Job refuses to create an extension without its library).
	var preloaded []string
	for _, c := range s.PostgresConfig {
		if c.Name == "shared_preload_libraries" {
			for lib := range strings.SplitSeq(c.Value, ",") {
				preloaded = append(preloaded, strings.TrimSpace(lib))
			}
		}
	}
	for _, e := range s.Extensions {
		entry, known := extensions.Lookup(e.Name)
		if !known || entry.Preload == "" || entry.PreloadOptional {
			continue
		}
		enabled := slices.ContainsFunc(e.Locations, func(l location) bool { return l.Enabled != nil && *l.Enabled })
		if enabled && !slices.Contains(preloaded, entry.Preload) {
			add("extension %q is enabled but its library %q is not in shared_preload_libraries", e.Name, entry.Preload)
		}
		if enabled && entry.CNPGManaged != "" && !slices.ContainsFunc(s.PostgresConfig, func(c pgConfig) bool { return strings.HasPrefix(c.Name, entry.CNPGManaged+".") }) {
			add("extension %q is enabled but no %s.* parameter is set: CloudNativePG drops it then (cloudnative-pg#3033)", e.Name, entry.CNPGManaged)
		}
	}

	// Metrics.
	for name, q := range s.PostgresMetrics {
		if q.Query == "" || len(q.Metrics) == 0 {
			add("postgres_metrics %q needs query and metrics", name)
		}
		for _, m := range q.Metrics {
			if len(m) != 1 {
				add("postgres_metrics %q: each metric is a single-key map, got %d keys", name, len(m))
			}
			for col, mc := range m {
				if !slices.Contains(usages, mc.Usage) {
					add("postgres_metrics %q column %q: usage %q is not one of %v", name, col, mc.Usage, usages)
				}
			}
		}
	}

	// App services.
	seenApp := map[string]bool{}
	for _, a := range s.AppServices {
		if a.Name == "" || !appImage.MatchString(a.Image) {
			add("app service %q needs a name and a tagged image (got %q)", a.Name, a.Image)
		}
		if seenApp[a.Name] {
			add("app service %q listed twice", a.Name)
		}
		seenApp[a.Name] = true
		for _, e := range a.Env {
			n := 0
			for _, set := range []bool{e.Value != nil, e.ValueFromPlatform != "", e.ValueFrom != nil} {
				if set {
					n++
				}
			}
			switch {
			case n != 1:
				add("app %q env %q: set exactly one of value, valueFrom and valueFromPlatform", a.Name, e.Name)
			case e.ValueFrom != nil && (e.ValueFrom.SecretKeyRef == nil) == (e.ValueFrom.ConfigMapKeyRef == nil):
				add("app %q env %q: valueFrom needs exactly one of secretKeyRef and configMapKeyRef", a.Name, e.Name)
			case e.ValueFromPlatform != "" && e.ValueFromPlatform != "ReadWriteConnection" && e.ValueFromPlatform != "ReadOnlyConnection":
				add("app %q env %q: valueFromPlatform %q", a.Name, e.Name, e.ValueFromPlatform)
			}
		}
		mws := map[string]bool{}
		for _, m := range a.Middlewares {
			var names []string
			if m.CustomRequestHeaders != nil {
				names = append(names, m.CustomRequestHeaders.Name)
			}
			if m.StripPrefix != nil {
				names = append(names, m.StripPrefix.Name)
			}
			if m.ReplacePathRegex != nil {
				names = append(names, m.ReplacePathRegex.Name)
			}
			if len(names) != 1 || names[0] == "" {
				add("app %q: each middleware is one named customRequestHeaders, stripPrefix or replacePathRegex", a.Name)
				continue
			}
			if mws[names[0]] {
				add("app %q: middleware %q defined twice", a.Name, names[0])
			}
			mws[names[0]] = true
		}
		for _, r := range a.Routing {
			if r.Port <= 0 || r.IngressPath == "" {
				add("app %q: routing needs port and ingressPath", a.Name)
			}
			if r.IngressType != "" && r.IngressType != "http" && r.IngressType != "tcp" {
				add("app %q: ingressType %q", a.Name, r.IngressType)
			}
			for _, m := range r.Middlewares {
				if !mws[m] {
					add("app %q: routing uses middleware %q, which is not defined", a.Name, m)
				}
			}
		}
		if st := a.Storage; st != nil {
			vols := map[string]bool{}
			for _, v := range st.Volumes {
				vols[v.Name] = true
			}
			for _, vm := range st.VolumeMounts {
				if !vols[vm.Name] || vm.MountPath == "" {
					add("app %q: volume mount %q needs a defined volume and a mountPath", a.Name, vm.Name)
				}
			}
		}
	}
	return out
}

// nodeProblems checks what a struct decode cannot see: that Postgres setting
// values are quoted strings (literal text, as the CRD requires) and that
// versions, image keys and env values are strings, not numbers (1.10 as a
// float would read 1.1).
func nodeProblems(file string, root *yaml.Node) []string {
	var out []string
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := strings.TrimPrefix(path+"."+k.Value, ".")
				if k.Tag != "!!str" {
					out = append(out, fmt.Sprintf("%s:%d: key %s is %s, want a string", file, k.Line, p, k.Tag))
				}
				if v.Kind == yaml.ScalarNode {
					out = append(out, placeholderProblems(file, v, path+"."+k.Value)...)
					quoted := v.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0
					switch {
					case strings.HasPrefix(path, "[0].postgres_config[") && k.Value == "value" && !quoted:
						out = append(out, fmt.Sprintf("%s:%d: %s = %s must be a quoted string", file, v.Line, p, v.Value))
					case slices.Contains([]string{"version", "stack_version", "value", "description"}, k.Value) && v.Tag != "!!str":
						out = append(out, fmt.Sprintf("%s:%d: %s = %s is %s, want a string", file, v.Line, p, v.Value, v.Tag))
					}
				}
				walk(v, path+"."+k.Value)
			}
		}
	}
	walk(root, "")
	return out
}

// placeholderRE finds ${...} (shell and Kubernetes style) and {...}
// (coredb's) placeholders.
var placeholderRE = regexp.MustCompile(`\$\{[^}]*\}|\$\([^)]*\)|\{[A-Za-z_][A-Za-z0-9_]*\}`)

// expandedAt are the node paths where coredb expands {name} in stack data
// (compile/stack.go expandStackConfig, expandStackApps, stackRoles).
var expandedAt = regexp.MustCompile(`^\[0\]\.(postgres_config\[\d+\]\.value|appServices\[\d+\]\.env\[\d+\]\.(value|valueFrom\.(secretKeyRef|configMapKeyRef)\.name)|managed_roles\[\d+\]\.passwordSecret\.name)$`)

// placeholderProblems: no output may carry a placeholder that the program
// reading it does not expand. Postgres does not expand ${NAMESPACE} in a
// setting (Tembo's embeddings URL relied on it), Kubernetes expands
// $(VAR) only in a container's command, args and env, from the container's
// own env; so stack data may only hold {name}, where coredb expands it.
func placeholderProblems(file string, v *yaml.Node, path string) []string {
	var out []string
	for _, ph := range placeholderRE.FindAllString(v.Value, -1) {
		if ph != "{name}" || !expandedAt.MatchString(path) {
			out = append(out, fmt.Sprintf("%s:%d: %s holds the placeholder %s, which nothing expands there (coredb expands only {name}, in postgres_config values, app env values and Secret names, and managed role password Secrets)", file, v.Line, strings.TrimPrefix(path, "[0]."), ph))
		}
	}
	return out
}

// distinct are the different contrib versions over the stack's majors.
func distinct(versions map[string]string, images map[string]string) []string {
	var out []string
	for major := range images {
		if v, ok := versions[major]; ok && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// everyImageShips reports whether every image of the stack ships the entry
// (images.yaml): then an enabled extension needs no Trunk install.
func everyImageShips(images map[string]string, e extensions.Entry) bool {
	for _, ref := range images {
		img := sources.Inspect(ref, nil)
		if img.Family == nil || !img.Family.ShipsEntry(e) {
			return false
		}
	}
	return len(images) > 0
}

// diskFiles returns the stack files in this directory.
func diskFiles(t *testing.T) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = src
	}
	return out
}

func TestStackFiles(t *testing.T) {
	files := diskFiles(t)
	var got []string
	for name := range files {
		got = append(got, name)
	}
	var wantFiles []string
	for _, w := range want {
		wantFiles = append(wantFiles, w.file)
	}
	slices.Sort(got)
	slices.Sort(wantFiles)
	if diff := cmp.Diff(wantFiles, got); diff != "" {
		t.Errorf("stack files (-want +got):\n%s", diff)
	}
	for name, src := range files {
		for _, p := range problems("stacks/"+name, src) {
			t.Error(p)
		}
	}
}

func TestStackFacts(t *testing.T) {
	for _, w := range want {
		t.Run(w.name, func(t *testing.T) {
			canonical, file, src, err := stacks.Lookup(w.name)
			if err != nil {
				t.Fatal(err)
			}
			if canonical != w.name || file != "stacks/"+w.file {
				t.Errorf("Lookup(%q) = %q, %q; want %q, %q", w.name, canonical, file, w.name, "stacks/"+w.file)
			}
			disk, err := os.ReadFile(w.file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(src, disk) {
				t.Errorf("Lookup(%q) bytes differ from %s", w.name, w.file)
			}
			var s stackFile
			if err := yaml.Unmarshal(src, &s); err != nil {
				t.Fatal(err)
			}
			var majors []string
			for m := range s.Images {
				majors = append(majors, m)
			}
			slices.Sort(majors)
			got := []any{s.PostgresConfigEngine, s.Aliases, majors}
			wantFacts := []any{w.engine, w.aliases, w.majors}
			if diff := cmp.Diff(wantFacts, got); diff != "" {
				t.Errorf("engine, aliases, majors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNames(t *testing.T) {
	var wantNames []string
	for _, w := range want {
		wantNames = append(wantNames, w.name)
	}
	if diff := cmp.Diff(wantNames, stacks.Names()); diff != "" {
		t.Errorf("Names() (-want +got):\n%s", diff)
	}
	n := stacks.Names()
	n[0] = "mutated"
	if stacks.Names()[0] == "mutated" {
		t.Error("Names() returns shared state")
	}
}

// spellings returns ways a user may write name that must all resolve.
func spellings(name string) []string {
	r := []rune(name)
	out := []string{name, strings.ToLower(name), strings.ToUpper(name), " " + name + " "}
	if len(r) > 2 {
		out = append(out,
			string(r[:1])+"-"+string(r[1:]),
			string(r[:2])+"_"+string(r[2:]),
			string(r[:1])+" "+string(r[1:2])+"_-"+string(r[2:]))
	}
	return out
}

func TestLookupNamesAndAliases(t *testing.T) {
	for _, w := range want {
		for _, n := range append([]string{w.name}, w.aliases...) {
			for _, spelling := range spellings(n) {
				canonical, file, _, err := stacks.Lookup(spelling)
				if err != nil || canonical != w.name || file != "stacks/"+w.file {
					t.Errorf("Lookup(%q) = %q, %q, %v; want %q", spelling, canonical, file, err, w.name)
				}
			}
		}
	}
	// Spellings users write: Tembo's file names and the sample's old name.
	for in, out := range map[string]string{
		"machine_learning":  "MachineLearning",
		"message_queue":     "MessageQueue",
		"mongo_alternative": "MongoAlternative",
		"Document":          "MongoAlternative",
		"vector-db":         "VectorDB",
		"Time Series":       "Timeseries",
		"gis":               "Geospatial",
	} {
		if got, _, _, err := stacks.Lookup(in); err != nil || got != out {
			t.Errorf("Lookup(%q) = %q, %v; want %q", in, got, err, out)
		}
	}
}

func TestLookupUnknown(t *testing.T) {
	const known = "(known: Analytics, Geospatial, MachineLearning, MessageQueue, MongoAlternative, OLTP, ParadeDB, Standard, Timeseries, VectorDB)"
	for _, tc := range []struct {
		in, msg, suggestion string
		removed             bool
	}{
		{"Foo", `unknown stack "Foo" ` + known, "", false},
		{"", `unknown stack "" ` + known, "", false},
		{"MachinLearning", `unknown stack "MachinLearning" ` + known + ` did you mean "MachineLearning"?`, "MachineLearning", false},
		{"vectordbb", `unknown stack "vectordbb" ` + known + ` did you mean "VectorDB"?`, "VectorDB", false},
		{"Timeserie", `unknown stack "Timeserie" ` + known + ` did you mean "Timeseries"?`, "Timeseries", false},
		{"Search ", `unknown stack "Search " ` + known + ` did you mean "ParadeDB"? (Tembo removed this stack; the suggestion is the closest current one)`, "ParadeDB", true},
		{"OLAP", `unknown stack "OLAP" ` + known + ` did you mean "Analytics"? (Tembo removed this stack; the suggestion is the closest current one)`, "Analytics", true},
	} {
		canonical, file, src, err := stacks.Lookup(tc.in)
		if err == nil {
			t.Errorf("Lookup(%q) = %q, %q; want an error", tc.in, canonical, file)
			continue
		}
		if canonical != "" || file != "" || src != nil {
			t.Errorf("Lookup(%q) returned data with its error", tc.in)
		}
		if err.Error() != tc.msg {
			t.Errorf("Lookup(%q) error\n got: %s\nwant: %s", tc.in, err, tc.msg)
		}
		var u *stacks.UnknownStackError
		if !errors.As(err, &u) {
			t.Errorf("Lookup(%q) error is %T, want *stacks.UnknownStackError", tc.in, err)
			continue
		}
		if u.Suggestion != tc.suggestion || u.Removed != tc.removed || u.Name != tc.in {
			t.Errorf("Lookup(%q) = %+v; want suggestion %q, removed %v", tc.in, u, tc.suggestion, tc.removed)
		}
	}
}

// TestChecksCatchBugs feeds the checks the data bugs Tembo's files had (and
// typical editing mistakes) to show that they fail on them.
func TestChecksCatchBugs(t *testing.T) {
	files := diskFiles(t)
	for _, tc := range []struct {
		file, old, new, want string
	}{
		{"paradedb.yaml", "- name: pg_ivm\n", "- name: pg_ivmq\n", `extension "pg_ivmq" is enabled but no trunk install provides it`},
		{"paradedb.yaml", "enabled: true, version: 0.8.0}", "enabled: true, version: 0.7.4}", `extension "vector" version 0.7.4 in postgres does not match trunk install pgvector 0.8.0`},
		{"timeseries.yaml", "enabled: true, version: 0.1.7}", "enabled: true, version: 0.1.6}", `extension "timeseries" version 0.1.6`},
		{"vectordb.yaml", "  - {name: pg_cron, version: 1.6.4}\n", "", `extension "pg_cron" is enabled but no trunk install provides it`},
		{"vectordb.yaml", "  - {name: pg_cron, version: 1.6.4}\n", "", `shared_preload_libraries has "pg_cron"`},
		{"geospatial.yaml", "- name: postgis\n", "- name: postgis_raster\n", `extension "postgis_raster" is enabled but no trunk install`},
		{"standard.yaml", `value: "-1"`, `value: -1`, `must be a quoted string`},
		{"standard.yaml", `value: "on"`, `value: on`, `must be a quoted string`},
		{"standard.yaml", "postgres_config:", "postgres_configs:", `field postgres_configs not found`},
		{"standard.yaml", "default_major: 16", "default_major: 13", `default_major 13 is not a key of images`},
		{"standard.yaml", `"17": quay.io/tembo/standard-cnpg:17-bffd097`, `"17": quay.io/tembo/standard-cnpg:16-bffd097`, `under key "17" but its tag starts with "16"`},
		{"standard.yaml", `"17": quay.io/tembo/standard-cnpg:17-bffd097`, `"17": standard-cnpg:17-bffd097`, `is not a full reference`},
		{"analytics.yaml", `version: "1.1"}`, `version: 1.1}`, `is !!float, want a string`},
		{"vectordb.yaml", "  - {name: pgmq, version: 1.5.0}\n", "  - {name: pgmq, version: 1.5.0}\n  - {name: pgmq, version: 1.4.0}\n", `trunk install "pgmq" listed twice`},
		// Issue 12: Trunk-installing what the image ships, at another major's version.
		{"vectordb.yaml", "  - {name: pgmq, version: 1.5.0}\n", "  - {name: pgmq, version: 1.5.0}\n  - {name: pg_stat_statements, version: 1.11.0}\n", `trunk install pg_stat_statements 1.11.0: image quay.io/tembo/standard-cnpg:14-bffd097 (tembo-standard) already ships pg_stat_statements`},
		{"geospatial.yaml", "\nextensions:\n", "\ntrunk_installs:\n  - {name: fuzzystrmatch, version: 1.2.0}\nextensions:\n", `trunk install fuzzystrmatch 1.2.0: Postgres 15 ships fuzzystrmatch 1.1`},
		{"standard.yaml", "locations: [{database: postgres, enabled: true}]", "locations: [{database: postgres, enabled: true, version: 1.11.0}]", `extension "pg_stat_statements": version 1.11.0 is pinned, but its version depends on the Postgres major (1.10, 1.11, 1.9)`},
		// Issue 12: placeholders nothing expands.
		{"vectordb.yaml", `"http://{name}-embeddings:3000/v1"`, `"http://${NAMESPACE}-embeddings.${NAMESPACE}.svc.cluster.local:3000/v1"`, `holds the placeholder ${NAMESPACE}`},
		{"message-queue.yaml", "ingressPath: /pgmq/v1", "ingressPath: /{name}/v1", `appServices[0].routing[0].ingressPath holds the placeholder {name}`},
		{"message-queue.yaml", `value: "{name}-rw"`, `value: "{namespace}-rw"`, `holds the placeholder {namespace}`},
		{"vectordb.yaml", "embeddings: [vectorize]", "embeddings: [vectorizer]", `app "embeddings" serves extension "vectorizer", which the stack does not enable`},
		{"message-queue.yaml", "    passwordSecret: {name: \"{name}-mq-api\"}\n", "", `managed role "mq_api": a login role needs a passwordSecret`},
		{"message-queue.yaml", "inRoles: [pg_read_all_data]", "inRoles: [pg_write_all_data]", `inRoles "pg_write_all_data" is neither`},
		{"message-queue.yaml", "    inherit: true\n", "", `managed role "mq_reader": state inherit and connectionLimit`},
		{"message-queue.yaml", "    connectionLimit: -1\n", "", `managed role "mq_reader": state inherit and connectionLimit`},
		{"message-queue.yaml", "    inherit: true\n", "    Inherit: true\n", `managed role: unknown field "Inherit"`},
		{"message-queue.yaml", "    login: true\n", "    login: yes\n", `managed role: json: cannot unmarshal string`},
		{"mongo-alternative.yaml", "  - {name: shared_preload_libraries, value: \"pg_stat_statements\"}\n", "", `extension "pg_stat_statements" is enabled but its library "pg_stat_statements" is not in shared_preload_libraries`},
		{"mongo-alternative.yaml", "  - {name: pg_stat_statements.track, value: \"top\"}\n", "", `no pg_stat_statements.* parameter is set`},
		{"message-queue.yaml", "middlewares: [map-pgmq, strip-prefix, headers]", "middlewares: [map-pgmq, strip-prefix, header]", `middleware "header", which is not defined`},
		{"mongo-alternative.yaml", "valueFromPlatform: ReadWriteConnection}", "valueFromPlatform: ReadWrite}", `valueFromPlatform "ReadWrite"`},
		{"vectordb.yaml", "mountPath: /models, name: hf-data-vol}", "mountPath: /models, name: hf-data}", `volume mount "hf-data" needs a defined volume`},
	} {
		src := string(files[tc.file])
		if !strings.Contains(src, tc.old) {
			t.Errorf("%s does not contain %q; update this test", tc.file, tc.old)
			continue
		}
		mutated := strings.Replace(src, tc.old, tc.new, 1)
		got := problems(tc.file, []byte(mutated))
		if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, tc.want) }) {
			t.Errorf("%s with %q -> %q: want a problem containing %q, got %q", tc.file, tc.old, tc.new, tc.want, got)
		}
	}
}

func FuzzLookup(f *testing.F) {
	for _, s := range []string{"", "ML", "Machine Learning", "\x00", "İ", "ß-_ ", strings.Repeat("x", 5000), "\xff\xfe"} {
		f.Add(s)
	}
	names := stacks.Names()
	f.Fuzz(func(t *testing.T, in string) {
		canonical, _, _, err := stacks.Lookup(in)
		var u *stacks.UnknownStackError
		switch {
		case err == nil && !slices.Contains(names, canonical):
			t.Errorf("Lookup(%q) = %q, not a known stack", in, canonical)
		case err != nil && !errors.As(err, &u):
			t.Errorf("Lookup(%q): unexpected error %v", in, err)
		}
	})
}
