package compile_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coredb-dev/coredb/compile"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// ---- helpers -----------------------------------------------------------------

// jobsCompileSrc compiles one CoreDB source and returns the rendered YAML, the
// warnings and the error, as `coredb render` would.
func jobsCompileSrc(t testing.TB, src string, opts compile.Options) ([]byte, compile.ErrorList, error) {
	t.Helper()
	dbs, _, err := compile.Load("db.yaml", []byte(src))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return jobsCompileDBs(t, dbs, opts)
}

// jobsCompileDBs compiles on target tembo unless opts say otherwise: the
// Trunk install Job these tests look at exists only there, and the preload
// libraries Trunk installs are allowed, as --allow-trunk-preloads does. It
// targets CloudNativePG 1.25 unless opts say otherwise, where the SQL Job
// does every database (databases_test.go covers the Database objects of
// 1.26 and later), with superuser access on, which that Job needs.
func jobsCompileDBs(t testing.TB, dbs []*compile.CoreDB, opts compile.Options) ([]byte, compile.ErrorList, error) {
	t.Helper()
	if opts.Target == "" {
		opts.Target, opts.AllowTrunkPreloads = "tembo", true
	}
	if opts.CNPGVersion == "" {
		opts.CNPGVersion = "1.25"
	}
	opts.SuperuserAccess = true
	objs, warns, err := compile.Compile(dbs, opts)
	if err != nil {
		return nil, warns, err
	}
	out, err := compile.Encode(objs, compile.FormatYAML)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return out, warns, nil
}

func jobsRender(t testing.TB, src string, opts compile.Options) ([]byte, compile.ErrorList) {
	t.Helper()
	out, warns, err := jobsCompileSrc(t, src, opts)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return out, warns
}

// jobsStream is a rendered YAML stream, decoded into typed objects.
type jobsStream struct {
	kinds      []string // kind/name in stream order
	configMaps map[string]corev1.ConfigMap
	jobs       map[string]batchv1.Job // by component label
	roles      []rbacv1.Role
	bindings   []rbacv1.RoleBinding
	accounts   []corev1.ServiceAccount
	cluster    map[string]any
}

func jobsDecode(t testing.TB, out []byte) jobsStream {
	t.Helper()
	s := jobsStream{configMaps: map[string]corev1.ConfigMap{}, jobs: map[string]batchv1.Job{}}
	for _, doc := range strings.Split(string(out), "\n---\n") {
		var head struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatalf("decode: %v\n%s", err, doc)
		}
		s.kinds = append(s.kinds, head.Kind+"/"+head.Metadata.Name)
		into := func(v any) {
			if err := yaml.UnmarshalStrict([]byte(doc), v); err != nil {
				t.Fatalf("decode %s: %v", head.Kind, err)
			}
		}
		switch head.Kind {
		case "ConfigMap":
			var cm corev1.ConfigMap
			into(&cm)
			s.configMaps[cm.Name] = cm
		case "Job":
			var j batchv1.Job
			into(&j)
			comp := j.Labels["app.kubernetes.io/component"]
			if _, dup := s.jobs[comp]; dup {
				t.Fatalf("two Jobs of component %s", comp)
			}
			s.jobs[comp] = j
		case "Role":
			var r rbacv1.Role
			into(&r)
			s.roles = append(s.roles, r)
		case "RoleBinding":
			var r rbacv1.RoleBinding
			into(&r)
			s.bindings = append(s.bindings, r)
		case "ServiceAccount":
			var a corev1.ServiceAccount
			into(&a)
			s.accounts = append(s.accounts, a)
		case "Cluster":
			into(&s.cluster)
		}
	}
	return s
}

// jobConfigMap is the ConfigMap a Job mounts.
func (s jobsStream) jobConfigMap(t testing.TB, j batchv1.Job) corev1.ConfigMap {
	t.Helper()
	for _, v := range j.Spec.Template.Spec.Volumes {
		if v.ConfigMap != nil {
			cm, ok := s.configMaps[v.ConfigMap.Name]
			if !ok {
				t.Fatalf("Job %s mounts ConfigMap %s, which is not in the output", j.Name, v.ConfigMap.Name)
			}
			return cm
		}
	}
	t.Fatalf("Job %s mounts no ConfigMap", j.Name)
	return corev1.ConfigMap{}
}

const (
	jobsTrunk = "trunk-install"
	jobsSQL   = "extension-sql"
)

// jobsBase is a CoreDB with Trunk installs and extensions in three
// databases. Tembo's ml-cnpg image ships hstore (its plpython3u transforms
// need it); Tembo's images have no other contrib module.
const jobsBase = `apiVersion: coredb.io/v1alpha1
kind: CoreDB
metadata:
  name: shop
  namespace: prod
spec:
  image: quay.io/tembo/ml-cnpg:15-bffd097
  trunk_installs:
    - {name: pgvector, version: 0.8.0}
    - {name: pg_cron, version: 1.6.4}
  runtime_config:
    - {name: shared_preload_libraries, value: pg_cron}
  extensions:
    - name: vector
      locations:
        - {database: app, enabled: true, schema: vectors}
        - {database: reports, enabled: false}
    - name: pg_cron
      locations:
        - {database: postgres, enabled: true}
    - name: hstore
      locations:
        - {database: app, enabled: true}
`

func jobsMessages(l compile.ErrorList) string {
	var b strings.Builder
	for _, e := range l {
		b.WriteString(e.Error())
		b.WriteByte('\n')
	}
	return b.String()
}

// ---- shape of the objects ------------------------------------------------------

