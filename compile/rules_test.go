package compile

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

// set builds a setting as written at spec.runtime_config[i] of db.yaml.
func set(i int, name, value string) Setting {
	return Setting{Name: name, Value: value, Origin: Origin{File: "db.yaml", Line: 10 + i, Col: 14, Path: fmt.Sprintf("spec.runtime_config[%d]", i)}}
}

func quantity(s string) *resource.Quantity {
	q := resource.MustParse(s)
	return &q
}

// baseRC is a three-instance Cluster on CNPG 1.28 and PostgreSQL 17.
func baseRC() RuleContext {
	return RuleContext{CNPGVersion: Version{1, 28, 0}, Instances: 3, PGMajor: 17}
}

// wantProblems asserts that errs has exactly one entry per element of want,
// in order, each containing all the substrings, with Warning as given.
type problem struct {
	warning bool
	has     []string
}

func expect(t *testing.T, errs ErrorList, want ...problem) {
	t.Helper()
	if len(errs) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(errs), len(want), errs)
	}
	for i, w := range want {
		e := errs[i]
		if e.Warning != w.warning {
			t.Errorf("problem %d: warning = %v, want %v: %v", i, e.Warning, w.warning, e)
		}
		for _, s := range w.has {
			if !strings.Contains(e.Msg, s) {
				t.Errorf("problem %d: message %q does not contain %q", i, e.Msg, s)
			}
		}
	}
}

func fail(has ...string) problem { return problem{false, has} }
func warn(has ...string) problem { return problem{true, has} }

