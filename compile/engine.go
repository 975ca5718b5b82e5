package compile

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// EngineInput are the engine's inputs, already resolved by the caller (limits, else requests, else Tembo's defaults).
type EngineInput struct {
	CPU     resource.Quantity // e.g. "500m", "2", "1.5"
	Memory  resource.Quantity // any unit: 512Mi, 2G, 1.5Gi
	Storage resource.Quantity // any unit: 10Gi, 2Ti, 500G
}

// engineNames are the config engines Tembo's stacks name, sorted.
var engineNames = []string{"mq", "olap", "paradedb", "standard"}

// engineSettings returns the settings engine `name` (standard | olap | mq | paradedb) computes, in Tembo's emission
// order, each with Origin{Path: "engine <name>"}. Unknown engine names are an error listing the known ones.
//
// The formulas, their order and their rounding are Tembo's
// (tembo-stacks/src/stacks/config_engines.rs, tembo-operator.md §3): float64
// arithmetic floored to an integer, and max_wal_size in float32. Tembo only
// understands Mi/Gi memory and Gi/Ti storage and panics on anything else or
// on less than 10 GiB of disk; this port takes any Kubernetes quantity and
// never fails on a size:
//
//   - memory becomes whole MiB, floor(bytes / 2^20), so 2G is 1907 MiB;
//     storage becomes whole GiB, floor(bytes / 2^30). Negative sizes count as 0.
//   - below 10 GiB of disk, see smallDiskMaxWalSizeMB.
//   - tiny or zero memory and zero CPU get the floors documented at the
//     constants below, so nothing divides by zero and every value is one
//     PostgreSQL accepts. None of the floors or caps changes a result for
//     memory from 95 MiB to 2 TiB and up to 1024 CPUs, which covers every
//     Tembo instance size and every worked value in §3.
func engineSettings(name string, in EngineInput) ([]Setting, error) {
	e := newEngineValues(in)
	var kv [][2]string
	switch name {
	case "standard":
		kv = e.standard()
	case "mq":
		kv = e.standard()
		kv[0][1] = engMB(e.mqSharedBuffers) // work_mem stays computed from the 25% value, as in Tembo
	case "olap":
		kv = e.olap(true)
	case "paradedb":
		kv = e.olap(false)
	default:
		return nil, fmt.Errorf("unknown config engine %q (known: %s)", name, strings.Join(engineNames, ", "))
	}
	origin := Origin{Path: "engine " + name}
	out := make([]Setting, len(kv))
	for i, p := range kv {
		out[i] = Setting{Name: p[0], Value: p[1], Origin: origin}
	}
	return out, nil
}

const (
	// maxEngineMemMiB caps the memory the formulas see at 16 TiB. Above it
	// effective_cache_size (70%) would pass PostgreSQL's maximum of 2^31-1
	// 8kB pages (16 TiB). shared_buffers (25%, or 30% for mq) then stays under
	// its own 8 TiB maximum and work_mem/maintenance_work_mem under 2 TiB.
	maxEngineMemMiB = 16 << 20

	// maxEngineDiskGiB caps the storage the formulas see, like Tembo's i32.
	maxEngineDiskGiB = math.MaxInt32

	// maxEngineMaxWalSizeGB is the largest max_wal_size PostgreSQL accepts
	// (2^31-1 MB), in whole GB; only reached beyond about 40 PiB of disk.
	maxEngineMaxWalSizeGB = math.MaxInt32 / 1024

	// minEngineMaxConnections floors max_connections. Tembo's floor(mem/9.5)
	// is 0 below 9.5 MiB, which makes work_mem a division by zero, and
	// PostgreSQL refuses to start unless max_connections exceeds
	// superuser_reserved_connections (3), which CloudNativePG's own
	// connections draw on. Ten leaves a few for the application; it binds
	// only below 95 MiB of memory.
	minEngineMaxConnections = 10

	// maxEngineMaxConnections caps max_connections below PostgreSQL's
	// MAX_BACKENDS (262143), leaving room for autovacuum, background workers
	// and WAL senders, which share that limit. Binds above ~2.3 TiB.
	maxEngineMaxConnections = 250000

	// maxEngineCPU caps the CPUs the olap formulas see: PostgreSQL allows at
	// most 1024 parallel workers (MAX_PARALLEL_WORKER_LIMIT).
	maxEngineCPU = 1024

	// Tembo's constants.
	defaultMaintenanceWorkMemMB = 64
	defaultIOConcurrency        = 100
	olapMaxConnectionsCap       = 100
)

