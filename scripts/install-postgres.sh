#!/usr/bin/env bash
# install-postgres.sh: install PostgreSQL 15 and the extensions that the
# coredb real-Postgres proof (e2e/pg/pgtest.sh) and the catalog check
# (COREDB_PG_EXTDIR) use, from Debian's own packages. Idempotent: packages
# already present are not touched, and a second run does nothing.
#
# Debian 12 (bookworm) has postgresql-15, -cron (1.4.2), -partman (4.7.2),
# -postgis-3 (3.3.2) and more, but no pgvector package for PostgreSQL 15
# (Debian ships postgresql-17-pgvector in trixie only). pgvector is therefore
# built from Debian's own source package (trixie's deb-src, read through a
# private apt state directory so the system's apt sources are not changed)
# against postgresql-server-dev-15, and installed with `make install`.
#
# Debian's postinst creates and may start a cluster "15/main" on port 5432.
# We never use it: this script tells postgresql-common not to create it,
# and stops it and sets it to manual start when it already exists.
#
# Usage: scripts/install-postgres.sh   (as root; exits non-zero on failure)
# Env:   COREDB_APT_UPDATE=0 skips `apt-get update` (default: run it once
#        when a package is missing).
set -euo pipefail

PGMAJOR=15
export DEBIAN_FRONTEND=noninteractive

log() { printf 'install-postgres: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (apt-get, make install)"
command -v apt-get >/dev/null || die "apt-get not found: this script supports Debian/Ubuntu only"

PACKAGES=(
	"postgresql-$PGMAJOR"
	"postgresql-client-$PGMAJOR"
	"postgresql-$PGMAJOR-cron"
	"postgresql-$PGMAJOR-partman"
	"postgresql-$PGMAJOR-postgis-3"
	"postgresql-$PGMAJOR-postgis-3-scripts"
	"postgresql-$PGMAJOR-pgaudit"
	"postgresql-$PGMAJOR-pglogical"
	"postgresql-$PGMAJOR-pglogical-ticker"
	"postgresql-$PGMAJOR-hypopg"
	"postgresql-$PGMAJOR-pg-stat-kcache"
	"postgresql-$PGMAJOR-orafce"
	"postgresql-plpython3-$PGMAJOR"
	"postgresql-plperl-$PGMAJOR"
	"postgresql-pltcl-$PGMAJOR"
	# to build pgvector from source
	"postgresql-server-dev-$PGMAJOR"
	"build-essential"
	"ca-certificates"
)

# Never let Debian create (and start) its default cluster.
mkdir -p /etc/postgresql-common/createcluster.d
conf=/etc/postgresql-common/createcluster.d/coredb-no-main-cluster.conf
if [ ! -f "$conf" ]; then
	echo "create_main_cluster = false" >"$conf"
fi

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done
if [ "${#missing[@]}" -gt 0 ]; then
	if [ "${COREDB_APT_UPDATE:-1}" != 0 ]; then
		log "apt-get update"
		apt-get update -qq
	fi
	log "installing: ${missing[*]}"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
	log "all packages already installed"
fi

# Stop and disable a cluster Debian created before we could say no.
if command -v pg_lsclusters >/dev/null; then
	pg_lsclusters -h 2>/dev/null | while read -r ver name _; do
		[ -n "${ver:-}" ] || continue
		if [ -f "/etc/postgresql/$ver/$name/start.conf" ] &&
			! grep -qx manual "/etc/postgresql/$ver/$name/start.conf"; then
			log "setting cluster $ver/$name to manual start"
			echo manual >"/etc/postgresql/$ver/$name/start.conf"
		fi
		pg_ctlcluster "$ver" "$name" stop >/dev/null 2>&1 || true
	done
fi

PG_CONFIG="/usr/lib/postgresql/$PGMAJOR/bin/pg_config"
[ -x "$PG_CONFIG" ] || die "$PG_CONFIG missing after install"
SHAREDIR="$("$PG_CONFIG" --sharedir)"

# pgvector: a Debian package when the release has one, else Debian's source.
if [ ! -f "$SHAREDIR/extension/vector.control" ]; then
	if apt-cache show "postgresql-$PGMAJOR-pgvector" >/dev/null 2>&1; then
		apt-get install -y -qq --no-install-recommends "postgresql-$PGMAJOR-pgvector" >/dev/null
	else
		log "building pgvector from Debian's source package (trixie)"
		work="$(mktemp -d)"
		chmod 755 "$work" # apt downloads as the _apt user
		trap 'rm -rf "$work"' EXIT
		mkdir -p "$work/apt/lists/partial" "$work/src"
		chown _apt "$work/src" 2>/dev/null || true # apt downloads as _apt
		cat >"$work/apt/trixie-src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
		aptopts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work/apt"
			-o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache")
		apt-get "${aptopts[@]}" update -qq
		# apt verifies the files against the signed Sources index.
		(cd "$work/src" && apt-get "${aptopts[@]}" source --download-only -qq pgvector >/dev/null)
		orig="$(find "$work/src" -maxdepth 1 -name 'pgvector_*.orig.tar.*' | head -n1)"
		[ -f "$orig" ] || die "pgvector source not downloaded"
		tar -xf "$orig" -C "$work/src"
		dir="$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'pgvector*' | head -n1)"
		[ -d "$dir" ] || die "pgvector source not unpacked"
		# OPTFLAGS= drops -march=native so the build runs on any x86-64.
		make -s -C "$dir" PG_CONFIG="$PG_CONFIG" OPTFLAGS= >/dev/null
		make -s -C "$dir" PG_CONFIG="$PG_CONFIG" OPTFLAGS= install >/dev/null
		rm -rf "$work"
		trap - EXIT
	fi
fi

for ext in pg_cron pg_partman vector hstore pgcrypto postgis; do
	[ -f "$SHAREDIR/extension/$ext.control" ] || die "extension $ext not installed ($SHAREDIR/extension/$ext.control missing)"
done
log "ok: PostgreSQL $("$PG_CONFIG" --version | awk '{print $2}'), extensions in $SHAREDIR/extension"
