package compile_test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coredb-dev/coredb/compile"
	"sigs.k8s.io/yaml"
)

// The day-two sequence (e2e/testdata/daytwo): one database through ten
// ordinary edits, as its CoreDB changes in Git over the years. Each step is
// rendered as Argo CD would render it (default flags) and compared with the
// step before: the objects that must change do, the others keep their
// bytes and their names, and no step turns on superuser access, renders a
// Job, grants exec rights or removes the Cluster's protection. The e2e suite
// applies the same sequence to the API server and to a running instance.

type daytwoStep struct {
	file     string
	changed  []string                         // kind/name of every object whose bytes change
	check    func(t *testing.T, objs objects) // what the change must be
	warnings []string                         // substrings one warning must contain
}

// objects are one render's objects by kind/name, as generic maps.
type objects map[string]map[string]any

func renderObjects(t *testing.T, file string, opts compile.Options) (objects, map[string][]byte, compile.ErrorList) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	docs, _, err := compile.LoadDocuments(file, src)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	opts.ImageSets = docs.ImageSets
	objs, warns, err := compile.Compile(docs.CoreDBs, opts)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	out := objects{}
	raw := map[string][]byte{}
	for _, o := range objs {
		b, err := compile.Encode([]compile.Object{o}, compile.FormatYAML)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		key := o.GetObjectKind().GroupVersionKind().Kind + "/" + o.GetName()
		out[key], raw[key] = m, b
	}
	return out, raw, warns
}

