#!/usr/bin/env bash
# pgtest.sh: run the real-PostgreSQL proofs against a throwaway cluster.
#
# It initdb's a PostgreSQL 15 cluster in a temporary directory (as the
# "postgres" OS user when run as root, since postgres refuses to run as root),
# listens only on 127.0.0.1 on a free port and on a socket inside that
# directory, preloads pg_cron with cron.database_name=postgres, runs the
# tests, then stops the server and deletes the directory on any exit.
#
# Usage:
#   scripts/install-postgres.sh          # once, as root
#   e2e/pg/pgtest.sh                     # default: the Postgres-gated Go tests
#   e2e/pg/pgtest.sh CMD [ARGS...]       # any command, with the env below set
#
# The command sees:
#   COREDB_PG_DSN     libpq key=value conninfo for database postgres as the
#                     superuser postgres (append " dbname=..." to switch)
#   COREDB_PG_EXTDIR  the server's extension directory (control files)
#   COREDB_PG_LIBDIR  the server's package library directory
#   PATH              with the server's bin directory first (psql, pg_ctl)
# Env in: PG_CONFIG (default /usr/lib/postgresql/15/bin/pg_config),
#         COREDB_PGTEST_KEEP=1 keeps the data directory for a post-mortem.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
[ -x "$PG_CONFIG" ] || {
	echo "pgtest: $PG_CONFIG not found; run scripts/install-postgres.sh first" >&2
	exit 1
}
bindir="$("$PG_CONFIG" --bindir)"
sharedir="$("$PG_CONFIG" --sharedir)"
libdir="$("$PG_CONFIG" --pkglibdir)"
for ext in pg_cron pg_partman vector hstore pgcrypto; do
	[ -f "$sharedir/extension/$ext.control" ] || {
		echo "pgtest: extension $ext is not installed; run scripts/install-postgres.sh" >&2
		exit 1
	}
done

# As root, run the server as the postgres OS user; otherwise as ourselves.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
	as_pg=(runuser -u postgres --)
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/coredb-pgtest.XXXXXX")"
chmod 755 "$tmp"
data="$tmp/data"
sock="$tmp/sock"
mkdir -p "$data" "$sock"
if [ "${#as_pg[@]}" -gt 0 ]; then
	chown postgres: "$data" "$sock"
fi
chmod 700 "$data"

started=0
cleanup() {
	rc=$?
	if [ "$started" = 1 ]; then
		"${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	if [ "$rc" -ne 0 ] && [ -f "$tmp/server.log" ]; then
		echo "pgtest: last server log lines:" >&2
		tail -n 20 "$tmp/server.log" >&2 || true
	fi
	if [ "${COREDB_PGTEST_KEEP:-0}" = 1 ]; then
		echo "pgtest: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${as_pg[@]}" "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$tmp/initdb.log" 2>&1 || {
	cat "$tmp/initdb.log" >&2
	exit 1
}

# A port nobody listens on, chosen from a range unlikely to be in use;
# postgres binds it exclusively, so a race only costs a retry.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=""
base=$((20000 + ($$ % 20000)))
for i in $(seq 0 50); do
	p=$((base + i * 7))
	port_free "$p" || continue
	touch "$tmp/server.log"
	[ "${#as_pg[@]}" -eq 0 ] || chown postgres: "$tmp/server.log"
	if "${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -c port=$p -c unix_socket_directories=$sock" \
		-o "-c shared_preload_libraries=pg_cron -c cron.database_name=postgres" \
		-o "-c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		start >/dev/null; then
		port="$p"
		started=1
		break
	fi
done
[ -n "$port" ] || {
	echo "pgtest: could not start PostgreSQL on any port" >&2
	exit 1
}

export COREDB_PG_DSN="host=127.0.0.1 port=$port user=postgres dbname=postgres"
export COREDB_PG_EXTDIR="$sharedir/extension"
export COREDB_PG_LIBDIR="$libdir"
export PATH="$bindir:$PATH"
# libpq must not pick up anything from the caller's environment.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGDATABASE PGSERVICE PGSSLMODE PGOPTIONS

echo "pgtest: PostgreSQL $("$PG_CONFIG" --version | awk '{print $2}') on 127.0.0.1:$port (data $data)" >&2

cd "$repo"
if [ "$#" -gt 0 ]; then
	"$@"
else
	go test -count=1 -run 'TestPG|TestControlFiles|TestLoadOnlyLibraries' -v ./compile ./extensions
fi
