#!/usr/bin/env bash
# The portal sandbox on SANDBOX_PORT (default 8800), in the background.
# Usage: scripts/sandbox.sh start [extra args for python -m sandbox]|stop|status
# Pid and log go to .data/sandbox.{pid,log} (.data/sandbox-<port>.* on another port), so a sandbox on
# another port (a test's) never touches the default one. `start` reuses a sandbox already
# answering on the port (one it did not start is then left alone by `stop`).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${SANDBOX_PORT:-8800}"
if [ "$PORT" = 8800 ]; then NAME=sandbox; else NAME="sandbox-$PORT"; fi
PIDFILE=".data/$NAME.pid" LOG=".data/$NAME.log"
mkdir -p .data
answers() {
  .venv/bin/python - "$PORT" <<'PY' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/__sandbox__/health", timeout=1)
PY
}
case "${1:-}" in
  start)
    shift
    if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then exit 0; fi
    if answers; then exit 0; fi
    .venv/bin/python -m sandbox --port "$PORT" "$@" >"$LOG" 2>&1 &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 100); do
      if answers; then exit 0; fi
      kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break
      sleep 0.2
    done
    rm -f "$PIDFILE"
    echo "sandbox did not start; see $LOG" >&2; exit 1
    ;;
  stop)
    if [ -f "$PIDFILE" ]; then
      pid="$(cat "$PIDFILE")"
      # only our sandbox: a pid reused by another program is left alone
      if [[ "$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" == *"-m sandbox"* ]]; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done  # its port is free after
        kill -KILL "$pid" 2>/dev/null || true
        stopped="sandbox stopped (pid $pid, port $PORT)"
      fi
      rm -f "$PIDFILE"
    fi
    echo "${stopped:-sandbox not running (no live pid in $PIDFILE)}"
    # a sandbox on another port (a test's) leaves nothing behind; the default one keeps its log
    if [ "$PORT" != 8800 ]; then rm -f "$LOG"; fi
    ;;
  status)
    answers
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
