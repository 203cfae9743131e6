#!/usr/bin/env bash
# Restore a dump made by scripts/backup.sh: scripts/restore.sh FILE [--yes]   (make restore FILE=…)
#
# Before anything is loaded, the whole FILE (gzip or plain SQL) is verified: not empty, gzip
# integrity, and the end marker backup.sh writes (sha256 and size of everything above it). A
# truncated, damaged or foreign file is refused with one line and exit 3; the database is not
# touched. Then FILE is loaded into DATABASE_URL in ONE transaction with psql, followed by
# scripts/restore_check.sql (migrations recorded, keys and triggers present): on any error
# nothing changes. Objects in the dump are dropped and recreated, so the tables it contains end
# up exactly as they were at backup time. Asks for confirmation on a terminal; without a
# terminal (cron, CI) it requires --yes (or RESTORE_CONFIRM=yes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
file=${1:-}
[ -n "$file" ] || { echo "usage: $0 FILE [--yes]" >&2; exit 2; }
[ -f "$file" ] || { echo "restore: $file not found" >&2; exit 2; }
confirm=${RESTORE_CONFIRM:-}
[ "${2:-}" = "--yes" ] && confirm=yes

refuse() { echo "restore: $file refused, nothing loaded: $*" >&2; exit 3; }
[ -s "$file" ] || refuse "the file is empty"
if [ "$(head -c 2 -- "$file" | od -An -tx1 | tr -d ' \n')" = "1f8b" ]; then
  gzip -t -- "$file" 2>/dev/null || refuse "gzip integrity check failed (truncated or damaged)"
  reader=(gzip -dc -- "$file")
else
  reader=(cat -- "$file")
fi
marker=$("${reader[@]}" | tail -n 1)
marker_re='^-- procurement_spiders backup end sha256=([0-9a-f]{64}) bytes=([0-9]+)$'
[[ "$marker" =~ $marker_re ]] || refuse "no end marker (truncated, or not written by scripts/backup.sh)"
want_sum=${BASH_REMATCH[1]}
want_size=${BASH_REMATCH[2]}
got_size=$("${reader[@]}" | head -n -1 | wc -c)
[ "$got_size" = "$want_size" ] || refuse "size $got_size differs from the $want_size bytes the end marker records"
got_sum=$("${reader[@]}" | head -n -1 | sha256sum | cut -d' ' -f1)
[ "$got_sum" = "$want_sum" ] || refuse "checksum differs from the end marker (damaged)"

# shellcheck source=scripts/pg_env.sh
. "$root/scripts/pg_env.sh"

if [ "$confirm" != yes ]; then
  if [ -t 0 ]; then
    read -r -p "Replace the tables of $PG_DISPLAY with $file? [y/N] " answer
    [ "$answer" = y ] || [ "$answer" = Y ] || { echo "restore cancelled"; exit 1; }
  else
    echo "restore: no terminal to confirm; pass --yes (or RESTORE_CONFIRM=yes)" >&2
    exit 2
  fi
fi

{ "${reader[@]}"; cat -- "$root/scripts/restore_check.sql"; } \
  | "$PG_BIN_DIR/psql" --dbname="$PG_CONNINFO" --quiet --no-psqlrc -v ON_ERROR_STOP=1 \
    --single-transaction --output=/dev/null
echo "restored $file into $PG_DISPLAY"