// engineValues holds every value the engines emit, computed once.
type engineValues struct {
	memMB int64   // memory in whole MiB, as Tembo's mem_mb
	cpu   float32 // vCPUs, as Tembo's parse_cpu (an f32)

	sharedBuffers, mqSharedBuffers             int64 // MB
	maxConnections, olapMaxConnections         int64
	workMem, olapWorkMem                       int64 // MB
	bgwriterDelay                              int64 // ms
	effectiveCacheSize                         int64 // MB
	maintenanceWorkMem, olapMaintenanceWorkMem int64 // MB
	maxWalSize                                 string
	maxParallelWorkers, maxWorkersPerGather    int64
}

func newEngineValues(in EngineInput) engineValues {
	e := engineValues{
		memMB: clampedBytes(in.Memory, maxEngineMemMiB*sizeMiB) / sizeMiB,
		cpu:   engineCPU(in.CPU),
	}
	m := e.memMB
	mf := float64(m)

	// shared_buffers: floor(mem/4); mq: floor(0.3·mem). Floored at 1MB
	// (PostgreSQL's minimum is 128kB and coredb writes MB), which keeps
	// shared_buffers ≤ memory for any memory of at least 1 MiB.
	e.sharedBuffers = max(1, engFloor(mf/4.0))
	e.mqSharedBuffers = max(1, engFloor(mf*0.3))

	// max_connections: floor(mem/9.5); olap caps it at 100.
	e.maxConnections = min(max(minEngineMaxConnections, engFloor(mf/9.5)), maxEngineMaxConnections)
	e.olapMaxConnections = min(e.maxConnections, olapMaxConnectionsCap)

	// work_mem: floor(((mem - shared_buffers) - 0.2·mem) / max_connections),
	// floored at 1MB, PostgreSQL's minimum being 64kB.
	e.workMem = engineWorkMem(m, e.sharedBuffers, e.maxConnections)
	e.olapWorkMem = engineWorkMem(m, e.sharedBuffers, e.olapMaxConnections)

	e.bgwriterDelay = 200
	if m >= 8192 {
		e.bgwriterDelay = 10
	}

	// effective_cache_size: floor(0.7·mem), floored at 1MB (minimum 8kB).
	e.effectiveCacheSize = max(1, engFloor(mf*0.70))

	// maintenance_work_mem: max(64, floor(5%·mem)); olap 10%. Below 1280 MiB
	// this is PostgreSQL's own default of 64MB, as in Tembo.
	e.maintenanceWorkMem = max(defaultMaintenanceWorkMemMB, engFloor(mf*0.05))
	e.olapMaintenanceWorkMem = max(defaultMaintenanceWorkMemMB, engFloor(mf*0.10))

	e.maxWalSize = engineMaxWalSize(in.Storage)

	// max_parallel_workers: max(8, round(cpu));
	// max_parallel_workers_per_gather: min(max(ceil(0.5·cpu), 2), 8).
	// CPU 0 gives 8 and 2; nothing divides by the CPU count.
	e.maxParallelWorkers = max(8, int64(math.Round(float64(e.cpu))))
	e.maxWorkersPerGather = min(max(int64(math.Ceil(float64(float32(e.cpu*0.5)))), 2), 8)
	return e
}

// standard is Tembo's standard engine, in its emission order.
func (e engineValues) standard() [][2]string {
	return [][2]string{
		{"shared_buffers", engMB(e.sharedBuffers)},
		{"max_connections", engInt(e.maxConnections)},
		{"work_mem", engMB(e.workMem)},
		{"bgwriter_delay", engInt(e.bgwriterDelay) + "ms"},
		{"effective_cache_size", engMB(e.effectiveCacheSize)},
		{"maintenance_work_mem", engMB(e.maintenanceWorkMem)},
		{"max_wal_size", e.maxWalSize},
		{"effective_io_concurrency", engInt(defaultIOConcurrency)},
	}
}

