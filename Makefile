# procurement_spiders — the two commands that must always work on a fresh Debian 12 machine
# (as root): `make demo` and `make test`. Both install what is missing first (`make setup`).

SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help setup demo test lint test-fast migrate sandbox grid-start grid-stop pg-start pg-stop \
        backup restore bench scrapyd scheduler deploy health web stop

help:
	@echo "make setup     install Debian packages, .venv and the Grid jar (idempotent)"
	@echo "make demo      local PostgreSQL + sandbox + Grid, run the crawls, print what they stored, then"
	@echo "               leave scrapyd and the web app running and print the page's URL and demo login"
	@echo "make stop      stop what make demo started (recorded in .data/demo.started), nothing else"
	@echo "make test      the whole test suite (unit, integration, e2e) on real parts"
	@echo "make lint      ruff (lint + format check), mypy on procurement_spiders/, no import cycles"
	@echo "make migrate   apply pending migrations to DATABASE_URL"
	@echo "make backup    pg_dump DATABASE_URL to backups/   make restore FILE=backups/….sql.gz"
	@echo "make bench     the benchmarks under bench/"
	@echo "make web       the web app at API_HOST:API_PORT (127.0.0.1:8000)"

setup:
	@scripts/setup.sh

demo: setup
	@scripts/demo.sh
stop:
	@scripts/stop.sh

test: setup
	@scripts/test.sh

# Configured in pyproject.toml. To apply what ruff can fix: .venv/bin/ruff format . && .venv/bin/ruff check --fix .
lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports

migrate: setup
	@.venv/bin/scrapy migrate

pg-start:
	@scripts/pg.sh start
pg-stop:
	@scripts/pg.sh stop
sandbox:
	@.venv/bin/python -m sandbox
grid-start:
	@scripts/grid.sh start
grid-stop:
	@scripts/grid.sh stop

backup:
	@scripts/backup.sh $(FILE)
restore:
	@scripts/restore.sh $(FILE) $(if $(YES),--yes,)

deploy: setup
	@.venv/bin/scrapyd-deploy $(if $(SCRAPYD_URL),env) -p procurement_spiders
health:
	@.venv/bin/scrapy health

scrapyd: setup
	@scripts/scrapyd.sh
scheduler: setup
	@.venv/bin/python -m procurement_spiders.scheduler --schedule schedules.toml

bench: setup
	@scripts/bench.sh

web: setup
	@.venv/bin/python -m procurement_spiders.web
