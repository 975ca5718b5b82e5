package compile

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	"github.com/coredb-dev/coredb/compile/jsonvalue"
	"github.com/coredb-dev/coredb/extensions"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The Trunk install Job and the extension SQL Job (tembo-operator.md §6, §7).
//
// Tembo's operator installed Trunk packages and toggled extensions from its
// reconcile loop. coredb emits two Jobs instead:
//
//   - <name>-trunk-<hash>: once the Cluster is Ready, `kubectl exec` into
//     the postgres container of every instance pod and `trunk install` every
//     package there (scripts/trunk-install.sh);
//   - <name>-extensions-<hash>: psql, from the Cluster's own image, runs one
//     generated SQL file per database against <name>-rw as the superuser
//     (scripts/extensions.sh, SQL from databaseSQL in extsql.go).
//
// Both Jobs and the ConfigMaps they mount are named after a hash of
// everything the Job does (script, SQL, package list, image, environment,
// the whole pod template): the same spec gives the same names, so applying
// again is a no-op; a changed spec gives new names, so a new Job runs and
// the old objects are pruned by Argo CD (or left for kubectl --prune). A
// Job's pod template cannot be changed in place (gitops.md §2.3), and a
// ConfigMap with a fixed name would let a retrying old Job run new content.
// The ConfigMaps are immutable for the same reason.

// DefaultTrunkJobImage runs the Trunk install Job. It is the official
// kubectl image from Kubernetes release engineering: since
// kubernetes/kubernetes#119592 (2023) it is built on debian-base with bash,
// coreutils and /bin/sh (build/server-image/kubectl/Dockerfile), so it has
// the shell the script needs; registry.k8s.io tags are immutable
// (images are promoted, never re-pushed). v1.37.2 is the Kubernetes release
// whose API types coredb is built with and against which its output is
// checked. Its entrypoint is kubectl, so the Job sets command. It runs as
// nobody (65534), which exists in Debian's /etc/passwd.
const DefaultTrunkJobImage = "registry.k8s.io/kubectl:v1.37.2"

//go:embed scripts/trunk-install.sh
var trunkInstallScript string

//go:embed scripts/extensions.sh
var extensionsScript string

// Limits of the Jobs. The scripts wait for the database themselves, so a
// retry only covers a lost pod or a failover during the run.
const (
	jobBackoffLimit = 3

	// Trunk: wait up to 15 min for the Cluster (a new Cluster runs initdb
	// and pulls a large image), then install; the ML stack's packages are
	// hundreds of MB.
	trunkReadyTimeout = 900
	trunkJobDeadline  = 3600

	// SQL: wait up to 10 min for the server and, when Trunk installs exist,
	// 15 min for them to land (plain kubectl applies both Jobs at once;
	// Argo CD runs this one only after the Trunk Job succeeded).
	sqlServerWait    = 600
	sqlExtensionWait = 900
	sqlJobDeadline   = 2700

	// postgresUID is the postgres user of CloudNativePG's and Tembo's
	// images (CNPG's default postgresUID/GID; Tembo sets 26 too).
	postgresUID = 26
	// nobodyUID runs kubectl: it needs no identity in the image.
	nobodyUID = 65534

	// maxJobName: the Job controller copies the name into the label
	// batch.kubernetes.io/job-name, whose values are at most 63 characters.
	maxJobName = 63
	hashLen    = 10

	trunkMountPath = "/coredb"
	sqlMountPath   = "/coredb"
	caMountPath    = "/etc/coredb-ca"
)

const (
	componentTrunk      = "trunk-install"
	componentExtensions = "extension-sql"
)

// trunkPackage is one validated Trunk install.
type trunkPackage struct{ name, version string }

// extDatabase is the work of the SQL Job in one database.
type extDatabase struct {
	name    string
	actions []ExtAction
}

