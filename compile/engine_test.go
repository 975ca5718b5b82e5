package compile

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

func engineIn(cpu, mem, disk string) EngineInput {
	return EngineInput{CPU: resource.MustParse(cpu), Memory: resource.MustParse(mem), Storage: resource.MustParse(disk)}
}

// Emission order of each engine, as in Tembo's config_engines.rs.
var (
	standardOrder = []string{"shared_buffers", "max_connections", "work_mem", "bgwriter_delay",
		"effective_cache_size", "maintenance_work_mem", "max_wal_size", "effective_io_concurrency"}
	olapOrder = []string{"effective_cache_size", "maintenance_work_mem", "max_connections", "max_parallel_workers",
		"max_parallel_workers_per_gather", "max_wal_size", "max_worker_processes", "shared_buffers", "work_mem",
		"effective_io_concurrency", "columnar.min_parallel_processes"}
	paradedbOrder = olapOrder[:len(olapOrder)-1]
)

// TestEngineWorkedValues has every worked value of tembo-operator.md §3 (and
// the crate's own engine unit test). Rows that name no disk use 10Gi; the
// olap 16 CPU row uses 64Gi/2Ti.
func TestEngineWorkedValues(t *testing.T) {
	tests := []struct {
		engine string
		in     EngineInput
		want   []string // values in emission order
	}{
		{"standard", engineIn("1", "1Gi", "10Gi"), []string{"256MB", "107", "5MB", "200ms", "716MB", "64MB", "2GB", "100"}},
		{"standard", engineIn("1", "2Gi", "10Gi"), []string{"512MB", "215", "5MB", "200ms", "1433MB", "102MB", "2GB", "100"}},
		{"standard", engineIn("1", "4Gi", "10Gi"), []string{"1024MB", "431", "5MB", "200ms", "2867MB", "204MB", "2GB", "100"}},
		{"standard", engineIn("1", "8Gi", "100Gi"), []string{"2048MB", "862", "5MB", "10ms", "5734MB", "409MB", "20GB", "100"}},
		{"standard", engineIn("1", "16Gi", "200Gi"), []string{"4096MB", "1724", "5MB", "10ms", "11468MB", "819MB", "20GB", "100"}},
		{"standard", engineIn("1", "16Gi", "10Gi"), []string{"4096MB", "1724", "5MB", "10ms", "11468MB", "819MB", "2GB", "100"}},
		{"standard", engineIn("1", "64Gi", "2Ti"), []string{"16384MB", "6898", "5MB", "10ms", "45875MB", "3276MB", "102GB", "100"}},
		{"mq", engineIn("1", "1Gi", "10Gi"), []string{"307MB", "107", "5MB", "200ms", "716MB", "64MB", "2GB", "100"}},
		{"mq", engineIn("1", "16Gi", "200Gi"), []string{"4915MB", "1724", "5MB", "10ms", "11468MB", "819MB", "20GB", "100"}},
		{"olap", engineIn("4", "16Gi", "10Gi"), []string{"11468MB", "1638MB", "100", "8", "2", "2GB", "13", "4096MB", "90MB", "100", "8"}},
		{"olap", engineIn("0.5", "8Gi", "10Gi"), []string{"5734MB", "819MB", "100", "8", "2", "2GB", "13", "2048MB", "45MB", "100", "8"}},
		{"olap", engineIn("500m", "8Gi", "10Gi"), []string{"5734MB", "819MB", "100", "8", "2", "2GB", "13", "2048MB", "45MB", "100", "8"}},
		{"olap", engineIn("16", "64Gi", "2Ti"), []string{"45875MB", "6553MB", "100", "16", "8", "102GB", "21", "16384MB", "360MB", "100", "16"}},
		{"paradedb", engineIn("4", "16Gi", "10Gi"), []string{"11468MB", "1638MB", "100", "8", "2", "2GB", "13", "4096MB", "90MB", "100"}},
		{"paradedb", engineIn("0.5", "8Gi", "10Gi"), []string{"5734MB", "819MB", "100", "8", "2", "2GB", "13", "2048MB", "45MB", "100"}},
		{"paradedb", engineIn("16", "64Gi", "2Ti"), []string{"45875MB", "6553MB", "100", "16", "8", "102GB", "21", "16384MB", "360MB", "100"}},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s/%s_%s_%s", tt.engine, tt.in.CPU.String(), tt.in.Memory.String(), tt.in.Storage.String())
		t.Run(name, func(t *testing.T) {
			got, err := engineSettings(tt.engine, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			order := map[string][]string{"standard": standardOrder, "mq": standardOrder, "olap": olapOrder, "paradedb": paradedbOrder}[tt.engine]
			if len(got) != len(order) || len(got) != len(tt.want) {
				t.Fatalf("got %d settings, want %d: %v", len(got), len(order), got)
			}
			for i, s := range got {
				if s.Name != order[i] || s.Value != tt.want[i] {
					t.Errorf("setting %d = %s=%q, want %s=%q", i, s.Name, s.Value, order[i], tt.want[i])
				}
				if want := (Origin{Path: "engine " + tt.engine}); s.Origin != want {
					t.Errorf("%s origin = %+v, want %+v", s.Name, s.Origin, want)
				}
			}
		})
	}
}

// TestEngineUnits: any Kubernetes unit works; memory is floored to whole MiB
// and storage to whole GiB before Tembo's formulas.
func TestEngineUnits(t *testing.T) {
	tests := []struct {
		mem, disk string
		want      map[string]string
	}{
		// Same as 1Gi/10Gi in other spellings.
		{"1024Mi", "10240Mi", map[string]string{"shared_buffers": "256MB", "max_connections": "107", "max_wal_size": "2GB"}},
		{"1073741824", "10737418240", map[string]string{"shared_buffers": "256MB", "effective_cache_size": "716MB", "max_wal_size": "2GB"}},
		{"1048576Ki", "0.009765625Ti", map[string]string{"shared_buffers": "256MB", "max_wal_size": "2GB"}},
		// 2G = 2e9 bytes = 1907.35 MiB -> 1907.
		{"2G", "10Gi", map[string]string{"shared_buffers": "476MB", "max_connections": "200", "work_mem": "5MB",
			"effective_cache_size": "1334MB", "maintenance_work_mem": "95MB"}},
		// 1.5Gi = 1536 MiB, as Tembo's 1.5 × 1024.
		{"1.5Gi", "10Gi", map[string]string{"shared_buffers": "384MB", "max_connections": "161", "effective_cache_size": "1075MB"}},
		// 500G = 465.66 GiB -> 465, 10% tier -> 46GB.
		{"1Gi", "500G", map[string]string{"max_wal_size": "46GB"}},
		// Tier edges: 100 -> 20GB, 101 -> 10GB, 1000 -> 100GB, 1001 -> 50GB, 3000 -> 150GB.
		{"1Gi", "100Gi", map[string]string{"max_wal_size": "20GB"}},
		{"1Gi", "101Gi", map[string]string{"max_wal_size": "10GB"}},
		{"1Gi", "1000Gi", map[string]string{"max_wal_size": "100GB"}},
		{"1Gi", "1001Gi", map[string]string{"max_wal_size": "50GB"}},
		{"1Gi", "3000Gi", map[string]string{"max_wal_size": "150GB"}},
		{"1Gi", "10.9Gi", map[string]string{"max_wal_size": "2GB"}},
		// bgwriter_delay switches at exactly 8192 MiB.
		{"8191Mi", "10Gi", map[string]string{"bgwriter_delay": "200ms"}},
		{"8192Mi", "10Gi", map[string]string{"bgwriter_delay": "10ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.mem+"_"+tt.disk, func(t *testing.T) {
			got, err := engineSettings("standard", engineIn("1", tt.mem, tt.disk))
			if err != nil {
				t.Fatal(err)
			}
			m := settingMap(got)
			for k, v := range tt.want {
				if m[k] != v {
					t.Errorf("%s = %q, want %q", k, m[k], v)
				}
			}
		})
	}
}

// TestEngineSmallInputs pins coredb's choices where Tembo panics or divides
// by zero: disks under 10 GiB, tiny or zero memory, zero or negative CPU.
func TestEngineSmallInputs(t *testing.T) {
	tests := []struct {
		engine, cpu, mem, disk string
		want                   map[string]string
	}{
		{"standard", "1", "1Gi", "9Gi", map[string]string{"max_wal_size": "1GB"}},
		{"standard", "1", "1Gi", "5Gi", map[string]string{"max_wal_size": "1GB"}},
		{"standard", "1", "1Gi", "4Gi", map[string]string{"max_wal_size": "819MB"}},
		{"standard", "1", "1Gi", "1Gi", map[string]string{"max_wal_size": "204MB"}},
		{"standard", "1", "1Gi", "480Mi", map[string]string{"max_wal_size": "96MB"}},
		{"standard", "1", "1Gi", "100Mi", map[string]string{"max_wal_size": "96MB"}},
		{"standard", "1", "1Gi", "0", map[string]string{"max_wal_size": "96MB"}},
		{"standard", "1", "1Gi", "-5Gi", map[string]string{"max_wal_size": "96MB"}},
		{"standard", "1", "64Mi", "10Gi", map[string]string{"shared_buffers": "16MB", "max_connections": "10",
			"work_mem": "3MB", "effective_cache_size": "44MB", "maintenance_work_mem": "64MB"}},
		{"standard", "1", "95Mi", "10Gi", map[string]string{"max_connections": "10"}},
		{"standard", "1", "96Mi", "10Gi", map[string]string{"max_connections": "10"}},
		{"standard", "1", "100Mi", "10Gi", map[string]string{"max_connections": "10"}},
		{"standard", "1", "105Mi", "10Gi", map[string]string{"max_connections": "11"}},
		{"standard", "1", "3Mi", "10Gi", map[string]string{"shared_buffers": "1MB", "max_connections": "10",
			"work_mem": "1MB", "effective_cache_size": "2MB"}},
		{"standard", "1", "0", "10Gi", map[string]string{"shared_buffers": "1MB", "max_connections": "10",
			"work_mem": "1MB", "effective_cache_size": "1MB", "maintenance_work_mem": "64MB"}},
		{"mq", "1", "1Mi", "10Gi", map[string]string{"shared_buffers": "1MB"}},
		{"olap", "0", "1Gi", "10Gi", map[string]string{"max_parallel_workers": "8", "max_parallel_workers_per_gather": "2",
			"max_worker_processes": "13", "columnar.min_parallel_processes": "8"}},
		{"olap", "-4", "1Gi", "10Gi", map[string]string{"max_parallel_workers": "8", "max_parallel_workers_per_gather": "2"}},
		{"olap", "2.5", "1Gi", "10Gi", map[string]string{"max_parallel_workers": "8", "max_parallel_workers_per_gather": "2"}},
		{"olap", "8.5", "1Gi", "10Gi", map[string]string{"max_parallel_workers": "9", "max_parallel_workers_per_gather": "5",
			"max_worker_processes": "14"}},
		{"olap", "5", "1Gi", "10Gi", map[string]string{"max_parallel_workers_per_gather": "3"}},
		{"olap", "100k", "1Gi", "10Gi", map[string]string{"max_parallel_workers": "1024", "max_parallel_workers_per_gather": "8",
			"max_worker_processes": "1029"}},
		{"olap", "1", "0", "10Gi", map[string]string{"max_connections": "10", "work_mem": "1MB"}},
		// Huge sizes are capped, never overflow.
		{"standard", "1", "1Ei", "1Ei", map[string]string{"shared_buffers": "4194304MB", "max_connections": "250000",
			"effective_cache_size": "11744051MB", "max_wal_size": "2097151GB"}},
		{"standard", "1", "1Gi", "100Pi", map[string]string{"max_wal_size": "2097151GB"}},
		{"standard", "1", "1Gi", "40000Ti", map[string]string{"max_wal_size": "2048000GB"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join([]string{tt.engine, tt.cpu, tt.mem, tt.disk}, "_"), func(t *testing.T) {
			got, err := engineSettings(tt.engine, engineIn(tt.cpu, tt.mem, tt.disk))
			if err != nil {
				t.Fatal(err)
			}
			m := settingMap(got)
			for k, v := range tt.want {
				if m[k] != v {
					t.Errorf("%s = %q, want %q", k, m[k], v)
				}
			}
		})
	}
}

func TestEngineUnknown(t *testing.T) {
	for _, name := range []string{"", "Standard", "oltp", "OLAP"} {
		_, err := engineSettings(name, engineIn("1", "1Gi", "10Gi"))
		if err == nil {
			t.Fatalf("engine %q: no error", name)
		}
		want := fmt.Sprintf("unknown config engine %q (known: mq, olap, paradedb, standard)", name)
		if err.Error() != want {
			t.Errorf("engine %q: error %q, want %q", name, err, want)
		}
	}
}

// TestEngineProperties runs every engine over many sizes, units and CPU
// counts: no panic, Tembo's names in Tembo's order, values PostgreSQL and
// CloudNativePG accept, shared_buffers within memory, and output that passes
// checkSettings with the memory as the request.
func TestEngineProperties(t *testing.T) {
	mems := []string{"0", "1", "1Ki", "1Mi", "1M", "3Mi", "4Mi", "10Mi", "63Mi", "64Mi", "95Mi", "100M", "128Mi",
		"500M", "512Mi", "1G", "1Gi", "1.5Gi", "2G", "2Gi", "3Gi", "6G", "7999Mi", "8Gi", "12Gi", "31Gi", "64Gi", "100G",
		"256Gi", "1Ti", "2.3Ti", "3Ti", "10T", "16Ti", "17Ti", "1Pi", "8Ei", "-1Gi"}
	disks := []string{"0", "1Mi", "100Mi", "479Mi", "480Mi", "500M", "1G", "1Gi", "2Gi", "4.9Gi", "5Gi", "9Gi",
		"9999Mi", "10Gi", "10G", "11G", "50Gi", "99Gi", "100Gi", "101Gi", "500Gi", "999Gi", "1000Gi", "1001Gi", "1Ti",
		"2Ti", "16Ti", "1Pi", "100Pi", "8Ei", "-10Gi"}
	cpus := []string{"0", "1m", "100m", "500m", "1", "1.5", "2", "2.5", "3", "4", "7.5", "16", "64", "1023.5", "1k",
		"1M", "-2"}
	for _, engine := range engineNames {
		for _, mem := range mems {
			for _, disk := range disks {
				for _, cpu := range cpus {
					in := engineIn(cpu, mem, disk)
					checkEngineProperties(t, engine, in)
				}
			}
		}
	}
}

func checkEngineProperties(t *testing.T, engine string, in EngineInput) {
	t.Helper()
	label := fmt.Sprintf("%s cpu=%s mem=%s disk=%s", engine, in.CPU.String(), in.Memory.String(), in.Storage.String())
	got, err := engineSettings(engine, in)
	if err != nil {
		t.Fatalf("%s: %v", label, err)
	}
	order := map[string][]string{"standard": standardOrder, "mq": standardOrder, "olap": olapOrder, "paradedb": paradedbOrder}[engine]
	if len(got) != len(order) {
		t.Fatalf("%s: %d settings, want %d", label, len(got), len(order))
	}
	for i, s := range got {
		if s.Name != order[i] {
			t.Fatalf("%s: setting %d is %s, want %s", label, i, s.Name, order[i])
		}
	}
	m := settingMap(got)
	memBytes := clampedBytes(in.Memory, 1<<62)
	diskBytes := clampedBytes(in.Storage, 1<<62)

	// Sizes: explicit unit, CNPG parser, PostgreSQL minimums.
	for _, k := range []string{"shared_buffers", "work_mem", "effective_cache_size", "maintenance_work_mem", "max_wal_size"} {
		b, err := parsePGSize(m[k])
		if err != nil || pgSizeIsBare(m[k]) {
			t.Fatalf("%s: %s = %q does not parse as a size with a unit: %v", label, k, m[k], err)
		}
		if b < sizeMiB {
			t.Fatalf("%s: %s = %q is below 1MB", label, k, m[k])
		}
		if b >= 1<<41*1024 { // 2 PiB: above any PostgreSQL maximum
			t.Fatalf("%s: %s = %q is absurd", label, k, m[k])
		}
	}
	sb, _ := parsePGSize(m["shared_buffers"])
	if memBytes >= sizeMiB && sb > memBytes {
		t.Fatalf("%s: shared_buffers %s exceeds memory", label, m["shared_buffers"])
	}
	if sb > 8*sizeTiB-8*sizeKiB { // PostgreSQL: at most 2^30-1 pages of 8kB
		t.Fatalf("%s: shared_buffers %s above PostgreSQL's maximum", label, m["shared_buffers"])
	}
	ecs, _ := parsePGSize(m["effective_cache_size"])
	if ecs > 16*sizeTiB-8*sizeKiB {
		t.Fatalf("%s: effective_cache_size %s above PostgreSQL's maximum", label, m["effective_cache_size"])
	}
	mws, _ := parsePGSize(m["max_wal_size"])
	if mws <= 80*sizeMiB {
		t.Fatalf("%s: max_wal_size %s not above min_wal_size's default 80MB", label, m["max_wal_size"])
	}
	if mws > (1<<31-1)*sizeMiB {
		t.Fatalf("%s: max_wal_size %s above PostgreSQL's maximum", label, m["max_wal_size"])
	}
	if diskBytes >= 480*sizeMiB && mws > diskBytes/5 {
		t.Fatalf("%s: max_wal_size %s is more than 20%% of the disk", label, m["max_wal_size"])
	}

	// Counts: integers in PostgreSQL's ranges.
	mc := atoiOrFail(t, label, m["max_connections"])
	if mc < 10 || mc > 250000 {
		t.Fatalf("%s: max_connections %d out of range", label, mc)
	}
	if engine == "olap" || engine == "paradedb" {
		mpw := atoiOrFail(t, label, m["max_parallel_workers"])
		gather := atoiOrFail(t, label, m["max_parallel_workers_per_gather"])
		mwp := atoiOrFail(t, label, m["max_worker_processes"])
		if mpw < 8 || mpw > 1024 || gather < 2 || gather > 8 || mwp != mpw+5 || mc > 100 {
			t.Fatalf("%s: olap counts out of range: %v", label, m)
		}
	}
	if m["effective_io_concurrency"] != "100" {
		t.Fatalf("%s: effective_io_concurrency %q", label, m["effective_io_concurrency"])
	}

	// The output passes coredb's own CNPG rules, with the memory as request.
	if memBytes >= sizeMiB {
		req := in.Memory
		rc := RuleContext{CNPGVersion: Version{1, 28, 0}, Instances: 3, MemoryRequest: &req, PGMajor: 17}
		if errs := checkSettings(got, rc); len(errs) > 0 {
			t.Fatalf("%s: engine output fails the rules:\n%v", label, errs)
		}
	}
}

// TestEngineMaxWalSizeMonotonic: below Tembo's first tier max_wal_size never
// shrinks as the disk grows, up to Tembo's 2GB at 10 GiB.
func TestEngineMaxWalSizeMonotonic(t *testing.T) {
	prev := int64(0)
	for mi := int64(0); mi <= 100*1024; mi += 37 {
		v := engineMaxWalSize(*resource.NewQuantity(mi*sizeMiB, resource.BinarySI))
		b, err := parsePGSize(v)
		if err != nil {
			t.Fatalf("%dMi: %q: %v", mi, v, err)
		}
		if b < prev {
			t.Fatalf("%dMi: max_wal_size %s is smaller than for a smaller disk", mi, v)
		}
		if mi >= 10*1024 {
			break
		}
		prev = b
	}
	if v := engineMaxWalSize(resource.MustParse("10Gi")); v != "2GB" {
		t.Fatalf("10Gi: %q", v)
	}
}

func settingMap(ss []Setting) map[string]string {
	m := map[string]string{}
	for _, s := range ss {
		m[s.Name] = s.Value
	}
	return m
}

func atoiOrFail(t *testing.T, label, v string) int {
	t.Helper()
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s: %q is not an integer", label, v)
	}
	return n
}

// FuzzEngine: any quantities the caller can parse run through every engine
// without a panic and keep the properties of TestEngineProperties.
func FuzzEngine(f *testing.F) {
	f.Add("1", "1Gi", "10Gi")
	f.Add("0", "0", "0")
	f.Add("1e3", "9.5e18", "1.5Ti")
	f.Fuzz(func(t *testing.T, cpu, mem, disk string) {
		// The loader refuses the rest before anything parses them (see
		// quantityTextInRange): 1e7010100 took seconds here.
		if !quantityTextInRange(cpu) || !quantityTextInRange(mem) || !quantityTextInRange(disk) {
			return
		}
		c, err1 := resource.ParseQuantity(cpu)
		m, err2 := resource.ParseQuantity(mem)
		d, err3 := resource.ParseQuantity(disk)
		if err1 != nil || err2 != nil || err3 != nil {
			return
		}
		for _, engine := range engineNames {
			checkEngineProperties(t, engine, EngineInput{CPU: c, Memory: m, Storage: d})
		}
	})
}
