"""The reports at scale, in one run, on the real PostgreSQL; prints seconds, peak RSS and ratios.

A fresh database gets, for two órgãos, three successful coletas of PCA 2025 each (PGC, Formação
do PCA, PNCP), written by the project's COPY path; most DFDs are in all three sources, some
only in one, 1-2% with other values or dates, so every finding occurs.

1. `geral` over `--rows` demandas per source (default 100,000; órgão A): the reconciliation
   select, every row fetched through SQLAlchemy (streamed);
2. `scrapy planilha` (a subprocess, as users run it) for an órgão with `--workbook-rows`
   demandas in all (default 100,000; órgão B): wall and CPU seconds, the process's peak RSS
   (target < 300 MB: XlsxWriter's constant-memory mode and streamed query results);
3. for each, the floor: `COPY (SELECT … the same demandas …) TO STDOUT`, read and discarded.

CPU seconds are printed beside wall time: on a shared machine the wall time mostly measures
the other processes.

    .venv/bin/python -m bench.reports [--rows 100000] [--workbook-rows 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg

from procurement_spiders.reports.arguments import GeralRequest
from procurement_spiders.reports.engine import report_engine
from procurement_spiders.reports.fontes import coleta_by_id
from procurement_spiders.reports.run import geral_rows
from procurement_spiders.storage.coletas import copy_demandas, finish_coleta, open_coleta
from procurement_spiders.storage.migrations import apply_migrations

ROOT = Path(__file__).resolve().parents[1]

CNPJ = "00394452000103"  # órgão A: geral
CNPJ_B = "00394544000185"  # órgão B: the workbook
UASG = "110511"


ORGAO = {"cnpj": CNPJ}


def _row(chave, dfd, contratacao, descricao, valor, inicio, fim, status):
    return (
        chave,
        dfd,
        contratacao,
        descricao,
        valor,
        inicio,
        fim,
        None,
        None,
        status,
        "Material",
        "COORDENAÇÃO DE LOGÍSTICA",
        UASG,
        ORGAO["cnpj"],
        None,
    )


def pgc_rows(n: int):
    for i in range(1, n + 1):
        situacao = "Cancelado" if i % 97 == 0 else "Consolidado"
        valor = Decimal(i % 50000) + Decimal("0.25")
        yield _row(f"{i}/2025", f"{i}/2025", None, f"Aquisição de material, lote {i}", valor, None, None, situacao)


def formacao_rows(n: int):
    start = date(2025, 2, 1)
    for i in range(1, n + 1):
        dfd = f"{i}/2025" if i % 50 else f"{n + i}/2025"  # 2% name a DFD PGC does not list
        valor = Decimal(i % 50000) + Decimal("0.25")
        inicio = start + timedelta(days=i % 300)
        yield _row(
            f"{UASG}-{i}/2025",
            dfd,
            f"{UASG}-{i}/2025",
            f"{dfd} - Aquisição de material, lote {i}",
            valor,
            inicio,
            inicio + timedelta(days=90),
            "APROVADA" if i % 10 else "PENDENTE",
        )


def pncp_rows(n: int):
    start = date(2025, 2, 1)
    for i in range(1, n + 1):
        if i % 40 == 0:
            continue  # approved in the Formação, not published
        dfd = f"{i}/2025" if i % 30 else None
        valor = Decimal(i % 50000) + Decimal("0.25") + (Decimal("10") if i % 100 == 0 else 0)
        inicio = start + timedelta(days=i % 300 + (30 if i % 101 == 0 else 0))
        yield _row(
            f"{UASG}/1|{UASG}-{i}/2025|{dfd or ''}",
            dfd,
            f"{UASG}-{i}/2025",
            "AQUISIÇÃO DE MATERIAL.",
            valor,
            inicio,
            inicio + timedelta(days=90),
            "PUBLICADO",
        )
    for i in range(n // 40):
        yield _row(
            f"{UASG}/1|{UASG}-{n + i + 1}/2025|",
            None,
            f"{UASG}-{n + i + 1}/2025",
            "AQUISIÇÃO AVULSA.",
            Decimal("100.00"),
            None,
            None,
            "PUBLICADO",
        )


def load(url: str, rows: int, cnpj: str) -> dict[str, int]:
    ids = {}
    ORGAO["cnpj"] = cnpj
    with psycopg.connect(url) as conn:
        sources = (
            ("PGC", "pgc", None, pgc_rows),
            ("FORMACAO", "pncp", "pgc", formacao_rows),
            ("PNCP", "pncp", "portal", pncp_rows),
        )
        for fonte, spider, fonte_dados, make in sources:
            dados = {"argumentos": {"ano": 2025, "fonte_dados": fonte_dados}}
            cid = open_coleta(
                conn,
                fonte="PGC" if fonte == "PGC" else "PNCP",
                ano_referencia=2025,
                spider=spider,
                job_id=None,
                orgao_cnpj=cnpj,
                dados=dados,
            )
            copy_demandas(conn, cid, make(rows))
            finish_coleta(conn, cid, status="success", dados={})
            ids[fonte] = cid
        conn.execute("ANALYZE demandas")
        conn.commit()
    return ids


def copy_floor(url: str, ids: dict[str, int]) -> tuple[float, int]:
    started = time.perf_counter()
    size = 0
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        query = f"COPY (SELECT * FROM demandas WHERE coleta_id IN ({','.join(str(i) for i in ids.values())})) TO STDOUT"
        with cur.copy(query) as copy:
            for block in copy:
                size += len(block)
    return time.perf_counter() - started, size


def geral_time(url: str, ids: dict[str, int]) -> tuple[float, float, int]:
    engine = report_engine(url)
    cpu = time.process_time()
    started = time.perf_counter()
    with engine.connect() as conn:
        coletas = {f: coleta_by_id(conn, cid) for f, cid in ids.items()}
        req = GeralRequest(2025, CNPJ, None, Decimal("0.01"), coletas)
        count = sum(1 for _ in geral_rows(conn, req))
    engine.dispose()
    return time.perf_counter() - started, time.process_time() - cpu, count


def planilha(url: str, out: Path) -> tuple[float, float, float, str]:
    env = dict(os.environ, DATABASE_URL=url, ORGAO_CNPJ=CNPJ_B, PROCUREMENT_ENV_FILE="/nonexistent/.env")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "scrapy"), "planilha", "-a", "ano=2025", "-O", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"scrapy planilha failed:\n{result.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the only child: its peak RSS is ours
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    sheets = next(line for line in result.stdout.splitlines() if line.startswith("Planilha "))
    return seconds, cpu, after.ru_maxrss / 1024, sheets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="demandas per source for geral")
    parser.add_argument("--workbook-rows", type=int, default=100_000, help="demandas in the workbook")
    default_url = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database-url", default=default_url, help="a server where a database may be created")
    args = parser.parse_args()
    name = f"bench_reports_{uuid.uuid4().hex[:8]}"
    admin = args.database_url
    url = f"{admin.rpartition('/')[0]}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        apply_migrations(url)
        started = time.perf_counter()
        ids = load(url, args.rows, CNPJ)
        ids_b = load(url, -(-args.workbook_rows // 3), CNPJ_B)
        print(
            f"loaded {args.rows:,} demandas per source (órgão A) and {args.workbook_rows:,} in all (órgão B) "
            f"in {time.perf_counter() - started:.1f} s; wall seconds (CPU seconds of the report process)"
        )
        floor, size = copy_floor(url, ids)
        g_wall, g_cpu, g_rows = geral_time(url, ids)
        floor_b, size_b = copy_floor(url, ids_b)
        with tempfile.TemporaryDirectory() as tmp:
            w_wall, w_cpu, w_rss, sheets = planilha(url, Path(tmp) / "pca.xlsx")
            w_size = (Path(tmp) / "pca.xlsx").stat().st_size
        print(f"geral, {args.rows:,} demandas per source:")
        print(f"  COPY … TO (the floor)  {floor:7.2f} s                {size / 1e6:6.1f} MB of rows")
        print(
            f"  geral                  {g_wall:7.2f} s ({g_cpu:6.2f} CPU)  {g_rows:,} rows   "
            f"ratio to the floor {g_wall / floor:5.1f}x"
        )
        print(f"workbook, {args.workbook_rows:,} demandas:")
        print(f"  COPY … TO (the floor)  {floor_b:7.2f} s                {size_b / 1e6:6.1f} MB of rows")
        print(
            f"  scrapy planilha        {w_wall:7.2f} s ({w_cpu:6.2f} CPU)  peak RSS {w_rss:4.0f} MB "
            f"({'under' if w_rss < 300 else 'OVER'} the 300 MB target), {w_size / 1e6:.1f} MB file   "
            f"ratio to the floor {w_wall / floor_b:5.1f}x"
        )
        print(f"  {sheets}")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