func TestJobsShape(t *testing.T) {
	out, _ := jobsRender(t, jobsBase, compile.Options{})
	s := jobsDecode(t, out)

	wantKinds := []string{"ServiceAccount/shop-trunk", "Role/shop-trunk", "RoleBinding/shop-trunk"}
	if !slices.Equal(s.kinds[:3], wantKinds) {
		t.Errorf("stream starts with %v, want the Trunk RBAC %v", s.kinds[:3], wantKinds)
	}
	if got := s.cluster["spec"].(map[string]any)["enableSuperuserAccess"]; got != true {
		t.Errorf("Cluster enableSuperuserAccess = %v, want true (the SQL Job logs in with shop-superuser)", got)
	}

	for comp, j := range s.jobs {
		t.Run(comp, func(t *testing.T) {
			cm := s.jobConfigMap(t, j)
			if cm.Name != j.Name || !strings.HasPrefix(j.Name, "shop-") {
				t.Errorf("ConfigMap %s and Job %s should share the content-hashed name", cm.Name, j.Name)
			}
			if cm.Immutable == nil || !*cm.Immutable {
				t.Errorf("ConfigMap %s is not immutable", cm.Name)
			}
			// No sync waves (meta.go): the Trunk objects are Argo CD Sync
			// hooks, deleted once they succeeded; the SQL Job is a plain
			// object that never holds a sync.
			for _, m := range []map[string]string{j.Annotations, cm.Annotations} {
				if _, ok := m["argocd.argoproj.io/sync-wave"]; ok {
					t.Errorf("%s carries a sync wave", j.Name)
				}
				hook := m["argocd.argoproj.io/hook"] == "Sync" && m["argocd.argoproj.io/hook-delete-policy"] == "BeforeHookCreation,HookSucceeded"
				if hook != (comp == jobsTrunk) {
					t.Errorf("%s: hook annotations %v, want a Sync hook only for the Trunk Job", j.Name, m)
				}
			}
			spec := j.Spec
			if spec.BackoffLimit == nil || *spec.BackoffLimit < 1 || *spec.BackoffLimit > 5 {
				t.Errorf("backoffLimit = %v, want a small explicit number", spec.BackoffLimit)
			}
			if spec.ActiveDeadlineSeconds == nil || *spec.ActiveDeadlineSeconds <= 0 {
				t.Errorf("activeDeadlineSeconds not set")
			}
			if spec.TTLSecondsAfterFinished != nil {
				t.Errorf("ttlSecondsAfterFinished is set: Argo CD would recreate and rerun the Job")
			}
			pod := spec.Template.Spec
			if pod.RestartPolicy != corev1.RestartPolicyNever {
				t.Errorf("restartPolicy %s", pod.RestartPolicy)
			}
			psc := pod.SecurityContext
			if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 ||
				psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("pod security context %+v", psc)
			}
			wantUID := map[string]int64{jobsTrunk: 65534, jobsSQL: 26}[comp]
			if psc != nil && psc.RunAsUser != nil && *psc.RunAsUser != wantUID {
				t.Errorf("runAsUser %d, want %d", *psc.RunAsUser, wantUID)
			}
			if len(pod.Containers) != 1 {
				t.Fatalf("%d containers", len(pod.Containers))
			}
			c := pod.Containers[0]
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil ||
				*sc.AllowPrivilegeEscalation || sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
				t.Errorf("container security context %+v", sc)
			}
			if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/tmp" }) {
				t.Errorf("no writable /tmp for a read-only root filesystem")
			}
			if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() ||
				c.Resources.Requests.Cpu().IsZero() || c.Resources.Limits.Cpu().IsZero() {
				t.Errorf("resources %+v: want requests and limits", c.Resources)
			}
			if len(c.Command) != 2 || c.Command[0] != "/bin/sh" {
				t.Errorf("command %v", c.Command)
			}
		})
	}

	sql := s.jobs[jobsSQL]
	pod := sql.Spec.Template.Spec
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("the SQL Job needs no API access: automountServiceAccountToken should be false")
	}
	if img := pod.Containers[0].Image; img != "quay.io/tembo/ml-cnpg:15-bffd097" {
		t.Errorf("SQL Job image %s, want the Cluster's image", img)
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range pod.Containers[0].Env {
		env[e.Name] = e
	}
	if env["PGHOST"].Value != "shop-rw" {
		t.Errorf("PGHOST = %q", env["PGHOST"].Value)
	}
	for key, name := range map[string]string{"username": "PGUSER", "password": "PGPASSWORD"} {
		ref := env[name].ValueFrom
		if ref == nil || ref.SecretKeyRef == nil || ref.SecretKeyRef.Name != "shop-superuser" || ref.SecretKeyRef.Key != key {
			t.Errorf("%s should come from Secret shop-superuser key %s, got %+v", name, key, ref)
		}
	}
	trunk := s.jobs[jobsTrunk]
	if sa := trunk.Spec.Template.Spec.ServiceAccountName; sa != "shop-trunk" {
		t.Errorf("Trunk Job service account %q", sa)
	}
	if img := trunk.Spec.Template.Spec.Containers[0].Image; img != compile.DefaultTrunkJobImage {
		t.Errorf("Trunk Job image %s", img)
	}
	cm := s.jobConfigMap(t, trunk)
	if got, want := cm.Data["packages"], "pgvector 0.8.0\npg_cron 1.6.4\n"; got != want {
		t.Errorf("packages = %q, want %q", got, want)
	}
	sqlCM := s.jobConfigMap(t, sql)
	if got := sqlCM.Data["databases"]; got != "db-001\ndb-002\ndb-003\n" {
		t.Errorf("databases = %q", got)
	}
	for key, db := range map[string]string{"db-001": "app", "db-002": "postgres", "db-003": "reports"} {
		if got := sqlCM.Data[key+".dbname"]; got != db {
			t.Errorf("%s.dbname = %q, want %q", key, got, db)
		}
	}
	if !strings.Contains(sqlCM.Data["db-001.sql"], `CREATE EXTENSION IF NOT EXISTS "vector" SCHEMA "vectors" CASCADE;`) ||
		!strings.Contains(sqlCM.Data["db-003.sql"], `DROP EXTENSION IF EXISTS "vector" RESTRICT;`) ||
		!strings.Contains(sqlCM.Data["db-002.sql"], `UPDATE cron.job SET nodename = '';`) {
		t.Errorf("SQL files do not hold the expected statements:\n%v", sqlCM.Data)
	}
	if got := sqlCM.Data["required-extensions"]; got != "hstore\npg_cron\nvector\n" {
		t.Errorf("required-extensions = %q", got)
	}
}

