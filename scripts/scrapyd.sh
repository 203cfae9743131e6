#!/usr/bin/env bash
# Start scrapyd for this project in the foreground: scripts/scrapyd.sh
#
# scrapyd runs from its own working folder (default .data/scrapyd, holding eggs/, logs/, dbs/),
# never from the repository root: the root on the import path would shadow the deployed eggs.
# Configuration: the repository's scrapyd.conf, plus the environment (SCRAPYD_USERNAME,
# SCRAPYD_PASSWORD, API_HOST / API_PORT or SCRAPYD_BIND_ADDRESS / SCRAPYD_HTTP_PORT, DATABASE_URL…).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
workdir=${SCRAPYD_WORKDIR:-$root/.data/scrapyd}
python=${PYTHON:-$root/.venv/bin/python}
[ -x "$python" ] || python=python3
mkdir -p "$workdir"
cp "$root/scrapyd.conf" "$workdir/scrapyd.conf"
# An empty scrapy.cfg of its own: otherwise scrapyd would find the repository's (one level up) and
# offer its [settings] project "default", running straight from the working tree.
printf '# scrapyd working folder: projects come from deployed eggs (scrapyd-deploy)\n' > "$workdir/scrapy.cfg"
cd "$workdir"
export PYTHONPATH="$root/deploy/scrapyd${PYTHONPATH:+:$PYTHONPATH}"
export PROCUREMENT_ENV_FILE=${PROCUREMENT_ENV_FILE:-$root/.env}
exec "$python" -m scrapyd "$@"