// olap is Tembo's olap engine, in its emission order; paradedb is the same
// without columnar.min_parallel_processes.
func (e engineValues) olap(columnar bool) [][2]string {
	kv := [][2]string{
		{"effective_cache_size", engMB(e.effectiveCacheSize)},
		{"maintenance_work_mem", engMB(e.olapMaintenanceWorkMem)},
		{"max_connections", engInt(e.olapMaxConnections)},
		{"max_parallel_workers", engInt(e.maxParallelWorkers)},
		{"max_parallel_workers_per_gather", engInt(e.maxWorkersPerGather)},
		{"max_wal_size", e.maxWalSize},
		{"max_worker_processes", engInt(e.maxParallelWorkers + 5)},
		{"shared_buffers", engMB(e.sharedBuffers)},
		{"work_mem", engMB(e.olapWorkMem)},
		{"effective_io_concurrency", engInt(defaultIOConcurrency)},
	}
	if columnar {
		kv = append(kv, [2]string{"columnar.min_parallel_processes", engInt(e.maxParallelWorkers)})
	}
	return kv
}

// engineWorkMem is Tembo's dynamic_work_mem. The explicit float64 conversion of the
// product keeps Go from fusing it into a multiply-add, which would round
// differently from Rust on some CPUs.
func engineWorkMem(memMB, sharedBuffersMB, maxConnections int64) int64 {
	v := (float64(memMB-sharedBuffersMB) - float64(float64(memMB)*0.2)) / float64(maxConnections)
	return max(1, engFloor(v))
}

// engineMaxWalSize is Tembo's dynamic_max_wal_size (computed in float32, as Tembo
// does): 20% of the disk up to 100 GiB, 10% up to 1000 GiB, 5% above, in GB.
func engineMaxWalSize(storage resource.Quantity) string {
	gb := clampedBytes(storage, maxEngineDiskGiB*sizeGiB) / sizeGiB
	if gb < 10 {
		return smallDiskMaxWalSize(clampedBytes(storage, 10*sizeGiB) / sizeMiB)
	}
	ratio := float32(0.05)
	switch {
	case gb <= 100:
		ratio = 0.2
	case gb <= 1000:
		ratio = 0.1
	}
	v := min(int64(math.Floor(float64(float32(float32(gb)*ratio)))), maxEngineMaxWalSizeGB)
	return engInt(v) + "GB"
}

// Bounds of max_wal_size for disks below 10 GiB, where Tembo panics.
const (
	// smallDiskMaxWalSizeMinMB must stay above min_wal_size, whose
	// PostgreSQL and CloudNativePG default is 80MB (CloudNativePG rejects
	// min_wal_size >= max_wal_size): one 16MB WAL segment more.
	smallDiskMaxWalSizeMinMB = 96
	// smallDiskMaxWalSizeMaxMB is PostgreSQL's default max_wal_size (1GB). It
	// is below the 2GB Tembo gives 10 GiB, so the value never decreases as
	// the disk grows.
	smallDiskMaxWalSizeMaxMB = 1024
)

// smallDiskMaxWalSize is coredb's choice for disks under 10 GiB, which Tembo
// does not support (it panics). It keeps Tembo's share of the smallest tier,
// 20% of the disk, but counts in MB, where Tembo's floor(0.2·GB) would give
// 0GB or 1GB (all of a 1 GiB disk). The result is clamped to [96MB, 1GB]:
// at least one WAL segment above min_wal_size's default 80MB, and at most
// PostgreSQL's default. So max_wal_size is 20% of the disk from 480 MiB to
// 5 GiB, 1GB from 5 to 10 GiB, and 96MB below 480 MiB, where no share of
// the disk leaves room for PostgreSQL anyway.
func smallDiskMaxWalSize(diskMiB int64) string {
	v := min(max(diskMiB/5, smallDiskMaxWalSizeMinMB), smallDiskMaxWalSizeMaxMB)
	if v%1024 == 0 {
		return engInt(v/1024) + "GB"
	}
	return engMB(v)
}

// engineCPU converts a CPU quantity to Tembo's f32 vCPU count, through exact
// millicores so that 2.5 stays 2.5 for round(). Negative counts as 0; the
// count is capped at maxEngineCPU.
func engineCPU(q resource.Quantity) float32 {
	if q.Sign() <= 0 {
		return 0
	}
	if q.Cmp(*resource.NewQuantity(maxEngineCPU, resource.DecimalSI)) >= 0 {
		return maxEngineCPU
	}
	return float32(float64(q.MilliValue()) / 1000)
}

// engFloor is Rust's `f64.floor() as i32` for the finite, in-range values
// the engines produce.
func engFloor(f float64) int64 { return int64(math.Floor(f)) }

func engInt(v int64) string { return strconv.FormatInt(v, 10) }

func engMB(v int64) string { return engInt(v) + "MB" }