func TestJobsRBAC(t *testing.T) {
	out, _ := jobsRender(t, jobsBase, compile.Options{})
	s := jobsDecode(t, out)
	if len(s.roles) != 1 || len(s.bindings) != 1 || len(s.accounts) != 1 {
		t.Fatalf("want one Role, RoleBinding and ServiceAccount, got %d %d %d", len(s.roles), len(s.bindings), len(s.accounts))
	}
	type grant struct{ group, resource, name, verb string }
	var got []grant
	for _, r := range s.roles[0].Rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					names := r.ResourceNames
					if len(names) == 0 {
						names = []string{"*"}
					}
					for _, n := range names {
						got = append(got, grant{g, res, n, v})
					}
				}
			}
		}
	}
	want := []grant{
		{"", "pods", "*", "get"}, {"", "pods", "*", "list"},
		{"", "pods/exec", "*", "create"}, {"", "pods/exec", "*", "get"},
		{"postgresql.cnpg.io", "clusters", "shop", "get"}, {"postgresql.cnpg.io", "clusters", "shop", "list"},
		{"postgresql.cnpg.io", "clusters", "shop", "watch"},
		// It deletes its own Role once done, and nothing else.
		{"rbac.authorization.k8s.io", "roles", "shop-trunk", "delete"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Role grants\n%v\nwant exactly\n%v", got, want)
	}
	rb := s.bindings[0]
	if rb.RoleRef.Name != "shop-trunk" || len(rb.Subjects) != 1 || rb.Subjects[0].Name != "shop-trunk" || rb.Subjects[0].Kind != "ServiceAccount" {
		t.Errorf("RoleBinding %+v", rb)
	}
	if a := s.accounts[0].AutomountServiceAccountToken; a == nil || *a {
		t.Errorf("ServiceAccount should not automount its token; only the Job's pod asks for it")
	}
	// The exec rights exist only while a sync runs the Job: every Trunk
	// RBAC object is a Sync hook Argo CD deletes once it succeeded.
	for _, m := range []map[string]string{s.roles[0].Annotations, s.bindings[0].Annotations, s.accounts[0].Annotations} {
		if m["argocd.argoproj.io/hook"] != "Sync" || m["argocd.argoproj.io/hook-delete-policy"] != "BeforeHookCreation,HookSucceeded" {
			t.Errorf("Trunk RBAC annotations %v, want a Sync hook deleted on success", m)
		}
	}
}

// The names are content hashes: same spec, same names; any change to what a
// Job does gives new names for both the Job and its ConfigMap.
func TestJobsContentHashedNames(t *testing.T) {
	names := func(src string, opts compile.Options) (trunk, sql string) {
		out, _ := jobsRender(t, src, opts)
		s := jobsDecode(t, out)
		return s.jobs[jobsTrunk].Name, s.jobs[jobsSQL].Name
	}
	t0, s0 := names(jobsBase, compile.Options{})
	if t1, s1 := names(jobsBase, compile.Options{}); t1 != t0 || s1 != s0 {
		t.Fatalf("same spec, different names: %s %s vs %s %s", t0, s0, t1, s1)
	}
	cases := []struct {
		name             string
		src              string
		opts             compile.Options
		trunkNew, sqlNew bool
	}{
		// A new Trunk version must reach ALTER EXTENSION ... UPDATE: the
		// package set is part of the SQL Job's content.
		{"trunk version", strings.Replace(jobsBase, "version: 0.8.0", "version: 0.8.1", 1), compile.Options{}, true, true},
		{"registry", jobsBase, compile.Options{TrunkRegistry: "https://registry.example.com"}, true, false},
		{"trunk image", jobsBase, compile.Options{TrunkJobImage: "example.com/kubectl:1"}, true, false},
		{"scale out", strings.Replace(jobsBase, "spec:\n", "spec:\n  replicas: 3\n", 1), compile.Options{}, true, false},
		{"schema", strings.Replace(jobsBase, "schema: vectors", "schema: vec2", 1), compile.Options{}, false, true},
		{"drop cascade", jobsBase, compile.Options{DropCascade: true}, false, true},
		// The Trunk Job reinstalls on a new image: its packages live on the
		// volume and were built for the old one.
		{"image", strings.Replace(jobsBase, "15-bffd097", "15-aaaaaaa", 1), compile.Options{}, true, true},
		{"labels only", strings.Replace(jobsBase, "  namespace: prod\n", "  namespace: prod\n  labels: {team: a}\n", 1), compile.Options{}, false, false},
	}
	for _, c := range cases {
		t1, s1 := names(c.src, c.opts)
		if (t1 != t0) != c.trunkNew || (s1 != s0) != c.sqlNew {
			t.Errorf("%s: Trunk Job %s -> %s (want new: %v), SQL Job %s -> %s (want new: %v)", c.name, t0, t1, c.trunkNew, s0, s1, c.sqlNew)
		}
	}
}

func TestJobsLongNames(t *testing.T) {
	// Two 50-character names (the longest a Cluster may have) that differ
	// only past the point where they are shortened.
	a := strings.Repeat("a", 45) + "-xxxx"
	b := strings.Repeat("a", 45) + "-yyyy"
	var jobs []string
	for _, n := range []string{a, b} {
		out, _ := jobsRender(t, strings.Replace(jobsBase, "name: shop", "name: "+n, 1), compile.Options{})
		s := jobsDecode(t, out)
		for _, j := range s.jobs {
			if len(j.Name) > 63 {
				t.Errorf("Job name %s is %d characters; the job-name label allows 63", j.Name, len(j.Name))
			}
			if strings.Contains(j.Name, "--") {
				t.Errorf("Job name %s has a doubled dash", j.Name)
			}
			jobs = append(jobs, j.Name)
		}
	}
	slices.Sort(jobs)
	if len(slices.Compact(jobs)) != 4 {
		t.Errorf("two Clusters with long names share Job names: %v", jobs)
	}
}