// extensionObjects validates spec.trunk_installs and spec.extensions and
// emits what installs and enables them (extsteps.go says which step does
// what, and why). stack.go has already merged the stack's lists into the
// spec.
func (b *build) extensionObjects(c *cnpgv1.Cluster) {
	pkgs := b.trunkPackages()
	dbs, required := b.extensionPlan(c)
	managed, sqlDBs := b.splitSteps(dbs)
	// Database objects stay while stopped: CloudNativePG applies them when
	// the primary is back, and removing them would only make a GitOps tool
	// delete and recreate them.
	b.databaseObjects(managed)
	if b.stopped() {
		// A hibernated Cluster has no pods to install into or to connect
		// to: no Jobs, and nothing they alone need. Resuming renders the
		// same names again, so the Jobs run again; both are idempotent.
		return
	}
	if len(pkgs) > 0 {
		b.trunkObjects(c, pkgs)
	}
	if len(sqlDBs) > 0 {
		b.extensionSQLObjects(c, sqlDBs, required, pkgs)
	}
}

// trunkPackages validates spec.trunk_installs. A version is required: Trunk
// would resolve a missing one (or "latest") against the registry when the
// Job runs, so the same file could install different code on different
// days, and on pods installed at different times.
func (b *build) trunkPackages() []trunkPackage {
	var out []trunkPackage
	seen := map[string]int{}
	for i, t := range b.db.Spec.TrunkInstalls {
		p := sprintf("spec.trunk_installs[%d]", i)
		ok := true
		switch err := validTrunkName(t.Name); {
		case t.Name == "":
			b.errorf(p+".name", "required: the Trunk project to install (e.g. pgvector)")
			ok = false
		case err != nil:
			b.errorf(p+".name", "%v", err)
			ok = false
		default:
			if j, dup := seen[t.Name]; dup {
				b.errorf(p+".name", "duplicate Trunk install %q (also at %s); keep one entry", t.Name, b.where(sprintf("spec.trunk_installs[%d]", j)))
				ok = false
			} else {
				seen[t.Name] = i
			}
		}
		switch err := validVersion(t.Version); {
		case t.Version == "":
			b.errorf(p+".version", "required: write the exact version to install (e.g. 0.8.0); without one Trunk installs whatever is latest when the Job runs, so the same file would not always install the same code")
			ok = false
		case t.Version == "latest":
			b.errorf(p+".version", "\"latest\" is resolved by Trunk when the Job runs, so the same file would not always install the same code: write the exact version (e.g. 0.8.0)")
			ok = false
		case err != nil:
			b.errorf(p+".version", "%v", err)
			ok = false
		}
		if ok && !b.res.skipTrunk[i] {
			out = append(out, trunkPackage{t.Name, t.Version})
		}
	}
	// Two projects that install the same extension (Tembo's samples name
	// pgml where the stack names postgresml) overwrite each other's files:
	// the later one in the list wins.
	byEntry := map[string]int{}
	for i, t := range b.db.Spec.TrunkInstalls {
		e, ok := extensions.Lookup(t.Name)
		if !ok || t.Name == "" || b.res.skipTrunk[i] {
			continue
		}
		if j, dup := byEntry[e.Name]; dup && b.db.Spec.TrunkInstalls[j].Name != t.Name {
			o := b.db.Spec.TrunkInstalls[j]
			b.warnf(sprintf("spec.trunk_installs[%d].name", i), "Trunk projects %q %s and %q %s (%s) both install extension %q; they overwrite each other's files and %s %s, installed last, wins: keep one",
				t.Name, t.Version, o.Name, o.Version, b.where(sprintf("spec.trunk_installs[%d]", j)), e.Name, t.Name, t.Version)
			continue
		}
		byEntry[e.Name] = i
	}
	if len(out) > 0 && b.opts.TrunkRegistry != "" {
		if msg := checkRegistry(b.opts.TrunkRegistry); msg != "" {
			b.errorf("spec.trunk_installs", "--trunk-registry %s", msg)
		}
	}
	return out
}

