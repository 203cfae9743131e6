"""The national crawl with 1, 2 and 4 workers against the national sandbox; wall time vs the bound.

The sandbox answers every API request after a fixed latency (its item pages rendered up front, so
its own CPU adds nothing) and enforces the WAF's limit of 3 in flight per client IP; each worker
binds to its own loopback address (127.0.0.2, …), shares the run through Redis and stores into a
fresh database. For each worker count it prints the wall time (first worker started to last worker
exited), the API requests the sandbox served, the bound API requests × latency ÷ (3 × workers), the
ratio bound/wall, each worker's peak RSS (VmHWM), and where each worker's time went: start-up
(launch to its first request, from the sandbox's per-IP log), crawling, tail (last answer to
exit). Then the scaling 4 ÷ 1 and the request counts of the discovery paths (pncp.md).

    .venv/bin/python bench/national.py [--orgaos 5000] [--max-itens 2000] [--latency-ms 300]
        [--workers 1,2,4] [--database-url URL] [--redis-url redis://127.0.0.1:6379/7]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRAPY = str(ROOT / ".venv" / "bin" / "scrapy")
PER_IP_LIMIT = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, method: str = "GET") -> dict:
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=30) as response:
        return json.load(response)


def peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """user + system CPU time of a live process (/proc/<pid>/stat, clock ticks)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(workers: int, sandbox: str, admin_url: str, redis_url: str, latency_s: float) -> dict:
    import psycopg
    import redis

    db = f"bench_national_{uuid.uuid4().hex[:8]}"
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    database_url = admin_url.rpartition("/")[0] + f"/{db}"
    get_json(f"{sandbox}/__sandbox__/requests", "DELETE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PNCP_", "DADOS_", "ORGAO_"))}
    env.update(
        PROCUREMENT_ENV_FILE="/nonexistent/.env",
        PNCP_REAL_ENABLED="false",
        PGC_REAL_ENABLED="false",
        SANDBOX_URL=sandbox,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        REDIS_KEY_PREFIX=prefix,
        LOG_LEVEL="INFO",
        PROGRESS_INTERVAL="30",
    )
    procs, peaks, cpu, launched, exited = [], {}, {}, {}, {}
    started = time.monotonic()
    try:
        for n in range(workers):
            launched[n] = time.time()
            procs.append(
                subprocess.Popen(
                    [SCRAPY, "crawl", "pncp_nacional", "-a", "ano=2025", "-a", f"worker=b{n + 1}"],
                    cwd=ROOT,
                    env={**env, "BIND_ADDRESS": f"127.0.0.{n + 2}"},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        while any(p.poll() is None for p in procs):
            for n, p in enumerate(procs):
                if p.poll() is not None:
                    exited.setdefault(n, time.time())
                    continue
                rss = peak_rss_mb(p.pid)
                if rss is not None:
                    peaks[p.pid] = max(peaks.get(p.pid, 0), rss)
                used = cpu_seconds(p.pid)
                if used is not None:
                    cpu[p.pid] = used
            time.sleep(0.2)
        wall = time.monotonic() - started
        for n in range(workers):
            exited.setdefault(n, time.time())
        codes = [p.returncode for p in procs]
        with psycopg.connect(database_url) as conn:
            status = conn.execute("SELECT status FROM coletas").fetchone()[0]
            stored = conn.execute("SELECT count(*) FROM demandas").fetchone()[0]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        server = redis.Redis.from_url(redis_url)
        for key in server.scan_iter(f"{prefix}:*"):
            server.delete(key)
    served = get_json(f"{sandbox}/__sandbox__/requests")
    api = served["total"]
    bound = api * latency_s / (PER_IP_LIMIT * workers)
    phases = []  # per worker: start-up (launch to first request), crawling (to last answer), tail (to exit)
    for n in range(workers):
        ip = served["by_ip"].get(f"127.0.0.{n + 2}")
        if ip:
            phases.append((ip["first"] - launched[n], ip["last"] - ip["first"], exited[n] - ip["last"]))
    return {
        "workers": workers,
        "wall_s": wall,
        "api_requests": api,
        "bound_s": bound,
        "ratio": bound / wall,
        "status": status,
        "exit_codes": codes,
        "demandas": stored,
        "rss_mb": [round(v) for v in peaks.values()],
        "cpu_s": [round(v) for v in cpu.values()],
        "429": sum(ip["429"] for ip in served["by_ip"].values()),
        "max_in_flight_per_ip": max(ip["max_in_flight"] for ip in served["by_ip"].values()),
        "phases": phases,
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orgaos", type=int, default=5000)
    parser.add_argument("--max-itens", type=int, default=2000)
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument(
        "--database-url", default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    args = parser.parse_args()
    port = free_port()
    sandbox = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox.national",
            "--port",
            str(port),
            "--orgaos",
            str(args.orgaos),
            "--max-itens",
            str(args.max_itens),
            "--latency-ms",
            str(args.latency_ms),
            "--per-ip-limit",
            str(PER_IP_LIMIT),
            "--prerender",
            "500",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(600):  # the item pages are rendered before the sandbox answers
            try:
                get_json(f"{sandbox}/__sandbox__/health")
                break
            except OSError:
                time.sleep(0.1)
        truth = get_json(f"{sandbox}/__sandbox__/truth/pncp-demandas?ano=2025&orgaos=todos")
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(
            f"population: {truth['total_orgaos']} órgãos, {truth['orgaos_com_pca']} with a PCA 2025, "
            f"{truth['planos']} plans, {truth['itens']} items; latency {args.latency_ms} ms, "
            f"{PER_IP_LIMIT} in flight per IP"
        )
        results = []
        for workers in (int(w) for w in args.workers.split(",")):
            r = run(workers, sandbox, args.database_url, args.redis_url, args.latency_ms / 1000)
            results.append(r)
            print(
                f"{workers} worker(s): wall {r['wall_s']:.1f} s, {r['api_requests']} API requests, bound "
                f"{r['bound_s']:.1f} s, ratio bound/wall {r['ratio']:.2f}; coleta {r['status']}, "
                f"exit {r['exit_codes']}, {r['demandas']} demandas; peak RSS per worker {r['rss_mb']} MB, "
                f"CPU {r['cpu_s']} s; 429s {r['429']}, max in flight per IP {r['max_in_flight_per_ip']}; "
                f"load average after {r['load']:.1f}",
                flush=True,
            )
            print(
                "  per worker, start-up (launch to first request) / crawling (to last answer) / tail (to exit): "
                + ", ".join(f"{a:.1f}/{b:.1f}/{c:.1f} s" for a, b, c in r["phases"]),
                flush=True,
            )
            by_route = get_json(f"{sandbox}/__sandbox__/requests")["by_route"]
        by_workers = {r["workers"]: r for r in results}
        if 1 in by_workers and 4 in by_workers:
            print(f"scaling 4 workers / 1 worker: {by_workers[1]['wall_s'] / by_workers[4]['wall_s']:.2f}x")
        search = by_route.get("/api/search/", 0)
        unidades = by_route.get("/api/pncp/v1/orgaos/{cnpj}/pca/{ano}/consolidado/unidades", 0)
        print(
            f"discovery (pcaorgao listing + /consolidado/unidades): {search} + {unidades} = {search + unidades} "
            "requests; the other paths, run against the sandbox: bench/national_discovery.py"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
