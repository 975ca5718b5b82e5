#!/usr/bin/env bash
# e2e/run.sh: coredb's end-to-end suite, judged by real systems (`make e2e`).
#
# 1. builds coredb once, builds the referee (cached in REFEREE_HOME) and starts
#    it: a real kube-apiserver + etcd with CloudNativePG's CRDs and its own
#    mutating and validating webhooks (../shared/harness/referee.sh);
# 2. acceptance: renders every examples/*.yaml and every conformance file on
#    both targets (cnpg, tembo), each with the flags examples/flags.txt gives
#    it (the golden tests use the same table), and server-side dry-runs the
#    output; every object must be accepted; a file the table marks "!" must be
#    refused (exit 1) on that target;
# 3. drift: compares every rendered object with what the dry-run returns after
#    CNPG's mutating webhook; a value we set that the server changes fails,
#    fields the server only adds are listed, grouped by path;
# 4. real apply: applies one full render in a fresh namespace, proves the
#    Jobs' service accounts can do what their scripts need and nothing more
#    (kubectl auth can-i), re-applies it (nothing changes), then applies a
#    changed spec (no immutable-field errors; Job names follow Job contents);
# 5. day two: the sequence of e2e/testdata/daytwo applied in order, each step
#    accepted over the previous one and unchanged when re-applied;
# 6. the PostgreSQL proof (e2e/pg/pgtest.sh) when it is present;
# 7. the GitOps tools (e2e/gitops): kubeconform, kustomize, yaml-language-server;
# 8. runtime: every Cluster that can run here, run by CloudNativePG's own
#    instance manager (referee.sh instance), checked from inside Postgres;
# 9. prints a summary ending with the line "N passed, M failed".
#
# The referee is stopped at the end (also on failure or Ctrl-C) if this run
# started it; one that was already running is used and left running.
#
# Environment:
#   COREDB_REFEREE      referee script (default ../shared/harness/referee.sh)
#   COREDB_CONFORMANCE  conformance inputs (default ../shared/conformance)
#   REFEREE_HOME        referee cache/state (default ~/.cache/coredb-referee)
#   COREDB_E2E_APPLY    input applied for real (default examples/sample-machine-learning.yaml)
#   COREDB_E2E_APPLY_TARGET  render target of the real apply (default tembo: it has
#                       the Trunk Job's RBAC for the can-i checks)
#   COREDB_E2E_CHANGED  changed spec applied over it
#                       (default e2e/testdata/sample-machine-learning-changed.yaml)
#   COREDB_E2E_PG       auto (default: run e2e/pg/pgtest.sh when PostgreSQL 15 is
#                       installed) | 1 (required: missing PostgreSQL fails) | 0 (skip)
#   COREDB_E2E_BARMAN_PLUGIN  plugin-barman-cloud version whose ObjectStore CRD is
#                       installed into a referee this run starts (default v0.15.0)
#   COREDB_E2E_JOBS     files judged in parallel (default 8)
#   COREDB_E2E_PG_TIMEOUT  seconds for the PostgreSQL proof (default 900)
#   COREDB_E2E_GITOPS   1 (default) run e2e/gitops/*.sh | 0 skip
#   COREDB_E2E_KEEP=1   leave the referee running and keep the work directory
#   COREDB_E2E_VERBOSE=1  one line per accepted file
#   GO                  go command (default go)
# Exit status: 0 when nothing failed, 1 otherwise, 2 when the suite could not run.
set -Euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
GO="${GO:-go}"
REFEREE="${COREDB_REFEREE:-$repo/../shared/harness/referee.sh}"
CONFORMANCE="${COREDB_CONFORMANCE:-$repo/../shared/conformance}"
APPLY_BASE="${COREDB_E2E_APPLY:-examples/sample-machine-learning.yaml}"
APPLY_CHANGED="${COREDB_E2E_CHANGED:-e2e/testdata/sample-machine-learning-changed.yaml}"
APPLY_TARGET="${COREDB_E2E_APPLY_TARGET:-tembo}"
PG_MODE="${COREDB_E2E_PG:-auto}"
BARMAN_PLUGIN_VERSION="${COREDB_E2E_BARMAN_PLUGIN:-v0.15.0}" # as e2e/gitops/kubeconform.sh
export REFEREE_HOME="${REFEREE_HOME:-$HOME/.cache/coredb-referee}"

T0=$(date +%s.%N)
secs() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }

PASSED=0 FAILED=0
FAILURES=() SKIPPED=()
pass() { PASSED=$((PASSED + 1)); }
fail() { FAILED=$((FAILED + 1)); FAILURES+=("$1"); printf 'FAIL  %s\n' "$1"; }
skip() { SKIPPED+=("$1"); printf 'skip  %s\n' "$1"; }
SECT_T="" SECT_NAME="" TIMES=()
section() { # close the previous section (recording its time), open the next
	[[ -z "$SECT_NAME" ]] || TIMES+=("$SECT_NAME $(secs "$SECT_T")s")
	SECT_NAME="${1%%:*}" SECT_T=$(date +%s.%N)
	[[ "$1" == summary ]] || printf '\n== %s\n' "$*"
}
indent() { sed 's/^/      /'; }
# clip: indent, and cut kubectl's long error dumps (whole patches) to size
clip() {
	awk '{ if (length($0) > 400) $0 = substr($0, 1, 200) " [...] " substr($0, length($0) - 199); print }' |
		head -n 40 | indent
}
# referee log lines ("[referee HH:MM:SS] ...") are noise in a failure report
nolog() { grep -v '^\[referee ' || true; }

[[ -f "$REFEREE" ]] || { echo "e2e: referee not found at $REFEREE (set COREDB_REFEREE)" >&2; exit 2; }
[[ -d "$CONFORMANCE" ]] || { echo "e2e: conformance inputs not found at $CONFORMANCE (set COREDB_CONFORMANCE)" >&2; exit 2; }
# fd 9 holds the lock below: the daemons `referee.sh start` spawns must not
# inherit it, or they would hold it as long as they run.
referee() { bash "$REFEREE" "$@" 9>&-; }
k() { bash "$REFEREE" kubectl "$@" 9>&-; }

