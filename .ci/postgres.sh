#!/usr/bin/env bash
# Start a PostgreSQL server for the store tests, once, and print its URL:
#
#   postgres://postgres@127.0.0.1:15432/veche?sslmode=disable
#
# Idempotent: installs Debian's postgresql with apt-get only if no server
# binaries are found (as root, else through sudo -n), creates a cluster only
# if none exists, starts it only if it is not running, and creates the
# database only if missing. The server listens on 127.0.0.1 only, on
# ${VECHE_PG_PORT:-15432}, with trust authentication: a test server, never a
# production one. Its data and log live in ${VECHE_PG_DIR}, by default
#   ${VECHE_CACHE:-$HOME/.cache/veche}/pg           (not root)
#   /var/lib/postgresql/veche-pg                    (root: the server runs as
#                                                    the postgres user, who
#                                                    cannot enter /root)
# Progress goes to stderr; stdout carries only the URL, so callers can write
#   VECHE_PG_URL=$(.ci/postgres.sh)
# Stop the server with: pg_ctl -D "$VECHE_PG_DIR/data" stop (as its owner).
set -euo pipefail

port=${VECHE_PG_PORT:-15432}
dbname=veche
log() { echo "postgres.sh: $*" >&2; }

if [ "$(id -u)" = 0 ]; then
  root=1
  dir=${VECHE_PG_DIR:-/var/lib/postgresql/veche-pg}
else
  root=0
  dir=${VECHE_PG_DIR:-${VECHE_CACHE:-$HOME/.cache/veche}/pg}
fi
data=$dir/data

# bindir prints the newest /usr/lib/postgresql/N/bin that has a server
# (versions sorted as numbers).
bindir() {
  local d best=
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && best=$d
  done
  [ -n "$best" ] && echo "$best"
}

bin=$(bindir || true)
if [ -z "$bin" ]; then
  if [ "$root" = 1 ]; then
    sudo=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    log "PostgreSQL is not installed and installing it needs root (or password-less sudo): apt-get install postgresql"
    exit 1
  fi
  log "installing Debian's postgresql with apt-get"
  "${sudo[@]}" apt-get update -qq >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  bin=$(bindir || true)
  [ -n "$bin" ] || { log "apt-get installed postgresql but no server was found under /usr/lib/postgresql"; exit 1; }
fi

# Run a command as the cluster's owner: the postgres user when we are root
# (the server refuses to run as root), else ourselves.
as_owner() {
  if [ "$root" = 1 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

mkdir -p "$dir"
if [ "$root" = 1 ]; then chown postgres: "$dir"; fi

if [ ! -s "$data/PG_VERSION" ]; then
  log "initdb into $data"
  rm -rf "$data"
  as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >&2 \
    || as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >&2
fi

if as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  log "server in $data is running"
else
  log "starting the server on 127.0.0.1:$port (log: $dir/server.log)"
  # fsync stays on: the store's benchmarks should measure real commits.
  as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c max_connections=300" start >&2 || {
    log "the server did not start; the end of $dir/server.log:"
    tail -n 20 "$dir/server.log" >&2 || true
    exit 1
  }
fi

psql=("$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1)
[ -x "$bin/psql" ] || psql=(psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1)
if [ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$dbname'")" != 1 ]; then
  log "creating database $dbname"
  "${psql[@]}" -c "CREATE DATABASE $dbname" >&2
fi
echo "postgres://postgres@127.0.0.1:$port/$dbname?sslmode=disable"
