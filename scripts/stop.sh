#!/usr/bin/env bash
# `make stop`: stop what `make demo` started and left running, and nothing else.
#
#   scripts/stop.sh [STATE_FILE…]
#
# The demo records each service it started in .data/demo.started (DEMO_STATE), one line
# "<name> KEY=value…" (scripts/demo_services.sh). Without arguments this stops those, newest
# first, plus what a demo killed midway left in .data/demo.started.<pid> (its pid no longer a
# running demo); then the files are removed. A second run finds nothing and says so. Services the
# demo found running and reused were never recorded, so they are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE="${DEMO_STATE:-.data/demo.started}"

files=("$@")
if [ $# -eq 0 ]; then
  [ -f "$STATE" ] && files+=("$STATE")
  for run in "$STATE".*; do
    [ -f "$run" ] || continue
    pid="${run##*.}"
    if [[ "$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" == *scripts/demo.sh* ]]; then continue; fi  # still running
    files+=("$run")
  done
fi

stop_one() {  # name KEY=value…
  local name="$1"; shift
  local kv
  for kv in "$@"; do
    [[ "$kv" =~ ^[A-Z_]+=[^[:space:]]*$ ]] || { echo "skipping a malformed line: $name $*" >&2; return 0; }
  done
  case "$name" in
    web) env "$@" scripts/web.sh stop ;;
    scrapyd) env "$@" scripts/scrapyd.sh stop ;;
    grid) env "$@" scripts/grid.sh stop ;;
    sandbox) env "$@" scripts/sandbox.sh stop ;;
    pg) env "$@" scripts/pg.sh stop ;;
    *) echo "unknown service in the demo state: $name" >&2 ;;
  esac
}

stopped=0
for file in "${files[@]}"; do
  [ -f "$file" ] || continue
  while read -r name rest; do
    [ -n "$name" ] || continue
    # shellcheck disable=SC2086  # the KEY=value words of the line
    stop_one "$name" $rest
    stopped=$((stopped + 1))
  done < <(tac "$file")
  rm -f "$file"
done
if [ "$stopped" -eq 0 ]; then echo "nothing to stop: no service started by make demo is recorded"; fi
