#!/usr/bin/env bash
# kubeconform.sh - validate coredb's rendered examples offline with
# `kubeconform -strict` against schemas made from the real sources:
#   - Kubernetes: the OpenAPI v3 documents of module k8s.io/kubernetes@$K8S_VERSION
#     (api/openapi-spec/v3), the version the referee's kube-apiserver runs;
#   - CloudNativePG: the CRDs of release $CNPG_VERSION (the referee's cached
#     release manifest when present, else config/crd/bases of the
#     github.com/cloudnative-pg/cloudnative-pg module);
#   - Barman Cloud plugin ObjectStore: config/crd/bases of module
#     github.com/cloudnative-pg/plugin-barman-cloud@$BARMAN_PLUGIN_VERSION.
# e2e/gitops/schemagen inlines every $ref and closes every object schema
# (additionalProperties: false), so unknown fields fail as on an API server.
# kubeconform itself is built from the Go module proxy into a temporary GOBIN
# (not added to go.mod).
#
# Usage: e2e/gitops/kubeconform.sh            (from anywhere in the repo)
# Env:   KUBECONFORM_VERSION (default latest), K8S_VERSION, CNPG_VERSION,
#        BARMAN_PLUGIN_VERSION, KEEP=1 to keep the work directory.
set -Eeuo pipefail

K8S_VERSION=${K8S_VERSION:-v1.37.2}
CNPG_VERSION=${CNPG_VERSION:-v1.28.2}
BARMAN_PLUGIN_VERSION=${BARMAN_PLUGIN_VERSION:-v0.15.0}
KUBECONFORM_VERSION=${KUBECONFORM_VERSION:-latest}

root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/coredb-kubeconform.XXXXXX")
if [[ -z ${KEEP:-} ]]; then trap 'rm -rf "$work"' EXIT; else echo "work dir: $work"; fi

say() { printf 'kubeconform.sh: %s\n' "$*" >&2; }

# Module source directories, downloaded through the Go module proxy. Run
# outside the repo so go.mod is neither read nor changed.
moddir() {
	(cd "$work" && GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
}

say "building kubeconform@$KUBECONFORM_VERSION and coredb"
(cd "$work" && GOBIN="$work/bin" GOFLAGS=-mod=mod go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION")
(cd "$root" && go build -o "$work/bin/coredb" ./cmd/coredb && go build -o "$work/bin/e2etool" ./e2e/e2etool)

k8s=$(moddir "k8s.io/kubernetes@$K8S_VERSION")
cnpg_crds=${REFEREE_HOME:-$HOME/.cache/coredb-referee}/share/cnpg-${CNPG_VERSION#v}.yaml
if [[ ! -s $cnpg_crds ]]; then
	cnpg_crds=$(moddir "github.com/cloudnative-pg/cloudnative-pg@$CNPG_VERSION")/config/crd/bases
fi
barman=$(moddir "github.com/cloudnative-pg/plugin-barman-cloud@$BARMAN_PLUGIN_VERSION")/config/crd/bases

crd_args=()
for f in "$cnpg_crds" "$barman"; do
	if [[ -d $f ]]; then
		for y in "$f"/*.yaml; do crd_args+=(-crds "$y"); done
	else
		crd_args+=(-crds "$f")
	fi
done
say "schemas: Kubernetes $K8S_VERSION, CloudNativePG $CNPG_VERSION ($cnpg_crds), Barman Cloud plugin $BARMAN_PLUGIN_VERSION"
(cd "$root" && go run ./e2e/gitops/schemagen -out "$work/schemas" -openapi "$k8s/api/openapi-spec/v3" "${crd_args[@]}")

# Render every example on both targets with its flags from examples/flags.txt
# (as the golden tests do), with and without a namespace (namespaced objects
# exercise the RoleBinding subjects and Job environment that use it). A
# render the table marks refused ("!") has no output to check.
mkdir -p "$work/rendered"
n=0
for ex in "$root"/examples/*.yaml; do
	base=$(basename "$ex" .yaml)
	for target in cnpg tembo; do
		flags=()
		while IFS= read -r f; do flags+=("$f"); done < <(cd "$root" && "$work/bin/e2etool" flags -table examples/flags.txt "examples/$base.yaml" "$target")
		[[ "${flags[0]}" != '!' ]] || continue
		for ns in "" coredb-e2e; do
			out="$work/rendered/$base.$target${ns:+.$ns}.yaml"
			if ! "$work/bin/coredb" render "${flags[@]}" ${ns:+-n "$ns"} "$ex" >"$out" 2>"$work/render.err"; then
				cat "$work/render.err" >&2
				say "FAIL: coredb render ${flags[*]} ${ns:+-n $ns }$ex"
				exit 1
			fi
		done
		n=$((n + 1))
	done
done
say "rendered $n example/target pairs"

# The check must be able to fail: a Cluster with an unknown field and a Job
# with a wrong type are rejected with these schemas.
cat >"$work/negative.yaml" <<'YAML'
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: bad}
spec: {instances: 1, storage: {size: 1Gi}, instancez: 2}
---
apiVersion: batch/v1
kind: Job
metadata: {name: bad}
spec: {backoffLimit: "three", template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}
YAML
loc="$work/schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"
if "$work/bin/kubeconform" -strict -schema-location "$loc" "$work/negative.yaml" >"$work/negative.out" 2>&1; then
	cat "$work/negative.out" >&2
	say "FAIL: the negative cases were accepted; the schemas are not strict"
	exit 1
fi
grep -q 'instancez' "$work/negative.out" || { cat "$work/negative.out" >&2; say "FAIL: unknown Cluster field not reported"; exit 1; }
grep -q 'backoffLimit' "$work/negative.out" || { cat "$work/negative.out" >&2; say "FAIL: wrong Job field type not reported"; exit 1; }
say "negative cases rejected as expected"

# The real check. No -ignore-missing-schemas: every kind coredb emits must
# have a schema.
"$work/bin/kubeconform" -strict -summary -output text -schema-location "$loc" "$work/rendered"
