#!/usr/bin/env bash
# The web app (python -m procurement_spiders.web) in the background, for `make demo`.
# Usage: scripts/web.sh start|stop|status    (`make web` runs it in the foreground instead)
# Address: API_HOST / API_PORT (127.0.0.1:8000); the rest of its settings come from the
# environment as for `make web`. Pid and log: .data/web-<port>.{pid,log}. `start` waits until
# GET /health answers (200, or 503 when a part is down: the app is up either way) and reuses an
# app already answering there; `stop` stops only the process it started.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST="${API_HOST:-127.0.0.1}"
PORT="${API_PORT:-8000}"
URL="http://$HOST:$PORT"
PIDFILE=".data/web-$PORT.pid" LOG=".data/web-$PORT.log"
mkdir -p .data

answers() {  # any HTTP answer from /health
  local code; code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$URL/health" 2>/dev/null) || true
  [ "$code" = 200 ] || [ "$code" = 503 ]
}

running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid; pid=$(cat "$PIDFILE")
  [[ "$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" == *"-m procurement_spiders.web"* ]] && echo "$pid"
}

case "${1:-}" in
  start)
    if pid=$(running_pid) && answers; then echo "web app already running at $URL (pid $pid)"; exit 0; fi
    if answers; then echo "web app already answering at $URL (not started by this script)"; exit 0; fi
    API_HOST="$HOST" API_PORT="$PORT" setsid .venv/bin/python -m procurement_spiders.web >"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 150); do
      if answers; then echo "web app ready at $URL (pid $(cat "$PIDFILE"), log $LOG)"; exit 0; fi
      running_pid >/dev/null || break
      sleep 0.2
    done
    echo "web app did not start; last log lines:" >&2; tail -20 "$LOG" >&2
    "$0" stop >/dev/null; exit 1
    ;;
  stop)
    if pid=$(running_pid); then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -KILL "$pid" 2>/dev/null || true
      echo "web app stopped (pid $pid)"
    else
      echo "web app not running (no live pid in $PIDFILE)"
    fi
    rm -f "$PIDFILE"
    # an app on another port (a test's) leaves nothing behind; the default one keeps its log
    if [ "$PORT" != 8000 ]; then rm -f "$LOG"; fi
    ;;
  status)
    answers
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
