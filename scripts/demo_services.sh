# Sourced by scripts/demo.sh (and tests/integration/test_demo_stop.py): start each service the
# demo needs unless one already answers, and record what was started in $DEMO_RUN_STATE, one line
# per service, "<name> KEY=value…": what scripts/stop.sh needs to stop exactly that one. The line
# is written before the start, so a demo killed during a start still has it recorded (stopping
# is idempotent). A service found running is reused and not recorded: the demo leaves it alone.
# Needs: the repository root as working directory; DEMO_RUN_STATE set.

demo_record() { echo "$*" >>"$DEMO_RUN_STATE"; }

demo_start_pg() {  # prints the DATABASE_URL last
  if scripts/pg.sh status >/dev/null 2>&1; then
    echo "PostgreSQL already running (.data/pg): reused" >&2
  else
    demo_record pg "LOCAL_PG_PORT=${LOCAL_PG_PORT:-55432}"
  fi
  scripts/pg.sh start | tail -n 1
}

demo_start_sandbox() {  # SANDBOX_PORT; extra arguments go to python -m sandbox
  if SANDBOX_PORT="$SANDBOX_PORT" scripts/sandbox.sh status; then
    echo "sandbox already answering on port $SANDBOX_PORT: reused"
  else
    demo_record sandbox "SANDBOX_PORT=$SANDBOX_PORT"
    SANDBOX_PORT="$SANDBOX_PORT" scripts/sandbox.sh start "$@"
  fi
}

demo_start_grid() {  # GRID_HOST, GRID_PORT
  if curl -fsS --max-time 3 -o /dev/null "http://${GRID_HOST:-127.0.0.1}:${GRID_PORT:-4444}/status" 2>/dev/null; then
    echo "Selenium Grid already answering on port ${GRID_PORT:-4444}: reused"
  else
    demo_record grid "GRID_HOST=${GRID_HOST:-127.0.0.1}" "GRID_PORT=${GRID_PORT:-4444}"
    scripts/grid.sh start
  fi
}

demo_start_scrapyd() {  # SCRAPYD_BIND_ADDRESS, SCRAPYD_HTTP_PORT, SCRAPYD_WORKDIR; then deploys the project
  local bind="${SCRAPYD_BIND_ADDRESS:-127.0.0.1}" port="${SCRAPYD_HTTP_PORT:-6800}"
  local workdir="${SCRAPYD_WORKDIR:-$PWD/.data/scrapyd}"
  if curl -sS --max-time 3 -o /dev/null "http://$bind:$port/daemonstatus.json" 2>/dev/null; then
    echo "scrapyd already answering on port $port: reused"
  else
    demo_record scrapyd "SCRAPYD_BIND_ADDRESS=$bind" "SCRAPYD_HTTP_PORT=$port" "SCRAPYD_WORKDIR=$workdir"
    SCRAPYD_BIND_ADDRESS="$bind" SCRAPYD_HTTP_PORT="$port" SCRAPYD_WORKDIR="$workdir" scripts/scrapyd.sh start
  fi
  SCRAPYD_BIND_ADDRESS="$bind" SCRAPYD_HTTP_PORT="$port" scripts/scrapyd.sh deploy
}

demo_start_web() {  # API_HOST, API_PORT; the app's settings from the environment
  local host="${API_HOST:-127.0.0.1}" port="${API_PORT:-8000}"
  if API_HOST="$host" API_PORT="$port" scripts/web.sh status; then
    echo "web app already answering on port $port: reused"
  else
    demo_record web "API_HOST=$host" "API_PORT=$port"
    API_HOST="$host" API_PORT="$port" scripts/web.sh start
  fi
}
