#!/usr/bin/env bash
# bench.sh: wall time and peak memory of whole `coredb` processes, as a
# platform repository of many databases would run them in CI or in an Argo CD
# plugin. Go benchmarks (make bench) measure the compiler alone; this measures
# the binary end to end: start-up, reading, compiling, encoding, writing.
#
# Usage: scripts/bench.sh [N [RUNS]]
#   N     databases per fleet workload (default 1000)
#   RUNS  runs per fleet workload (default 5); the one-file render runs 10×RUNS
#
# Workloads (medians of RUNS runs each; wall from bash's EPOCHREALTIME around
# the process; CPU (user + system) and peak RSS from /usr/bin/time; on a
# shared machine CPU is the steadier figure):
#   one plain render   one CoreDB, 3 instances, 7 settings, no stack
#   N plain            N such CoreDBs in one `coredb render DIR`
#   N stack            N CoreDBs cycling through the ten Tembo Stacks, with
#                      --drop-unavailable --superuser-access
#   validate N stack   `coredb validate` of the same; also as a share of render
# plus a Go hello-world, the floor any Go process pays to start, and
# scripts/floor, which prints the same plain database's Cluster from a typed
# CloudNativePG struct with sigs.k8s.io/yaml: the floor of any Go program
# linking the types coredb must use. The fleets run twice: on every CPU
# (coredb's default) and with GOMAXPROCS=1 (one CPU's worth of work).
#
# COREDB_BASE=/path/to/coredb pairs every run with a run of that binary
# (e.g. one built from main) and prints both, for before/after figures taken
# under the same load.
set -Eeuo pipefail
n=${1:-1000}
runs=${2:-5}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"${GO:-go}" build -o "$tmp/coredb" ./cmd/coredb
"${GO:-go}" build -o "$tmp/floor" ./scripts/floor
mkdir "$tmp/hello"
printf 'package main\n\nfunc main() { println("hello") }\n' > "$tmp/hello/main.go"
(cd "$tmp/hello" && GO111MODULE=off "${GO:-go}" build -o "$tmp/hello-bin" main.go)

# plain writes the plain database number $1 to stdout.
plain() {
  local i=$1
  cat <<YAML
apiVersion: coredb.io/v1alpha1
kind: CoreDB
metadata:
  name: db-$(printf %04d "$i")
  namespace: team-$((i % 7))
spec:
  replicas: 3
  storage: $((10 + i % 200))Gi
  resources:
    requests: {cpu: "2", memory: 4Gi}
    limits: {cpu: "2", memory: 4Gi}
  runtime_config:
    - {name: work_mem, value: $((4 + i % 60))MB}
    - {name: maintenance_work_mem, value: 256MB}
    - {name: max_connections, value: "200"}
    - {name: effective_io_concurrency, value: "200"}
    - {name: random_page_cost, value: "1.1"}
    - {name: log_min_duration_statement, value: "1000"}
    - {name: checkpoint_completion_target, value: "0.9"}
YAML
}

mkdir "$tmp/stack" "$tmp/plain" "$tmp/one"
plain 1 > "$tmp/one/db.yaml"
stacks=(Standard OLTP MessageQueue MachineLearning VectorDB Geospatial MongoAlternative Analytics Timeseries ParadeDB)
for ((i = 0; i < n; i++)); do
  plain "$i" > "$tmp/plain/db-$(printf %04d "$i").yaml"
  mem=$(( (1 << (i % 5)) + 4 ))
  cat > "$tmp/stack/db-$(printf %04d "$i").yaml" <<YAML
apiVersion: coredb.io/v1alpha1
kind: CoreDB
metadata:
  name: db-$(printf %04d "$i")
  namespace: team-$((i % 7))