func TestJobsStopAndEmpty(t *testing.T) {
	out, _ := jobsRender(t, strings.Replace(jobsBase, "spec:\n", "spec:\n  stop: true\n", 1), compile.Options{})
	s := jobsDecode(t, out)
	if len(s.kinds) != 1 || !strings.HasPrefix(s.kinds[0], "Cluster/") {
		t.Errorf("stop: true should render the Cluster only, got %v", s.kinds)
	}
	if got := s.cluster["spec"].(map[string]any)["enableSuperuserAccess"]; got != true {
		t.Errorf("superuser access should stay on while stopped (no password rotation on resume), got %v", got)
	}

	// Superuser access is what the spec or the flag says, never a side
	// effect of the extensions: here on (jobsCompileDBs asks for it) with
	// nothing that needs it.
	empty := "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata: {name: plain}\nspec:\n  trunk_installs: []\n  extensions: []\n"
	out, _ = jobsRender(t, empty, compile.Options{})
	s = jobsDecode(t, out)
	if len(s.kinds) != 1 {
		t.Errorf("empty lists should render the Cluster only, got %v", s.kinds)
	}
	if got := s.cluster["spec"].(map[string]any)["enableSuperuserAccess"]; got != true {
		t.Errorf("enableSuperuserAccess = %v, want the explicit true", got)
	}

	onlyTrunk := "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata: {name: plain}\nspec:\n  trunk_installs: [{name: pgvector, version: 0.8.0}]\n"
	out, _ = jobsRender(t, onlyTrunk, compile.Options{})
	s = jobsDecode(t, out)
	if _, ok := s.jobs[jobsSQL]; ok || len(s.jobs) != 1 {
		t.Errorf("only trunk_installs: want the Trunk Job only, got %v", s.kinds)
	}
}

// ---- validation --------------------------------------------------------------

