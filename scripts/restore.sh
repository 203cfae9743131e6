#!/usr/bin/env bash
# Restore a dump made by scripts/backup.sh: scripts/restore.sh FILE [--yes]   (make restore FILE=…)
#
# Loads FILE (.sql.gz or .sql) into DATABASE_URL in ONE transaction with psql: on any error
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

case "$file" in
  *.gz) reader=(gzip -dc -- "$file") ;;
  *) reader=(cat -- "$file") ;;
esac
"${reader[@]}" | "$PG_BIN_DIR/psql" --dbname="$PG_CONNINFO" --quiet --no-psqlrc -v ON_ERROR_STOP=1 \
  --single-transaction --output=/dev/null
echo "restored $file into $PG_DISPLAY"
