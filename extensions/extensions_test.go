package extensions_test

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/coredb-dev/coredb/extensions"
	"github.com/google/go-cmp/cmp"
)

func TestCheck(t *testing.T) {
	if err := extensions.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestAll_sortedAndValid(t *testing.T) {
	all := extensions.All()
	if len(all) < 100 {
		t.Fatalf("All() returned %d entries, want the whole catalog (100+)", len(all))
	}
	if !slices.IsSortedFunc(all, func(a, b extensions.Entry) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("All() is not sorted by Name")
	}
	claimed := map[string]string{} // alias -> entry name
	for _, e := range all {
		if e.Name == "" {
			t.Errorf("entry with empty name: %+v", e)
			continue
		}
		if e.Description == "" {
			t.Errorf("%s: empty description", e.Name)
		}
		if e.LoadOnly != (len(e.SQL) == 0) {
			t.Errorf("%s: LoadOnly=%v but SQL=%q", e.Name, e.LoadOnly, e.SQL)
		}
		if !e.LoadOnly && e.SQL[0] != e.Name {
			t.Errorf("%s: Name is not the first SQL name %q", e.Name, e.SQL[0])
		}
		if e.Schema != "" && e.Relocatable {
			t.Errorf("%s: fixed schema %q but relocatable", e.Name, e.Schema)
		}
		aliases := append([]string{e.Name, e.Preload}, append(e.SQL, e.Trunk...)...)
		for _, a := range aliases {
			if a == "" {
				continue
			}
			if other, ok := claimed[a]; ok && other != e.Name {
				t.Errorf("alias %q claimed by both %s and %s", a, other, e.Name)
			}
			claimed[a] = e.Name
			got, ok := extensions.Lookup(a)
			if !ok {
				t.Errorf("Lookup(%q) found nothing, want %s", a, e.Name)
				continue
			}
			if diff := cmp.Diff(e, got); diff != "" {
				t.Errorf("Lookup(%q) (-All +Lookup):\n%s", a, diff)
			}
		}
		for _, r := range e.Requires {
			if _, ok := extensions.Lookup(r); !ok {
				t.Errorf("%s requires %q, which is not in the catalog", e.Name, r)
			}
		}
	}
}

func TestAll_returnsCopies(t *testing.T) {
	a := extensions.All()
	for i := range a {
		if len(a[i].Trunk) > 0 {
			a[i].Trunk[0] = "mutated"
		}
		a[i].Name = "mutated"
	}
	e, ok := extensions.Lookup("vector")
	if !ok || e.Name != "vector" || e.Trunk[0] != "pgvector" {
		t.Fatalf("catalog changed through All(): %+v", e)
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		query, want string
	}{
		{"vector", "vector"},
		{"pgvector", "vector"},
		{"postgresml", "pgml"},
		{"pgml", "pgml"},
		{"pg_embedding", "embedding"},
		{"embedding", "embedding"},
		{"hydra_columnar", "columnar"},
		{"pg_timeseries", "timeseries"},
		{"tembo_ivm", "pg_ivm"},
		{"pg_partman_bgw", "pg_partman"},
		{"postgresql_anonymizer", "anon"},
		{"anon", "anon"},
		{"postgis-3", "mobilitydb"}, // mobilitydb's loadable library per Trunk
		{"uuid_ossp", "uuid-ossp"},
		{"uuid-ossp", "uuid-ossp"},
		{"auto_explain", "auto_explain"},
		{"pg_failover_slots", "pg_failover_slots"},
		{"pg_bm25", "pg_bm25"},
	}
	for _, tt := range tests {
		got, ok := extensions.Lookup(tt.query)
		if !ok || got.Name != tt.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.query, got.Name, ok, tt.want)
		}
	}
	for _, q := range []string{"", "PG_CRON", "Vector", " vector", "vector ", "pg_ivmq", "pgvectr"} {
		if got, ok := extensions.Lookup(q); ok {
			t.Errorf("Lookup(%q) = %q, want not found", q, got.Name)
		}
	}
}

