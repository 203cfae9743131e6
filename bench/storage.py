"""Store 100,000 demandas three ways, in one run, on the real PostgreSQL; print rows/s and ratios.

1. the project's pipeline path: a real Scrapy crawl whose callback yields the demandas as the
   `pncp` spider does (Decimals, ISO dates, `detalhes` with items), through ValidationPipeline
   and PostgresPipeline (COPY in batches of POSTGRES_BATCH_SIZE, one commit per batch);
2. plain psycopg COPY with `write_row` of ready-made tuples, one transaction;
3. one INSERT per row, one transaction.

Each method writes into its own coleta of a fresh database with the project's migrations (so
the triggers and constraints are the same). The pipeline figure is timed from the first item
to the end of the last COPY, inside the crawl process.

    .venv/bin/python -m bench.storage [--rows 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg

from bench._storage_crawl import BenchSpider
from bench.demandas import make_demanda
from procurement_spiders.items import DEMANDA_COLUMNS
from procurement_spiders.storage.coletas import copy_demandas, demanda_row, open_coleta
from procurement_spiders.storage.migrations import apply_migrations

ROOT = Path(__file__).resolve().parents[1]


# -- method 1: the pipeline path, in a crawl subprocess --------------------------------------


def pipeline_path(url: str, rows: int) -> tuple[float, int]:
    env = {"DATABASE_URL": url, "PROCUREMENT_ENV_FILE": "/nonexistent/.env", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-m", "bench._storage_crawl", str(rows)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"pipeline crawl failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["seconds"], result["stored"]


def pipeline_direct(url: str, rows: int) -> tuple[float, int]:
    """The project's two pipelines called as Scrapy calls them, without the engine around them."""
    import asyncio

    from scrapy.utils.test import get_crawler

    from procurement_spiders.extensions.coleta import ColetaRecorder
    from procurement_spiders.pipelines.postgres import PostgresPipeline
    from procurement_spiders.pipelines.validation import ValidationPipeline
    from procurement_spiders.settings import POSTGRES_BATCH_SIZE

    async def run() -> tuple[float, int]:
        crawler = get_crawler(BenchSpider, {"DATABASE_URL": url, "POSTGRES_BATCH_SIZE": POSTGRES_BATCH_SIZE})
        crawler.spider = BenchSpider.from_crawler(crawler)
        validation = ValidationPipeline.from_crawler(crawler)
        storage = PostgresPipeline.from_crawler(crawler)
        await storage.open_spider()
        start = time.perf_counter()
        for i in range(rows):
            await storage.process_item(validation.process_item(make_demanda(i)))
        await storage.close_spider()
        seconds = time.perf_counter() - start
        await ColetaRecorder.of(crawler).spider_closed(crawler.spider, "finished")  # writes the record
        return seconds, storage.stored

    return asyncio.run(run())


# -- methods 2 and 3 ---------------------------------------------------------------------------


def prepared_rows(rows: int) -> list[tuple]:
    from procurement_spiders.pipelines.validation import validate

    return [demanda_row(validate(make_demanda(i))) for i in range(rows)]


def new_coleta(conn: psycopg.Connection) -> int:
    return open_coleta(
        conn, fonte="PNCP", ano_referencia=2025, spider="bench", job_id=None, orgao_cnpj="00394452000103", dados={}
    )


def plain_copy(url: str, rows: list[tuple]) -> tuple[float, int]:
    with psycopg.connect(url, autocommit=True) as conn:
        coleta = new_coleta(conn)
        start = time.perf_counter()
        written = copy_demandas(conn, coleta, rows)
        return time.perf_counter() - start, written


def insert_per_row(url: str, rows: list[tuple]) -> tuple[float, int]:
    placeholders = ", ".join(["%s"] * (len(DEMANDA_COLUMNS) + 1))
    sql = f"INSERT INTO demandas (coleta_id, {', '.join(DEMANDA_COLUMNS)}) VALUES ({placeholders})"
    with psycopg.connect(url, autocommit=True) as conn:
        coleta = new_coleta(conn)
        start = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            for row in rows:
                cur.execute(sql, (coleta, *row))
        return time.perf_counter() - start, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        help="a server where a scratch database may be created "
        "(default: the project's .data/ cluster, started if needed)",
    )
    args = parser.parse_args()
    admin = (
        args.database_url
        or subprocess.run([str(ROOT / "scripts" / "pg.sh"), "start"], check=True, capture_output=True, text=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    try:
        apply_migrations(url)
        rows = prepared_rows(args.rows)
        results = {
            "pipeline path (validation + COPY batches)": pipeline_direct(url, args.rows),
            "same, inside a whole Scrapy crawl (engine overhead)": pipeline_path(url, args.rows),
            "plain COPY write_row": plain_copy(url, rows),
            "INSERT per row": insert_per_row(url, rows),
        }
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"storing {args.rows:,} demandas (PostgreSQL, loopback TCP)")
    rates = {}
    for label, (seconds, written) in results.items():
        assert written == args.rows, f"{label}: wrote {written} of {args.rows}"
        rates[label] = written / seconds
        print(f"  {label:<50} {seconds:8.2f} s  {rates[label]:>10,.0f} rows/s")
    pipeline, crawl, copy, insert = rates.values()
    print(f"  ratio COPY/INSERT per row: {copy / insert:.1f};  whole crawl/COPY: {crawl / copy:.2f}")
    print(f"ratio pipeline/COPY: {pipeline / copy:.2f}  (target >= 0.5)")


if __name__ == "__main__":
    main()
