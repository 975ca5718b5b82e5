#!/usr/bin/env bash
# benchgo.sh: the compiler's Go benchmarks (compile/bench_test.go), COUNT
# runs each (default 5), then the median of each and coredb's plain fleet as
# a multiple of the sigs.k8s.io/yaml floor measured in the same run. The
# machine may be shared, so medians, and ratios rather than absolute times.
set -Eeuo pipefail
count=${1:-5}
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"${GO:-go}" test -run '^$' -bench . -benchmem -count "$count" ./compile | tee "$out"
echo
awk '
/^Benchmark/ {
  name = $1; sub(/-[0-9]+$/, "", name)
  if (!(name in n)) order[++k] = name
  v[name, ++n[name]] = $3
  for (i = 4; i < NF; i++) {
    if ($(i + 1) == "B/op") bop[name] = $i
    if ($(i + 1) == "allocs/op") aop[name] = $i
  }
}
function median(name,   i, j, t, c, a) {
  c = n[name]
  for (i = 1; i <= c; i++) a[i] = v[name, i]
  for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
  return (c % 2) ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
}
END {
  printf "%-28s %12s %12s %12s\n", "median of " n[order[1]], "ms/op", "MB/op", "allocs/op"
  for (i = 1; i <= k; i++) {
    m[order[i]] = median(order[i])
    printf "%-28s %12.2f %12.1f %12d\n", order[i], m[order[i]] / 1e6, bop[order[i]] / 1e6, aop[order[i]]
  }
  f = m["BenchmarkFloorSigsYAML1000"]; r = m["BenchmarkRenderPlain1000"]
  if (f > 0 && r > 0) printf "1000 plain databases: coredb (load, check, compile, encode) is %.2fx the sigs.k8s.io/yaml floor (typed structs marshalled)\n", r / f
  val = m["BenchmarkValidate1000"]; cmd = m["BenchmarkRenderCommand1000"]
  if (val > 0 && cmd > 0) printf "1000 stack databases: validate is %.0f%% of render as the command renders (RenderCommand1000)\n", 100 * val / cmd
}' "$out"
