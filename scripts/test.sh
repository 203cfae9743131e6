#!/usr/bin/env bash
# `make test`: start what the suite needs (PostgreSQL under .data/, a Selenium Grid), run the
# whole suite, stop what was started. TEST_DATABASE_URL (a server where tests may create
# databases) and SELENIUM_URL are used instead when given. Extra pytest arguments: PYTEST_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."

started_pg=0 started_grid=0
cleanup() {
  [ "$started_grid" = 1 ] && scripts/grid.sh stop >/dev/null 2>&1 || true
  [ "$started_pg" = 1 ] && scripts/pg.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  scripts/pg.sh status >/dev/null 2>&1 || started_pg=1
  TEST_DATABASE_URL="$(scripts/pg.sh start | tail -n 1)"
  export TEST_DATABASE_URL
fi
if [ -z "${SELENIUM_URL:-}" ]; then
  scripts/grid.sh status >/dev/null 2>&1 || started_grid=1
  scripts/grid.sh start
  SELENIUM_URL="http://${GRID_HOST:-127.0.0.1}:${GRID_PORT:-4444}"
  export SELENIUM_URL
fi
echo "PostgreSQL for tests: ${TEST_DATABASE_URL%%\?*}   Selenium Grid: $SELENIUM_URL"

# The developer's .env must not leak into tests: each test sets what it needs.
# pytest's options (markers, warnings, no cache) are in pyproject.toml.
export PROCUREMENT_ENV_FILE=/nonexistent/.env
.venv/bin/python -m pytest ${PYTEST_ARGS:-} tests
