#!/usr/bin/env bash
# The portal sandbox on SANDBOX_PORT (default 8800), in the background.
# Usage: scripts/sandbox.sh start [extra args for python -m sandbox]|stop
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${SANDBOX_PORT:-8800}"
PIDFILE=.data/sandbox.pid
mkdir -p .data
case "${1:-}" in
  start)
    shift
    if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then exit 0; fi
    .venv/bin/python -m sandbox --port "$PORT" "$@" >.data/sandbox.log 2>&1 &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 100); do
      if .venv/bin/python - "$PORT" <<'PY' 2>/dev/null; then exit 0; fi
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/__sandbox__/health", timeout=1)
PY
      sleep 0.2
    done
    echo "sandbox did not start; see .data/sandbox.log" >&2; exit 1
    ;;
  stop)
    if [ -f "$PIDFILE" ]; then kill "$(cat "$PIDFILE")" 2>/dev/null || true; rm -f "$PIDFILE"; fi
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
