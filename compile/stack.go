package compile

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	"github.com/coredb-dev/coredb/internal/deepcopy"
	"github.com/coredb-dev/coredb/stacks"
	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// StackDef is one stacks/<name>.yaml file. Its sub-objects use CoreDB's own
// keys and are decoded by the same strict decoder as a user's file, so a
// mistake in stack data is reported at its line in the stack file.
type StackDef struct {
	Name               string              `yaml:"name"`
	Aliases            []string            `yaml:"aliases"`
	Description        string              `yaml:"description"`
	StackVersion       string              `yaml:"stack_version"`
	Engine             string              `yaml:"postgres_config_engine"`
	DefaultMajor       int                 `yaml:"default_major"`
	Images             map[string]string   `yaml:"images"` // Postgres major -> image
	ComputeConstraints *ComputeConstraints `yaml:"compute_constraints"`
	TrunkInstalls      []TrunkInstall      `yaml:"trunk_installs"`
	Extensions         []Extension         `yaml:"extensions"`
	PostgresConfig     []PgConfig          `yaml:"postgres_config"`
	PostgresMetrics    map[string]any      `yaml:"postgres_metrics"`
	AppServices        []AppService        `yaml:"appServices"`
	// AppExtensions ties a stack app to the extensions it serves: the app
	// is left out (with a warning) when one of them is dropped or not
	// enabled anywhere, as it would have nothing to serve.
	AppExtensions map[string][]string `yaml:"app_extensions"`
	// ManagedRoles are CloudNativePG managed roles (Cluster
	// spec.managed.roles, cloudnativepg.md §1.1) the stack's apps log in
	// or switch to, so they never run as the database owner.
	ManagedRoles []cnpgv1.RoleConfiguration `yaml:"managed_roles"`

	src source
}

// ComputeConstraints are the least resources a stack needs.
type ComputeConstraints struct {
	Min *struct {
		CPU    *resource.Quantity `yaml:"cpu"`
		Memory *resource.Quantity `yaml:"memory"`
	} `yaml:"min"`
}

// stackStorage is the volume size a stack gets when the spec sets none:
// Tembo's stack infrastructure default (and what Stack::to_coredb wrote),
// the smallest size Tembo's engines were made for.
var stackStorage = resource.MustParse("10Gi")

// LoadStack decodes a stack by name, strictly. It is exported for
// `coredb stacks show` and for tests of the stack data.
func LoadStack(name string) (*StackDef, error) {
	_, file, src, err := stacks.Lookup(name)
	if err != nil {
		return nil, err
	}
	return decodeStack(file, src)
}

// decodedStacks caches each embedded stack file decoded: the files are
// compiled in and never change, and rendering a thousand specs must not
// decode the same ten files a thousand times. The cached StackDef is never
// handed out: every caller gets a deep copy, so a build may merge it into
// its spec and change it without another build (or goroutine) seeing it.
// Only its positions (src) are shared, and they are only read. Failures are
// not cached: an error list may be changed by its receiver (--strict turns
// warnings into errors), and a broken embedded file never renders anyway.
var decodedStacks sync.Map // file -> *StackDef

func decodeStack(file string, src []byte) (*StackDef, error) {
	if def, ok := decodedStacks.Load(file); ok {
		return deepcopy.Of(def.(*StackDef)), nil
	}
	def, err := decodeStackFile(file, src)
	if err != nil {
		return nil, err
	}
	cached, _ := decodedStacks.LoadOrStore(file, def)
	return deepcopy.Of(cached.(*StackDef)), nil
}

func decodeStackFile(file string, src []byte) (*StackDef, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, syntaxError(file, err)
	}
	if len(doc.Content) == 0 {
		return nil, ErrorList{{File: file, Msg: "empty stack file"}}
	}
	d := newDecoder(file)
	def := &StackDef{}
	d.decode(doc.Content[0], reflectValue(def), "")
	if len(d.errs) > 0 {
		return nil, d.errs
	}
	pos := d.origins()
	def.src = source{file: file, positions: pos, paths: slices.Sorted(maps.Keys(pos))}
	if _, ok := def.Images[strconv.Itoa(def.DefaultMajor)]; !ok {
		return nil, ErrorList{def.src.at("default_major").errorf(false, "no image for default_major %d", def.DefaultMajor)}
	}
	return def, nil
}