func TestLookup_facts(t *testing.T) {
	tests := []struct {
		name string
		want extensions.Entry
	}{
		{"pg_cron", extensions.Entry{Name: "pg_cron", Trunk: []string{"pg_cron"}, SQL: []string{"pg_cron"}, Preload: "pg_cron",
			Settings: []string{"cron"}, PostCreate: "UPDATE cron.job SET nodename = '';"}},
		{"pg_partman", extensions.Entry{Name: "pg_partman", Trunk: []string{"pg_partman"}, SQL: []string{"pg_partman"},
			Preload: "pg_partman_bgw", PreloadOptional: true}},
		{"auto_explain", extensions.Entry{Name: "auto_explain", Trunk: []string{"auto_explain"}, Preload: "auto_explain",
			LoadOnly: true, CNPGManaged: "auto_explain", Contrib: true}},
		{"pg_stat_statements", extensions.Entry{Name: "pg_stat_statements", Trunk: []string{"pg_stat_statements"},
			SQL: []string{"pg_stat_statements"}, Preload: "pg_stat_statements", Relocatable: true,
			CNPGManaged: "pg_stat_statements", Contrib: true,
			ContribVersions: map[string]string{"14": "1.9", "15": "1.10", "16": "1.10", "17": "1.11"}}},
		{"pgmq", extensions.Entry{Name: "pgmq", Trunk: []string{"pgmq"}, SQL: []string{"pgmq"}, Schema: "pgmq"}},
		{"postgis", extensions.Entry{Name: "postgis", Trunk: []string{"postgis"}, SQL: []string{"postgis"}, Settings: []string{"postgis"}}},
	}
	for _, tt := range tests {
		got, ok := extensions.Lookup(tt.name)
		if !ok {
			t.Errorf("Lookup(%q) found nothing", tt.name)
			continue
		}
		got.Description = ""
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Lookup(%q) (-want +got):\n%s", tt.name, diff)
		}
	}
	for _, ns := range []string{"pg_stat_statements", "pgaudit", "auto_explain", "pg_failover_slots"} {
		e, ok := extensions.Lookup(ns)
		if !ok || e.CNPGManaged != ns {
			t.Errorf("%s: CNPGManaged = %q, want %q", ns, e.CNPGManaged, ns)
		}
	}
}

// TestStackNames: every extension, Trunk project and preloaded library that
// the Tembo stacks and apps (tembo-operator.md §2, including removed stacks),
// the Trunk loadable-library table (§6) and the conformance samples
// (shared/conformance) name must be in the catalog.
func TestStackNames(t *testing.T) {
	names := []string{
		// stacks: trunk_installs
		"pg_stat_statements", "pgmq", "pg_partman", "pgvector", "postgresml", "pg_cron", "vectorize", "pg_later",
		"plpython3u", "vectorscale", "fuzzystrmatch", "hydra_columnar", "pg_analytics", "pg_parquet", "postgres_fdw",
		"wrappers", "multicorn", "pg_duckdb", "pg_timeseries", "tembo_ivm", "pg_search", "pg_ivm", "pg_graphql",
		// removed stacks
		"pg_tier", "clerk_fdw", "parquet_s3_fdw",
		// stacks and apps: extensions
		"vector", "pgml", "columnar", "timeseries", "postgis", "auto_explain",
		// shared_preload_libraries in stacks
		"pg_partman_bgw",
		// Trunk loadable libraries (§6)
		"age", "auth_delay", "basebackup_to_shell", "basic_archive", "citus", "credcheck", "mobilitydb", "postgis-3",
		"passwordcheck", "pg_anonymize", "pg_net", "pg_show_plans", "pg_stat_monitor", "pg_store_plans", "pglogical",
		"pglogical_ticker", "postgresql_anonymizer", "anon", "sepgsql", "timescaledb",
		// conformance samples
		"pg_embedding", "embedding", "pg_bm25",
		// CNPG-managed
		"pgaudit", "pg_failover_slots",
	}
	for _, n := range names {
		if _, ok := extensions.Lookup(n); !ok {
			t.Errorf("%q is not in the catalog", n)
		}
	}
}