// checkRegistry accepts an absolute http(s) URL without spaces or control
// characters: it is passed to trunk as one argument.
func checkRegistry(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return sprintf("%q must be an http(s) URL such as https://registry.pgtrunk.io", s)
	}
	return ""
}

// managedParamSet reports whether the Cluster sets a parameter in a CNPG
// managed-extension namespace (pg_stat_statements.*, pgaudit.*), which makes
// CNPG create the extension in every database (cloudnativepg.md §2.5).
func managedParamSet(c *cnpgv1.Cluster, ns string) []string {
	var out []string
	for k := range c.Spec.PostgresConfiguration.Parameters {
		if strings.HasPrefix(k, ns+".") {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// extensionPlan validates spec.extensions and returns, per database (sorted
// by name), the actions of the SQL Job, and the extensions some database
// enables (sorted).
func (b *build) extensionPlan(c *cnpgv1.Cluster) ([]extDatabase, []string) {
	cronDB := "postgres"
	if v, ok := c.Spec.PostgresConfiguration.Parameters["cron.database_name"]; ok && v != "" {
		cronDB = v
	}

	byDB := map[string][]ExtAction{}
	required := map[string]bool{}
	seenExt := map[string]int{}
	for i, ext := range b.db.Spec.Extensions {
		p := sprintf("spec.extensions[%d]", i)
		if ext.Name == "" {
			b.errorf(p+".name", "required: the SQL extension name (e.g. vector)")
			continue
		}
		if err := validExtensionName(ext.Name); err != nil {
			b.errorf(p+".name", "%v", err)
			continue
		}
		if j, dup := seenExt[ext.Name]; dup {
			b.errorf(p+".name", "duplicate extension %q (also at %s); list all its databases under one entry", ext.Name, b.where(sprintf("spec.extensions[%d]", j)))
			continue
		}
		seenExt[ext.Name] = i

		entry, known := extensions.Lookup(ext.Name)
		locs := b.extensionLocations(p, ext)
		switch {
		case !known:
			b.warnf(p+".name", "extension %q is not in coredb's catalog, so coredb cannot check which Trunk project provides it or whether it needs preloading; check it is the SQL name (`coredb extensions` lists the known ones)", ext.Name)
		case entry.LoadOnly:
			b.warnf(p+".name", "%q is a library, not an extension: there is nothing to CREATE; it takes effect through shared_preload_libraries, so no SQL is run for it", ext.Name)
			continue
		case !slices.Contains(entry.SQL, ext.Name):
			b.warnf(p+".name", "%q is not a SQL extension name; Trunk project %s provides extension %q: write name: %s", ext.Name, ext.Name, entry.Name, entry.Name)
		}

		var paramsSet []string
		if known && entry.CNPGManaged != "" {
			paramsSet = managedParamSet(c, entry.CNPGManaged)
		}
		for _, l := range locs {
			if !l.valid || l.enabled && b.res.skipExt[i] {
				continue // dropped (resolve.go): nothing to create
			}
			a := ExtAction{Name: ext.Name, Enable: l.enabled, Version: l.version, Schema: l.schema, Relocatable: known && entry.Relocatable, path: l.path}
			if known {
				if entry.Schema != "" && a.Schema != "" {
					if a.Schema != entry.Schema {
						b.warnf(l.path+".schema", "extension %q always lives in schema %q (its control file fixes it); schema %q is not used", ext.Name, entry.Schema, a.Schema)
					}
					a.Schema = ""
				}
				if l.enabled {
					a.PostCreate = entry.PostCreate
					// The extension's own library (pg_cron, pgaudit,
					// timescaledb): CREATE fails or gives a broken extension
					// until the server has restarted with it preloaded.
					if entry.Preload != "" && slices.Contains(entry.SQL, entry.Preload) {
						a.Preload = entry.Preload
					}
				}
				if entry.CNPGManaged != "" {
					switch {
					case l.enabled && len(paramsSet) == 0:
						b.warnf(l.path+".enabled", "CloudNativePG drops %s in every database while no %s.* parameter is set (cloudnative-pg#3033): set one, e.g. in runtime_config", ext.Name, entry.CNPGManaged)
					case !l.enabled && len(paramsSet) > 0:
						b.warnf(l.path+".enabled", "CloudNativePG creates %s in every database while a %s.* parameter is set (%s), so no DROP is emitted: it would be undone at the next restart; remove those parameters to disable it", ext.Name, entry.CNPGManaged, strings.Join(paramsSet, ", "))
						continue
					case l.enabled:
						// CloudNativePG creates it in every database by
						// itself; a second owner would fight it
						// (cloudnativepg.md §4.3).
						continue
					}
				}
			}
			if ext.Name == "pg_cron" && l.enabled && l.database != cronDB {
				b.errorf(l.path+".database", "pg_cron can only be created in database %q (cron.database_name): its CREATE EXTENSION fails in %q; enable it in one database only, or set cron.database_name", cronDB, l.database)
				continue
			}
			if l.enabled && known {
				b.checkPreloaded(l.path, ext.Name, entry)
			} else if !l.enabled {
				b.warnf(l.path+".enabled", "enabled: false drops extension %q in database %q (DROP EXTENSION IF EXISTS, %s); remove the location once it is gone", ext.Name, l.database, dropMode(b.opts.DropCascade))
			}
			if l.enabled {
				required[ext.Name] = true
			}
			byDB[l.database] = append(byDB[l.database], a)
		}
	}
	var dbs []extDatabase
	for _, name := range slices.Sorted(maps.Keys(byDB)) {
		dbs = append(dbs, extDatabase{name: name, actions: byDB[name]})
	}
	return dbs, slices.Sorted(maps.Keys(required))
}

// location is one validated extension location.
type location struct {
	path     string
	database string
	enabled  bool
	version  string
	schema   string
	valid    bool
}

// extensionLocations validates the locations of one extension.
func (b *build) extensionLocations(p string, ext Extension) []location {
	if len(ext.Locations) == 0 {
		b.warnf(p+".locations", "extension %q has no locations, so nothing is done with it; add {database: postgres, enabled: true}", ext.Name)
	}
	var out []location
	seen := map[string]int{}
	for j, l := range ext.Locations {
		lp := sprintf("%s.locations[%d]", p, j)
		loc := location{path: lp, database: l.Database, version: l.Version, schema: l.Schema, valid: true}
		if loc.database == "" {
			loc.database = "postgres" // Tembo's default
		}
		if err := validDatabaseName(loc.database); err != nil {
			b.errorf(lp+".database", "%v", err)
			loc.valid = false
		} else if k, dup := seen[loc.database]; dup {
			b.errorf(lp+".database", "duplicate database %q for extension %q (also at %s); keep one entry", loc.database, ext.Name, b.where(sprintf("%s.locations[%d]", p, k)))
			loc.valid = false
		} else {
			seen[loc.database] = j
		}
		if l.Enabled == nil {
			b.errorf(lp+".enabled", "required: true to create the extension in database %q, false to drop it", loc.database)
			loc.valid = false
		} else {
			loc.enabled = *l.Enabled
		}
		if l.Schema != "" {
			if err := validSchemaName(l.Schema); err != nil {
				b.errorf(lp+".schema", "%v", err)
				loc.valid = false
			}
		}
		if l.Version != "" {
			if err := validVersion(l.Version); err != nil {
				b.errorf(lp+".version", "%v", err)
				loc.valid = false
			}
		}
		out = append(out, loc)
	}
	return out
}

// where is the file:line a field path was written at, for messages that
// point at a second place.
func (b *build) where(path string) string {
	o := b.db.src.at(path)
	if o.Line == 0 {
		return path
	}
	return sprintf("%s:%d", o.File, o.Line)
}

// contentName is base-kind-hash, with base shortened so the whole fits a
// Job name (63 characters). The hash covers the full Cluster name, so two
// long names that share a prefix still differ.
func contentName(base, kind, hash string) string {
	room := maxJobName - len(kind) - len(hash) - 2
	if len(base) > room {
		base = strings.TrimRight(base[:room], "-")
	}
	return base + "-" + kind + "-" + hash
}

// contentHash hashes the ConfigMap data and the Job spec (with the
// ConfigMap name still empty) as canonical JSON: Go sorts map keys. The
// bytes are json.Marshal's, written by jsonvalue.AppendJSON (which skips
// encoding/json's preparing the whole pod API on first use); the hash is in
// the Job's name, so they must never change (TestAppendJSONMatchesMarshal).
func contentHash(data map[string]string, spec batchv1.JobSpec) string {
	h := sha256.New()
	buf := hashBuffers.Get().(*[]byte)
	defer hashBuffers.Put(buf)
	for _, v := range []any{data, spec} {
		raw, err := jsonvalue.AppendJSON((*buf)[:0], v)
		if err != nil {
			// Marshalling plain strings and k8s structs cannot fail; fall
			// back to the printed form rather than panic.
			raw = []byte(fmt.Sprintf("%#v", v))
		}
		*buf = raw
		h.Write(raw)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:hashLen]
}

// hashBuffers hold the JSON being hashed, so a fleet's thousands of hashes
// do not each grow a buffer from nothing.
var hashBuffers = sync.Pool{New: func() any { return new([]byte) }}

// podLabels are the labels of the Jobs' pods: the recommended ones only, so
// changing the CoreDB's own labels does not change the pod template (which
// would rename and rerun the Job).
func (b *build) podLabels(component string) map[string]string {
	return b.recommendedLabels(component)
}

// restricted is a container security context that meets the Pod Security
// "restricted" profile.
func restricted() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr(false),
		ReadOnlyRootFilesystem:   ptr(true),
		RunAsNonRoot:             ptr(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

func podSecurity(uid int64) *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot:   ptr(true),
		RunAsUser:      ptr(uid),
		RunAsGroup:     ptr(uid),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

func smallResources(cpuLimit, memLimit string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpuLimit), corev1.ResourceMemory: resource.MustParse(memLimit)},
	}
}

func envValue(name, value string) corev1.EnvVar { return corev1.EnvVar{Name: name, Value: value} }

// jobSpec is the part both Jobs share; the caller fills the container.
func (b *build) jobSpec(component string, deadline int64, uid int64, c corev1.Container, volumes []corev1.Volume, automount bool, sa string) batchv1.JobSpec {
	c.SecurityContext = restricted()
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "tmp", MountPath: "/tmp"})
	c.TerminationMessagePolicy = corev1.TerminationMessageFallbackToLogsOnError
	volumes = append(volumes, corev1.Volume{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr(resource.MustParse("64Mi"))}}})
	return batchv1.JobSpec{
		BackoffLimit:          ptr(int32(jobBackoffLimit)),
		ActiveDeadlineSeconds: ptr(deadline),
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: b.podLabels(component)},
			Spec: corev1.PodSpec{
				RestartPolicy:                corev1.RestartPolicyNever,
				ServiceAccountName:           sa,
				AutomountServiceAccountToken: ptr(automount),
				SecurityContext:              podSecurity(uid),
				Containers:                   []corev1.Container{c},
				Volumes:                      volumes,
			},
		},
	}
}

