#!/bin/sh
# extensions.sh: the script of coredb's extension SQL Job. It runs in the
# Cluster's own image, so psql matches the server.
#
# Next to it are the files coredb generated:
#   databases            one key per line, in order (db-001, db-002, ...)
#   KEY.dbname           the database name, exactly (any characters but
#                        control characters; never pasted into shell code)
#   KEY.sql              the SQL for that database
#   required-extensions  the extensions some database enables, one per line
#
# Steps:
#   1. wait until the server accepts connections (COREDB_SERVER_WAIT seconds);
#   2. wait until every required extension is installed on the server
#      (COREDB_EXTENSION_WAIT seconds: the Trunk install Job may still be
#      running when both Jobs are applied at once); after that the SQL's
#      own check names whatever is still missing;
#   3. for each database: fail (naming it) when it does not exist, else run
#        psql -X -v ON_ERROR_STOP=1 --single-transaction -f KEY.sql
#      with PGDATABASE set to its name (a name given to -d would be parsed as
#      a connection string if it contained "="), and go on to the next one;
#   4. print a summary; exit 1 when any database failed, naming them.
#
# Connection settings come from libpq's PG* variables (PGHOST, PGPORT,
# PGUSER, PGPASSWORD, PGSSLMODE, ...), set by the Job.
set -u
set -f

here=$(dirname -- "$0")

say() { printf '%s\n' "$*"; }
die() {
  printf 'extensions: error: %s\n' "$*" >&2
  exit 1
}
now() { date +%s; }

server_wait=${COREDB_SERVER_WAIT:-600}
ext_wait=${COREDB_EXTENSION_WAIT:-0}
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}"
# Checks run in the maintenance database, which CloudNativePG always has.
export PGDATABASE=postgres

[ -r "$here/databases" ] || die "list of databases $here/databases is missing"
server="${PGHOST:-local socket}:${PGPORT:-5432}"

# 1. The server.
deadline=$(($(now) + server_wait))
tries=0
until pg_isready --quiet; do
  if [ "$(now)" -ge "$deadline" ]; then
    # psql says why (name resolution, refused, TLS, ...).
    psql -X -w -q -c 'SELECT 1' >/dev/null
    die "server $server is not accepting connections after ${server_wait}s"
  fi
  tries=$((tries + 1))
  if [ $((tries % 15)) -eq 1 ]; then
    why=$(psql -X -w -q -c 'SELECT 1' 2>&1 >/dev/null | head -n 1)
    say "waiting for server $server to accept connections${why:+ ($why)}"
  fi
  sleep 2
done
psql -X -w -q -At -c 'SELECT 1' >/dev/null ||
  die "cannot connect to database postgres on $server as user ${PGUSER:-?} (see the psql error above)"
say "server $server is accepting connections"

# 2. The extensions.
missing() {
  psql -X -w -q -At -v ON_ERROR_STOP=1 -v wanted="$(cat "$here/required-extensions")" <<'SQL'
SELECT pg_catalog.string_agg(pg_catalog.quote_ident(w), ', ' ORDER BY w)
  FROM pg_catalog.unnest(pg_catalog.string_to_array(:'wanted', E'\n')) AS w
 WHERE w <> '' AND NOT EXISTS (SELECT FROM pg_catalog.pg_available_extensions a WHERE a.name = w);
SQL
}
if [ -s "$here/required-extensions" ]; then
  deadline=$(($(now) + ext_wait))
  while :; do
    m=$(missing) || die "cannot list the available extensions on $server"
    [ -n "$m" ] || break
    if [ "$(now)" -ge "$deadline" ]; then
      say "not installed on the server after ${ext_wait}s: $m (the databases that need them will fail)"
      break
    fi
    say "waiting for extensions to be installed: $m"
    sleep 5
  done
fi

# 3. The databases.
total=0
failed=0
failed_names=""
report=""
while read -r key <&3; do
  [ -n "$key" ] || continue
  total=$((total + 1))
  db=$(cat "$here/$key.dbname") || die "missing file $here/$key.dbname"
  [ -r "$here/$key.sql" ] || die "missing file $here/$key.sql"
  status=""
  exists=$(psql -X -w -q -At -v ON_ERROR_STOP=1 -v db="$db" <<'SQL'
SELECT count(*) FROM pg_catalog.pg_database WHERE datname = :'db';
SQL
  ) || status="could not check that it exists"
  if [ -z "$status" ] && [ "$exists" != 1 ]; then
    status="does not exist: create it first (CloudNativePG creates only the bootstrap database; use a Database resource) or remove it from spec.extensions"
  fi
  if [ -z "$status" ]; then
    say "==> database \"$db\" ($key.sql)"
    if PGDATABASE=$db psql -X -w -v ON_ERROR_STOP=1 --single-transaction -f "$here/$key.sql"; then
      report="$report
  ok      \"$db\""
      continue
    fi
    status="SQL failed, nothing was changed in it (see the psql error above)"
  fi
  say "extensions: error: database \"$db\" $status" >&2
  failed=$((failed + 1))
  failed_names="$failed_names${failed_names:+, }\"$db\""
  report="$report
  FAILED  \"$db\": $status"
done 3<"$here/databases"

say ""
say "summary: $total databases, $((total - failed)) ok, $failed failed$report"
if [ "$failed" -gt 0 ]; then
  say "extensions: error: failed databases: $failed_names" >&2
  exit 1
fi
exit 0