work="$(mktemp -d "${TMPDIR:-/tmp}/coredb-e2e.XXXXXX")"
STARTED=0
cleanup() {
	local rc=$? pids
	trap - EXIT INT TERM
	pids="$(jobs -p)" # our own background checks, if interrupted
	[[ -z "$pids" ]] || { kill $pids 2>/dev/null; wait $pids 2>/dev/null; } || true
	if [[ "$STARTED" == 1 && "${COREDB_E2E_KEEP:-0}" != 1 ]]; then
		referee stop >"$work/referee-stop.log" 2>&1 || cat "$work/referee-stop.log" >&2
	fi
	if [[ "${COREDB_E2E_KEEP:-0}" == 1 ]]; then
		echo "e2e: kept $work (referee home $REFEREE_HOME)" >&2
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "e2e: interrupted" >&2; exit 130' INT TERM

# One suite per referee home at a time: a second run would stop the
# referee under the first.
mkdir -p "$REFEREE_HOME"
exec 9>"$REFEREE_HOME/e2e.lock"
if ! flock -n 9; then
	echo "e2e: another e2e run uses $REFEREE_HOME; waiting for it" >&2
	flock -w 3600 9 || { echo "e2e: gave up waiting for $REFEREE_HOME/e2e.lock" >&2; exit 2; }
fi

# ---------------------------------------------------------------------------
section "build"
t=$(date +%s.%N)
"$GO" build -o "$work/coredb" ./cmd/coredb || { echo "e2e: go build ./cmd/coredb failed" >&2; exit 2; }
"$GO" build -o "$work/e2etool" ./e2e/e2etool || { echo "e2e: go build ./e2e/e2etool failed" >&2; exit 2; }
coredb() { "$work/coredb" "$@"; }
tool() { "$work/e2etool" "$@"; }
echo "coredb and e2etool built in $(secs "$t")s"

t=$(date +%s.%N)
if [[ -x "$REFEREE_HOME/bin/kube-apiserver" ]]; then
	echo "referee build (cached in $REFEREE_HOME)"
else
	echo "referee build: cold, from the Go module proxy (about 10 minutes on 2 cores; log in $work/referee-build.log)"
fi
if ! referee build >"$work/referee-build.log" 2>&1; then
	tail -n 40 "$work/referee-build.log" >&2
	echo "e2e: referee build failed" >&2
	exit 2
fi
BUILD_SECS=$(secs "$t")
BUILD_KIND=cold
grep -q 'already built, skipping' "$work/referee-build.log" && BUILD_KIND=cached
echo "referee build took ${BUILD_SECS}s ($BUILD_KIND)"

t=$(date +%s.%N)
if referee status >/dev/null 2>&1; then
	echo "referee already running in $REFEREE_HOME: using it and leaving it running"
else
	if ! referee start >"$work/referee-start.log" 2>&1; then
		tail -n 40 "$work/referee-start.log" >&2
		echo "e2e: referee start failed" >&2
		exit 2
	fi
	STARTED=1
fi
START_SECS=$(secs "$t")
echo "referee ready in ${START_SECS}s"

# ---------------------------------------------------------------------------
section "acceptance and drift: render on both targets with the flags of examples/flags.txt, kubectl apply --dry-run=server"
files=()
while IFS= read -r f; do files+=("$f"); done < <(
	ls examples/*.yaml examples/*.yml 2>/dev/null
	find "$CONFORMANCE" -type f \( -name '*.yaml' -o -name '*.yml' \) | LC_ALL=C sort
)
# One case per file and target: inputs[i] is the file, targets[i] the target.
inputs=() targets=()
for f in "${files[@]}"; do
	for tg in cnpg tembo; do inputs+=("$f"); targets+=("$tg"); done
done
# label FILE TARGET: the file as examples/flags.txt names it, and the target
flabel() {
	local l="${1#"$CONFORMANCE"/}"
	[[ "$l" == "$1" ]] || l="conformance/$l"
	printf '%s' "$l"
}
REFUSED=0
FILES=0 FILES_OK=0 OBJECTS=0 ACCEPTED=0 NOTJUDGED=0 DRIFT_OBJECTS=0 DRIFT_FIELDS=0
# Rejections that say the referee lacks something a real cluster may have,
# not that our output is wrong (ERE, matched against every error line).
REFEREE_LIMITS='missing VolumeSnapshot CRD'
# The Barman Cloud plugin's ObjectStore CRD (coredb renders ObjectStores for
# backup.method plugin): installed into a referee this run started, from the
# plugin's Go module, so those objects are judged against the real schema.
# (A referee shared with others is left as it is.)
if [[ "$STARTED" == 1 ]]; then
	bdir="$(cd "$work" && GOFLAGS= "$GO" mod download -json "github.com/cloudnative-pg/plugin-barman-cloud@$BARMAN_PLUGIN_VERSION" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" || true
	if [[ -d "$bdir/config/crd/bases" ]] &&
		k apply --server-side --field-manager=coredb-e2e -f "$bdir/config/crd/bases" >"$work/barman-crd.log" 2>&1 &&
		k wait --for=condition=Established --timeout=60s crd/objectstores.barmancloud.cnpg.io >>"$work/barman-crd.log" 2>&1; then
		echo "installed the ObjectStore CRD of plugin-barman-cloud $BARMAN_PLUGIN_VERSION"
	else
		echo "could not install the ObjectStore CRD of plugin-barman-cloud $BARMAN_PLUGIN_VERSION; ObjectStores are not judged"
		cat "$work/barman-crd.log" 2>/dev/null | indent
	fi
fi
# apiVersion and kind of everything the server serves
k api-resources --no-headers 2>/dev/null | awk '{print $(NF-2), $NF}' >"$work/served.txt"
[[ -s "$work/served.txt" ]] || { echo "e2e: kubectl api-resources returned nothing" >&2; exit 2; }
: >"$work/drift.tsv"
: >"$work/warnings.txt"
# judge DIR FILE: render FILE and dry-run it; everything goes to files in DIR.
# Files are judged in parallel (the time is the API server's round trips);
# the results are read and reported in input order below.
judge() {
	local d="$1" f="$2" objns one rc=0 flags=()
	mkdir -p "$d"
	if ! tool flags -table examples/flags.txt "$(flabel "$f")" "$4" >"$d/flags" 2>"$d/render.err"; then
		echo flags >"$d/render.rc"
		return 0
	fi
	while IFS= read -r one; do flags+=("$one"); done <"$d/flags"
	if [[ "${flags[0]}" == '!' ]]; then
		# refused on this target even with its flags: the render must say so
		coredb render "${flags[@]:1}" "$f" >"$d/render.yaml" 2>"$d/render.err" || rc=$?
		echo "refused $rc" >"$d/render.rc"
		return 0
	fi
	coredb render "${flags[@]}" "$f" >"$d/render.yaml" 2>"$d/render.err" || rc=$?
	echo "$rc" >"$d/render.rc"
	((rc == 0)) || return 0
	# Kinds whose CRD the referee does not install cannot be judged; kubectl
	# would refuse the whole file for them, so they are set aside and named.
	local judged="$d/render.yaml"
	tool split -served "$work/served.txt" -out "$d/served.yaml" "$d/render.yaml" >"$d/unserved"
	[[ ! -s "$d/unserved" ]] || judged="$d/served.yaml"
	echo "$judged" >"$d/judged"
	# referee.sh creates missing namespaces only for one-object files (its
	# jsonpath reads .metadata.namespace of the List kubectl prints for more)
	for objns in $(tool objects "$judged" | cut -f2 | sort -u); do
		k get namespace "$objns" >/dev/null 2>&1 || k create namespace "$objns" >/dev/null 2>&1 || true
	done
	rc=0
	referee check -o json "$judged" >"$d/server.json" 2>"$d/check.err" || rc=$?
	grep -i '^warning:' "$d/check.err" >"$d/warnings" || true
	nolog <"$d/check.err" | grep -iv '^warning:' >"$d/errors.txt" || true
	if ((rc != 0)); then
		# kubectl prints no objects when one fails: judge them one by one
		: >"$d/server.json"
		: >"$d/errors.txt"
		while IFS= read -r one; do
			if referee check -o json "$one" >"$one.json" 2>"$one.err"; then
				cat "$one.json" >>"$d/server.json"
			else
				nolog <"$one.err" | grep -iv '^warning:' >>"$d/errors.txt" || true
			fi
		done < <(tool explode -out "$d/each" "$judged")
	fi
	# drift: every rendered object against the server's copy of it
	tool drift -label "$3" "$judged" "$d/server.json" >"$d/drift.tsv" || true
}
PAR="${COREDB_E2E_JOBS:-8}"
running=0
for ((c = 0; c < ${#inputs[@]}; c++)); do
	f="${inputs[c]}"
	FILES=$((FILES + 1))
	label="$(flabel "$f") (${targets[c]})"
	judge "$work/accept/$FILES" "$f" "$label" "${targets[c]}" &
	if ((++running >= PAR)); then wait -n || true; running=$((running - 1)); fi
done
wait
i=0
for f in "${inputs[@]}"; do
	i=$((i + 1))
	d="$work/accept/$i"
	label="$(flabel "$f") (${targets[i - 1]})"
	rrc="$(cat "$d/render.rc" 2>/dev/null)"
	case "$rrc" in
	0) ;;
	"refused 1")
		REFUSED=$((REFUSED + 1)); pass
		[[ "${COREDB_E2E_VERBOSE:-0}" != 1 ]] || printf 'ok    %-60s refused, as examples/flags.txt says\n' "$label"
		continue ;;
	"refused 0")
		fail "$label: examples/flags.txt says the target refuses it (!), but coredb render succeeded"
		continue ;;
	refused*)
		fail "$label: want a refusal (exit 1), coredb render exited ${rrc#refused }"
		indent <"$d/render.err"
		continue ;;
	flags)
		fail "$label: cannot read its flags from examples/flags.txt"
		indent <"$d/render.err"
		continue ;;
	*)
		fail "$label: coredb render $(tr '\n' ' ' <"$d/flags")failed"
		indent <"$d/render.err"
		continue ;;
	esac
	n=$(tool objects "$d/render.yaml" | wc -l)
	OBJECTS=$((OBJECTS + n))
	if ((n == 0)); then
		fail "$label: rendered no objects"
		continue
	fi
	notjudged=0
	while read -r av kd nm; do
		notjudged=$((notjudged + 1))
		skip "$label: $kd $nm not judged: the referee has no CRD for $av $kd"
	done <"$d/unserved"
	sed "s|^|$label: |" "$d/warnings" >>"$work/warnings.txt"
	got=0
	[[ -s "$d/server.json" ]] && got=$(tool objects "$d/server.json" | wc -l)
	ACCEPTED=$((ACCEPTED + got))
	rejected=$((n - notjudged - got))
	if ((rejected != 0)) && [[ -s "$d/errors.txt" ]] && ! grep -qvE "$REFEREE_LIMITS" "$d/errors.txt"; then
		# every rejection is one the referee causes by what it lacks
		notjudged=$((notjudged + rejected))
		skip "$label: $rejected object(s) not judged: $(head -n 1 "$d/errors.txt")"
	elif ((rejected != 0)); then
		fail "$label: $rejected of $((n - notjudged)) objects rejected by the API server"
		indent <"$d/errors.txt"
		continue
	fi
	FILES_OK=$((FILES_OK + 1))
	pass
	# drift: one check per object the server returned
	cat "$d/drift.tsv" >>"$work/drift.tsv"
	while IFS=$'\t' read -r _ _ ref; do
		if awk -F'\t' -v r="$ref" '$1 == "DRIFT" && $3 == r {found = 1} END {exit !found}' "$d/drift.tsv"; then
			DRIFT_OBJECTS=$((DRIFT_OBJECTS + 1))
			fail "$label: $ref: the server changes fields we set (drift a GitOps tool shows forever)"
			awk -F'\t' -v r="$ref" '$1=="DRIFT" && $3==r {printf "%s: we emit %s, the server has %s\n", $4, $5, $6}' "$d/drift.tsv" | indent
		elif ! awk -F'\t' -v r="$ref" '$1 == "MISSING" && $3 == r {found = 1} END {exit !found}' "$d/drift.tsv"; then
			pass # a MISSING object was not judged, see above
		fi
	done < <(grep '^OBJECT' "$d/drift.tsv")
	NOTJUDGED=$((NOTJUDGED + notjudged))
	((notjudged == 0)) || n="$((n - notjudged)) of $n"
	[[ "${COREDB_E2E_VERBOSE:-0}" != 1 ]] || printf 'ok    %-60s %s object(s) accepted\n' "$label" "$n"
done
((FILES_OK == 0)) || echo "ok    $FILES_OK of $FILES renders (${#files[@]} files x 2 targets): every object accepted ($ACCEPTED objects; COREDB_E2E_VERBOSE=1 lists them)"
((REFUSED == 0)) || echo "ok    $REFUSED render(s) refused, as examples/flags.txt marks them (!)"
DRIFT_FIELDS=$(grep -c '^DRIFT' "$work/drift.tsv" || true)

# The Argo CD ignoreDifferences snippet of docs/e2e.md, applied to every
# object the dry-run returned, must remove what CNPG adds and nothing coredb
# writes. Left out on purpose: CNPG defaults that coredb writes in some specs.
IGNORE_LEFT_OUT=".spec.enableSuperuserAccess,.spec.monitoring.customQueriesConfigMap"
IGNORE_LEFT_OUT+=",.spec.replicationSlots.highAvailability.enabled"
IGNORE_LEFT_OUT+=",.spec.postgresql.parameters.max_parallel_workers,.spec.postgresql.parameters.max_worker_processes"
IGNORE_LEFT_OUT+=",.spec.postgresql.parameters.wal_level,.spec.enablePDB,.spec.backup.volumeSnapshot.snapshotOwnerReference"
: >"$work/pairs.tsv"
i=0
for f in "${inputs[@]}"; do
	i=$((i + 1))
	d="$work/accept/$i"
	[[ -s "$d/judged" && -s "$d/server.json" ]] && printf '%s\t%s\t%s\n' "$f" "$(cat "$d/judged")" "$d/server.json" >>"$work/pairs.tsv"
done
if tool ignorecheck -doc docs/e2e.md -allow "$IGNORE_LEFT_OUT" "$work/pairs.tsv" >"$work/ignorecheck.out" 2>&1; then
	pass; echo "ok    $(head -n 1 "$work/ignorecheck.out"): removes what CNPG adds, nothing coredb writes"
else
	fail "the ignoreDifferences snippet of docs/e2e.md is wrong"
	indent <"$work/ignorecheck.out"
fi
if [[ -s "$work/warnings.txt" ]]; then
	echo "warnings from the API server or webhooks (not failures):"
	# one line per distinct warning, with the files that got it
	awk '{i = index($0, ": "); f = substr($0, 1, i - 1); w = substr($0, i + 2)
		if (!cnt[w]) order[++n] = w; files[w] = (cnt[w] ? files[w] ", " : "") f; cnt[w]++}
		END {for (j = 1; j <= n; j++) printf "%s\n  (%d file(s): %s)\n", order[j], cnt[order[j]], files[order[j]]}' \
		"$work/warnings.txt" | indent
fi

# ---------------------------------------------------------------------------
section "real apply: $APPLY_BASE, then $APPLY_CHANGED (target $APPLY_TARGET)"
ns="coredb-e2e-$(date +%s)-$$"
other="$ns-other"
CANI=0 CANI_OK=0
a="$work/apply"
mkdir -p "$a"
apply_ok=1
# Both renders use the base file's flags on APPLY_TARGET (examples/flags.txt):
# the changed spec is the same database edited. Target tembo by default: its
# render has the Trunk install Job with its ServiceAccount and Role, so the
# can-i checks have RBAC to judge; renders of target cnpg are run for real
# by the runtime stage below.
apply_flags=()
while IFS= read -r one; do apply_flags+=("$one"); done < <(tool flags -table examples/flags.txt "$APPLY_BASE" "$APPLY_TARGET")
if [[ "${apply_flags[0]:-}" == '!' ]]; then
	fail "$APPLY_BASE: examples/flags.txt says target $APPLY_TARGET refuses it; set COREDB_E2E_APPLY to a file that renders"; apply_ok=0
elif ! coredb render "${apply_flags[@]}" -n "$ns" "$APPLY_BASE" >"$a/r1.yaml" 2>"$a/r1.err"; then
	fail "render ${apply_flags[*]} -n $ns $APPLY_BASE failed"; indent <"$a/r1.err"; apply_ok=0
elif ! coredb render "${apply_flags[@]}" -n "$ns" "$APPLY_CHANGED" >"$a/r2.yaml" 2>"$a/r2.err"; then
	fail "render ${apply_flags[*]} -n $ns $APPLY_CHANGED failed"; indent <"$a/r2.err"; apply_ok=0
fi
if ((apply_ok)); then
	tool objects "$a/r1.yaml" >"$a/r1.objects"
	tool objects "$a/r2.yaml" >"$a/r2.objects"
	kinds=$(cut -f1 "$a/r1.objects" | sort -u | tr '\n' ' ')
	echo "render: $(wc -l <"$a/r1.objects") objects, kinds: $kinds"
	missing=""
	for want in ServiceAccount Role RoleBinding ConfigMap Cluster Job; do
		grep -q "^$want	" "$a/r1.objects" || missing+="$want "
	done
	[[ -z "$missing" ]] || skip "$APPLY_BASE renders no ${missing% } yet: their real-apply checks do not run"
	# every object must land in the fresh namespace
	if awk -F'\t' -v ns="$ns" '$2 != ns {bad=1} END {exit !bad}' "$a/r1.objects" "$a/r2.objects"; then
		fail "objects of $APPLY_BASE / $APPLY_CHANGED are not all in namespace $ns (does the input set metadata.namespace?)"
		apply_ok=0
	fi
fi
if ((apply_ok)); then
	if ! k create namespace "$ns" >"$a/ns.out" 2>&1 || ! k create namespace "$other" >>"$a/ns.out" 2>&1; then
		echo "e2e: cannot create namespaces $ns, $other:" >&2; cat "$a/ns.out" >&2; exit 2
	fi
	k create serviceaccount default -n "$ns" >/dev/null 2>&1 || true # no controller-manager here

	# apply #1: everything is created
	rc=0
	k apply -f "$a/r1.yaml" >"$a/apply1.out" 2>"$a/apply1.err" || rc=$?
	if ((rc != 0)); then
		fail "kubectl apply of $APPLY_BASE failed"; cat "$a/apply1.out" "$a/apply1.err" | clip
	elif grep -qv ' created$' "$a/apply1.out"; then
		fail "kubectl apply of $APPLY_BASE into a fresh namespace did not just create objects"; indent <"$a/apply1.out"
	else
		pass; echo "ok    apply: $(wc -l <"$a/apply1.out") objects created in $ns"
	fi

	# can-i: the Jobs' service accounts get exactly what their scripts need
	tool canplan -other "$other" "$a/r1.yaml" >"$a/canplan.tsv"
	if ! grep -q "^Job	" "$a/r1.objects"; then
		skip "can-i: $APPLY_BASE renders no Jobs yet (compile/jobs.go), so there are no Job service accounts to check"
	else
		while IFS=$'\t' read -r want sans sa verb target sub where why; do
			CANI=$((CANI + 1))
			args=(auth can-i "$verb" "$target" "--as=system:serviceaccount:$sans:$sa"
				--as-group=system:serviceaccounts "--as-group=system:serviceaccounts:$sans" --as-group=system:authenticated)
			[[ "$sub" == - ]] || args+=("--subresource=$sub")
			if [[ "$where" == "*" ]]; then args+=(--all-namespaces); else args+=(-n "$where"); fi
			got=$(k "${args[@]}" 2>/dev/null || true)
			got="${got%%$'\n'*}"
			desc="can-i $sa: $verb $target"
			[[ "$sub" == - ]] || desc+="/$sub"
			if [[ "$where" == "*" ]]; then desc+=" (all namespaces)"; elif [[ "$where" != "$sans" ]]; then desc+=" (namespace $where)"; fi
			if [[ "$got" == "$want" ]]; then
				CANI_OK=$((CANI_OK + 1)); pass
			else
				fail "$desc: want $want ($why), got ${got:-an error}"
			fi
		done <"$a/canplan.tsv"
		((CANI_OK != CANI)) || printf 'ok    '
		echo "can-i: $CANI_OK of $CANI checks as expected for service accounts $(cut -f3 "$a/canplan.tsv" | sort -u | paste -sd, - | sed 's/,/, /g')"
	fi

	# apply #2 of the same render: nothing is rejected, nothing changes
	snapshot() { # KIND/NAME GENERATION-or-RESOURCEVERSION: generation where the object has one
		k get -f "$1" -o jsonpath='{range .items[*]}{.kind}/{.metadata.name} {.metadata.generation} {.metadata.resourceVersion}{"\n"}{end}' 2>&1 |
			awk '{print $1, (NF == 3 ? "g" $2 : "rv" $2)}'
	}
	snapshot "$a/r1.yaml" >"$a/state1"
	rc=0
	k apply -f "$a/r1.yaml" >"$a/apply2.out" 2>"$a/apply2.err" || rc=$?
	snapshot "$a/r1.yaml" >"$a/state2"
	if ((rc != 0)); then
		fail "re-applying the same render was rejected"; cat "$a/apply2.out" "$a/apply2.err" | clip
	elif grep -qv ' unchanged$' "$a/apply2.out"; then
		fail "re-applying the same render changed objects (must all be unchanged)"; grep -v ' unchanged$' "$a/apply2.out" | indent
	elif ! diff -u "$a/state1" "$a/state2" >"$a/state.diff"; then
		fail "re-applying the same render bumped generation/resourceVersion"; indent <"$a/state.diff"
	else
		pass; echo "ok    re-apply: all $(wc -l <"$a/apply2.out") objects unchanged (generation/resourceVersion too)"
	fi
	rc=0
	k diff -f "$a/r1.yaml" >"$a/diff.out" 2>&1 || rc=$?
	if ((rc == 0)); then
		pass; echo "ok    kubectl diff of the same render: no differences"
	else
		fail "kubectl diff of the applied render shows differences (exit $rc)"; clip <"$a/diff.out"
	fi

	# the changed spec: Job names follow Job contents, and it applies cleanly
	if grep -q "^Job	" "$a/r1.objects" "$a/r2.objects"; then
		if tool jobs "$a/r1.yaml" "$a/r2.yaml" >"$a/jobs.out"; then
			pass; echo "ok    Job names between the two renders:"; sed "s|$ns/||g" "$a/jobs.out" | indent
		else
			fail "Job names between the two renders do not follow their contents"; sed "s|$ns/||g" "$a/jobs.out" | indent
		fi
	else
		skip "Job names: neither render has Jobs yet (compile/jobs.go)"
	fi
	rc=0
	k apply -f "$a/r2.yaml" >"$a/apply3.out" 2>"$a/apply3.err" || rc=$?
	if ((rc != 0)); then
		fail "applying the changed spec failed"; cat "$a/apply3.out" "$a/apply3.err" | clip
	else
		pass; echo "ok    apply of the changed spec: $(awk '{print $NF}' "$a/apply3.out" | sort | uniq -c | awk '{printf "%s%d %s", sep, $1, $2; sep=", "}')"
		want=$(awk '/^kind: Cluster$/{c=1} c && /^  instances:/{print $2; exit}' "$a/r2.yaml")
		cl=$(awk -F'\t' '$1=="Cluster"{print $3; exit}' "$a/r2.objects")
		if [[ -n "$cl" ]]; then
			got=$(k get cluster "$cl" -n "$ns" -o jsonpath='{.spec.instances}' 2>&1)
			if [[ "$got" == "$want" ]]; then pass; echo "ok    live Cluster $cl has instances=$got"
			else fail "live Cluster $cl has instances=$got after applying the changed spec, want $want"; fi
		fi
		rc=0
		k apply -f "$a/r2.yaml" >"$a/apply4.out" 2>"$a/apply4.err" || rc=$?
		if ((rc == 0)) && ! grep -qv ' unchanged$' "$a/apply4.out"; then
			pass; echo "ok    re-apply of the changed spec: all unchanged"
		else
			fail "re-applying the changed spec was rejected or changed objects"; cat "$a/apply4.out" "$a/apply4.err" | clip
		fi
	fi
	if [[ "$STARTED" != 1 ]]; then # a shared referee: do not leave our objects behind
		k delete -f "$a/r1.yaml" -f "$a/r2.yaml" --ignore-not-found --wait=false >/dev/null 2>&1 || true
		k delete namespace "$ns" "$other" --wait=false >/dev/null 2>&1 || true
	fi
fi

# ---------------------------------------------------------------------------
section "day two: e2e/testdata/daytwo applied in order"
# The day-two sequence (docs/gitops.md, "Day two"; TestDayTwo diffs its
# renders, TestPGDayTwo runs its SQL): each step's render applied over the
# previous one with kubectl, as Argo CD would. No step may be rejected (an
# immutable field, a webhook rule on update such as a major downgrade), and
# re-applying a step changes nothing. The runtime stage below runs the
# steps that keep the instance running against a live Postgres.
DT_APPLIED=0 DT_STEPS=0
dta="$work/daytwo-apply"
mkdir -p "$dta"
k delete namespace daytwo --wait=true --timeout=60s >/dev/null 2>&1 || true
k create namespace daytwo >/dev/null 2>&1 || true
for f in e2e/testdata/daytwo/*.yaml; do
	step="$(basename "$f" .yaml)"
	DT_STEPS=$((DT_STEPS + 1))
	if ! coredb render "$f" >"$dta/$step.yaml" 2>"$dta/$step.err"; then
		fail "day two $step: coredb render failed"; indent <"$dta/$step.err"; break
	fi
	if ! k apply -f "$dta/$step.yaml" >"$dta/$step.out" 2>&1; then
		fail "day two $step: kubectl apply over the previous step was rejected"; clip <"$dta/$step.out"; break
	fi
	if ! k apply -f "$dta/$step.yaml" >"$dta/$step.again" 2>&1 || grep -qv ' unchanged$' "$dta/$step.again"; then
		fail "day two $step: re-applying it was rejected or changed objects"; clip <"$dta/$step.again"; break
	fi
	DT_APPLIED=$((DT_APPLIED + 1)); pass
	echo "ok    day two $step: $(awk '{print $NF}' "$dta/$step.out" | sort | uniq -c | awk '{printf "%s%d %s", sep, $1, $2; sep=", "}'); re-apply unchanged"
done
[[ "$STARTED" == 1 ]] || k delete namespace daytwo --wait=false >/dev/null 2>&1 || true

# ---------------------------------------------------------------------------
section "PostgreSQL proof (e2e/pg/pgtest.sh)"
SQL_PASS=0 SQL_FAIL=0 SQL_SKIP=0 SQL_STATE=skipped
pg_config="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
if [[ "$PG_MODE" == 0 ]]; then
	skip "PostgreSQL proof: COREDB_E2E_PG=0"
elif [[ ! -f e2e/pg/pgtest.sh ]]; then
	skip "PostgreSQL proof: e2e/pg/pgtest.sh is not there yet"
elif [[ ! -x "$pg_config" ]]; then
	if [[ "$PG_MODE" == 1 ]]; then
		fail "PostgreSQL proof: $pg_config not found (run scripts/install-postgres.sh as root)"
	else
		skip "PostgreSQL proof: PostgreSQL 15 is not installed (scripts/install-postgres.sh; COREDB_E2E_PG=1 makes this a failure)"
	fi
else
	t=$(date +%s.%N)
	rc=0
	timeout "${COREDB_E2E_PG_TIMEOUT:-900}" bash e2e/pg/pgtest.sh >"$work/pg.log" 2>&1 9>&- || rc=$?
	SQL_PASS=$(grep -cE '^\s*--- PASS' "$work/pg.log" || true)
	SQL_FAIL=$(grep -cE '^\s*--- FAIL' "$work/pg.log" || true)
	SQL_SKIP=$(grep -cE '^\s*--- SKIP' "$work/pg.log" || true)
	PASSED=$((PASSED + SQL_PASS))
	FAILED=$((FAILED + SQL_FAIL))
	SQL_STATE=ran
	if ((SQL_FAIL > 0)); then
		FAILURES+=("PostgreSQL proof: $SQL_FAIL case(s) failed")
		grep -E '^\s*--- FAIL' "$work/pg.log" | sed 's/^/FAIL  /'
		echo "log of the failing run:"; grep -vE '^\s*(=== RUN|=== PAUSE|=== CONT|--- PASS)' "$work/pg.log" | tail -n 80 | indent
	elif ((rc != 0)); then
		((rc != 124)) || rc="$rc (timed out after ${COREDB_E2E_PG_TIMEOUT:-900}s; COREDB_E2E_PG_TIMEOUT)"
		fail "PostgreSQL proof: e2e/pg/pgtest.sh exited $rc"
		tail -n 40 "$work/pg.log" | indent
	fi
	((SQL_SKIP == 0)) || grep -E '^\s*--- SKIP' "$work/pg.log" | sed 's/^ *//; s/^/skip  /'
	((rc != 0)) || printf 'ok    '
	echo "$SQL_PASS SQL case(s) passed, $SQL_FAIL failed, $SQL_SKIP skipped in $(secs "$t")s"
fi

# ---------------------------------------------------------------------------
# The GitOps tools (section below) run in the background, alongside the
# runtime stage, which mostly waits for Postgres and the operator; their
# results are reported after it.
# The ways users apply coredb's output, run for real (docs/gitops.md):
# kubeconform -strict against schemas from the Kubernetes OpenAPI and the CNPG
# CRDs, kustomize running `coredb krm` as an exec function, and
# yaml-language-server checking `coredb schema`. Each script is one case.
GITOPS_PID=""
if [[ "${COREDB_E2E_GITOPS:-1}" != 0 ]]; then
	(
		for script in kubeconform kustomize schema; do
			if [[ "$script" == schema ]] && ! command -v npm >/dev/null; then
				echo "$script nonpm 0" >>"$work/gitops.results"
				continue
			fi
			t=$(date +%s.%N)
			rc=0
			KUBECONFORM_VERSION="${KUBECONFORM_VERSION:-v0.8.0}" bash "e2e/gitops/$script.sh" >"$work/gitops-$script.log" 2>&1 9>&- || rc=$?
			echo "$script $rc $(secs "$t")" >>"$work/gitops.results"
		done
	) </dev/null 9>&- &
	GITOPS_PID=$!
fi

# ---------------------------------------------------------------------------
section "runtime: every Cluster that can run here, run by CloudNativePG's instance manager"
# For each render of target cnpg that was accepted above, e2etool runplan
# says whether it can run here (Postgres 15 from Debian stands in for the
# image; every preload library and extension must be installed here; initdb
# bootstrap; no image volumes, plugins or object storage) and what to check.
# Each runnable one gets a fresh referee (`referee.sh restart`; one instance
# per referee) and `referee.sh instance`, which runs its initdb Job and first
# instance with CNPG's own instance manager until the Cluster is Ready. Then:
#   - every rendered setting reads back with SHOW as rendered;
#   - the extension step runs as the output runs it: the extension Job's SQL
#     through psql, Database objects reconciled by the instance manager;
#     pg_extension is then exactly as declared, in every database; the
#     database owner has USAGE on each extension's schema and can execute
#     its functions; a second run of the SQL changes nothing.
# Renders whose Cluster, settings and extension step are identical to one
# that ran (names aside) are not run again; they are listed with it.
# First, a known-bad render (e2e/testdata/runtime/known-bad-seed.yaml, the
# seed's output before render targets) must fail with Postgres' own error.
RT_RAN=0 RT_FAILED=0 RT_NOT=0 RT_SAME=0 RT_NOTES=()
RT_LIVE=0 # an instance runs in the referee: the next one needs a fresh referee
rt_restart() {
	if ((RT_LIVE == 0)) && referee status >/dev/null 2>&1; then
		echo "referee running, no instance in it: no restart" >"$1"
		return 0
	fi
	RT_LIVE=0
	referee restart >"$1" 2>&1 && STARTED=1
}
# rt_start LABEL DIR PLAN: a fresh referee (unless none has run an instance
# yet) running the plan's Cluster with CNPG's instance manager until it is
# Ready. On failure it reports why (the restart's log, or the last lines of
# the instance's and Postgres' own errors) and returns 1. Both the main
# runtime loop and day two start their instances with it.
rt_start() {
	local label=$1 d=$2 plan=$3
	if ! rt_restart "$d/restart.log"; then
		fail "runtime: $label: referee restart failed"; tail -n 20 "$d/restart.log" | indent; return 1
	fi
	RT_LIVE=1 # even a failed start may leave a process behind
	if ! referee instance "$(awk -F'\t' '$1 == "RENDER" {print $2}' "$plan")" >"$d/instance.log" 2>&1; then
		fail "runtime: $label: the Cluster did not become Ready"
		{ nolog <"$d/instance.log" | tail -n 5; rt_postgres_error; } 2>/dev/null | indent
		return 1
	fi
}
rt_postgres_error() { # Postgres' own errors, from the instance manager's logs
	tool pglog "$REFEREE_HOME"/run/logs/instance-*.log | head -n 5
}
# rt_conninfo DB: a libpq connection string for database DB, any characters
# (psql -d NAME would parse a name containing "=" as a connection string)
rt_conninfo() {
	local v="${1//\\/\\\\}"
	printf "dbname='%s'" "${v//\'/\\\'}"
}
pg_config="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
if [[ "${COREDB_E2E_RUNTIME:-1}" == 0 ]]; then
	skip "runtime: COREDB_E2E_RUNTIME=0"
elif [[ ! -x "$pg_config" ]]; then
	if [[ "$PG_MODE" == 1 ]]; then
		fail "runtime: $pg_config not found (run scripts/install-postgres.sh as root)"
	else
		skip "runtime: PostgreSQL 15 is not installed (scripts/install-postgres.sh)"
	fi
else
	rt="$work/runtime"
	mkdir -p "$rt"
	extdir="$("$pg_config" --sharedir)/extension"
	libdir="$("$pg_config" --pkglibdir)"
	export REFEREE_INSTANCE_TIMEOUT="${COREDB_E2E_INSTANCE_TIMEOUT:-150}"

	# rt_state DIR PLAN FILE: the extension state of every database the plan names
	rt_state() {
		: >"$3"
		local db
		while IFS= read -r db; do
			referee psql -XAtq -F $'\t' -d "$(rt_conninfo "$db")" -f - <"$1/state.sql" >>"$3" 2>>"$3.err" || echo "ERROR	$db" >>"$3"
		done < <(awk -F'\t' '$1 == "EXPECT" {print $2}' "$2" | sort -u)
	}
	# rt_check LABEL DIR PLAN [PREV]: the checks on the running instance
	# (settings, extension step twice, pg_extension as declared); reports
	# each failure and returns 1 if any. PREV: the state before this step.
	rt_check() {
		local label="$1" d="$2" plan="$3" prev="${4:-}" ok=1 t1 run db sqlf dns dname applied gen obs
		# settings; polled, since a changed Cluster reaches Postgres by a
		# reload or an in-place restart that the operator drives
		tool showsql "$plan" >"$d/show.sql"
		t1=$(date +%s)
		until referee psql -XAtq -F $'\t' -d postgres -f - <"$d/show.sql" >"$d/shown" 2>"$d/show.err" &&
			tool showcheck "$plan" "$d/shown" >"$d/showcheck.out"; do
			if (($(date +%s) - t1 >= 90)); then
				ok=0; fail "runtime: $label: settings differ from the render (90 s after it was applied)"
				cat "$d/showcheck.out" "$d/show.err" 2>/dev/null | nolog | indent
				break
			fi
			sleep 3
		done
		# the extension step, twice; the state after each
		tool statesql >"$d/state.sql"
		for run in 1 2; do
			# Database objects first: they may create a database the SQL runs in
			while IFS=$'\t' read -r _ dns dname db; do
				# applied for this generation, not a previous one
				applied="" t1=$(date +%s)
				while (($(date +%s) - t1 < 90)); do
					read -r applied gen obs < <(k get databases.postgresql.cnpg.io -n "$dns" "$dname" \
						-o jsonpath='{.status.applied} {.metadata.generation} {.status.observedGeneration}' 2>/dev/null; echo)
					[[ "$applied" == true && "$gen" == "$obs" ]] && break
					sleep 2
				done
				if [[ "$applied" != true || "$gen" != "$obs" ]]; then
					ok=0; fail "runtime: $label: Database $dname (database $db) not applied by the instance manager: $(k get databases.postgresql.cnpg.io -n "$dns" "$dname" -o jsonpath='{.status.message}' 2>&1)"
				fi
			done < <(grep '^DATABASE' "$plan")
			while IFS=$'\t' read -r _ db sqlf; do
				if ! referee psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$(rt_conninfo "$db")" -f - <"$sqlf" >"$d/sql$run.out" 2>&1; then
					ok=0; fail "runtime: $label: run $run of the extension SQL for database $db failed"; nolog <"$d/sql$run.out" | tail -n 8 | indent
				fi
			done < <(grep '^SQL' "$plan")
			rt_state "$d" "$plan" "$d/state$run"
		done
		if ! tool extcheck ${prev:+-prev "$prev"} "$plan" "$d/state1" >"$d/extcheck.out"; then
			ok=0; fail "runtime: $label: pg_extension is not as declared"; indent <"$d/extcheck.out"
		elif ! diff -u "$d/state1" "$d/state2" >"$d/state.diff"; then
			ok=0; fail "runtime: $label: a second run of the extension step changed the state"; indent <"$d/state.diff"
		fi
		((ok))
	}

	# the known-bad render
	t=$(date +%s.%N)
	if ! rt_restart "$rt/restart-bad.log"; then
		fail "runtime: referee restart failed"; tail -n 20 "$rt/restart-bad.log" | indent
	elif referee instance e2e/testdata/runtime/known-bad-seed.yaml >"$rt/bad.log" 2>&1; then
		fail "runtime: the known-bad render e2e/testdata/runtime/known-bad-seed.yaml became Ready; the stage cannot tell a broken Cluster"
	elif why="$(rt_postgres_error)" && grep -q 'could not access file "pg_later"' <<<"$why"; then
		pass; echo "ok    known-bad render fails as in production: $(grep -m1 'could not access file' <<<"$why") ($(secs "$t")s)"
	else
		fail "runtime: the known-bad render failed, but not with Postgres' missing-library error"
		{ tail -n 5 "$rt/bad.log"; echo "$why"; } | indent
	fi

	# plan every accepted cnpg render
	declare -A RT_KEY_OF=() RT_WHY=()
	queue=()
	i=0
	for f in "${inputs[@]}"; do
		i=$((i + 1))
		[[ "${targets[i - 1]}" == cnpg && "$(cat "$work/accept/$i/render.rc" 2>/dev/null)" == 0 ]] || continue
		label="$(flabel "$f")"
		d="$rt/$i"
		mkdir -p "$d"
		if ! tool runplan -major 15 -extdir "$extdir" -libdir "$libdir" -out "$d/sql" "$work/accept/$i/render.yaml" >"$d/plan" 2>"$d/plan.err"; then
			fail "runtime: $label: e2etool runplan failed"; indent <"$d/plan.err"; continue
		fi
		if grep -q '^SKIP' "$d/plan"; then
			RT_NOT=$((RT_NOT + 1))
			while IFS= read -r why; do # counted by kind, for the summary line
				case "$why" in
				"Postgres major"*) why="Postgres major not 15" ;;
				"preload library"*) why="preload library not installed here" ;;
				extension*) why="extension not installed here" ;;
				*) why="${why%% (*}" ;;
				esac
				RT_WHY["$why"]=$((${RT_WHY["$why"]:-0} + 1))
			done < <(grep '^SKIP' "$d/plan" | cut -f2)
			RT_NOTES+=("$label: not runnable here: $(grep '^SKIP' "$d/plan" | cut -f2 | paste -sd';' - | sed 's/;/; /g')")
			continue
		fi
		key="$(awk -F'\t' '$1 == "KEY" {print $2}' "$d/plan")"
		if [[ -n "${RT_KEY_OF[$key]:-}" ]]; then
			RT_SAME=$((RT_SAME + 1))
			RT_NOTES+=("$label: same Cluster settings and extension step as ${RT_KEY_OF[$key]} (names aside); covered by its run")
			continue
		fi
		RT_KEY_OF[$key]="$label"
		queue+=("$i")
	done
	echo "runtime plan: ${#queue[@]} distinct Cluster(s) to run, $RT_SAME identical to one of them, $RT_NOT not runnable here"

	for i in "${queue[@]}"; do
		f="${inputs[i - 1]}"
		label="$(flabel "$f")"
		d="$rt/$i"
		plan="$d/plan"
		t=$(date +%s.%N)
		if ! rt_start "$label" "$d" "$plan"; then
			RT_FAILED=$((RT_FAILED + 1)); continue
		fi
		ok=1
		rt_check "$label" "$d" "$plan" || ok=0
		if ((ok)); then
			RT_RAN=$((RT_RAN + 1)); pass
			echo "ok    $label: Ready in $(secs "$t")s; $(tail -n 1 "$d/showcheck.out"); $(tail -n 1 "$d/extcheck.out"); second run unchanged"
		else
			RT_FAILED=$((RT_FAILED + 1))
		fi
	done
	# Day two on one running instance: the sequence of e2e/testdata/daytwo
	# (TestDayTwo and TestPGDayTwo check its renders and SQL), each step's
	# render applied with kubectl to the same Cluster, its extension step run,
	# the state checked; an entry removed from the spec may leave its
	# extension installed (nothing is dropped by removing an entry). Steps
	# that recreate or add pods need a kubelet, which the referee has not.
	DT_OK=0 DT_N=0 dt="$rt/daytwo"
	mkdir -p "$dt"
	prev=""
	for f in e2e/testdata/daytwo/*.yaml; do
		step="$(basename "$f" .yaml)"
		case "$step" in
		06-* | 07-* | 08-* | 09-*)
			RT_NOTES+=("day two $step: not runnable here: scale-out, hibernation and major upgrade create or delete pods, and no kubelet runs them (TestDayTwo and TestPGDayTwo cover its render and SQL)")
			continue ;;
		esac
		DT_N=$((DT_N + 1))
		d="$dt/$step"
		mkdir -p "$d"
		t=$(date +%s.%N)
		if ! coredb render "$f" >"$d/render.yaml" 2>"$d/render.err"; then
			fail "runtime: day two $step: coredb render failed"; indent <"$d/render.err"; break
		fi
		tool runplan -major 15 -extdir "$extdir" -libdir "$libdir" -out "$d/sql" "$d/render.yaml" >"$d/plan" 2>"$d/plan.err"
		if grep -q '^SKIP' "$d/plan" || [[ -s "$d/plan.err" ]]; then
			fail "runtime: day two $step cannot run here: $(grep '^SKIP' "$d/plan" | cut -f2 | paste -sd';' -)$(cat "$d/plan.err")"; break
		fi
		if [[ -z "$prev" ]]; then
			RT_LIVE=1 # a fresh referee: the day-two apply above left Cluster daytwo/ledger in it
			rt_start "day two $step" "$d" "$d/plan" || break
		elif ! k apply -f "$d/render.yaml" >"$d/apply.out" 2>&1; then
			fail "runtime: day two $step: kubectl apply failed"; clip <"$d/apply.out"; break
		fi
		if rt_check "day two $step" "$d" "$d/plan" "$prev"; then
			DT_OK=$((DT_OK + 1)); pass
			echo "ok    day two $step: $(tail -n 1 "$d/showcheck.out"); $(tail -n 1 "$d/extcheck.out") ($(secs "$t")s)"
		fi
		prev="$d/state1"
	done
	echo "day two on one running instance: $DT_OK of $DT_N steps as declared"

	if ((${#RT_NOTES[@]})); then
		echo "not run:"
		printf '%s\n' "${RT_NOTES[@]}" | indent
	fi
fi

# ---------------------------------------------------------------------------
section "GitOps tools (e2e/gitops), run alongside the runtime stage"
if [[ -z "$GITOPS_PID" ]]; then
	skip "GitOps tools: COREDB_E2E_GITOPS=0"
else
	wait "$GITOPS_PID" || true
	while read -r script rc took; do
		if [[ "$rc" == nonpm ]]; then
			fail "GitOps tools: schema.sh needs node and npm"
		elif [[ "$rc" == 0 ]]; then
			pass
			printf 'ok    e2e/gitops/%s.sh in %ss\n' "$script" "$took"
		else
			fail "GitOps tools: e2e/gitops/$script.sh failed"
			tail -n 30 "$work/gitops-$script.log" | indent
		fi
	done <"$work/gitops.results"
fi

# ---------------------------------------------------------------------------
section "summary"
printf '\n== summary\n'
printf '%-18s %s\n' "files checked:" "$FILES ($FILES_OK rendered and accepted)"
printf '%-18s %s\n' "objects accepted:" "$ACCEPTED of $OBJECTS ($NOTJUDGED not judged: the referee lacks what they need)"
printf '%-18s %s\n' "warnings:" "$(wc -l <"$work/warnings.txt") from the API server or webhooks"
printf '%-18s %s\n' "drift:" "$DRIFT_FIELDS field(s) we set that the server changes, in $DRIFT_OBJECTS object(s)"
echo "server-added fields (objects having it / objects of the kind; ! = not documented in e2e/testdata/server-added.txt):"
tool added -known e2e/testdata/server-added.txt "$work/drift.tsv" | indent
if ((CANI > 0)); then
	printf '%-18s %s\n' "can-i checks:" "$CANI_OK of $CANI as expected"
else
	printf '%-18s %s\n' "can-i checks:" "none (no Jobs rendered)"
fi
if [[ -n "${rt:-}" ]]; then
	reasons=""
	for why in "${!RT_WHY[@]}"; do reasons+="${RT_WHY[$why]} $why"$'\n'; done
	reasons="$(sort -rn <<<"$reasons" | sed '/^$/d' | paste -sd';' - | sed 's/;/; /g')"
	printf '%-18s %s\n' "runtime:" "$RT_RAN ran Ready, $RT_FAILED failed, $RT_NOT not runnable here${reasons:+ ($reasons)}, $RT_SAME identical to one that ran"
fi
if [[ "$SQL_STATE" == ran ]]; then
	printf '%-18s %s\n' "SQL cases:" "$SQL_PASS passed, $SQL_FAIL failed, $SQL_SKIP skipped"
else
	printf '%-18s %s\n' "SQL cases:" "not run"
fi
if ((${#SKIPPED[@]})); then
	echo "skipped:"
	printf '%s\n' "${SKIPPED[@]}" | indent
fi
if ((${#FAILURES[@]})); then
	echo "failures:"
	printf '%s\n' "${FAILURES[@]}" | indent
fi
printf '%-18s %s\n' "time:" "total $(secs "$T0")s; referee build ${BUILD_SECS}s ($BUILD_KIND), referee start ${START_SECS}s"
printf '%s\n' "${TIMES[@]}" | indent
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