// configMapVolume mounts the Job's ConfigMap; its name is set once the
// content hash is known.
func configMapVolume() corev1.Volume {
	return corev1.Volume{Name: "coredb", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}}
}

// finish names the ConfigMap and the Job after their content and adds them;
// hook makes both Argo CD Sync hooks.
func (b *build) finish(kind, component string, data map[string]string, spec batchv1.JobSpec, hook bool) {
	name := contentName(b.db.Metadata.Name, kind, contentHash(data, spec))
	for i := range spec.Template.Spec.Volumes {
		if cm := spec.Template.Spec.Volumes[i].ConfigMap; cm != nil {
			cm.Name = name
		}
	}
	cmMeta := b.objectMeta(name, component)
	jobMeta := b.objectMeta(name, component)
	if hook {
		setSyncHook(&cmMeta)
		setSyncHook(&jobMeta)
	}
	b.add(&corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: cmMeta,
		Immutable:  ptr(true),
		Data:       data,
	})
	b.add(&batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: jobMeta,
		Spec:       spec,
	})
}

// trunkObjects emits the Trunk install Job, its ConfigMap and its RBAC.
func (b *build) trunkObjects(c *cnpgv1.Cluster, pkgs []trunkPackage) {
	name := b.db.Metadata.Name
	var list strings.Builder
	for _, p := range pkgs {
		list.WriteString(p.name + " " + p.version + "\n")
	}
	data := map[string]string{
		"packages":         list.String(),
		"trunk-install.sh": trunkInstallScript,
	}
	image := b.opts.TrunkJobImage
	if image == "" {
		image = DefaultTrunkJobImage
	}
	env := []corev1.EnvVar{
		envValue("CLUSTER", name),
		{Name: "NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
		envValue("COREDB_READY_TIMEOUT", sprintf("%d", trunkReadyTimeout)),
		// kubectl keeps its discovery cache under $HOME/.kube.
		envValue("HOME", "/tmp"),
	}
	if r := b.opts.TrunkRegistry; r != "" {
		env = append(env, envValue("TRUNK_REGISTRY", r))
	}
	// Scaling out adds pods that have none of the packages, and a new image
	// or Postgres major brings pods whose volume-resident packages were
	// built for another server: the instance count, the image and the
	// major are part of the pod template, so any of them changing renames
	// the Job and runs it again.
	env = append(env,
		envValue("COREDB_INSTANCES", sprintf("%d", c.Spec.Instances)),
		envValue("COREDB_IMAGE", c.Spec.ImageName),
		envValue("COREDB_PG_MAJOR", sprintf("%d", b.img.Major)))
	ctr := corev1.Container{
		Name:         "trunk-install",
		Image:        image,
		Command:      []string{"/bin/sh", trunkMountPath + "/trunk-install.sh"},
		Env:          env,
		Resources:    smallResources("500m", "256Mi"),
		VolumeMounts: []corev1.VolumeMount{{Name: "coredb", MountPath: trunkMountPath, ReadOnly: true}},
	}
	sa := name + "-trunk"
	spec := b.jobSpec(componentTrunk, trunkJobDeadline, nobodyUID, ctr, []corev1.Volume{configMapVolume()}, true, sa)

	// The Job's exec rights reach every pod of the namespace: RBAC cannot
	// name "the pods of this Cluster" (resourceNames needs fixed names,
	// and CloudNativePG's pod serials grow), so they exist only while a
	// sync runs the Job. Under Argo CD all of it is a Sync hook, deleted
	// once the hooks succeeded; under plain kubectl the Job deletes its
	// Role when it has succeeded, which leaves its RoleBinding pointing at
	// nothing.
	saMeta := b.objectMeta(sa, componentTrunk)
	setSyncHook(&saMeta)
	b.add(&corev1.ServiceAccount{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: saMeta,
		// Only the Job's pod, which asks for it, gets a token.
		AutomountServiceAccountToken: ptr(false),
	})
	roleMeta := b.objectMeta(sa, componentTrunk)
	setSyncHook(&roleMeta)
	b.add(&rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
		ObjectMeta: roleMeta,
		Rules: []rbacv1.PolicyRule{
			// List the instance pods; kubectl exec reads the pod first.
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}},
			// kubectl exec: SPDY POSTs (create); WebSocket exec, kubectl's
			// default since 1.31, GETs (get), and API servers from 1.35
			// also check create on it (kubernetes/kubernetes#134577).
			{APIGroups: []string{""}, Resources: []string{"pods/exec"}, Verbs: []string{"create", "get"}},
			// kubectl wait on this Cluster only: get, then list/watch with
			// a metadata.name field selector, which resourceNames allows.
			{APIGroups: []string{"postgresql.cnpg.io"}, Resources: []string{"clusters"}, ResourceNames: []string{name}, Verbs: []string{"get", "list", "watch"}},
			// Give the rights up once done: delete this Role only.
			{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"roles"}, ResourceNames: []string{sa}, Verbs: []string{"delete"}},
		},
	})
	rbMeta := b.objectMeta(sa, componentTrunk)
	setSyncHook(&rbMeta)
	b.add(&rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
		ObjectMeta: rbMeta,
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa, Namespace: b.namespace}},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: sa},
	})
	env = append(env, envValue("COREDB_ROLE", sa))
	spec.Template.Spec.Containers[0].Env = env
	b.finish("trunk", componentTrunk, data, spec, true)
}