// TestControlFiles compares the catalog with real control files. Set
// COREDB_PG_EXTDIR to a PostgreSQL extension directory, e.g.
// /usr/share/postgresql/15/extension (scripts/install-postgres.sh fills it;
// e2e/pg/pgtest.sh sets the variable). Every contrib entry must have a
// control file there; every other entry is compared when its file exists.
func TestControlFiles(t *testing.T) {
	dir := os.Getenv("COREDB_PG_EXTDIR")
	if dir == "" {
		t.Skip("COREDB_PG_EXTDIR is not set (e.g. /usr/share/postgresql/15/extension); run scripts/install-postgres.sh and e2e/pg/pgtest.sh")
	}
	checked := 0
	for _, e := range extensions.All() {
		if e.LoadOnly {
			continue
		}
		for _, name := range e.SQL {
			path := filepath.Join(dir, name+".control")
			ctl, err := readControl(path)
			if os.IsNotExist(err) {
				if e.Contrib {
					t.Errorf("%s: contrib extension without %s", name, path)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			checked++
			relocatable := ctl["relocatable"] == "true"
			if relocatable != e.Relocatable {
				t.Errorf("%s: catalog Relocatable=%v, control file says %q", name, e.Relocatable, ctl["relocatable"])
			}
			if ctl["schema"] != e.Schema {
				t.Errorf("%s: catalog Schema=%q, control file says %q", name, e.Schema, ctl["schema"])
			}
			var requires []string
			for _, r := range strings.Split(ctl["requires"], ",") {
				if r = strings.TrimSpace(r); r != "" {
					requires = append(requires, r)
				}
			}
			if diff := cmp.Diff(sorted(requires), sorted(e.Requires)); diff != "" {
				t.Errorf("%s: Requires differ (-control +catalog):\n%s", name, diff)
			}
		}
	}
	t.Logf("compared %d catalog entries with control files in %s", checked, dir)
}

// TestLoadOnlyLibraries checks that the contrib libraries exist, when
// COREDB_PG_LIBDIR names the package library directory (pg_config
// --pkglibdir).
func TestLoadOnlyLibraries(t *testing.T) {
	dir := os.Getenv("COREDB_PG_LIBDIR")
	if dir == "" {
		t.Skip("COREDB_PG_LIBDIR is not set (pg_config --pkglibdir); e2e/pg/pgtest.sh sets it")
	}
	for _, e := range extensions.All() {
		if !e.Contrib || !e.LoadOnly {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, e.Name+".so")); err != nil {
			t.Errorf("%s: %v", e.Name, err)
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// readControl parses the key = value lines of a control file. Values may be
// quoted with single quotes or bare (requires = postgis); # starts a comment.
func readControl(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		key = strings.TrimSpace(key)
		val = strings.TrimSpace(val)
		if strings.HasPrefix(val, "'") {
			if end := strings.Index(val[1:], "'"); end >= 0 {
				val = val[1 : end+1]
			}
		} else if i := strings.Index(val, "#"); i >= 0 {
			val = strings.TrimSpace(val[:i])
		}
		out[key] = val
	}
	return out, sc.Err()
}

func TestNamespaces(t *testing.T) {
	for _, tt := range []struct {
		name string
		want []string
	}{
		{"pg_cron", []string{"pg_cron", "cron"}},
		{"pg_partman", []string{"pg_partman", "pg_partman_bgw"}},
		{"vector", []string{"vector"}},
		{"pg_later", []string{"pg_later", "pglater"}},
	} {
		e, _ := extensions.Lookup(tt.name)
		if diff := cmp.Diff(tt.want, e.Namespaces()); diff != "" {
			t.Errorf("%s: Namespaces (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestContribVersionsMatchServer compares contribVersions with the control
// files of the PostgreSQL servers installed here (CI installs 15 with
// scripts/install-postgres.sh); majors not installed are not checked.
func TestContribVersionsMatchServer(t *testing.T) {
	checked := 0
	for _, e := range extensions.All() {
		for major, want := range e.ContribVersions {
			src, err := os.ReadFile(filepath.Join("/usr/share/postgresql", major, "extension", e.Name+".control"))
			if errors.Is(err, fs.ErrNotExist) {
				continue
			} else if err != nil {
				t.Fatal(err)
			}
			m := regexp.MustCompile(`(?m)^default_version = '([^']+)'`).FindSubmatch(src)
			if m == nil {
				t.Errorf("%s %s: no default_version in its control file", e.Name, major)
				continue
			}
			if got := string(m[1]); got != want {
				t.Errorf("%s: Postgres %s ships %s, contribVersions says %s", e.Name, major, got, want)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Skip("no PostgreSQL server installed here (scripts/install-postgres.sh)")
	}
	t.Logf("%d contrib versions checked against installed servers", checked)
}
