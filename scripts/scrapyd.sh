#!/usr/bin/env bash
# scrapyd for this project:
#   scripts/scrapyd.sh [scrapyd args]   in the foreground (`make scrapyd`)
#   scripts/scrapyd.sh start|stop       in the background (`make demo`), pid in <workdir>/scrapyd.pid
#   scripts/scrapyd.sh deploy           build the egg from a clean copy of the sources and upload it
#
# scrapyd runs from its own working folder (default .data/scrapyd, holding eggs/, logs/, dbs/),
# never from the repository root: the root on the import path would shadow the deployed eggs.
# Configuration: the repository's scrapyd.conf, plus the environment (SCRAPYD_USERNAME,
# SCRAPYD_PASSWORD, SCRAPYD_BIND_ADDRESS / SCRAPYD_HTTP_PORT, DATABASE_URL…; 127.0.0.1:6800 by
# default). API_HOST / API_PORT are the web app's, started beside it: they never move scrapyd.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
workdir=${SCRAPYD_WORKDIR:-$root/.data/scrapyd}
python=${PYTHON:-$root/.venv/bin/python}
[ -x "$python" ] || python=python3
bind=${SCRAPYD_BIND_ADDRESS:-127.0.0.1}
port=${SCRAPYD_HTTP_PORT:-6800}
url="http://$bind:$port"
pidfile="$workdir/scrapyd.pid"
auth=()
if [ -n "${SCRAPYD_USERNAME:-}" ]; then auth=(-u "$SCRAPYD_USERNAME:${SCRAPYD_PASSWORD:-}"); fi

prepare() {
  mkdir -p "$workdir"
  cp "$root/scrapyd.conf" "$workdir/scrapyd.conf"
  # An empty scrapy.cfg of its own: otherwise scrapyd would find the repository's (one level up) and
  # offer its [settings] project "default", running straight from the working tree.
  printf '# scrapyd working folder: projects come from deployed eggs (scrapyd-deploy)\n' >"$workdir/scrapy.cfg"
  export PYTHONPATH="$root/deploy/scrapyd${PYTHONPATH:+:$PYTHONPATH}"
  export PROCUREMENT_ENV_FILE=${PROCUREMENT_ENV_FILE:-$root/.env}
  unset SCRAPY_SETTINGS_MODULE SCRAPY_PROJECT SCRAPYD_EGG_VERSION
}

running_pid() {  # the pid of the scrapyd this script started, if it still runs
  [ -f "$pidfile" ] || return 1
  local pid; pid=$(cat "$pidfile")
  [[ "$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" == *"-m scrapyd"* ]] && echo "$pid"
}

answers() { curl -fsS --max-time 3 "${auth[@]}" -o /dev/null "$url/daemonstatus.json" 2>/dev/null; }

start() {
  if pid=$(running_pid) && answers; then echo "scrapyd already running at $url (pid $pid)"; return 0; fi
  if answers; then echo "scrapyd already answering at $url (not started by this script)"; return 0; fi
  prepare
  cd "$workdir"
  # setsid: its own process group, so `stop` ends scrapyd and the crawls it launched.
  SCRAPYD_BIND_ADDRESS="$bind" SCRAPYD_HTTP_PORT="$port" setsid "$python" -m scrapyd >>scrapyd.log 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 150); do
    if answers; then echo "scrapyd ready at $url (pid $(cat "$pidfile"), log $workdir/scrapyd.log)"; return 0; fi
    running_pid >/dev/null || break
    sleep 0.2
  done
  echo "scrapyd did not start; last log lines:" >&2; tail -20 "$workdir/scrapyd.log" >&2
  stop >/dev/null; exit 1
}

stop() {
  local pid
  if ! pid=$(running_pid); then rm -f "$pidfile"; echo "scrapyd not running (no live pid in $pidfile)"; return 0; fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$pidfile"
  echo "scrapyd stopped (pid $pid)"
}

deploy() {
  # From a copy of what packaging reads, so the build leaves no build/ or *.egg-info in the tree.
  local src; src=$(mktemp -d)
  trap 'rm -rf "$src"' RETURN
  tar -C "$root" --exclude=__pycache__ --exclude='*.pyc' --exclude='*.egg-info' \
    -cf - procurement_spiders pyproject.toml setup.py scrapy.cfg | tar -C "$src" -xf -
  (cd "$src" && env -u SCRAPY_SETTINGS_MODULE -u SCRAPY_PROJECT SCRAPYD_URL="$url" \
    "$(dirname "$python")/scrapyd-deploy" env -p procurement_spiders >"$src/deploy.log" 2>&1) || {
    echo "scrapyd-deploy to $url failed:" >&2; tail -20 "$src/deploy.log" >&2; return 1
  }
  echo "procurement_spiders deployed to $url"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  deploy) deploy ;;
  *)
    prepare
    cd "$workdir"
    exec "$python" -m scrapyd "$@"
    ;;
esac
