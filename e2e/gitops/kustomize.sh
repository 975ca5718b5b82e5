#!/usr/bin/env bash
# kustomize.sh - run `coredb krm` as a real kustomize exec KRM function.
#
# Builds kustomize (sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION) from
# the Go module proxy into a temporary GOBIN (not added to go.mod) and coredb
# from this tree, puts both on PATH (the function configs say
# `exec: {path: coredb, args: [krm]}`), and runs
#   kustomize build --enable-alpha-plugins --enable-exec DIR
# on the kustomizations in e2e/gitops/testdata/kustomize:
#   generator/    a CoreDB that is its own function config (generators:)
#   transformer/  CoreDB files as resources next to a ConfigMap, and a
#                 ConfigMap function config setting render flags (transformers:)
#   invalid/      a CoreDB with an error: kustomize must fail with coredb's message
# Each output is compared object by object with `coredb render` of the same
# CoreDBs using `coredb diff` (exit 0 = the same objects).
#
# It also builds Argo CD's own argocd-repo-server Deployment (from module
# github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION, manifests/base/repo-server)
# with the deploy/argocd component, checks the result with
# `go test ./e2e/gitops -run TestArgoCDComponent`, and, when the referee is
# running, with a server-side dry run (the API server checks that every
# volume mount names a volume).
#
# Usage: e2e/gitops/kustomize.sh
# Env:   KUSTOMIZE_VERSION (default v5.8.2), ARGOCD_VERSION (default v3.5.7),
#        COREDB_REFEREE (default ../shared/harness/referee.sh),
#        KEEP=1 to keep the work directory.
set -Eeuo pipefail

KUSTOMIZE_VERSION=${KUSTOMIZE_VERSION:-v5.8.2}
ARGOCD_VERSION=${ARGOCD_VERSION:-v3.5.7}
root=$(cd "$(dirname "$0")/../.." && pwd)
REFEREE=${COREDB_REFEREE:-$root/../shared/harness/referee.sh}
data="$root/e2e/gitops/testdata/kustomize"
work=$(mktemp -d "${TMPDIR:-/tmp}/coredb-kustomize.XXXXXX")
if [[ -z ${KEEP:-} ]]; then trap 'rm -rf "$work"' EXIT; else echo "work dir: $work"; fi

say() { printf 'kustomize.sh: %s\n' "$*" >&2; }
fail() {
	say "FAIL: $*"
	exit 1
}

say "building kustomize@$KUSTOMIZE_VERSION and coredb"
(cd "$work" && GOBIN="$work/bin" GOFLAGS=-mod=mod go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION")
(cd "$root" && go build -o "$work/bin/coredb" ./cmd/coredb)
export PATH="$work/bin:$PATH"
kustomize version >&2

build() { kustomize build --enable-alpha-plugins --enable-exec "$data/$1"; }

# 1. Generator mode. The expected objects are `coredb render` of the same
# CoreDB without its function annotation, in kustomize's namespace.
build generator >"$work/generator.yaml" || fail "kustomize build generator/"
sed '/^  annotations:/,/^        args: \[krm\]/d' "$data/generator/orders.coredb.yaml" >"$work/orders.coredb.yaml"
grep -q 'config.kubernetes.io' "$work/orders.coredb.yaml" && fail "could not strip the function annotation"
coredb render -n shop "$work/orders.coredb.yaml" >"$work/generator.want.yaml"
coredb diff "$work/generator.want.yaml" "$work/generator.yaml" || fail "generator/: kustomize output differs from coredb render"
grep -q 'config.kubernetes.io\|kustomize.config.k8s.io' "$work/generator.yaml" && fail "generator/: KRM annotations leaked into the output"
say "generator/: $(grep -c '^kind:' "$work/generator.yaml") objects, same as coredb render"

# 2. Transformer mode: rendered CoreDBs plus the untouched ConfigMap, with
# the flags from the function config (namespace billing, cnpg-version 1.28).
build transformer >"$work/transformer.yaml" || fail "kustomize build transformer/"
{
	coredb render -n billing --cnpg-version 1.28 "$data/transformer/orders.coredb.yaml" "$data/transformer/billing.coredb.yaml" 2>/dev/null
	echo ---
	cat "$data/transformer/app-config.yaml"
} >"$work/transformer.want.yaml"
coredb diff "$work/transformer.want.yaml" "$work/transformer.yaml" || fail "transformer/: kustomize output differs from coredb render + app-config.yaml"
grep -q '^kind: CoreDB' "$work/transformer.yaml" && fail "transformer/: a CoreDB was left in the output"
say "transformer/: $(grep -c '^kind:' "$work/transformer.yaml") objects, same as coredb render plus the passed-through ConfigMap"

# 3. An invalid CoreDB fails the build, and the user sees the field and why.
if build invalid >"$work/invalid.yaml" 2>"$work/invalid.err"; then
	fail "invalid/: kustomize build succeeded"
fi
grep -q 'spec.replicas: must be at least 1, got 0' "$work/invalid.err" || {
	cat "$work/invalid.err" >&2
	fail "invalid/: coredb's message is not in kustomize's error output"
}
[[ -s $work/invalid.yaml ]] && fail "invalid/: kustomize printed manifests on failure"
say "invalid/: build fails with: $(grep 'spec.replicas' "$work/invalid.err")"

# 4. The Argo CD plugin sidecar on Argo CD's real repo server Deployment.
argocd=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[[ -d $argocd/manifests/base/repo-server ]] || fail "no manifests in github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION"
mkdir -p "$work/argocd-install"
cp "$argocd/manifests/base/repo-server/argocd-repo-server-deployment.yaml" "$work/argocd-install/"
cp -r "$root/deploy/argocd" "$work/argocd-install/coredb"
cat >"$work/argocd-install/kustomization.yaml" <<'YAML'
namespace: argocd
resources:
  - argocd-repo-server-deployment.yaml
components:
  - coredb
images:
  - name: coredb
    newName: registry.example.com/platform/coredb
    newTag: v0.1.0
YAML
kustomize build "$work/argocd-install" >"$work/argocd.yaml" || fail "kustomize build of Argo CD $ARGOCD_VERSION's repo server with deploy/argocd"
(cd "$root" && COREDB_ARGOCD_BUILD="$work/argocd.yaml" go test -count=1 -run 'TestArgoCDComponent$' ./e2e/gitops) >&2 ||
	fail "deploy/argocd on Argo CD $ARGOCD_VERSION's repo server"
if [[ -f $REFEREE ]] && bash "$REFEREE" status >/dev/null 2>&1; then
	# The referee creates the namespaces of single-object files only.
	bash "$REFEREE" kubectl get namespace argocd >/dev/null 2>&1 ||
		bash "$REFEREE" kubectl create namespace argocd >/dev/null
	bash "$REFEREE" check "$work/argocd.yaml" >&2 || fail "the API server rejects the patched repo server"
	say "argocd/: sidecar accepted by the API server (server-side dry run)"
else
	say "argocd/: referee not running; server-side dry run skipped"
fi
say "argocd/: plugin sidecar on Argo CD $ARGOCD_VERSION's argocd-repo-server checks out"

say "4 passed, 0 failed"
