"""The coleta page under load: p50/p95 latency with 100,000 demandas, against the same SQL run directly.

A fresh database gets one successful coleta of `--rows` demandas (the project's COPY path). The
web app runs as users run it (`python -m procurement_spiders.web`, uvicorn, one process); `--clients`
logged-in clients (default 20) request the coleta page for `--seconds` (default 30), cycling through
sorted, filtered, searched and deep pages. The floor: the SQL the page runs for each request, built
by the same DemandasQuery on a connection as the page opens it (`reading`): the coleta's row by id and
the page of rows (the counts of a finished coleta are computed once and kept, as its demandas cannot
change, and the page query is given its count, as the page does), run directly by as many threads on
their own connections for as long. The ratio (page p95 / SQL p95) is printed last.

The clients share the machine with what they measure: the CPU each side used is printed too, in
cores over the run (the clients' own process, the web app's process, and the whole machine: what is
left is PostgreSQL and whatever else runs), with the load average.

    .venv/bin/python -m bench.web [--rows 100000] [--clients 20] [--seconds 30] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import requests
from sqlalchemy import create_engine, select

from procurement_spiders.parsing.web_users import hash_password
from procurement_spiders.reports.engine import sqlalchemy_url
from procurement_spiders.reports.tables import coletas
from procurement_spiders.storage.coletas import copy_demandas, finish_coleta, open_coleta
from procurement_spiders.storage.migrations import apply_migrations
from procurement_spiders.web.demandas_page import DemandasQuery
from procurement_spiders.web.queries import reading
from tests.support import free_port, wait_http

ROOT = Path(__file__).resolve().parents[1]

CNPJ = "00394452000103"
STATUSES = ("APROVADA", "PENDENTE", "REPROVADA", "CANCELADA")
# (query string, the same DemandasQuery): what a planner does on the page
MIX = [
    ("", DemandasQuery()),
    ("ordem=valor&desc=1", DemandasQuery(ordem="valor", desc=True)),
    ("situacao=PENDENTE&ordem=data_inicio", DemandasQuery(status="PENDENTE", ordem="data_inicio")),
    ("busca=lote+4242", DemandasQuery(busca="lote 4242")),
    ("ordem=dfd&pagina=1500", DemandasQuery(ordem="dfd", pagina=1500)),
    ("situacao=APROVADA&ordem=valor&pagina=40", DemandasQuery(status="APROVADA", ordem="valor", pagina=40)),
]


def rows(n: int):
    start = date(2025, 2, 1)
    for i in range(1, n + 1):
        inicio = start + timedelta(days=i % 300)
        yield (
            f"110511-{i}/2025",
            f"{i}/2025",
            f"110511-{i}/2025",
            f"Aquisição de material, lote {i}",
            Decimal(i * 7919 % 500000) + Decimal("0.25"),
            inicio,
            inicio + timedelta(days=90),
            None,
            None,
            STATUSES[i % len(STATUSES)],
            "Material",
            "COORDENAÇÃO DE LOGÍSTICA",
            "110511",
            CNPJ,
            None,
        )


def make_database(admin_url: str, n: int) -> tuple[str, int]:
    name = f"bench_web_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rpartition("/")[0] + "/" + name
    apply_migrations(url)
    with psycopg.connect(url, autocommit=True) as conn:
        coleta = open_coleta(
            conn, fonte="PNCP", ano_referencia=2025, spider="pncp", job_id=None, orgao_cnpj=CNPJ, dados={}
        )
        copy_demandas(conn, coleta, rows(n))
        finish_coleta(conn, coleta, status="success", dados={})
        # what autovacuum does after a large insert (PostgreSQL ≥ 13): statistics and the visibility map
        conn.execute("VACUUM ANALYZE demandas")
    return url, coleta


def run_clients(clients: int, seconds: float, one) -> list[float]:
    """`clients` threads calling `one(i)` for `seconds`; each call's latency in seconds."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(k: int):
        state = {}
        i = k
        while time.monotonic() < stop:
            t = time.perf_counter()
            one(i, state)
            elapsed = time.perf_counter() - t
            with lock:
                latencies.append(elapsed)
            i += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of this process (or of `pid`, from /proc), in seconds."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> float:
    """CPU seconds the whole machine spent busy since boot (all processes, /proc/stat)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # less idle and iowait


def cpu_meter(pid: int | None = None):
    """Starts measuring; the function returned gives the cores used since: by this process, by the
    process `pid` (if given), by the whole machine."""

    def read() -> list[float]:
        return [cpu_seconds(), *([cpu_seconds(pid)] if pid else []), machine_busy()]

    start, t0 = read(), time.perf_counter()

    def cores() -> list[float]:
        wall = time.perf_counter() - t0
        return [(now - before) / wall for before, now in zip(start, read(), strict=True)]

    return cores


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--database-url", default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    args = parser.parse_args()
    load = [os.getloadavg()[0]]
    t = time.perf_counter()
    url, coleta = make_database(args.database_url, args.rows)
    print(f"{args.rows:,} demandas written in {time.perf_counter() - t:.1f} s (coleta {coleta})")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEB_", "API_", "DATABASE_"))}
    env.update(
        PROCUREMENT_ENV_FILE="/nonexistent/.env",
        DATABASE_URL=url,
        API_HOST="127.0.0.1",
        API_PORT=str(port),
        WEB_USERS=f"bench:leitura:{hash_password('bench-password')}",
        LOG_LEVEL="WARNING",
        SCRAPYD_URL=f"http://127.0.0.1:{free_port()}",
    )
    web = subprocess.Popen([sys.executable, "-m", "procurement_spiders.web"], cwd=ROOT, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/health")
        session = requests.Session()
        token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(base + "/login").text).group(1)
        session.post(base + "/login", data={"usuario": "bench", "senha": "bench-password", "csrf_token": token})
        cookies = session.cookies.get_dict()

        def page(i: int, state: dict) -> None:
            s = state.setdefault("s", requests.Session())
            s.cookies.update(cookies)
            response = s.get(f"{base}/coletas/{coleta}?{MIX[i % len(MIX)][0]}")
            assert response.status_code == 200 and "demandas" in response.text, response.status_code

        run_clients(args.clients, 3, page)  # warm-up
        meter = cpu_meter(web.pid)
        web_lat = run_clients(args.clients, args.seconds, page)
        web_cpu = meter()
    finally:
        web.terminate()
        web.wait(15)

    # one connection per client thread, the report sessions' settings (JIT off)
    engine = create_engine(sqlalchemy_url(url), pool_size=args.clients, connect_args={"options": "-c jit=off"})

    with engine.connect() as conn:  # what the page's count cache holds
        totals = [conn.execute(query.count_select(coleta)).scalar_one() for _, query in MIX]

    def sql(i: int, state: dict) -> None:
        query = MIX[i % len(MIX)][1]
        with reading(engine) as conn:
            conn.execute(select(coletas).where(coletas.c.id == coleta)).one()
            conn.execute(*query.page_statement(coleta, totals[i % len(MIX)])).all()

    run_clients(args.clients, 3, sql)
    meter = cpu_meter()
    sql_lat = run_clients(args.clients, args.seconds, sql)
    sql_cpu = meter()
    engine.dispose()
    load.append(os.getloadavg()[0])
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{url.rpartition("/")[2]}" WITH (FORCE)')
    print(
        f"coleta page ({args.clients} clients, {args.seconds:.0f} s): {len(web_lat)} requests, "
        f"p50 {pct(web_lat, 50):.0f} ms, p95 {pct(web_lat, 95):.0f} ms; "
        f"CPU: clients {web_cpu[0]:.2f} cores, web app {web_cpu[1]:.2f}, machine {web_cpu[2]:.2f}"
    )
    print(
        f"same SQL directly (floor):   {len(sql_lat)} runs, p50 {pct(sql_lat, 50):.0f} ms, "
        f"p95 {pct(sql_lat, 95):.0f} ms; CPU: clients {sql_cpu[0]:.2f} cores, machine {sql_cpu[1]:.2f}"
    )
    print(f"machine: {os.cpu_count()} CPUs, load average (1 min) {load[0]:.2f} at start, {load[1]:.2f} at end")
    print(f"ratio p95 page / p95 SQL: {pct(web_lat, 95) / pct(sql_lat, 95):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