// expandStack merges the named stack into the spec, so every later stage sees
// one spec: the stack's image (unless the user gave one), trunk installs,
// extensions, metrics queries and app services, with the user's entries
// winning by name. The stack's postgres_config and engine are not merged
// here; settings() layers them (params.go).
func (b *build) expandStack() {
	ref := b.db.Spec.Stack
	if ref == nil {
		return
	}
	if strings.TrimSpace(ref.Name) == "" {
		b.errorf("spec.stack.name", "required: one of %s", strings.Join(stacks.Names(), ", "))
		return
	}
	canonical, file, src, err := stacks.Lookup(ref.Name)
	if err != nil {
		var unknown *stacks.UnknownStackError
		if errors.As(err, &unknown) && unknown.Removed {
			// Tembo's own samples name stacks Tembo later removed; their
			// files carry everything the stack gave, so render them as they
			// are rather than refuse.
			b.warnf("spec.stack.name", "%s; rendering the spec without a stack (its postgres_config still applies)", err)
			return
		}
		b.errorf("spec.stack.name", "%s", err)
		return
	}
	def, err := decodeStack(file, src)
	if err != nil {
		var el ErrorList
		if errors.As(err, &el) {
			b.errs = append(b.errs, el...)
		} else {
			b.errorf("spec.stack.name", "stack %s: %s", canonical, err)
		}
		return
	}
	b.stack = def
	s := &b.db.Spec

	if s.Image == "" {
		s.Image = def.Images[strconv.Itoa(def.DefaultMajor)]
		b.relocate("spec.image", &def.src, "images["+strconv.Itoa(def.DefaultMajor)+"]")
	} else if m := pgMajor(s.Image); m != 0 && def.Images[strconv.Itoa(m)] == "" {
		b.warnf("spec.image", "stack %s has no image for Postgres %d (it has %s); the stack's extensions may not exist for this version",
			def.Name, m, strings.Join(slices.Sorted(maps.Keys(def.Images)), ", "))
	}
	if s.Storage == nil {
		s.Storage = &stackStorage
	}
	s.TrunkInstalls = mergeByName(b, "spec.trunk_installs", s.TrunkInstalls, &def.src, "trunk_installs", def.TrunkInstalls,
		func(t TrunkInstall) string { return t.Name }, nil)
	s.Extensions = mergeByName(b, "spec.extensions", s.Extensions, &def.src, "extensions", def.Extensions,
		func(e Extension) string { return e.Name }, b.mergeLocations)
	s.AppServices = mergeByName(b, "spec.appServices", s.AppServices, &def.src, "appServices", b.expandStackApps(def.AppServices),
		func(a AppService) string { return a.Name }, b.overlayApp)
	if len(def.PostgresMetrics) > 0 {
		if s.Metrics == nil {
			s.Metrics = &Metrics{}
		}
		if len(s.Metrics.Queries) == 0 {
			b.queriesOfStack = file
		}
		queries := maps.Clone(def.PostgresMetrics)
		for k := range def.PostgresMetrics {
			if _, mine := s.Metrics.Queries[k]; !mine {
				b.relocate("spec.metrics.queries["+k+"]", &def.src, "postgres_metrics["+k+"]")
			}
		}
		maps.Copy(queries, s.Metrics.Queries) // the user's query of the same name wins
		s.Metrics.Queries = queries
	}
}

// relocate records that the value at path came from another place (a stack
// file), so messages about it point there.
func (b *build) relocate(path string, from *source, fromPath string) {
	b.db.src.graft(path, from, fromPath)
}

// mergeByName merges a stack's list into the user's: stack entries first in
// the stack's order, a user entry of the same name replacing (or, with
// combine, merging into) the stack's in place, then the user's other entries
// in their order. Positions follow each entry to its new index.
func mergeByName[T any](b *build, path string, user []T, stackSrc *source, stackPath string, stack []T,
	key func(T) string, combine func(stackItem, userItem T, newPath, userPath string, stackIdx int) T) []T {
	if len(stack) == 0 {
		return user
	}
	userIdx := map[string]int{}
	for i, u := range user {
		if _, dup := userIdx[key(u)]; !dup {
			userIdx[key(u)] = i
		}
	}
	var (
		out       []T
		fromUser  = map[int]int{} // user index -> new index
		fromStack = map[int]int{} // stack index -> new index
		combined  []func()
	)
	for j, st := range stack {
		if i, ok := userIdx[key(st)]; ok {
			fromUser[i] = len(out)
			if combine != nil {
				n, item, stIdx := len(out), user[i], j
				out = append(out, item)
				// Run after the positions are remapped: combine adds the
				// stack's positions below the merged entry's new path.
				combined = append(combined, func() {
					out[n] = combine(stack[stIdx], item, sprintf("%s[%d]", path, n), sprintf("%s[%d]", path, i), stIdx)
				})
				continue
			}
			out = append(out, user[i])
			continue
		}
		fromStack[j] = len(out)
		out = append(out, st)
	}
	for i, u := range user {
		if _, placed := fromUser[i]; !placed {
			fromUser[i] = len(out)
			out = append(out, u)
		}
	}
	b.db.src.remapList(path, fromUser, stackSrc, stackPath, fromStack)
	for _, f := range combined {
		f()
	}
	return out
}

// mergeLocations merges an extension the stack and the user both list: the
// user's location for a database replaces the stack's, the stack's other
// locations are kept (Tembo's merge_app_reqs rule).
func (b *build) mergeLocations(st, u Extension, newPath, userPath string, stackIdx int) Extension {
	merged := u
	if merged.Description == "" {
		merged.Description = st.Description
	}
	have := map[string]bool{}
	for _, l := range u.Locations {
		have[locationDB(l)] = true
	}
	for k, l := range st.Locations {
		if have[locationDB(l)] {
			continue
		}
		lp := sprintf("%s.locations[%d]", newPath, len(merged.Locations))
		b.relocate(lp, &b.stack.src, sprintf("extensions[%d].locations[%d]", stackIdx, k))
		merged.Locations = append(merged.Locations, l)
	}
	return merged
}

