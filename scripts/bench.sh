#!/usr/bin/env bash
# bench.sh: wall time and peak memory of one `coredb render` over N generated
# CoreDB files (default 1000), as a platform repository of many databases
# would run it in CI or in an Argo CD plugin. Go benchmarks (make bench)
# measure the compiler alone; this measures the binary end to end.
set -Eeuo pipefail
n=${1:-1000}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/coredb" ./cmd/coredb
mkdir "$tmp/specs"
stacks=(Standard OLTP MessageQueue MachineLearning VectorDB Geospatial MongoAlternative Analytics Timeseries ParadeDB)
for ((i = 0; i < n; i++)); do
  mem=$(( (1 << (i % 5)) + 4 ))
  cat > "$tmp/specs/db-$(printf %04d "$i").yaml" <<YAML
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

/usr/bin/time -f '%e %M' -o "$tmp/time" "$tmp/coredb" render "$tmp/specs" > "$tmp/out.yaml" 2> "$tmp/err" || {
  cat "$tmp/err" >&2; exit 1; }
read -r secs kb < "$tmp/time"
docs=$(grep -c '^kind: ' "$tmp/out.yaml")
printf 'coredb render: %d files -> %d objects, %d bytes in %ss, peak RSS %d MiB\n' \
  "$n" "$docs" "$(wc -c < "$tmp/out.yaml")" "$secs" $((kb / 1024))