func TestRuleParseVersion(t *testing.T) {
	good := map[string]Version{
		"1.28": {1, 28, 0}, "1.28.2": {1, 28, 2}, "v1.29.3": {1, 29, 3}, "v1.30": {1, 30, 0}, "0.0.0": {0, 0, 0},
		"01.027.001": {1, 27, 1},
	}
	for in, want := range good {
		got, err := ParseVersion(in)
		if err != nil || got != want {
			t.Errorf("ParseVersion(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1", "v", "v1", "1.", ".1", "1..2", "1.x", "1.28.2.1", "1.28-rc1", "1.28 ", " 1.28",
		"-1.2", "1.+2", "1234567.1", "V1.28", "vv1.28", "1.28.2+build"} {
		if v, err := ParseVersion(in); err == nil {
			t.Errorf("ParseVersion(%q) = %v, want an error", in, v)
		} else if !strings.Contains(err.Error(), "invalid CloudNativePG version") {
			t.Errorf("ParseVersion(%q): %v", in, err)
		}
	}
}

func TestRuleVersionLess(t *testing.T) {
	tests := []struct {
		a, b Version
		less bool
	}{
		{Version{1, 28, 0}, Version{1, 28, 0}, false},
		{Version{1, 28, 0}, Version{1, 28, 1}, true},
		{Version{1, 28, 9}, Version{1, 29, 0}, true},
		{Version{1, 29, 3}, Version{1, 29, 2}, false},
		{Version{1, 99, 99}, Version{2, 0, 0}, true},
		{Version{2, 0, 0}, Version{1, 99, 99}, false},
	}
	for _, tt := range tests {
		if got := tt.a.Less(tt.b); got != tt.less {
			t.Errorf("%v.Less(%v) = %v, want %v", tt.a, tt.b, got, tt.less)
		}
	}
	if s := (Version{1, 29, 3}).String(); s != "1.29.3" {
		t.Errorf("String() = %q", s)
	}
}

// TestRuleOwnedTable: the 64 keys of §2.1, 30 fixed and 34 blocked, sorted
// (ownedBy binary-searches them) and disjoint.
func TestRuleOwnedTable(t *testing.T) {
	if len(fixedParams) != 30 || len(blockedParams) != 34 {
		t.Fatalf("%d fixed and %d blocked keys, want 30 and 34", len(fixedParams), len(blockedParams))
	}
	for _, l := range [][]string{fixedParams, blockedParams} {
		if !slices.IsSorted(l) || len(slices.Compact(slices.Clone(l))) != len(l) {
			t.Errorf("not sorted or has duplicates: %v", l)
		}
	}
	for _, k := range fixedParams {
		if slices.Contains(blockedParams, k) {
			t.Errorf("%s is both fixed and blocked", k)
		}
	}
	if slices.Contains(fixedParams, sslECDHCurve) || slices.Contains(blockedParams, sslECDHCurve) {
		t.Error("ssl_ecdh_curve depends on the version; it must not be in the tables")
	}
}

func TestRuleOwnedParams(t *testing.T) {
	rc := baseRC()
	for _, group := range []struct {
		kind string
		keys []string
	}{{"fixed", fixedParams}, {"blocked", blockedParams}} {
		for _, k := range group.keys {
			errs := checkSettings([]Setting{set(2, k, "some-value")}, rc)
			expect(t, errs, fail(k+` "some-value" (set by spec.runtime_config[2]) is owned by CloudNativePG (a `+group.kind+" parameter",
				`"Can't set fixed configuration parameter"`))
		}
	}
	// Values CNPG's webhook would let through are pointless: still rejected.
	for _, s := range []Setting{
		set(0, "logging_collector", "on"), set(1, "log_destination", "csvlog"), set(2, "shared_preload_libraries", ""),
		set(3, "archive_mode", "on"), set(4, "log_truncate_on_rotation", "false"), set(5, "log_rotation_age", "0"),
	} {
		expect(t, checkSettings([]Setting{s}, rc), fail(s.Name+` "`+s.Value+`"`, "is owned by CloudNativePG",
			"which already sets it to this value", "remove it"))
	}
	// The same names with another spelling are rejected by CNPG itself.
	expect(t, checkSettings([]Setting{set(0, "logging_collector", "true")}, rc), fail("Can't set fixed configuration parameter"))
	expect(t, checkSettings([]Setting{set(0, "archive_mode", "always")}, rc), fail("Can't set fixed configuration parameter",
		"CloudNativePG computes its value", "sets it from the Cluster"))
	// Hints say what to use instead.
	expect(t, checkSettings([]Setting{set(0, "port", "5433")}, rc), fail("always listens on 5432"))
	expect(t, checkSettings([]Setting{set(0, "synchronous_standby_names", "*")}, rc), fail("use spec.postgresql.synchronous"))
	expect(t, checkSettings([]Setting{set(0, "log_directory", "/tmp")}, rc), fail("a blocked parameter: it must keep its default"))
	// Passing: ordinary parameters, and names that only look similar.
	expect(t, checkSettings([]Setting{set(0, "work_mem", "4MB"), set(1, "ssl_min_protocol_version", "TLSv1.2"),
		set(2, "log_min_duration_statement", "1000"), set(3, "max_wal_senders", "10"), set(4, "ssl_ciphers", "HIGH")}, rc))
}

func TestRuleSSLECDHCurve(t *testing.T) {
	tests := []struct {
		version string
		owned   bool
	}{
		{"1.27.1", true}, {"1.28", true}, {"1.28.2", true}, {"1.29.0", true}, {"1.29.2", true},
		{"1.29.3", false}, {"1.29.9", false}, {"1.30", true}, {"1.30.0", true}, {"v1.30.1", false}, {"1.31.0", false},
		{"2.0.0", false},
	}
	for _, tt := range tests {
		v, err := ParseVersion(tt.version)
		if err != nil {
			t.Fatal(err)
		}
		rc := baseRC()
		rc.CNPGVersion = v
		errs := checkSettings([]Setting{set(1, "ssl_ecdh_curve", "prime256v1")}, rc)
		if !tt.owned {
			expect(t, errs)
			continue
		}
		expect(t, errs, fail(`ssl_ecdh_curve "prime256v1" (set by spec.runtime_config[1]) is owned by CloudNativePG `+v.String(),
			"1.29.3 and 1.30.1 let you set it", "--cnpg-version"))
	}
}

func TestRuleAllowAlterSystem(t *testing.T) {
	for _, v := range []string{"on", "off"} {
		expect(t, checkSettings([]Setting{set(0, "allow_alter_system", v)}, baseRC()),
			fail("allow_alter_system (set by spec.runtime_config[0]) cannot be set", "enableAlterSystem",
				"target PostgreSQL 17", "remove it"))
	}
	expect(t, checkSettings([]Setting{set(0, "alter_system_hint", "on")}, baseRC()))
}

func TestRuleGUCName(t *testing.T) {
	for _, name := range []string{"foo.bar.baz", "1abc", "foo-bar", "", "foo.", ".foo", "fo o", "pg_stat_statements.1x",
		"work_mem ", "ümlaut", "a.b$c.d", "x;DROP"} {
		expect(t, checkSettings([]Setting{set(0, name, "1")}, baseRC()),
			fail(fmt.Sprintf("%q (set by spec.runtime_config[0]) is not a valid PostgreSQL parameter name", name), "fix the name"))
	}
	for _, name := range []string{"pg_stat_statements.track", "_x", "a$b", "Work_Mem", "x.y$", "cron.host", "pgml.venv"} {
		expect(t, checkSettings([]Setting{set(0, name, "1")}, baseRC()))
	}
	// Checked for every CNPG version, not only 1.30+.
	rc := baseRC()
	rc.CNPGVersion = Version{1, 27, 0}
	expect(t, checkSettings([]Setting{set(0, "a.b.c", "1")}, rc), fail("not a valid PostgreSQL parameter name"))
}

func TestRuleSizeUnits(t *testing.T) {
	rc := baseRC()
	for _, k := range []string{"shared_buffers", "min_wal_size", "max_wal_size"} {
		expect(t, checkSettings([]Setting{set(0, k, "1G")}, rc),
			fail(k+` "1G" (set by spec.runtime_config[0]) is not a size CloudNativePG accepts`, `kB, MB, GB or TB`,
				`(did you mean "1GB"?)`))
		expect(t, checkSettings([]Setting{set(0, k, "lots")}, rc), fail("is not a size CloudNativePG accepts"))
	}
	expect(t, checkSettings([]Setting{set(0, "shared_buffers", "1.5Gi")}, rc), fail(`did you mean "1536MB"?`))
	// Passing: explicit units.
	expect(t, checkSettings([]Setting{set(0, "shared_buffers", "256MB"), set(1, "min_wal_size", "512 MB"),
		set(2, "max_wal_size", "2GB")}, rc))
	// Bare numbers: accepted by CNPG as MB, with a warning.
	expect(t, checkSettings([]Setting{set(0, "shared_buffers", "128")}, rc),
		warn(`shared_buffers "128" (set by spec.runtime_config[0]) has no unit`, "reads it as 128MB",
			"PostgreSQL reads it as 8kB pages (1MB)", `write "128MB"`))
	expect(t, checkSettings([]Setting{set(0, "max_wal_size", "4096")}, rc),
		warn(`max_wal_size "4096" (set by spec.runtime_config[0]) has no unit`, `write "4096MB"`))
	// Other parameters' sizes are not CNPG's business.
	expect(t, checkSettings([]Setting{set(0, "work_mem", "64")}, rc))
}

func TestRuleMemoryRequest(t *testing.T) {
	rc := baseRC()
	rc.MemoryRequest = quantity("1Gi")
	expect(t, checkSettings([]Setting{set(3, "shared_buffers", "2GB")}, rc),
		fail(`shared_buffers "2GB" (set by spec.runtime_config[3]) is larger than the memory request 1Gi`,
			"raise resources.requests.memory to at least 2Gi, or lower shared_buffers"))
	// CNPG reads a bare number as MB: 2048 is 2Gi to it.
	expect(t, checkSettings([]Setting{set(0, "shared_buffers", "2048")}, rc),
		warn("has no unit"), fail("is larger than the memory request 1Gi"))
	// MB is compared as Mi: 954MB > 1G (10^9 bytes) >= 953MB.
	rc.MemoryRequest = quantity("1G")
	expect(t, checkSettings([]Setting{set(0, "shared_buffers", "954MB")}, rc), fail("at least 954Mi"))
	expect(t, checkSettings([]Setting{set(0, "shared_buffers", "953MB")}, rc))
	// Passing: equal, no request, a zero request (CNPG counts it as unset).
	rc.MemoryRequest = quantity("1Gi")
	expect(t, checkSettings([]Setting{set(0, "shared_buffers", "1024MB")}, rc))
	rc.MemoryRequest = nil
	expect(t, checkSettings([]Setting{set(0, "shared_buffers", "64GB")}, rc))
	rc.MemoryRequest = quantity("0")
	expect(t, checkSettings([]Setting{set(0, "shared_buffers", "64GB")}, rc))
}

func TestRuleWalSizes(t *testing.T) {
	rc := baseRC()
	expect(t, checkSettings([]Setting{set(0, "min_wal_size", "2GB")}, rc),
		fail(`min_wal_size "2GB" (set by spec.runtime_config[0]) must be smaller than max_wal_size "1GB" (the default)`,
			"lower min_wal_size or raise max_wal_size"))
	errs := checkSettings([]Setting{set(0, "max_wal_size", "64MB")}, rc)
	expect(t, errs, fail(`min_wal_size "80MB" (the default) must be smaller than max_wal_size "64MB" (set by spec.runtime_config[0])`))
	if errs[0].Path != "spec.runtime_config[0]" || errs[0].Line != 10 {
		t.Errorf("located at %s:%d, want the max_wal_size setting", errs[0].Path, errs[0].Line)
	}
	expect(t, checkSettings([]Setting{set(0, "min_wal_size", "1GB"), set(1, "max_wal_size", "1024MB")}, rc),
		fail(`min_wal_size "1GB" (set by spec.runtime_config[0]) must be smaller than max_wal_size "1024MB" (set by spec.runtime_config[1])`))
	// Passing.
	expect(t, checkSettings([]Setting{set(0, "min_wal_size", "1GB"), set(1, "max_wal_size", "2GB")}, rc))
	expect(t, checkSettings([]Setting{set(0, "max_wal_size", "81MB")}, rc))
	// Zero and invalid values are not compared (CNPG skips them).
	expect(t, checkSettings([]Setting{set(0, "min_wal_size", "0")}, rc), warn("has no unit"))
	expect(t, checkSettings([]Setting{set(0, "min_wal_size", "2G")}, rc), fail("is not a size"))
}

func TestRuleWalStorage(t *testing.T) {
	rc := baseRC()
	rc.WalStorage = quantity("2Gi")
	expect(t, checkSettings([]Setting{set(0, "max_wal_size", "2GB")}, rc),
		fail(`max_wal_size "2GB" (set by spec.runtime_config[0]) must be smaller than the WAL volume (walStorage 2Gi)`,
			"lower it below 2GB or enlarge walStorage"))
	expect(t, checkSettings([]Setting{set(0, "min_wal_size", "3GB"), set(1, "max_wal_size", "4GB")}, rc),
		fail(`min_wal_size "3GB"`, "WAL volume"), fail(`max_wal_size "4GB"`, "WAL volume"))
	// Passing: below the volume; defaults are not checked (as in CNPG).
	expect(t, checkSettings([]Setting{set(0, "max_wal_size", "2047MB")}, rc))
	rc.WalStorage = quantity("512Mi")
	expect(t, checkSettings(nil, rc))
	rc.WalStorage = nil
	expect(t, checkSettings([]Setting{set(0, "max_wal_size", "100TB")}, rc))
}

func TestRuleWalLevel(t *testing.T) {
	rc := baseRC()
	rc.Instances = 1
	expect(t, checkSettings([]Setting{set(0, "wal_level", "minimal")}, rc),
		fail(`wal_level "minimal" (set by spec.runtime_config[0]) is not supported by coredb`, "instances: 1",
			"cnpg.io/skipWalArchiving: enabled", `max_wal_senders "0"`, "only when the Cluster is created",
			"use replica or logical"))
	for _, v := range []string{"Logical", "hot_standby", "archive", ""} {
		expect(t, checkSettings([]Setting{set(0, "wal_level", v)}, rc),
			fail(fmt.Sprintf("wal_level %q (set by spec.runtime_config[0]) is not a value CloudNativePG accepts", v)))
	}
	for _, v := range []string{"replica", "logical"} {
		expect(t, checkSettings([]Setting{set(0, "wal_level", v)}, rc))
	}
}

func TestRuleWalLogHints(t *testing.T) {
	rc := baseRC()
	expect(t, checkSettings([]Setting{set(0, "wal_log_hints", "off")}, rc),
		fail(`wal_log_hints "off" (set by spec.runtime_config[0]) turns WAL hint logging off`,
			"needs it on when instances > 1", "this Cluster has 3 instances", `keep CloudNativePG's default "on"`))
	expect(t, checkSettings([]Setting{set(0, "wal_log_hints", "enable")}, rc),
		fail(`wal_log_hints "enable" (set by spec.runtime_config[0]) is not a PostgreSQL boolean`, "write on or off"))
	// Passing: on with replicas, off on a single instance.
	expect(t, checkSettings([]Setting{set(0, "wal_log_hints", "TRUE")}, rc))
	rc.Instances = 1
	expect(t, checkSettings([]Setting{set(0, "wal_log_hints", "off")}, rc))
}

func TestRuleBooleans(t *testing.T) {
	rc := baseRC()
	for _, k := range []string{"hot_standby_feedback", "sync_replication_slots"} {
		expect(t, checkSettings([]Setting{set(0, k, "enabled")}, rc),
			fail(k+` "enabled" (set by spec.runtime_config[0]) is not a PostgreSQL boolean, and CloudNativePG rejects it`))
		for _, v := range []string{"on", "off", "true", "1", "no"} {
			expect(t, checkSettings([]Setting{set(0, k, v)}, rc))
		}
	}
	// sync_replication_slots exists only from PostgreSQL 17.
	rc.PGMajor = 16
	expect(t, checkSettings([]Setting{set(0, "sync_replication_slots", "on")}, rc),
		fail("sync_replication_slots (set by spec.runtime_config[0]) exists only from PostgreSQL 17", "PostgreSQL 16"))
	rc.PGMajor = 0 // unknown: not checked
	expect(t, checkSettings([]Setting{set(0, "sync_replication_slots", "on")}, rc))
}

func TestRuleFailoverSlots(t *testing.T) {
	rc := baseRC()
	slot := set(0, "pg_failover_slots.synchronize_slot_names", "name_like:%")
	expect(t, checkSettings([]Setting{slot}, rc),
		fail(`pg_failover_slots.synchronize_slot_names (set by spec.runtime_config[0]) makes CloudNativePG require hot_standby_feedback to be on`,
			"but it is not set", `set hot_standby_feedback to "on"`, "coredb always enables them when instances > 1"))
	expect(t, checkSettings([]Setting{slot, set(1, "hot_standby_feedback", "off")}, rc),
		fail(`but it is "off" (set by spec.runtime_config[1])`))
	// An invalid hot_standby_feedback is reported once, as a boolean.
	expect(t, checkSettings([]Setting{slot, set(1, "hot_standby_feedback", "sure")}, rc), fail("is not a PostgreSQL boolean"))
	// The fixed pg_failover_slots keys are reported as owned, not twice.
	expect(t, checkSettings([]Setting{set(0, "pg_failover_slots.primary_dsn", "host=x")}, rc), fail("is owned by CloudNativePG"))
	// Passing.
	expect(t, checkSettings([]Setting{slot, set(1, "hot_standby_feedback", "on")}, rc))
	expect(t, checkSettings([]Setting{set(1, "hot_standby_feedback", "off")}, rc))
}

func TestRuleManagedLibrary(t *testing.T) {
	tests := map[string]string{
		"pg_stat_statements.track": "pg_stat_statements", "pgaudit.log": "pgaudit", "auto_explain.log_min_duration": "auto_explain",
		"pg_failover_slots.synchronize_slot_names": "pg_failover_slots",
		"pg_stat_statements":                       "", "pg_stat_statementsx.track": "", "cron.host": "", "work_mem": "", "pg_stat_kcache.track": "",
		"PGAUDIT.log": "", "": "",
	}
	for in, want := range tests {
		lib, ok := managedLibrary(in)
		if lib != want || ok != (want != "") {
			t.Errorf("managedLibrary(%q) = %q, %v; want %q", in, lib, ok, want)
		}
	}
}

func TestRuleCNPGDefault(t *testing.T) {
	if len(cnpgDefaults) != 22 {
		t.Errorf("%d defaults, want the 22 of §2.3", len(cnpgDefaults))
	}
	tests := map[string]string{"wal_level": "logical", "wal_log_hints": "on", "wal_keep_size": "512MB",
		"ssl_min_protocol_version": "TLSv1.3", "log_truncate_on_rotation": "false", "archive_timeout": "5min"}
	for k, want := range tests {
		if got, ok := cnpgDefault(k); !ok || got != want {
			t.Errorf("cnpgDefault(%q) = %q, %v; want %q", k, got, ok, want)
		}
	}
	if got, ok := cnpgDefault("shared_preload_libraries"); !ok || got != "" {
		t.Errorf("cnpgDefault(shared_preload_libraries) = %q, %v", got, ok)
	}
	for _, k := range []string{"work_mem", "archive_mode", "port", ""} {
		if got, ok := cnpgDefault(k); ok {
			t.Errorf("cnpgDefault(%q) = %q, want none", k, got)
		}
	}
}

// TestRuleOrigins: problems are located at the setting's origin and say
// where the value came from.
func TestRuleOrigins(t *testing.T) {
	tests := []struct {
		o    Origin
		from string
	}{
		{Origin{Path: "engine standard"}, "computed by engine standard"},
		{Origin{File: "stacks/MachineLearning.yaml", Line: 4, Col: 9, Path: "postgres_config[1]"}, "from stack MachineLearning"},
		{Origin{File: "db.yaml", Line: 3, Col: 5, Path: "spec.stack.postgres_config[0]"}, "set by spec.stack.postgres_config[0]"},
		{Origin{File: "db.yaml", Line: 3, Col: 5, Path: "spec.override_configs[1].value"}, "set by spec.override_configs[1]"},
		{Origin{Path: "stack OLAP"}, "from stack OLAP"},
		{Origin{File: "db.yaml"}, "set in db.yaml"},
		{Origin{}, "set by coredb"},
	}
	for _, tt := range tests {
		if got := describeOrigin(tt.o); got != tt.from {
			t.Errorf("describeOrigin(%+v) = %q, want %q", tt.o, got, tt.from)
		}
		errs := checkSettings([]Setting{{Name: "port", Value: "1", Origin: tt.o}}, baseRC())
		expect(t, errs, fail(`port "1" (`+tt.from+`)`))
		e := errs[0]
		if e.File != tt.o.File || e.Line != tt.o.Line || e.Col != tt.o.Col || e.Path != tt.o.Path {
			t.Errorf("problem at %s:%d:%d %s, want %+v", e.File, e.Line, e.Col, e.Path, tt.o)
		}
	}
}

// TestRuleAllProblems: checkSettings reports every problem, not the first.
func TestRuleAllProblems(t *testing.T) {
	rc := baseRC()
	rc.MemoryRequest = quantity("512Mi")
	rc.WalStorage = quantity("1Gi")
	settings := []Setting{
		set(0, "port", "5433"),
		set(1, "allow_alter_system", "on"),
		set(2, "bad-name", "1"),
		set(3, "shared_buffers", "1GB"),
		set(4, "min_wal_size", "2GB"),
		set(5, "max_wal_size", "1G"),
		set(6, "wal_level", "minimal"),
		set(7, "wal_log_hints", "off"),
		set(8, "hot_standby_feedback", "maybe"),
		set(9, "pgaudit.log", "all"),
		set(10, "pg_failover_slots.synchronize_slot_names", "x"),
		set(11, "ssl_ecdh_curve", "prime256v1"),
	}
	errs := checkSettings(settings, rc)
	// port, allow_alter_system, bad-name, max_wal_size unit, wal_level,
	// wal_log_hints, hot_standby_feedback, ssl_ecdh_curve, memory request,
	// min_wal_size vs walStorage. min < max is skipped (max invalid);
	// pg_failover_slots is skipped (hot_standby_feedback invalid).
	if len(errs) != 10 {
		t.Fatalf("got %d problems, want 10:\n%v", len(errs), errs)
	}
	seen := map[string]bool{}
	for _, e := range errs {
		seen[e.Path] = true
	}
	for _, i := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 11} {
		if p := fmt.Sprintf("spec.runtime_config[%d]", i); !seen[p] {
			t.Errorf("no problem reported at %s", p)
		}
	}
}

// FuzzRuleCheckSettings: checkSettings never panics and reports every
// problem at the origin of a setting it was given.
func FuzzRuleCheckSettings(f *testing.F) {
	f.Add("shared_buffers", "1G", "max_wal_size", "64MB", int32(3), "1.28", "1Gi")
	f.Add("pg_failover_slots.x", "1", "hot_standby_feedback", "of", int32(1), "v1.30.0", "0")
	f.Add("wal_level", "minimal", "min_wal_size", "", int32(-1), "1.29.3", "-1")
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string, instances int32, version, mem string) {
		rc := RuleContext{Instances: instances, PGMajor: 16}
		rc.CNPGVersion, _ = ParseVersion(version)
		if q, err := resource.ParseQuantity(mem); err == nil {
			rc.MemoryRequest = &q
			rc.WalStorage = &q
		}
		for _, e := range checkSettings([]Setting{set(0, n1, v1), set(1, n2, v2)}, rc) {
			if e.Path != "spec.runtime_config[0]" && e.Path != "spec.runtime_config[1]" || e.Msg == "" {
				t.Fatalf("problem not located at a setting: %v", e)
			}
		}
	})
}
