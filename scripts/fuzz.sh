#!/usr/bin/env bash
# fuzz.sh: runs every fuzz target of the module (found with go test -list,
# so a new Fuzz function is picked up without editing this file) for
# FUZZTIME each, one after the other, then prints one line per target with
# its executions, the total, and the slowest inputs of the loader and
# pipeline corpora (seeds, testdata/fuzz and what the fuzzer kept in the Go
# cache). A failing input is written by go test to the package's
# testdata/fuzz/<Target>/: check it in as a regression seed with the fix.
#
#   FUZZTIME      time per target (default 60s; go test's -fuzztime syntax)
#   FUZZPARALLEL  workers per target (default: go test's, GOMAXPROCS)
set -Eeuo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
fuzztime=${FUZZTIME:-60s}
parallel=()
[ -n "${FUZZPARALLEL:-}" ] && parallel=(-parallel "$FUZZPARALLEL")
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# deadline_race LOG: the target's only failure in LOG is Go's coordinator
# reporting the -fuzztime deadline (golang/go#75804): the FAIL line is
# followed by "context deadline exceeded" alone, and no failing input was
# written.
deadline_race() {
  ! grep -q 'Failing input written to' "$1" &&
    [ "$(grep -A1 -- '^--- FAIL: ' "$1" | sed -n 2p)" = "    context deadline exceeded" ] &&
    [ "$(grep -c -- '^--- FAIL: ' "$1")" -eq 1 ] &&
    ! grep -qE '^\s+(panic|.*_test\.go:[0-9]+:)' "$1"
}

total=0
failed=0
summary=()
for pkg in $($GO list ./...); do
  for target in $($GO test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "fuzz: $target ($pkg) for $fuzztime"
    status=ok
    for attempt in 1 2 3; do
      if $GO test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "${parallel[@]}" >"$log" 2>&1; then
        break
      fi
      cat "$log"
      # Go 1.26's fuzzing coordinator can report its own -fuzztime deadline
      # as a failure of the target: "context deadline exceeded" at the
      # deadline, no input failing, nothing written to testdata/fuzz
      # (golang/go#75804, fixed in Go 1.27). That, and only that, is run
      # again; any other failure, or a third such report, fails.
      if [ "$attempt" -lt 3 ] && deadline_race "$log"; then
        echo "fuzz: $target: Go's fuzz deadline race (golang/go#75804), no failing input; running it again"
        status="ok (run $((attempt + 1)); golang/go#75804 before)"
        continue
      fi
      status=FAILED
      failed=$((failed + 1))
      break
    done
    # The last progress line has the count: "execs: 123456 (4567/sec)".
    execs=$(grep -o 'execs: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$' || echo 0)
    total=$((total + execs))
    summary+=("$(printf '%-28s %-45s %12s execs  %s' "$target" "${pkg#github.com/coredb-dev/coredb/}" "$execs" "$status")")
  done
done

echo
echo "fuzz: per target ($fuzztime each):"
printf '  %s\n' "${summary[@]}"
echo "fuzz: $total executions over ${#summary[@]} targets, $failed failed"

# The slowest inputs the loader and pipeline targets have seen.
cache=$($GO env GOCACHE)/fuzz/github.com/coredb-dev/coredb/compile
COREDB_FUZZ_CORPUS="$cache" $GO test ./compile -run '^TestFuzzCorpusTiming$' -count=1 -v | grep -E '^\s+fuzz_test.go|^(ok|FAIL)' || true

echo "$((${#summary[@]} - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