// locationDB is a location's database, defaulting to postgres as Tembo does.
func locationDB(l ExtensionLocation) string {
	if l.Database == "" {
		return "postgres"
	}
	return l.Database
}

// engineInput resolves what the config engine is fed: the Cluster's memory
// and CPU limits, else requests (b.resources() already applied the
// defaults), and the volume size.
func (b *build) engineInput(r corev1.ResourceRequirements) EngineInput {
	pick := func(name corev1.ResourceName) resource.Quantity {
		if q, ok := r.Limits[name]; ok {
			return q
		}
		if q, ok := r.Requests[name]; ok {
			return q
		}
		return defaultResources().Limits[name]
	}
	storage := defaultStorage
	if b.db.Spec.Storage != nil {
		storage = *b.db.Spec.Storage
	}
	return EngineInput{CPU: pick(corev1.ResourceCPU), Memory: pick(corev1.ResourceMemory), Storage: storage}
}

// stackNamePlaceholder in a stack's values is replaced by the CoreDB's name:
// stack data names the objects coredb makes for each CoreDB (the
// embeddings Service <name>-embeddings, a Secret <name>-mq-api). It is
// coredb's, expanded here and nowhere else, so no output carries it; the
// stack lint (stacks_lint_test.go) allows no other placeholder.
const stackNamePlaceholder = "{name}"

func (b *build) expandName(v string) string {
	return strings.ReplaceAll(v, stackNamePlaceholder, b.db.Metadata.Name)
}

// expandStackConfig is the stack's postgres_config with placeholders
// expanded, as a copy: the decoded stack may be shared between builds.
func (b *build) expandStackConfig(in []PgConfig) []PgConfig {
	out := slices.Clone(in)
	for i := range out {
		out[i].Value = b.expandName(out[i].Value)
	}
	return out
}

// expandStackApps copies the stack's apps with placeholders in env values
// expanded.
func (b *build) expandStackApps(in []AppService) []AppService {
	out := slices.Clone(in)
	for i := range out {
		env := slices.Clone(out[i].Env)
		for j := range env {
			if v := env[j].Value; v != nil {
				env[j].Value = ptr(b.expandName(*v))
			}
			if src := env[j].ValueFrom; src != nil {
				c := *src
				for _, ref := range []**KeyRef{&c.SecretKeyRef, &c.ConfigMapKeyRef} {
					if *ref != nil {
						r := **ref
						r.Name = b.expandName(r.Name)
						*ref = &r
					}
				}
				env[j].ValueFrom = &c
			}
		}
		out[i].Env = env
	}
	return out
}

// stackRoles are the stack's managed roles with placeholders expanded.
func (b *build) stackRoles() []cnpgv1.RoleConfiguration {
	if b.stack == nil {
		return nil
	}
	out := make([]cnpgv1.RoleConfiguration, len(b.stack.ManagedRoles))
	for i, r := range b.stack.ManagedRoles {
		r.DeepCopyInto(&out[i])
		if out[i].PasswordSecret != nil {
			out[i].PasswordSecret.Name = b.expandName(out[i].PasswordSecret.Name)
		}
	}
	return out
}

// overlayApp merges a CoreDB app entry into the stack's app of the same
// name. An entry with an image replaces the stack's app, as in Tembo. An
// entry without one is an overlay: the fields it sets replace the stack's
// (env entries by name), so {name: mq-api, ingress: true} publishes the
// stack's app without copying it.
func (b *build) overlayApp(st, u AppService, newPath, userPath string, stackIdx int) AppService {
	if u.Image != "" {
		return u
	}
	stPath := sprintf("appServices[%d]", stackIdx)
	merged := st
	take := func(field string, userSet bool, apply func()) {
		if userSet {
			apply()
			return
		}
		b.relocate(newPath+"."+field, &b.stack.src, stPath+"."+field)
	}
	take("image", false, nil)
	take("args", u.Args != nil, func() { merged.Args = u.Args })
	take("command", u.Command != nil, func() { merged.Command = u.Command })
	take("resources", u.Resources != nil, func() { merged.Resources = u.Resources })
	take("probes", u.Probes != nil, func() { merged.Probes = u.Probes })
	take("metrics", u.Metrics != nil, func() { merged.Metrics = u.Metrics })
	take("middlewares", u.Middlewares != nil, func() { merged.Middlewares = u.Middlewares })
	take("routing", u.Routing != nil, func() { merged.Routing = u.Routing })
	take("storage", u.Storage != nil, func() { merged.Storage = u.Storage })
	take("ingress", u.Ingress != nil, func() { merged.Ingress = u.Ingress })
	merged.Env = mergeByName(b, newPath+".env", u.Env, &b.stack.src, stPath+".env", st.Env,
		func(e EnvVar) string { return e.Name }, nil)
	return merged
}