// extensionSQLObjects emits the extension SQL Job and its ConfigMap.
func (b *build) extensionSQLObjects(c *cnpgv1.Cluster, dbs []extDatabase, required []string, pkgs []trunkPackage) {
	withTrunk := len(pkgs) > 0
	name := b.db.Metadata.Name
	data := map[string]string{"extensions.sh": extensionsScript}
	var keys strings.Builder
	for i, db := range dbs {
		key := sprintf("db-%03d", i+1)
		keys.WriteString(key + "\n")
		data[key+".dbname"] = db.name
		data[key+".sql"] = databaseSQL(db.name, db.actions, b.opts.DropCascade)
	}
	data["databases"] = keys.String()
	var req strings.Builder
	for _, r := range required {
		req.WriteString(r + "\n")
	}
	data["required-extensions"] = req.String()
	if withTrunk {
		// Not read by the script: it puts the package set into the Job's
		// content hash, so a new Trunk version renames the Job and its
		// ALTER EXTENSION ... UPDATE runs again.
		var list strings.Builder
		for _, p := range pkgs {
			list.WriteString(p.name + " " + p.version + "\n")
		}
		data["trunk-packages"] = list.String()
	}

	extWait := 0
	if withTrunk {
		extWait = sqlExtensionWait
	}
	secret := func(key string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: name + "-superuser"}, Key: key,
		}}
	}
	ctr := corev1.Container{
		Name:    "extensions",
		Image:   c.Spec.ImageName,
		Command: []string{"/bin/sh", sqlMountPath + "/extensions.sh"},
		Env: []corev1.EnvVar{
			envValue("PGHOST", name+"-rw"),
			envValue("PGPORT", "5432"),
			{Name: "PGUSER", ValueFrom: secret("username")},
			{Name: "PGPASSWORD", ValueFrom: secret("password")},
			// The server certificate is signed by the Cluster's CA and
			// names <name>-rw.
			envValue("PGSSLMODE", "verify-full"),
			envValue("PGSSLROOTCERT", caMountPath+"/ca.crt"),
			envValue("PGAPPNAME", "coredb-extensions"),
			envValue("PGCONNECT_TIMEOUT", "10"),
			envValue("COREDB_SERVER_WAIT", sprintf("%d", sqlServerWait)),
			envValue("COREDB_EXTENSION_WAIT", sprintf("%d", extWait)),
			envValue("HOME", "/tmp"),
		},
		Resources: smallResources("500m", "128Mi"),
		VolumeMounts: []corev1.VolumeMount{
			{Name: "coredb", MountPath: sqlMountPath, ReadOnly: true},
			{Name: "ca", MountPath: caMountPath, ReadOnly: true},
		},
	}
	volumes := []corev1.Volume{
		configMapVolume(),
		// Only ca.crt: the Secret also holds the CA's private key.
		{Name: "ca", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: name + "-ca",
			Items:      []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}},
		}}},
	}
	spec := b.jobSpec(componentExtensions, sqlJobDeadline, postgresUID, ctr, volumes, false, "")
	b.finish("extensions", componentExtensions, data, spec, false)
}