func TestJobsErrors(t *testing.T) {
	const head = "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata: {name: db}\nspec:\n"
	cases := []struct {
		name, spec string
		opts       compile.Options
		want       []string // substrings of the error list, each at its line:col and path
	}{
		{"bad trunk name", "  trunk_installs:\n    - {name: x, version: 1.0.0}\n    - {name: 'pg vector; rm -rf /', version: 1.0.0}\n",
			compile.Options{}, []string{`db.yaml:7:14: spec.trunk_installs[1].name: invalid Trunk project name "pg vector; rm -rf /"`}},
		{"missing version", "  trunk_installs:\n    - {name: pgvector}\n",
			compile.Options{}, []string{"db.yaml:6:7: spec.trunk_installs[0].version: required: write the exact version"}},
		{"latest", "  trunk_installs:\n    - {name: pgvector, version: latest}\n",
			compile.Options{}, []string{`db.yaml:6:33: spec.trunk_installs[0].version: "latest" is resolved by Trunk when the Job runs`}},
		{"bad version", "  trunk_installs:\n    - {name: pgvector, version: '1.0 $(id)'}\n",
			compile.Options{}, []string{`spec.trunk_installs[0].version: invalid version "1.0 $(id)"`}},
		{"duplicate trunk", "  trunk_installs:\n    - {name: pgvector, version: 1.0.0}\n    - {name: pgvector, version: 2.0.0}\n",
			compile.Options{}, []string{`db.yaml:7:14: spec.trunk_installs[1].name: duplicate Trunk install "pgvector" (also at db.yaml:6)`}},
		{"registry", "  trunk_installs:\n    - {name: pgvector, version: 1.0.0}\n",
			compile.Options{TrunkRegistry: "ftp://x y"}, []string{`spec.trunk_installs: --trunk-registry "ftp://x y" must be an http(s) URL`}},
		{"duplicate extension", "  extensions:\n    - {name: hstore, locations: [{enabled: true}]}\n    - {name: hstore, locations: [{enabled: false, database: app}]}\n",
			compile.Options{}, []string{`db.yaml:7:14: spec.extensions[1].name: duplicate extension "hstore" (also at db.yaml:6)`}},
		{"duplicate database", "  extensions:\n    - name: hstore\n      locations: [{database: app, enabled: true}, {database: app, enabled: false}]\n",
			compile.Options{}, []string{`spec.extensions[0].locations[1].database: duplicate database "app"`}},
		{"bad extension name", "  extensions:\n    - {name: 'a--b', locations: [{enabled: true}]}\n",
			compile.Options{}, []string{`spec.extensions[0].name: invalid extension name "a--b"`}},
		{"control character in database", "  extensions:\n    - {name: hstore, locations: [{enabled: true, database: \"a\\nb\"}]}\n",
			compile.Options{}, []string{`spec.extensions[0].locations[0].database: invalid database name "a\nb": control character`}},
		{"template0", "  extensions:\n    - {name: hstore, locations: [{enabled: true, database: template0}]}\n",
			compile.Options{}, []string{`spec.extensions[0].locations[0].database: database "template0" does not accept connections`}},
		{"long schema", "  extensions:\n    - {name: hstore, locations: [{enabled: true, schema: " + strings.Repeat("s", 64) + "}]}\n",
			compile.Options{}, []string{`spec.extensions[0].locations[0].schema: invalid schema name`}},
		{"enabled missing", "  extensions:\n    - {name: hstore, locations: [{database: app}]}\n",
			compile.Options{}, []string{`spec.extensions[0].locations[0].enabled: required`}},
		{"pg_cron elsewhere", "  extensions:\n    - {name: pg_cron, locations: [{database: app, enabled: true}]}\n",
			compile.Options{}, []string{`spec.extensions[0].locations[0].database: pg_cron can only be created in database "postgres"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := jobsCompileSrc(t, head+c.spec, c.opts)
			if err == nil {
				t.Fatalf("compiled without error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("errors\n%v\ndo not contain\n%s", err, w)
				}
			}
		})
	}
}

// pg_cron may be enabled in the database cron.database_name names.
func TestJobsCronDatabase(t *testing.T) {
	src := "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata: {name: db}\nspec:\n" +
		"  runtime_config: [{name: cron.database_name, value: app}]\n" +
		"  trunk_installs: [{name: pg_cron, version: 1.6.4}]\n" +
		"  override_configs: [{name: shared_preload_libraries, value: pg_cron}]\n" +
		"  extensions:\n    - {name: pg_cron, locations: [{database: app, enabled: true}]}\n"
	if _, _, err := jobsCompileSrc(t, src, compile.Options{}); err != nil {
		t.Fatalf("pg_cron in cron.database_name: %v", err)
	}
}

func TestJobsWarnings(t *testing.T) {
	// No image: the default, CloudNativePG's standard image on target cnpg
	// (the tests of where extensions come from are in resolve_test.go).
	const head = "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata: {name: db}\nspec:\n"
	cases := []struct {
		name, spec string
		target     string // default cnpg
		want       []string
		notWant    []string
		sql        func(t *testing.T, sql string)
	}{
		{"in the image", "  extensions:\n    - {name: vector, locations: [{enabled: true}]}\n", "", nil, []string{"warning"}, nil},
		{"Trunk install of what the image ships", "  trunk_installs: [{name: pgvector, version: 0.8.0}]\n  extensions:\n    - {name: vector, locations: [{enabled: true}]}\n",
			"", []string{`spec.trunk_installs[0].name: warning: Trunk install pgvector 0.8.0 is not needed: image ghcr.io/cloudnative-pg/postgresql:15.19-202608170814-standard-trixie (cnpg-standard) ships vector; no Trunk Job is rendered for it`}, nil, nil},
		{"contrib", "  extensions:\n    - {name: hstore, locations: [{enabled: true}]}\n", "", nil, []string{"warning"}, nil},
		{"in the stack's image", "  stack: {name: Geospatial}\n  extensions:\n    - {name: postgis, locations: [{enabled: true}]}\n",
			"", nil, []string{"postgis has no source"}, nil},
		{"disabled needs nothing, and says what it will do", "  extensions:\n    - {name: pg_cron, locations: [{enabled: false}]}\n", "",
			[]string{`spec.extensions[0].locations[0].enabled: warning: enabled: false drops extension "pg_cron" in database "postgres" (DROP EXTENSION IF EXISTS, RESTRICT: it fails, changing nothing, while objects depend on it)`},
			[]string{"has no source"}, nil},
		{"unknown, declared by a Trunk install", "  trunk_installs: [{name: my_ext, version: 1.0.0}]\n  extensions:\n    - {name: my_ext, locations: [{enabled: true}]}\n",
			"tembo", []string{`spec.extensions[0].name: warning: extension "my_ext" is not in coredb's catalog`}, nil,
			func(t *testing.T, sql string) {
				if !strings.Contains(sql, `CREATE EXTENSION IF NOT EXISTS "my_ext" CASCADE;`) {
					t.Errorf("an unknown extension is still created:\n%s", sql)
				}
			}},
		{"project name", "  trunk_installs: [{name: pgvector, version: 0.8.0}]\n  extensions:\n    - {name: pgvector, locations: [{enabled: true}]}\n", "tembo",
			[]string{`"pgvector" is not a SQL extension name; Trunk project pgvector provides extension "vector"`}, nil, nil},
		{"fixed schema", "  extensions:\n    - {name: adminpack, locations: [{enabled: true, schema: tools}]}\n", "",
			[]string{`spec.extensions[0].locations[0].schema: warning: extension "adminpack" always lives in schema "pg_catalog"`}, nil,
			func(t *testing.T, sql string) {
				if strings.Contains(sql, "tools") || !strings.Contains(sql, `CREATE EXTENSION IF NOT EXISTS "adminpack" CASCADE;`) {
					t.Errorf("the ignored schema is still used:\n%s", sql)
				}
			}},
		{"load only", "  extensions:\n    - {name: auto_explain, locations: [{enabled: true}]}\n", "",
			[]string{`spec.extensions[0].name: warning: "auto_explain" is a library, not an extension`}, nil, nil},
		{"no locations", "  extensions:\n    - {name: hstore, locations: []}\n", "",
			[]string{`spec.extensions[0].locations: warning: extension "hstore" has no locations`}, nil, nil},
		{"managed drop while a parameter is set", "  runtime_config: [{name: pg_stat_statements.track, value: all}]\n  extensions:\n" +
			"    - {name: pg_stat_statements, locations: [{enabled: false}]}\n    - {name: hstore, locations: [{enabled: true}]}\n", "",
			[]string{`spec.extensions[0].locations[0].enabled: warning: CloudNativePG creates pg_stat_statements in every database while a pg_stat_statements.* parameter is set (pg_stat_statements.track), so no DROP is emitted`}, nil,
			func(t *testing.T, sql string) {
				if strings.Contains(sql, "pg_stat_statements") {
					t.Errorf("the SQL fights CloudNativePG over pg_stat_statements:\n%s", sql)
				}
			}},
		{"managed drop without a parameter", "  extensions:\n    - {name: pg_stat_statements, locations: [{enabled: false}]}\n", "",
			nil, []string{"CloudNativePG creates"},
			func(t *testing.T, sql string) {
				if !strings.Contains(sql, `DROP EXTENSION IF EXISTS "pg_stat_statements" RESTRICT;`) {
					t.Errorf("with no parameter CloudNativePG drops it too; the SQL should say so:\n%s", sql)
				}
			}},
		{"two projects, one extension", "  trunk_installs: [{name: pgml, version: 2.7.1}, {name: postgresml, version: 2.10.0}]\n", "tembo",
			[]string{`spec.trunk_installs[1].name: warning: Trunk projects "postgresml" 2.10.0 and "pgml" 2.7.1 (db.yaml:5) both install extension "pgml"`}, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			target := c.target
			if target == "" {
				target = "cnpg"
			}
			out, warns, err := jobsCompileSrc(t, head+c.spec, compile.Options{Target: target, AllowTrunkPreloads: true})
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			got := jobsMessages(warns)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("warnings\n%s\ndo not contain\n%s", got, w)
				}
			}
			for _, w := range c.notWant {
				for _, line := range strings.Split(got, "\n") {
					if strings.Contains(line, w) && !strings.Contains(line, "preload") {
						t.Errorf("unexpected warning: %s", line)
					}
				}
			}
			if c.sql != nil {
				s := jobsDecode(t, out)
				j, ok := s.jobs[jobsSQL]
				if !ok {
					c.sql(t, "")
					return
				}
				var all strings.Builder
				for k, v := range s.jobConfigMap(t, j).Data {
					if strings.HasSuffix(k, ".sql") {
						all.WriteString(v)
					}
				}
				c.sql(t, all.String())
			}
		})
	}
}

