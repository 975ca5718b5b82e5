package compile

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	"github.com/coredb-dev/coredb/stacks"
)

// compileSrc runs Load and Compile on an inline spec.
// compileSrc compiles the CoreDBs of src with the ImageSets it holds.
func compileSrc(t *testing.T, src string, opts Options) ([]Object, ErrorList, error) {
	t.Helper()
	docs, _, err := LoadDocuments("db.yaml", []byte(src))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	opts.ImageSets = append(opts.ImageSets, docs.ImageSets...)
	return Compile(docs.CoreDBs, opts)
}

func clusterParams(t *testing.T, objs []Object) (map[string]string, []string) {
	t.Helper()
	for _, o := range objs {
		if c, ok := o.(*cnpgv1.Cluster); ok {
			return c.Spec.PostgresConfiguration.Parameters, c.Spec.PostgresConfiguration.AdditionalLibraries
		}
	}
	t.Fatal("no Cluster in output")
	return nil, nil
}

// TestStackEngineValues renders every stack at Tembo's sizes and checks the
// engine values against Tembo's worked values (tembo-operator.md §3), not
// against our own formulas: 1 CPU/1Gi/10Gi and 4 CPU/16Gi/200Gi.
func TestStackEngineValues(t *testing.T) {
	standardSmall := map[string]string{"shared_buffers": "256MB", "max_connections": "107", "work_mem": "5MB", "bgwriter_delay": "200ms",
		"effective_cache_size": "716MB", "maintenance_work_mem": "64MB", "max_wal_size": "2GB", "effective_io_concurrency": "100"}
	standardLarge := map[string]string{"shared_buffers": "4096MB", "max_connections": "1724", "work_mem": "5MB", "bgwriter_delay": "10ms",
		"effective_cache_size": "11468MB", "maintenance_work_mem": "819MB", "max_wal_size": "20GB", "effective_io_concurrency": "100"}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	// olap at 4 CPU/16Gi is Tembo's row "olap 4 cpu/16Gi/10Gi" with the
	// 200Gi max_wal_size tier (floor(0.1*200) = 20GB).
	olapLarge := map[string]string{"effective_cache_size": "11468MB", "maintenance_work_mem": "1638MB", "max_connections": "100",
		"max_parallel_workers": "8", "max_parallel_workers_per_gather": "2", "max_wal_size": "20GB", "max_worker_processes": "13",
		"shared_buffers": "4096MB", "work_mem": "90MB", "effective_io_concurrency": "100"}
	want := map[string][2]map[string]string{
		"standard":          {standardSmall, standardLarge},
		"oltp":              {standardSmall, standardLarge},
		"geospatial":        {standardSmall, standardLarge},
		"mongo-alternative": {standardSmall, standardLarge},
		"machine-learning":  {standardSmall, standardLarge},
		"vectordb":          {standardSmall, standardLarge},
		"message-queue":     {with(standardSmall, "shared_buffers", "307MB"), with(standardLarge, "shared_buffers", "4915MB")},
		"analytics":         {nil, with(olapLarge, "columnar.min_parallel_processes", "8")},
		"timeseries":        {nil, with(olapLarge, "columnar.min_parallel_processes", "8")},
		"paradedb":          {nil, olapLarge},
	}
	for _, name := range stacks.Names() {
		def, err := LoadStack(name)
		if err != nil {
			t.Fatal(err)
		}
		file := strings.TrimSuffix(strings.TrimPrefix(def.src.file, "stacks/"), ".yaml")
		w, ok := want[file]
		if !ok {
			t.Errorf("stack %s (%s) has no expected engine values", name, file)
			continue
		}
		for i, size := range []string{
			`{requests: {cpu: "1", memory: 1Gi}, limits: {cpu: "1", memory: 1Gi}}`,
			`{requests: {cpu: "4", memory: 16Gi}, limits: {cpu: "4", memory: 16Gi}}`,
		} {
			storage := []string{"10Gi", "200Gi"}[i]
			src := "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata: {name: x}\nspec:\n  stack: {name: " + name + "}\n  storage: " + storage + "\n  resources: " + size + "\n"
			// Which extensions the images ship does not change the engine;
			// on target tembo the stacks' Trunk installs keep their settings
			// (columnar.*).
			objs, _, err := compileSrc(t, src, Options{Target: "tembo", AllowTrunkPreloads: true, DropUnavailable: true, SuperuserAccess: true})
			if err != nil {
				t.Fatalf("%s %s: %v", name, storage, err)
			}
			params, _ := clusterParams(t, objs)
			for k, v := range w[i] {
				if params[k] != v {
					t.Errorf("%s at %s: %s = %q, Tembo's value is %q", name, storage, k, params[k], v)
				}
			}
		}
	}
}

