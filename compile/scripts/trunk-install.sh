#!/bin/sh
# trunk-install.sh: the script of coredb's Trunk install Job.
#
# It installs every package of the list next to it ("packages": one
# "NAME VERSION" per line) into the postgres container of every instance pod
# of the CloudNativePG Cluster $CLUSTER, with
#
#   kubectl exec POD -c postgres -- trunk install NAME --version VERSION [-r REGISTRY]
#
# once the Cluster reports Ready. Every pod and every package is tried, even
# after a failure; a summary lists each result, and the exit status is 1 when
# anything failed (so the Job fails and shows it). trunk itself writes where
# the image's pg_config says: Tembo's images point that at the data volume,
# so installs survive restarts.
#
# Environment:
#   CLUSTER                 the Cluster name (required)
#   NAMESPACE               its namespace (required)
#   TRUNK_REGISTRY          Trunk registry URL; empty means trunk's default
#   COREDB_READY_TIMEOUT    seconds to wait for the Cluster to be Ready (900)
#   COREDB_INSTANCES        the Cluster's instance count, for the log; being
#                           in the Job spec, a new count reruns the Job, so
#                           pods added by scaling out get the packages too
#
# Names and versions were validated by coredb (letters, digits, ".", "_",
# "+", "-"); they are still only ever passed as separate arguments.
set -u
set -f

here=$(dirname -- "$0")
list="$here/packages"

say() { printf '%s\n' "$*"; }
die() {
  printf 'trunk-install: error: %s\n' "$*" >&2
  exit 1
}

[ -n "${CLUSTER:-}" ] || die "CLUSTER is not set"
[ -n "${NAMESPACE:-}" ] || die "NAMESPACE is not set"
[ -r "$list" ] || die "package list $list is missing"
timeout=${COREDB_READY_TIMEOUT:-900}
registry=${TRUNK_REGISTRY:-}

say "waiting up to ${timeout}s for Cluster $CLUSTER (namespace $NAMESPACE) to be Ready"
if ! kubectl --namespace "$NAMESPACE" wait --for=condition=Ready --timeout="${timeout}s" \
  "clusters.postgresql.cnpg.io/$CLUSTER"; then
  die "Cluster $CLUSTER did not become Ready within ${timeout}s; see 'kubectl describe clusters.postgresql.cnpg.io/$CLUSTER'. (A shared_preload_libraries entry that only a Trunk install provides keeps Postgres from starting.)"
fi

pods=$(kubectl --namespace "$NAMESPACE" get pods \
  --selector "cnpg.io/cluster=$CLUSTER,cnpg.io/podRole=instance" \
  --output 'jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}') ||
  die "cannot list the instance pods of Cluster $CLUSTER"
[ -n "$pods" ] || die "Cluster $CLUSTER has no instance pods (label cnpg.io/cluster=$CLUSTER, cnpg.io/podRole=instance)"
say "instance pods:" $pods "(spec: ${COREDB_INSTANCES:-?} instances)"

total=0
failed=0
report=""
for pod in $pods; do
  while read -r name version extra <&3; do
    case $name in '' | '#'*) continue ;; esac
    if [ -z "${version:-}" ] || [ -n "${extra:-}" ]; then
      die "malformed line in $list: want NAME VERSION"
    fi
    total=$((total + 1))
    say "==> $pod: trunk install $name --version $version${registry:+ -r $registry}"
    if [ -n "$registry" ]; then
      kubectl --namespace "$NAMESPACE" exec "$pod" -c postgres -- \
        trunk install "$name" --version "$version" -r "$registry" </dev/null
    else
      kubectl --namespace "$NAMESPACE" exec "$pod" -c postgres -- \
        trunk install "$name" --version "$version" </dev/null
    fi
    rc=$?
    if [ "$rc" -eq 0 ]; then
      report="$report
  ok      $pod  $name $version"
    else
      failed=$((failed + 1))
      hint=""
      case $rc in
      126 | 127) hint=": the postgres container has no runnable trunk command (Trunk ships in Tembo's images)" ;;
      esac
      report="$report
  FAILED  $pod  $name $version (exit $rc$hint)"
      say "<== $pod: $name $version failed (exit $rc); continuing"
    fi
  done 3<"$list"
done

say ""
say "summary: $total installs on Cluster $CLUSTER, $((total - failed)) ok, $failed failed$report"
if [ "$failed" -gt 0 ]; then
  exit 1
fi
# Done: give up the exec rights (the Role; the RoleBinding then grants
# nothing). Argo CD deletes all of it anyway, as Sync hooks.
if [ -n "${COREDB_ROLE:-}" ]; then
  if kubectl --namespace "$NAMESPACE" delete role "$COREDB_ROLE" --ignore-not-found --wait=false; then
    say "deleted Role $COREDB_ROLE: this Job's exec rights are gone"
  else
    say "could not delete Role $COREDB_ROLE; delete it by hand: it lets pods/exec into every pod of the namespace"
  fi
fi
exit 0
