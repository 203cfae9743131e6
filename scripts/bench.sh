#!/usr/bin/env bash
# `make bench`: every benchmark under bench/, one after another (each prints its figures and ratios).
set -euo pipefail
cd "$(dirname "$0")/.."
for bench in bench.storage bench.browser bench.pgc bench.reports; do
  echo "==> python -m $bench"
  .venv/bin/python -m "$bench"
  echo
done
