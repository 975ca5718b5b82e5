package stacks_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

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
		for _, l := range e.Locations {
			if l.Enabled == nil || l.Database == "" || l.Version == "" {
				add("extension %q: every location needs database, enabled and version", e.Name)
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
			switch {
			case (e.Value == nil) == (e.ValueFromPlatform == ""):
				add("app %q env %q: set exactly one of value and valueFromPlatform", a.Name, e.Name)
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
		{"standard.yaml", "trunk_installs:", "trunk_install:", `field trunk_install not found`},
		{"standard.yaml", "default_major: 16", "default_major: 13", `default_major 13 is not a key of images`},
		{"standard.yaml", `"17": quay.io/tembo/standard-cnpg:17-bffd097`, `"17": quay.io/tembo/standard-cnpg:16-bffd097`, `under key "17" but its tag starts with "16"`},
		{"standard.yaml", `"17": quay.io/tembo/standard-cnpg:17-bffd097`, `"17": standard-cnpg:17-bffd097`, `is not a full reference`},
		{"analytics.yaml", `version: "1.1"}`, `version: 1.1}`, `is !!float, want a string`},
		{"oltp.yaml", "  - {name: pg_stat_statements, version: 1.11.0}\n", "  - {name: pg_stat_statements, version: 1.11.0}\n  - {name: pg_stat_statements, version: 1.10.0}\n", `trunk install "pg_stat_statements" listed twice`},
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