// get walks a path of map keys.
func get(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

// dbExtensions is the extensions list of a Database object: name -> entry.
func dbExtensions(o map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	list, _ := get(o, "spec", "extensions").([]any)
	for _, e := range list {
		m := e.(map[string]any)
		out[m["name"].(string)] = m
	}
	return out
}

var daytwoSteps = []daytwoStep{
	{file: "00-base.yaml", check: func(t *testing.T, o objects) {
		if e := dbExtensions(o["Database/ledger-app"])["citext"]; e["version"] != "1.5" || e["ensure"] != "present" {
			t.Errorf("citext %v, want present at the declared 1.5", e)
		}
	}},
	{file: "01-add-extensions.yaml", changed: []string{"Cluster/ledger", "Database/ledger-app"}, check: func(t *testing.T, o objects) {
		c := o["Cluster/ledger"]
		if libs := get(c, "spec", "postgresql", "shared_preload_libraries"); !slices.Contains(libs.([]any), any("pg_cron")) {
			t.Errorf("pg_cron not preloaded: %v", libs)
		}
		if h := get(c, "spec", "postgresql", "parameters", "cron.host"); h != "/controller/run" {
			t.Errorf("cron.host = %v, want CloudNativePG's socket directory", h)
		}
		ext := dbExtensions(o["Database/ledger-app"])
		if ext["hstore"] == nil || ext["pg_cron"] == nil {
			t.Errorf("Database extensions %v, want hstore and pg_cron added", ext)
		}
	}},
	{file: "02-bump-version.yaml", changed: []string{"Database/ledger-app"}, check: func(t *testing.T, o objects) {
		if v := dbExtensions(o["Database/ledger-app"])["citext"]["version"]; v != "1.6" {
			t.Errorf("citext version %v, want 1.6: CloudNativePG then runs ALTER EXTENSION citext UPDATE TO '1.6'", v)
		}
	}},
	{file: "03-move-to-schema.yaml", changed: []string{"Database/ledger-app"}, check: func(t *testing.T, o objects) {
		d := o["Database/ledger-app"]
		if s := dbExtensions(d)["hstore"]["schema"]; s != "extensions" {
			t.Errorf("hstore schema %v", s)
		}
		schemas, _ := get(d, "spec", "schemas").([]any)
		if len(schemas) != 1 || schemas[0].(map[string]any)["name"] != "extensions" || schemas[0].(map[string]any)["owner"] != "app" {
			t.Errorf("schemas %v, want extensions owned by app", schemas)
		}
	}},
	{file: "04-disable.yaml", changed: []string{"Database/ledger-app"}, warnings: []string{`enabled: false drops extension "hstore" in database "app"`},
		check: func(t *testing.T, o objects) {
			if e := dbExtensions(o["Database/ledger-app"])["hstore"]; e["ensure"] != "absent" {
				t.Errorf("hstore %v, want ensure: absent", e)
			}
		}},
	{file: "05-remove-entries.yaml", changed: []string{"Database/ledger-app"}, check: func(t *testing.T, o objects) {
		ext := dbExtensions(o["Database/ledger-app"])
		if len(ext) != 1 || ext["citext"] == nil {
			t.Errorf("Database extensions %v, want citext only (removing an entry drops nothing)", ext)
		}
		// The Cluster did not change (not in changed): pg_cron's library
		// and cron.database_name stay, so the created pg_cron keeps working.
	}},
	{file: "06-scale-out.yaml", changed: []string{"Cluster/ledger"}, check: func(t *testing.T, o objects) {
		s := get(o["Cluster/ledger"], "spec").(map[string]any)
		if s["instances"] != float64(3) || s["enablePDB"] != nil || s["primaryUpdateMethod"] != "switchover" {
			t.Errorf("instances %v enablePDB %v primaryUpdateMethod %v", s["instances"], s["enablePDB"], s["primaryUpdateMethod"])
		}
	}},
	{file: "07-stop.yaml", changed: []string{"Cluster/ledger"}, check: func(t *testing.T, o objects) {
		if a := get(o["Cluster/ledger"], "metadata", "annotations", "cnpg.io/hibernation"); a != "on" {
			t.Errorf("hibernation %v", a)
		}
	}},
	{file: "08-start.yaml", changed: []string{"Cluster/ledger"}},
	{file: "09-major-upgrade.yaml", changed: []string{"Cluster/ledger", "Database/ledger-app"}, check: func(t *testing.T, o objects) {
		if img := get(o["Cluster/ledger"], "spec", "imageName"); img != "registry.example.com/platform/postgres:16-pgdg" {
			t.Errorf("imageName %v", img)
		}
		if v, ok := dbExtensions(o["Database/ledger-app"])["citext"]["version"]; ok {
			t.Errorf("citext still pinned to %v; the 16 build declares no version", v)
		}
	}},
}

func TestDayTwo(t *testing.T) {
	var prevRaw, step6 map[string][]byte
	for i, st := range daytwoSteps {
		objs, raw, warns := renderObjects(t, filepath.Join("../e2e/testdata/daytwo", st.file), compile.Options{})
		t.Run(st.file, func(t *testing.T) {
			// Always: no superuser, no Job, no exec rights, protected.
			for key, o := range objs {
				kind := strings.Split(key, "/")[0]
				if kind == "Job" || kind == "Role" {
					t.Errorf("%s rendered: nothing in this sequence needs a Job or RBAC", key)
				}
				if get(o, "metadata", "annotations", "argocd.argoproj.io/sync-wave") != nil {
					t.Errorf("%s carries a sync wave", key)
				}
			}
			c := objs["Cluster/ledger"]
			if su := get(c, "spec", "enableSuperuserAccess"); su != nil {
				t.Errorf("enableSuperuserAccess %v: never a side effect", su)
			}
			if p := get(c, "metadata", "annotations", "argocd.argoproj.io/sync-options"); p != "Prune=false,Delete=false" {
				t.Errorf("sync-options %v: the Cluster must be protected from prune", p)
			}
			if _, ok := objs["Database/ledger-app"]; !ok {
				t.Errorf("no Database object ledger-app: its name must never change")
			}
			for _, w := range st.warnings {
				if !strings.Contains(warns.Error(), w) {
					t.Errorf("no warning %q in:\n%v", w, warns)
				}
			}
			if i > 0 {
				var changed []string
				for key := range raw {
					if string(raw[key]) != string(prevRaw[key]) {
						changed = append(changed, key)
					}
				}
				for key := range prevRaw {
					if _, ok := raw[key]; !ok {
						t.Errorf("%s was removed", key)
					}
				}
				slices.Sort(changed)
				if !slices.Equal(changed, st.changed) {
					t.Errorf("changed objects %v, want %v", changed, st.changed)
				}
			}
			if st.check != nil {
				st.check(t, objs)
			}
			if st.file == "08-start.yaml" {
				for key, b := range raw {
					if string(b) != string(step6[key]) {
						t.Errorf("after stop and start, %s differs from step 6", key)
					}
				}
			}
		})
		if st.file == "06-scale-out.yaml" {
			step6 = raw
		}
		prevRaw = raw
	}
}

// TestPGDayTwo runs the day-two sequence's SQL on a real PostgreSQL 15, in
// order, as CloudNativePG 1.25 would get it (the SQL Job does database app
// too; later versions hand it to a Database object, which the e2e suite runs
// on CloudNativePG's own instance manager), in a database app owned by a
// plain role app, as CloudNativePG's bootstrap makes it. After each step,
// pg_extension must be what the step declares, and app must be able to use
// every extension, schemas included. pg_cron is left out here: its
// cron.database_name (app) needs a server restarted with it, which the test
// server cannot have (TestPG runs pg_cron in postgres); the e2e runtime stage
// runs it. Step 9 (a new Postgres major) is not a SQL step.
func TestPGDayTwo(t *testing.T) {
	e := newPGJobEnv(t)
	pg := func(sql string) { e.mustPsql(t, "postgres", sql) }
	pg("DROP DATABASE IF EXISTS app WITH (FORCE)")
	pg("DROP ROLE IF EXISTS app")
	pg("CREATE ROLE app LOGIN")
	pg("CREATE DATABASE app OWNER app")
	t.Cleanup(func() {
		pg("DROP DATABASE IF EXISTS app WITH (FORCE)")
		pg("DROP ROLE IF EXISTS app")
	})
	want := []map[string]string{
		{"citext": "public"},
		{"citext": "public", "hstore": "public"},
		{"citext": "public", "hstore": "public"},
		{"citext": "public", "hstore": "extensions"},
		{"citext": "public"},
		{"citext": "public"},
		{"citext": "public"},
		{"citext": "public"}, // stopped: no Job runs; the state stays
		{"citext": "public"},
	}
	for i, st := range daytwoSteps[:9] {
		src, err := os.ReadFile(filepath.Join("../e2e/testdata/daytwo", st.file))
		if err != nil {
			t.Fatal(err)
		}
		var kept []string
		skip := false
		for _, l := range strings.Split(string(src), "\n") {
			switch {
			case strings.Contains(l, "shared_preload_libraries, value: pg_cron") || strings.Contains(l, "cron.database_name"):
				continue
			case l == "    - name: pg_cron":
				skip = true
				continue
			case skip && strings.HasPrefix(l, "      locations"):
				skip = false
				continue
			}
			kept = append(kept, l)
		}
		docs, _, err := compile.LoadDocuments(st.file, []byte(strings.Join(kept, "\n")))
		if err != nil {
			t.Fatal(err)
		}
		objs, _, err := compile.Compile(docs.CoreDBs, compile.Options{CNPGVersion: "1.25", SuperuserAccess: true, ImageSets: docs.ImageSets})
		if err != nil {
			t.Fatalf("%s: %v", st.file, err)
		}
		out, err := compile.Encode(objs, compile.FormatYAML)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(st.file, func(t *testing.T) {
			if strings.Contains(st.file, "stop") {
				if strings.Contains(string(out), "kind: Job") {
					t.Error("a stopped Cluster has a Job")
				}
			} else {
				r := e.runSQLJob(t, out)
				if r.code != 0 {
					t.Fatalf("exit %d:\n%s", r.code, r.output)
				}
			}
			got, _ := e.extState(t, "app")
			w := map[string]string{"plpgsql": "pg_catalog"}
			for k, v := range want[i] {
				w[k] = v
			}
			if !maps.Equal(got, w) {
				t.Errorf("pg_extension of app %v, want %v", got, w)
			}
			// The owner can use every extension: USAGE on each one's schema.
			for ext, schema := range got {
				ok := e.mustPsql(t, "app", "SELECT has_schema_privilege('app', '"+schema+"', 'USAGE')")
				if strings.TrimSpace(ok) != "t" {
					t.Errorf("app cannot use schema %s of extension %s", schema, ext)
				}
			}
		})
	}
}