// ---- the seed's second step -----------------------------------------------------

// Adding pg_bm25 to the machine-learning sample (the seed's second step)
// must change exactly the pg_bm25 install and its CREATE: new Job names,
// the same scripts, and ConfigMap contents that differ only by lines that
// are about pg_bm25.
func TestSeedBM25Step(t *testing.T) {
	// On target tembo, where pg_bm25 is a Trunk install (examples/flags.txt).
	opts := compile.Options{Target: "tembo", AllowTrunkPreloads: true, SuperuserAccess: true}
	before := jobsDecode(t, render(t, "../examples/sample-machine-learning.yaml", opts))
	after := jobsDecode(t, render(t, "../examples/sample-machine-learning-bm25.yaml", opts))
	for _, comp := range []string{jobsTrunk, jobsSQL} {
		jb, ja := before.jobs[comp], after.jobs[comp]
		if jb.Name == "" || ja.Name == "" {
			t.Fatalf("%s Job missing: before %q after %q", comp, jb.Name, ja.Name)
		}
		if jb.Name == ja.Name {
			t.Errorf("%s Job keeps its name %s although its work changed", comp, jb.Name)
		}
		cb, ca := before.jobConfigMap(t, jb), after.jobConfigMap(t, ja)
		keys := func(m map[string]string) []string {
			var k []string
			for key := range m {
				k = append(k, key)
			}
			slices.Sort(k)
			return k
		}
		if !slices.Equal(keys(cb.Data), keys(ca.Data)) {
			t.Errorf("%s ConfigMap keys changed: %v -> %v", comp, keys(cb.Data), keys(ca.Data))
		}
		var added []string
		for _, k := range keys(ca.Data) {
			removed, hunks := jobsLineDiff(cb.Data[k], ca.Data[k])
			if len(removed) > 0 {
				t.Errorf("%s %s: lines removed: %q", comp, k, removed)
			}
			for _, h := range hunks {
				if !slices.ContainsFunc(h, func(l string) bool { return strings.Contains(l, "pg_bm25") }) {
					t.Errorf("%s %s: added lines not about pg_bm25: %q", comp, k, h)
				}
				for _, l := range h {
					// The only other line is the end of pg_bm25's own check.
					if !strings.Contains(l, "pg_bm25") && strings.TrimSpace(l) != "END IF;" {
						t.Errorf("%s %s: added line is not about pg_bm25: %q", comp, k, l)
					}
					added = append(added, strings.TrimSpace(l))
				}
			}
		}
		var want []string
		switch comp {
		case jobsTrunk:
			want = []string{"pg_bm25 0.4.0"}
		case jobsSQL:
			want = []string{`CREATE EXTENSION IF NOT EXISTS "pg_bm25" CASCADE;`, `ALTER EXTENSION "pg_bm25" UPDATE;`, "pg_bm25"}
		}
		for _, w := range want {
			if !slices.Contains(added, w) {
				t.Errorf("%s: added lines %q lack %q", comp, added, w)
			}
		}
		// Everything but the ConfigMap name is the same in the pod.
		pb, pa := jb.Spec.Template.Spec, ja.Spec.Template.Spec
		for i := range pa.Volumes {
			if pa.Volumes[i].ConfigMap != nil {
				pa.Volumes[i].ConfigMap.Name = pb.Volumes[i].ConfigMap.Name
			}
		}
		yb, _ := yaml.Marshal(pb)
		ya, _ := yaml.Marshal(pa)
		if !bytes.Equal(yb, ya) {
			t.Errorf("%s pod spec changed beyond the ConfigMap name", comp)
		}
	}
}

// jobsLineDiff compares two texts line by line (longest common
// subsequence) and returns the removed lines and the added ones, grouped in
// runs of consecutive lines.
func jobsLineDiff(a, b string) (removed []string, added [][]string) {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var run []string
	flush := func() {
		if len(run) > 0 {
			added = append(added, run)
			run = nil
		}
	}
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			flush()
			i, j = i+1, j+1
		case j < len(y) && (i == len(x) || lcs[i][j+1] >= lcs[i+1][j]):
			run = append(run, y[j])
			j++
		default:
			removed = append(removed, x[i])
			i++
		}
	}
	flush()
	return removed, added
}

// ---- the Trunk install script, with a fake kubectl ----------------------------

