#!/usr/bin/env bash
# `make demo`: everything offline — a local PostgreSQL under .data/ (unless DEMO_DATABASE_URL is
# set), the portal sandbox and a Selenium Grid (unless DEMO_SELENIUM_URL is set) — then the three
# crawls of PCA 2025 for the sandbox's órgão and a summary of what each stored; then scrapyd (the
# project deployed to it) and the web app, whose URL and demo login it prints last.
#
# A successful demo leaves what it started running, recorded in .data/demo.started, until
# `make stop` (scripts/stop.sh). A demo that fails stops what it started. Services already running
# are reused and left alone, so a second `make demo` reuses the first one's.
# Ports (environment): LOCAL_PG_PORT (55432), SANDBOX_URL (http://127.0.0.1:8800), GRID_PORT
# (4444), SCRAPYD_HTTP_PORT (6800), API_HOST / API_PORT (127.0.0.1:8000).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .data
STATE="${DEMO_STATE:-.data/demo.started}"
OUT="${DEMO_OUTPUT_DIR:-.data}"   # the feeds and the workbook
mkdir -p "$OUT"
export DEMO_RUN_STATE="$STATE.$$"  # this run's services; joins $STATE when the demo succeeds
: >"$DEMO_RUN_STATE"
. scripts/demo_services.sh

succeeded=false
finish() {
  if $succeeded; then
    cat "$DEMO_RUN_STATE" >>"$STATE"; rm -f "$DEMO_RUN_STATE"
  else
    echo "demo failed: stopping what it started" >&2
    scripts/stop.sh "$DEMO_RUN_STATE" >&2
  fi
}
trap finish EXIT

# The demo runs on the sandbox with its demo credentials, whatever the developer's .env says;
# only the addresses given in the environment are kept.
kept=()
for name in SANDBOX_URL API_HOST API_PORT; do
  if [ -n "${!name:-}" ]; then kept+=("$name=${!name}"); fi
done
set -a; . ./.env.example; set +a
for assignment in "${kept[@]}"; do export "${assignment?}"; done
export PROCUREMENT_ENV_FILE=/nonexistent/.env PNCP_REAL_ENABLED=false PGC_REAL_ENABLED=false PGC_LOGIN_MODE=auto
unset PNCP_BASE_URL DADOS_ABERTOS_BASE_URL COMPRASNET_BASE_URL PGC_BASE_URL PGC_NOVNC_URL

if [ -z "${DEMO_DATABASE_URL:-}" ]; then
  DATABASE_URL="$(demo_start_pg)"
else
  DATABASE_URL="$DEMO_DATABASE_URL"
fi
export DATABASE_URL
SANDBOX_PORT="${SANDBOX_URL##*:}"; export SANDBOX_PORT
demo_start_sandbox --story 1
# One story across PGC, the Formação do PCA and PNCP for the demo órgão (sandbox/story.py),
# also when a sandbox was already running.
.venv/bin/python -c 'import json, sys, urllib.request; urllib.request.urlopen(urllib.request.Request(
    sys.argv[1] + "/__sandbox__/story", data=json.dumps({"versao": 1}).encode(),
    headers={"Content-Type": "application/json"}), timeout=30).read()' "$SANDBOX_URL"
if [ -z "${DEMO_SELENIUM_URL:-}" ]; then
  demo_start_grid
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
run pncp -a ano=2025 -O "$OUT/demandas-pncp-2025.json"
run pgc -a ano=2025 -O "$OUT/demandas-pgc-2025.json"
run pncp -a ano=2025 -a fonte=pgc -O "$OUT/demandas-formacao-2025.json"

echo
echo "==> what was stored (scrapy resumo --ultimas 3)"
echo
.venv/bin/scrapy resumo --ultimas 3
echo "Feeds: $OUT/demandas-pncp-2025.json $OUT/demandas-pgc-2025.json $OUT/demandas-formacao-2025.json"

echo
echo "==> the workbook and the reconciliation (scrapy planilha -a ano=2025 -O $OUT/pca-2025.xlsx)"
echo
.venv/bin/scrapy planilha -a ano=2025 -O "$OUT/pca-2025.xlsx"
echo "Each DFD across the sources: .venv/bin/scrapy geral -a ano=2025"

echo
echo "==> the web app, queuing its crawls in scrapyd (left running until make stop)"
echo
# scrapyd's crawls inherit this environment (DATABASE_URL, SELENIUM_URL, the sandbox's settings).
export SCRAPYD_BIND_ADDRESS=127.0.0.1 SCRAPYD_HTTP_PORT="${SCRAPYD_HTTP_PORT:-6800}"
export SCRAPYD_URL="http://127.0.0.1:$SCRAPYD_HTTP_PORT"
demo_start_scrapyd
# A demo-only operador, made once into .data/demo-web.env (random password, never a real secret).
if [ ! -s .data/demo-web.env ]; then
  (umask 077 && .venv/bin/python - >.data/demo-web.env.tmp <<'PY' && mv .data/demo-web.env.tmp .data/demo-web.env)
import secrets, shlex
from procurement_spiders.parsing.web_users import hash_password
password = secrets.token_urlsafe(9)
print("DEMO_WEB_USER=demo")
print(f"DEMO_WEB_PASSWORD={password}")
print("WEB_USERS=" + shlex.quote(f"demo:operador:{hash_password(password)}"))
print(f"WEB_SESSION_SECRET={secrets.token_urlsafe(32)}")
PY
fi
set -a; . .data/demo-web.env; set +a
API_HOST="${API_HOST:-127.0.0.1}" API_PORT="${API_PORT:-8000}"
web_was_ours=true
if API_HOST="$API_HOST" API_PORT="$API_PORT" scripts/web.sh status && [ ! -f ".data/web-$API_PORT.pid" ]; then
  web_was_ours=false
fi
demo_start_web

succeeded=true
echo
echo "The local Grid has no noVNC: the demo's PGC crawls log in by themselves on the sandbox (PGC_LOGIN_MODE=auto)."
if $web_was_ours; then
  echo "Página: http://$API_HOST:$API_PORT (usuário $DEMO_WEB_USER, senha $DEMO_WEB_PASSWORD) — make stop para parar"
else
  echo "Página: http://$API_HOST:$API_PORT (a web app that was already running, with its own users) — make stop para parar"
fi