spec:
  replicas: $((1 + i % 3))
  storage: $((10 + i % 200))Gi
  stack:
    name: ${stacks[i % ${#stacks[@]}]}
  resources:
    requests: {cpu: "2", memory: ${mem}Gi}
    limits: {cpu: "2", memory: ${mem}Gi}
YAML
done

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# measure LABEL RUNS BIN ARGS...: runs BIN ARGS RUNS times with stdout to
# $tmp/out, prints the median wall (ms) and peak RSS (MiB), and sets
# $wall_ms. With $base set (COREDB_BASE), each run of BIN is paired with a run
# of $base on the same arguments, alternating, and the base's medians and
# the ratio are printed too: the machine may be shared, and paired runs
# see the same load.
measure() {
  local label=$1 count=$2 bin=$3
  shift 3
  local walls=() rss=() cpus=() bwalls=() brss=() bcpus=()
  for ((r = 0; r < count; r++)); do
    if [[ -n $base ]]; then
      run1 "$base" "$@"
      bwalls+=("$ms"); brss+=("$kb"); bcpus+=("$cpu")
    fi
    run1 "$bin" "$@"
    walls+=("$ms"); rss+=("$kb"); cpus+=("$cpu")
  done
  wall_ms=$(printf '%s\n' "${walls[@]}" | median)
  local kb_med cpu_med extra=""
  kb_med=$(printf '%s\n' "${rss[@]}" | median)
  cpu_med=$(printf '%s\n' "${cpus[@]}" | median)
  cpu_med_last=$cpu_med
  if [[ -s $tmp/out ]]; then
    extra=$(printf ', %d objects, %d bytes' "$(grep -c '^kind: ' "$tmp/out" || true)" "$(wc -c < "$tmp/out")")
  fi
  printf '%-22s %8.1f ms wall %6.0f ms CPU %6.1f MiB peak RSS  (median of %d%s)\n' \
    "$label" "$wall_ms" "$cpu_med" "$(awk -v k="$kb_med" 'BEGIN {print k / 1024}')" "$count" "$extra"
  if [[ -n $base ]]; then
    local bw bk bc
    bw=$(printf '%s\n' "${bwalls[@]}" | median)
    bk=$(printf '%s\n' "${brss[@]}" | median)
    bc=$(printf '%s\n' "${bcpus[@]}" | median)
    printf '%-22s %8.1f ms wall %6.0f ms CPU %6.1f MiB peak RSS  (base; this build: %.2fx the wall, %.2fx the CPU, %.2fx the memory)\n' \
      "  base" "$bw" "$bc" "$(awk -v k="$bk" 'BEGIN {print k / 1024}')" \
      "$(awk -v a="$wall_ms" -v b="$bw" 'BEGIN {print a / b}')" "$(awk -v a="$cpu_med" -v b="$bc" 'BEGIN {print b ? a / b : 0}')" \
      "$(awk -v a="$kb_med" -v b="$bk" 'BEGIN {print a / b}')"
  fi
}

# run1 BIN ARGS...: one run; sets $ms (wall), $cpu (user + system, ms, at
# /usr/bin/time's 10 ms resolution) and $kb (peak RSS).
run1() {
  local t0 t1
  t0=$EPOCHREALTIME
  /usr/bin/time -f '%M %U %S' -o "$tmp/time" "$@" > "$tmp/out" 2> "$tmp/err" || {
    cat "$tmp/err" >&2; exit 1; }
  t1=$EPOCHREALTIME
  ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) * 1000}')
  local u s
  read -r kb u s < "$tmp/time"
  cpu=$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.0f", (u + s) * 1000}')
}

# sequential ARGS...: the run measured just before, on one CPU
# (GOMAXPROCS=1), unpaired; $wall_ms is left as it was.
sequential() {
  local keep_base=$base keep_wall=$wall_ms
  base=""
  measure "  with GOMAXPROCS=1" "$runs" env GOMAXPROCS=1 "$@"
  base=$keep_base wall_ms=$keep_wall
}

echo "$(nproc) CPUs, $("${GO:-go}" version | cut -d' ' -f3-), $n databases"
base=""
measure "go hello-world" $((10 * runs)) "$tmp/hello-bin"
hello_ms=$wall_ms
measure "floor (typed, 1 plain)" $((10 * runs)) "$tmp/floor"
floor_ms=$wall_ms
base=${COREDB_BASE:-}
measure "render 1 plain" $((10 * runs)) "$tmp/coredb" render "$tmp/one/db.yaml"
awk -v r="$wall_ms" -v h="$hello_ms" -v f="$floor_ms" \
  'BEGIN {printf "render 1 plain: %.1fx the hello-world, %.2fx the floor\n", r / h, r / f}'
measure "render $n plain" "$runs" "$tmp/coredb" render "$tmp/plain"
sequential "$tmp/coredb" render "$tmp/plain"
# The stacks ask for extensions stock CloudNativePG has no source for, in
# database postgres: render them as examples/flags.txt renders the stack
# examples.
stackflags=(--drop-unavailable --superuser-access)
measure "render $n stack" "$runs" "$tmp/coredb" render "${stackflags[@]}" "$tmp/stack"
render_ms=$wall_ms render_cpu=$cpu_med_last
sequential "$tmp/coredb" render "${stackflags[@]}" "$tmp/stack"
measure "validate $n stack" "$runs" "$tmp/coredb" validate "${stackflags[@]}" "$tmp/stack"
awk -v v="$wall_ms" -v r="$render_ms" -v vc="$cpu_med_last" -v rc="$render_cpu" \
  'BEGIN {printf "validate / render (stack): %.0f%% of the wall, %.0f%% of the CPU (the medians above)\n", 100 * v / r, 100 * vc / rc}'
# The medians above are of runs taken a minute apart, and on a shared
# machine their ratio wanders by ten points from one bench.sh to the next.
# Pairs of one render and one validate, back to back, see the same load:
# the median of their ratios is the figure to compare with the goal.
wall_ratios=() cpu_ratios=()
for ((r = 0; r < 2 * runs; r++)); do
  run1 "$tmp/coredb" render "${stackflags[@]}" "$tmp/stack"
  rw=$ms rc=$cpu
  run1 "$tmp/coredb" validate "${stackflags[@]}" "$tmp/stack"
  wall_ratios+=("$(awk -v v="$ms" -v r="$rw" 'BEGIN {print 100 * v / r}')")
  cpu_ratios+=("$(awk -v v="$cpu" -v r="$rc" 'BEGIN {print 100 * v / r}')")
done
printf 'validate / render (stack), %d back-to-back pairs: %.0f%% of the wall, %.0f%% of the CPU (medians)\n' \
  $((2 * runs)) "$(printf '%s\n' "${wall_ratios[@]}" | median)" "$(printf '%s\n' "${cpu_ratios[@]}" | median)"