// jobsFakeKubectl stands in for kubectl: no kubelet runs in this test
// environment, so a real `kubectl exec` cannot reach a pod. It records every
// call (each argument in brackets, one call per line), answers `wait` with
// $FAKE_WAIT_RC, `get pods` with $FAKE_PODS, and fails `exec` for the
// "pod package" pairs in $FAKE_FAIL (exit 1) and $FAKE_NOTRUNK (exit 127).
const jobsFakeKubectl = `#!/bin/sh
for a in "$@"; do printf '[%s]' "$a"; done >>"$FAKE_LOG"
printf '\n' >>"$FAKE_LOG"
[ "$1" = --namespace ] && shift 2
case $1 in
wait) exit "${FAKE_WAIT_RC:-0}" ;;
delete) exit 0 ;;
get) for p in $FAKE_PODS; do printf '%s\n' "$p"; done; exit 0 ;;
exec)
	pod=$2
	pkg=""
	prev=""
	for a in "$@"; do
		[ "$prev" = install ] && pkg=$a
		prev=$a
	done
	case " $FAKE_FAIL " in *" $pod:$pkg "*) echo "trunk: download of $pkg failed" >&2; exit 1 ;; esac
	case " $FAKE_NOTRUNK " in *" $pod:$pkg "*) echo 'exec: "trunk": executable file not found in $PATH' >&2; exit 127 ;; esac
	echo "installed $pkg on $pod"
	exit 0 ;;
esac
echo "fake kubectl: unexpected call: $*" >&2
exit 2
`

// jobsShells are the /bin/sh implementations the script is run with: dash
// (Debian's and Ubuntu's sh, as in Tembo's images and the kubectl image) and
// bash in POSIX mode, when present.
func jobsShells(t *testing.T) [][]string {
	var out [][]string
	for _, s := range [][]string{{"dash"}, {"bash", "--posix"}, {"busybox", "sh"}} {
		if p, err := exec.LookPath(s[0]); err == nil {
			out = append(out, append([]string{p}, s[1:]...))
		}
	}
	if len(out) == 0 {
		t.Skip("no POSIX shell found")
	}
	return out
}

// jobsPodFiles writes a Job's ConfigMap where the Job mounts it, below root,
// and returns the container's command with its paths moved below root.
func jobsPodFiles(t *testing.T, s jobsStream, j batchv1.Job, root string) []string {
	t.Helper()
	c := j.Spec.Template.Spec.Containers[0]
	cm := s.jobConfigMap(t, j)
	var mount string
	for _, m := range c.VolumeMounts {
		if m.Name == "coredb" {
			mount = m.MountPath
		}
	}
	dir := filepath.Join(root, mount)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for k, v := range cm.Data {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := slices.Clone(c.Command)
	for i, a := range cmd {
		if strings.HasPrefix(a, mount+"/") {
			cmd[i] = filepath.Join(root, a)
		}
	}
	return cmd
}

func TestTrunkScriptFakeKubectl(t *testing.T) {
	out, _ := jobsRender(t, jobsBase, compile.Options{TrunkRegistry: "https://registry.example.com/trunk"})
	s := jobsDecode(t, out)
	job := s.jobs[jobsTrunk]
	root := t.TempDir()
	cmd := jobsPodFiles(t, s, job, root)
	bin := filepath.Join(root, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "kubectl"), []byte(jobsFakeKubectl), 0o755); err != nil {
		t.Fatal(err)
	}
	// The Job's environment, with the namespace its fieldRef would give.
	var env []string
	for _, e := range job.Spec.Template.Spec.Containers[0].Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.namespace":
			env = append(env, e.Name+"=prod")
		case e.ValueFrom == nil:
			env = append(env, e.Name+"="+e.Value)
		}
	}
	run := func(t *testing.T, shell []string, extra ...string) (string, int, []string) {
		log := filepath.Join(t.TempDir(), "calls")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c := exec.CommandContext(ctx, shell[0], append(shell[1:], cmd[1:]...)...)
		c.Env = append(slices.Clone(env), append([]string{"PATH=" + bin + ":/usr/bin:/bin", "FAKE_LOG=" + log}, extra...)...)
		var buf bytes.Buffer
		c.Stdout, c.Stderr = &buf, &buf
		err := c.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(log)
		calls := strings.Split(strings.TrimSpace(string(raw)), "\n")
		if len(raw) == 0 {
			calls = nil
		}
		return buf.String(), code, calls
	}
	exec1 := func(pod, name, version string) string {
		return fmt.Sprintf("[--namespace][prod][exec][%s][-c][postgres][--][trunk][install][%s][--version][%s][-r][https://registry.example.com/trunk]", pod, name, version)
	}
	for _, sh := range jobsShells(t) {
		t.Run(filepath.Base(sh[0]), func(t *testing.T) {
			output, code, calls := run(t, sh, "FAKE_PODS=shop-1 shop-2 shop-3", "FAKE_FAIL=shop-2:pgvector", "FAKE_NOTRUNK=shop-3:pg_cron")
			want := []string{
				"[--namespace][prod][wait][--for=condition=Ready][--timeout=900s][clusters.postgresql.cnpg.io/shop]",
				"[--namespace][prod][get][pods][--selector][cnpg.io/cluster=shop,cnpg.io/podRole=instance][--output][jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}]",
				exec1("shop-1", "pgvector", "0.8.0"), exec1("shop-1", "pg_cron", "1.6.4"),
				exec1("shop-2", "pgvector", "0.8.0"), exec1("shop-2", "pg_cron", "1.6.4"),
				exec1("shop-3", "pgvector", "0.8.0"), exec1("shop-3", "pg_cron", "1.6.4"),
			}
			if !slices.Equal(calls, want) {
				t.Errorf("kubectl calls\n%s\nwant\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
			}
			if code != 1 {
				t.Errorf("exit code %d, want 1 when an install failed\n%s", code, output)
			}
			for _, w := range []string{
				"summary: 6 installs on Cluster shop, 4 ok, 2 failed",
				"FAILED  shop-2  pgvector 0.8.0 (exit 1)",
				"FAILED  shop-3  pg_cron 1.6.4 (exit 127: the postgres container has no runnable trunk command",
				"ok      shop-3  pgvector 0.8.0",
			} {
				if !strings.Contains(output, w) {
					t.Errorf("output lacks %q:\n%s", w, output)
				}
			}

			output, code, calls = run(t, sh, "FAKE_PODS=shop-1")
			if code != 0 || len(calls) != 5 || !strings.Contains(output, "2 ok, 0 failed") {
				t.Errorf("all installs succeed: exit %d, calls %q\n%s", code, calls, output)
			}
			// Then it gives up its exec rights; after a failure it keeps
			// them for the retry (the failing run above has no delete).
			if len(calls) == 5 && calls[4] != "[--namespace][prod][delete][role][shop-trunk][--ignore-not-found][--wait=false]" {
				t.Errorf("last call %s, want the Role deleted", calls[4])
			}

			output, code, calls = run(t, sh, "FAKE_PODS=shop-1", "FAKE_WAIT_RC=1")
			if code != 1 || len(calls) != 1 || !strings.Contains(output, "did not become Ready within 900s") {
				t.Errorf("Cluster never Ready: exit %d, calls %q\n%s", code, calls, output)
			}

			output, code, _ = run(t, sh, "FAKE_PODS=")
			if code != 1 || !strings.Contains(output, "has no instance pods") {
				t.Errorf("no pods: exit %d\n%s", code, output)
			}
		})
	}
}

