#!/usr/bin/env bash
# `make bench`: every benchmark under bench/, one after another (each prints its figures and ratios).
set -euo pipefail
cd "$(dirname "$0")/.."
for bench in bench/storage.py bench/browser.py bench/pgc.py bench/reports.py; do
  echo "==> $bench"
  .venv/bin/python "$bench"
  echo
done
