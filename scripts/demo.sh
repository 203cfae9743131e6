#!/usr/bin/env bash
# `make demo`: everything offline — a local PostgreSQL under .data/ (unless DATABASE_URL is set),
# the portal sandbox and a Selenium Grid (unless SELENIUM_URL is set) — then the three crawls of
# PCA 2025 for the sandbox's órgão, and a summary of what each stored. Services started here
# are stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

started=()
cleanup() {
  for service in "${started[@]}"; do
    case "$service" in
      sandbox) scripts/sandbox.sh stop ;;
      grid) scripts/grid.sh stop >/dev/null 2>&1 ;;
      pg) scripts/pg.sh stop ;;
    esac
  done
}
trap cleanup EXIT

# The demo runs on the sandbox with its demo credentials, whatever the developer's .env says.
set -a; . ./.env.example; set +a
export PROCUREMENT_ENV_FILE=/nonexistent/.env PNCP_REAL_ENABLED=false PGC_REAL_ENABLED=false
unset PNCP_BASE_URL DADOS_ABERTOS_BASE_URL COMPRASNET_BASE_URL PGC_BASE_URL

if [ -z "${DEMO_DATABASE_URL:-}" ]; then
  scripts/pg.sh status >/dev/null 2>&1 || started+=(pg)
  DATABASE_URL="$(scripts/pg.sh start | tail -n 1)"
else
  DATABASE_URL="$DEMO_DATABASE_URL"
fi
export DATABASE_URL
SANDBOX_PORT="${SANDBOX_URL##*:}"; export SANDBOX_PORT
started+=(sandbox); scripts/sandbox.sh start --story 1
# One story across PGC, the Formação do PCA and PNCP for the demo órgão (sandbox/story.py),
# also when a sandbox was already running.
.venv/bin/python -c 'import json, sys, urllib.request; urllib.request.urlopen(urllib.request.Request(
    sys.argv[1] + "/__sandbox__/story", data=json.dumps({"versao": 1}).encode(),
    headers={"Content-Type": "application/json"}), timeout=30).read()' "$SANDBOX_URL"
if [ -z "${DEMO_SELENIUM_URL:-}" ]; then
  scripts/grid.sh status >/dev/null 2>&1 || started+=(grid)
  scripts/grid.sh start
  SELENIUM_URL="http://${GRID_HOST:-127.0.0.1}:${GRID_PORT:-4444}"
else
  SELENIUM_URL="$DEMO_SELENIUM_URL"
fi
export SELENIUM_URL

run() {
  echo
  echo "==> scrapy crawl $*"
  .venv/bin/scrapy crawl "$@" -s LOG_LEVEL=WARNING
}
run pncp -a ano=2025 -O .data/demandas-pncp-2025.json
run pgc -a ano=2025 -O .data/demandas-pgc-2025.json
run pncp -a ano=2025 -a fonte=pgc -O .data/demandas-formacao-2025.json

echo
echo "==> what was stored (scrapy resumo --ultimas 3)"
echo
.venv/bin/scrapy resumo --ultimas 3
echo "Feeds: .data/demandas-pncp-2025.json .data/demandas-pgc-2025.json .data/demandas-formacao-2025.json"

echo
echo "==> the workbook and the reconciliation (scrapy planilha -a ano=2025 -O .data/pca-2025.xlsx)"
echo
.venv/bin/scrapy planilha -a ano=2025 -O .data/pca-2025.xlsx
echo "Each DFD across the sources: .venv/bin/scrapy geral -a ano=2025"