// TestPrecedence checks the documented order: stack < stack.postgres_config
// < engine < runtime_config < override_configs, with preload lists unioned
// except that override_configs replaces them.
func TestPrecedence(t *testing.T) {
	src := `apiVersion: coredb.io/v1alpha1
kind: ImageSet
metadata: {name: test}
spec:
  images:
    - image: registry.example.com/postgres:16-citus
      extensions: [pg_cron, citus]
---
apiVersion: coredb.io/v1alpha1
kind: CoreDB
metadata: {name: x}
spec:
  image: registry.example.com/postgres:16-citus   # declared above: ships pg_cron and citus
  stack:
    name: Standard
    postgres_config:
      - {name: random_page_cost, value: "2"}        # stack has 1.1
      - {name: shared_buffers, value: 1MB}          # engine wins over it
      - {name: shared_preload_libraries, value: pg_cron}
  resources: {requests: {memory: 1Gi}, limits: {memory: 1Gi}}
  runtime_config:
    - {name: work_mem, value: 64MB}                 # engine has 5MB
    - {name: search_path, value: '"$user", public, extensions'}
    - {name: shared_preload_libraries, value: "auto_explain, citus"}
  override_configs:
    - {name: work_mem, value: 32MB}
    - {name: session_preload_libraries, value: auto_explain}
`
	objs, _, err := compileSrc(t, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	params, libs := clusterParams(t, objs)
	for k, v := range map[string]string{
		"random_page_cost": "2", "shared_buffers": "256MB", "work_mem": "32MB",
		"search_path": `"$user", public, extensions`, "session_preload_libraries": "auto_explain",
		"checkpoint_timeout": "10min", // from the stack only
	} {
		if params[k] != v {
			t.Errorf("%s = %q, want %q", k, params[k], v)
		}
	}
	if got, want := strings.Join(libs, ","), "citus,pg_stat_statements,auto_explain,pg_cron"; got != want {
		t.Errorf("shared_preload_libraries = %s, want %s (union, citus and pg_stat_statements first)", got, want)
	}
	if _, ok := params["shared_preload_libraries"]; ok {
		t.Error("shared_preload_libraries must not be a parameter (CNPG rejects it there)")
	}

	// override_configs replaces the union.
	objs, _, err = compileSrc(t, src+"    - {name: shared_preload_libraries, value: pg_stat_statements}\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, libs := clusterParams(t, objs); strings.Join(libs, ",") != "pg_stat_statements" {
		t.Errorf("override_configs must replace shared_preload_libraries, got %v", libs)
	}
}

// TestManagedLibraryKept: preloading pg_stat_statements without a
// pg_stat_statements.* parameter would make CNPG drop the extension; coredb
// adds the parameter at its default.
func TestManagedLibraryKept(t *testing.T) {
	src := "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata: {name: x}\nspec:\n  runtime_config: [{name: shared_preload_libraries, value: 'pg_stat_statements,auto_explain'}]\n"
	objs, _, err := compileSrc(t, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	params, _ := clusterParams(t, objs)
	if params["pg_stat_statements.track"] != "top" || params["auto_explain.log_min_duration"] != "-1" {
		t.Errorf("managed libraries not marked used: %v", params)
	}
	// A user's own parameter in the namespace is left alone.
	src = strings.Replace(src, "spec:\n", "spec:\n  override_configs: [{name: pg_stat_statements.max, value: '10000'}]\n", 1)
	objs, _, err = compileSrc(t, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if params, _ := clusterParams(t, objs); params["pg_stat_statements.track"] != "" {
		t.Errorf("added pg_stat_statements.track although the user set pg_stat_statements.max: %v", params)
	}
}

// TestStackCacheUnchanged: the decoded stacks are cached once per process
// and every build gets a deep copy. After rendering every stack (with
// specs that merge into the stacks' lists) and scribbling over what
// LoadStack returned, each cached stack still equals a fresh decode of its
// file.
func TestStackCacheUnchanged(t *testing.T) {
	for _, name := range stacks.Names() {
		src := fmt.Appendf(nil, `apiVersion: coredb.io/v1alpha1
kind: CoreDB
metadata: {name: db}
spec:
  stack: {name: %s}
  extensions: [{name: vector, locations: [{database: app, enabled: true}]}]
  runtime_config: [{name: work_mem, value: 8MB}]
`, name)
		for range 2 {
			dbs, _, err := Load("db.yaml", src)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := Compile(dbs, Options{DropUnavailable: true, SuperuserAccess: true}); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		def, err := LoadStack(name)
		if err != nil {
			t.Fatal(err)
		}
		for i := range def.Extensions {
			def.Extensions[i].Name = "scribbled"
			for j := range def.Extensions[i].Locations {
				def.Extensions[i].Locations[j].Database = "scribbled"
			}
		}
		for i := range def.AppServices {
			def.AppServices[i].Env = nil
		}
		for k := range def.Images {
			def.Images[k] = "scribbled"
		}
		_, file, raw, err := stacks.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := decodeStackFile(file, raw)
		if err != nil {
			t.Fatal(err)
		}
		cached, ok := decodedStacks.Load(file)
		if !ok {
			t.Fatalf("%s: not cached", name)
		}
		if !reflect.DeepEqual(cached.(*StackDef), fresh) {
			t.Errorf("%s: the cached stack changed", name)
		}
	}
}
