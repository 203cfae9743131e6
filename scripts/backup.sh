#!/usr/bin/env bash
# Back up the project database: scripts/backup.sh [FILE]   (make backup)
#
# Writes a plain-SQL pg_dump, gzip-compressed, to FILE or to
# $BACKUP_DIR/procurement-<UTC time>.sql.gz (BACKUP_DIR defaults to ./backups), atomically
# (a half-written dump never carries the final name), then keeps the newest $BACKUP_KEEP
# dumps of that folder (default 14; 0 keeps all). The dump drops and recreates every object
# it contains, so scripts/restore.sh can load it over an existing database.
# Its last line is an end marker, an SQL comment with the sha256 and size of everything above it:
#   -- procurement_spiders backup end sha256=<hex> bytes=<n>
# scripts/restore.sh loads nothing unless that line is there and matches, so a truncated or
# damaged copy is refused whole instead of being committed halfway.
# The database is DATABASE_URL (environment, else .env). Its password never appears on a
# command line: it is passed to pg_dump through PGPASSWORD.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/pg_env.sh
. "$root/scripts/pg_env.sh"

dir=${BACKUP_DIR:-$root/backups}
keep=${BACKUP_KEEP:-14}
out=${1:-$dir/procurement-$(date -u +%Y%m%dT%H%M%SZ).sql.gz}
mkdir -p "$(dirname "$out")"
tmp="$out.partial.$$"
trap 'rm -f "$tmp"' EXIT

"$PG_BIN_DIR/pg_dump" --dbname="$PG_CONNINFO" --format=plain --clean --if-exists --no-owner --no-privileges \
  --quote-all-identifiers | gzip -6 > "$tmp"
gzip -t "$tmp"
# The marker goes in as a second gzip member: gzip -dc reads both as one stream.
sum=$(gzip -dc "$tmp" | sha256sum | cut -d' ' -f1)
size=$(gzip -dc "$tmp" | wc -c)
printf -- '-- procurement_spiders backup end sha256=%s bytes=%s\n' "$sum" "$size" | gzip -6 >> "$tmp"
gzip -t "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "backup written: $out ($(du -h "$out" | cut -f1))"

if [ -z "${1:-}" ] && [ "$keep" -gt 0 ]; then
  # shellcheck disable=SC2012
  ls -1t "$dir"/procurement-*.sql.gz 2>/dev/null | tail -n +"$((keep + 1))" | while read -r old; do
    rm -f -- "$old" && echo "removed old backup: $old"
  done
fi
