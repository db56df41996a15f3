#!/usr/bin/env bash
# A PostgreSQL server for ScimLab on this machine, for trying the server setup without a
# database administrator: Debian's `postgresql` package (installed when missing, as root), one
# cluster in a data directory of its own (default: ~/.local/share/scimlab/postgres, as root
# /var/lib/postgresql/scimlab-local, or $SCIMLAB_PG_DATA), listening on 127.0.0.1 only (port $SCIMLAB_PG_PORT, default 5433, so it
# never meets a system cluster on 5432), with a `scimlab` role and database.
#   scripts/postgres-local.sh start   start it (initialising it the first time); prints the URL
#   scripts/postgres-local.sh stop    stop it
#   scripts/postgres-local.sh url     print the URL to pass as --database-url
# `make serve-postgres` runs it, then `scimlab serve --database-url <that url> --ui`.
# The URL carries no password: the cluster trusts local connections from this machine's
# loopback only (pg_hba.conf), which is what a try-out on one machine needs. For a real server
# follow docs/deploy.md (a password, TLS, backups).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/commands.sh
. scripts/commands.sh

# As root the server runs as `postgres`, which cannot enter root's home: the cluster goes under
# the package's own /var/lib/postgresql instead.
if [ "$(id -u)" -eq 0 ]; then
  data="${SCIMLAB_PG_DATA:-/var/lib/postgresql/scimlab-local}"
else
  data="${SCIMLAB_PG_DATA:-${XDG_DATA_HOME:-$HOME/.local/share}/scimlab/postgres}"
fi
port="${SCIMLAB_PG_PORT:-5433}"
url="postgres://scimlab@127.0.0.1:$port/scimlab"

bin_dir() {
  local newest
  newest=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$newest" ] || [ ! -x "$newest/initdb" ]; then
    echo "postgresql's server programs are missing: install Debian's package postgresql" >&2
    exit 1
  fi
  echo "$newest"
}

# As root, PostgreSQL runs as the postgres user the package creates (it refuses root).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    install_apt_packages postgres >/dev/null
    bin=$(bin_dir)
    if [ ! -f "$data/PG_VERSION" ]; then
      mkdir -p "$data"
      chmod 0700 "$data"
      [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$data"
      as_owner "$bin/initdb" -D "$data" -U scimlab -A trust -E UTF8 --no-locale >/dev/null
      echo "initialised a postgresql cluster in $data" >&2
    fi
    if ! as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=" start >/dev/null
    fi
    if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U scimlab -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'scimlab'" | grep -q 1; then
      "$bin/createdb" -h 127.0.0.1 -p "$port" -U scimlab scimlab
    fi
    echo "$url"
    ;;
  stop)
    bin=$(bin_dir)
    as_owner "$bin/pg_ctl" -D "$data" -m fast stop
    ;;
  url)
    echo "$url"
    ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