// Without --trunk-registry, no -r argument at all (Tembo passed
// "-r https://..." as one glued argument).
func TestTrunkScriptDefaultRegistry(t *testing.T) {
	out, _ := jobsRender(t, jobsBase, compile.Options{})
	s := jobsDecode(t, out)
	job := s.jobs[jobsTrunk]
	for _, e := range job.Spec.Template.Spec.Containers[0].Env {
		if e.Name == "TRUNK_REGISTRY" {
			t.Errorf("TRUNK_REGISTRY set without --trunk-registry: %q", e.Value)
		}
	}
	root := t.TempDir()
	cmd := jobsPodFiles(t, s, job, root)
	bin := filepath.Join(root, "bin")
	_ = os.MkdirAll(bin, 0o755)
	_ = os.WriteFile(filepath.Join(bin, "kubectl"), []byte(jobsFakeKubectl), 0o755)
	log := filepath.Join(root, "calls")
	c := exec.Command("/bin/sh", cmd[1:]...)
	c.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "FAKE_LOG=" + log, "FAKE_PODS=p1", "CLUSTER=shop", "NAMESPACE=prod"}
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	raw, _ := os.ReadFile(log)
	if want := "[--namespace][prod][exec][p1][-c][postgres][--][trunk][install][pgvector][--version][0.8.0]\n"; !strings.Contains(string(raw), want) {
		t.Errorf("calls\n%s\nlack\n%s", raw, want)
	}
}

// A database CloudNativePG's instance manager cannot connect to (its name
// reaches the connection string unquoted; seen by the e2e runtime stage on
// CNPG 1.28.2): a Database object creates it, with no extensions or
// schemas, and the SQL Job manages its extensions.
func TestJobsUnconnectableDatabase(t *testing.T) {
	src := "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata: {name: db}\nspec:\n  superuserAccess: true\n  extensions:\n" +
		"    - {name: hstore, locations: [{database: 'Sales \"EU\"=1', enabled: true, schema: ext}]}\n" +
		"    - {name: citext, locations: [{database: sales, enabled: true}]}\n"
	_, _, errs := compileDoc(t, strings.Replace(src, "  superuserAccess: true\n", "", 1), compile.Options{})
	if want := `db.yaml:6:45: spec.extensions[0].locations[0].database: extension "hstore" in database "Sales \"EU\"=1" needs coredb's SQL Job, which logs in as the superuser: CloudNativePG's instance manager cannot connect to database`; !strings.Contains(errs.Error(), want) {
		t.Errorf("without superuser access: errors\n%v\nwant\n%s", errs, want)
	}
	objs, _ := mustCompile(t, src, compile.Options{})
	for _, o := range objs {
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			t.Fatal(err)
		}
		switch o.GetObjectKind().GroupVersionKind().Kind {
		case "Database":
			name, _, _ := unstructured.NestedString(u, "spec", "name")
			exts, _, _ := unstructured.NestedSlice(u, "spec", "extensions")
			schemas, _, _ := unstructured.NestedSlice(u, "spec", "schemas")
			switch name {
			case `Sales "EU"=1`:
				if len(exts) != 0 || len(schemas) != 0 {
					t.Errorf("Database %q manages extensions %v, schemas %v: CloudNativePG cannot connect to it", name, exts, schemas)
				}
			case "sales":
				if len(exts) != 1 {
					t.Errorf("Database sales: extensions %v, want citext", exts)
				}
			}
		case "ConfigMap":
			data, _, _ := unstructured.NestedStringMap(u, "data")
			found := false
			for k, v := range data {
				if strings.HasSuffix(k, ".sql") && strings.Contains(v, `CREATE EXTENSION IF NOT EXISTS "hstore" SCHEMA "ext"`) {
					found = true
				}
			}
			if strings.Contains(o.GetName(), "extensions") && !found {
				t.Errorf("ConfigMap %s: no SQL creates hstore in its database", o.GetName())
			}
		}
	}
}

// Compile builds a CoreDB once (it drops positions after the build); a
// second Compile of the same CoreDB says so instead of misreporting fields.
func TestCompileTwiceIsAnError(t *testing.T) {
	dbs, _, err := compile.Load("db.yaml", []byte("apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata: {name: db}\nspec:\n  runtime_config:\n    - {name: work_mem, value: 8MB}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, errs, err := compile.Compile(dbs, compile.Options{}); err != nil || len(errs) > 0 {
		t.Fatalf("first compile: %v %v", err, errs)
	}
	_, _, err = compile.Compile(dbs, compile.Options{})
	if err == nil || !strings.Contains(err.Error(), `CoreDB "db" (db.yaml) was compiled before; Load it again`) {
		t.Errorf("second compile: %v", err)
	}
}
