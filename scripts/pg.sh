#!/usr/bin/env bash
# A local PostgreSQL cluster under .data/pg, for `make demo` and `make test` when DATABASE_URL
# is not given. Usage: scripts/pg.sh start|stop|status|url
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${LOCAL_PG_PORT:-55432}"
DIR="$PWD/.data/pg"
# PostgreSQL runs as the postgres user, who must reach the folder: a checkout under /root
# (mode 0700) is out of its reach, so the cluster then lives in /var/tmp, named after the checkout.
if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$PWD" 2>/dev/null; then
  DIR="/var/tmp/procurement-pg-$(printf '%s' "$PWD" | sha1sum | cut -c1-12)"
fi
DB="${LOCAL_PG_DB:-procurement}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -n "$BIN" ] || { echo "PostgreSQL server binaries not found: run make setup" >&2; exit 1; }

as_pg() {  # PostgreSQL refuses to run as root
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

case "${1:-}" in
  start)
    if [ ! -f "$DIR/data/PG_VERSION" ]; then
      mkdir -p "$DIR"
      if [ "$(id -u)" = 0 ]; then chown postgres: "$DIR"; fi
      as_pg "$BIN/initdb" -D "$DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_pg "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
      as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
        -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1" start >/dev/null
    fi
    if ! as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" postgres | grep -q 1; then
      as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
    fi
    echo "postgresql://postgres@127.0.0.1:$PORT/$DB"
    ;;
  stop)
    if [ -f "$DIR/data/PG_VERSION" ] && as_pg "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
      as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null
      echo "PostgreSQL stopped ($DIR)"
    else
      echo "PostgreSQL not running ($DIR)"
    fi
    ;;
  status)
    as_pg "$BIN/pg_ctl" -D "$DIR/data" status
    ;;
  url)
    echo "postgresql://postgres@127.0.0.1:$PORT/$DB"
    ;;
  *)
    echo "usage: $0 start|stop|status|url" >&2; exit 2
    ;;
esac
