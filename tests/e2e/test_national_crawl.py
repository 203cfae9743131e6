"""The national crawl (pncp_nacional) against the national sandbox, on real PostgreSQL and Redis.

Workers bind to distinct loopback addresses (127.0.0.2/3/4) and the sandbox enforces its WAF
limit per client IP, as production sees it. Redis: database 7, a key prefix per test, removed after.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import redis as redis_lib

from sandbox.national_dadosabertos import enrichment_digest, enrichment_line
from tests.support import (
    ROOT,
    SCRAPY,
    free_port,
    project_env,
    run_scrapy,
    wait_for,
    wait_http,
)

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
ORGAOS, MAX_ITENS = 300, 2000


@pytest.fixture(scope="module")
def national_sandbox():
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox.national",
            "--port",
            str(port),
            "--orgaos",
            str(ORGAOS),
            "--max-itens",
            str(MAX_ITENS),
            "--latency-ms",
            "40",
            "--per-ip-limit",
            "3",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/__sandbox__/health")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def redis_prefix():
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    yield prefix
    server = redis_lib.Redis.from_url(REDIS_URL)
    for key in server.scan_iter(f"{prefix}:*"):
        server.delete(key)


def truth(url: str) -> dict:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{url}/__sandbox__/truth/pncp-demandas?ano=2025&orgaos=todos") as response:
        return json.load(response)


def sandbox_requests(url: str, method: str = "GET") -> dict:
    import json
    import urllib.request

    with urllib.request.urlopen(urllib.request.Request(f"{url}/__sandbox__/requests", method=method)) as response:
        return json.load(response)


def worker_env(sandbox_url: str, database_url: str, **extra: str | None) -> dict[str, str]:
    return project_env(SANDBOX_URL=sandbox_url, DATABASE_URL=database_url, PROGRESS_INTERVAL="2", **extra)


def assert_stored_equals_truth(database_url: str, expected: dict) -> None:
    """Per órgão: demandas and their sum; per plan: its demandas count (a plan stored twice would double it)."""
    with psycopg.connect(database_url) as conn:
        (status,) = conn.execute("SELECT status FROM coletas WHERE spider = 'pncp_nacional'").fetchone()
        assert status == "success"
        per_orgao = {
            cnpj: (n, total)
            for cnpj, n, total in conn.execute("SELECT orgao_cnpj, count(*), sum(valor) FROM demandas GROUP BY 1")
        }
        per_plan = {
            (cnpj, str(seq)): n
            for cnpj, seq, n in conn.execute(
                "SELECT orgao_cnpj, detalhes->>'sequencialPca', count(*) FROM demandas GROUP BY 1, 2"
            )
        }
        plan_tasks = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE estado = 'feita') FROM coleta_tarefas WHERE tipo = 'plano'"
        ).fetchone()
    assert per_orgao == {cnpj: (o["demandas"], Decimal(o["valor"])) for cnpj, o in expected["orgaos"].items()}
    assert per_plan == {
        (cnpj, seq): p["demandas"] for cnpj, o in expected["orgaos"].items() for seq, p in o["por_plano"].items()
    }
    assert plan_tasks == (expected["planos"], expected["planos"])
    assert_enrichment_equals_truth(database_url, expected)


def assert_enrichment_equals_truth(database_url: str, expected: dict) -> None:
    """Federal órgãos: the demandas Dados Abertos enriched (count, sum, and what it wrote on each:
    DFD, data_inicio, data_fim) are the truth's; other órgãos: no DFD anywhere and no enrichment
    anomaly (Dados Abertos has no rows for them, which is normal)."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT orgao_cnpj, detalhes->>'sequencialPca', contratacao, dfd, data_inicio, data_fim, valor "
            "FROM demandas WHERE dfd IS NOT NULL"
        ).fetchall()
        (dados,) = conn.execute("SELECT dados FROM coletas WHERE spider = 'pncp_nacional'").fetchone()
    stored: dict[str, dict] = {}
    for cnpj, seq, contratacao, dfd, inicio, fim, valor in rows:
        orgao = stored.setdefault(cnpj, {"demandas": 0, "valor": Decimal(0), "lines": []})
        orgao["demandas"] += 1
        orgao["valor"] += valor
        orgao["lines"].append(enrichment_line(int(seq), contratacao, dfd, inicio, fim))
    federal = {cnpj: o["enriquecimento"] for cnpj, o in expected["orgaos"].items() if o["esfera"] == "F"}
    assert len(federal) >= 3 and expected["demandas_enriquecidas"] > 0  # the enrichment is exercised
    assert {cnpj: (o["demandas"], o["valor"], enrichment_digest(o["lines"])) for cnpj, o in stored.items()} == {
        cnpj: (e["demandas"], Decimal(e["valor"]), e["digest"]) for cnpj, e in federal.items() if e["demandas"]
    }
    tipos = {a["tipo"] for a in dados["anomalias"]}
    assert not tipos & {"enriquecimento_ausente", "enriquecimento_parcial", "enriquecimento_invalido"}, tipos


def assert_dados_abertos_asked_for_federal_only(url: str, expected: dict) -> None:
    """The spider skips Dados Abertos where `/consolidado/unidades` says the esfera is not federal."""
    asked = sandbox_requests(url)["dados_abertos_orgaos"]
    federal = {cnpj for cnpj, o in expected["orgaos"].items() if o["esfera"] == "F"}
    assert set(asked) == federal
    assert sum(asked.values()) >= expected["planos_federais"]  # one page at least per federal plan


def test_three_workers_one_killed_store_the_national_truth_once(national_sandbox, database_url, redis_prefix):
    expected = truth(national_sandbox)
    assert 0 < expected["orgaos_com_pca"] < ORGAOS  # most órgãos have no PCA: their answers are "no rows"
    sandbox_requests(national_sandbox, "DELETE")
    server = redis_lib.Redis.from_url(REDIS_URL)
    inflight = f"{redis_prefix}:pncp_nacional:2025:inflight"
    workers = {}
    for n in (2, 3, 4):
        env = worker_env(
            national_sandbox,
            database_url,
            REDIS_URL=REDIS_URL,
            REDIS_KEY_PREFIX=redis_prefix,
            BIND_ADDRESS=f"127.0.0.{n}",
        )
        workers[n] = subprocess.Popen(
            [SCRAPY, "crawl", "pncp_nacional", "-a", "ano=2025", "-a", f"worker=w{n}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        # Kill worker 2 while it holds a claimed task, after some plans were stored.
        def w2_holds_a_plan():
            held = [v for v in server.hvals(inflight) if v.startswith(b"w2\n")]
            with psycopg.connect(database_url) as conn:
                done = (
                    conn.execute(
                        "SELECT count(*) FROM coleta_tarefas WHERE estado = 'feita' AND tipo = 'plano'"
                    ).fetchone()[0]
                    if conn.execute("SELECT to_regclass('coleta_tarefas')").fetchone()[0]
                    else 0
                )
            return held and done >= 3

        wait_for(w2_holds_a_plan, timeout=120, interval=0.05, what="worker 2 holding a task mid-crawl")
        workers[2].send_signal(signal.SIGKILL)
        outputs = {n: p.communicate(timeout=300)[0] for n, p in workers.items()}
    finally:
        for p in workers.values():
            if p.poll() is None:
                p.kill()
    assert workers[2].returncode == -signal.SIGKILL
    for n in (3, 4):
        assert workers[n].returncode == 0, outputs[n][-3000:]
    assert_stored_equals_truth(database_url, expected)
    with psycopg.connect(database_url) as conn:
        requeued = conn.execute(
            "SELECT coalesce(sum((dados->'stats'->>'nacional/tarefas_requeued')::int), 0) FROM coleta_workers"
        ).fetchone()[0]
        workers_recorded = {w for (w,) in conn.execute("SELECT worker FROM coleta_workers")}
        dados = conn.execute("SELECT dados FROM coletas").fetchone()[0]
    assert requeued >= 1  # the killed worker's claim went back to the queue
    assert {"w3", "w4"} <= workers_recorded and set(dados["workers"]) >= {"w3", "w4"}
    assert_dados_abertos_asked_for_federal_only(national_sandbox, expected)
    seen = sandbox_requests(national_sandbox)["by_ip"]
    assert set(seen) == {"127.0.0.2", "127.0.0.3", "127.0.0.4"}
    assert all(ip["max_in_flight"] <= 3 and ip["429"] == 0 for ip in seen.values())
    assert not list(server.scan_iter(f"{redis_prefix}:*"))  # a finished run leaves nothing in Redis


def test_one_process_without_redis_stores_the_same_rows(national_sandbox, database_url):
    expected = truth(national_sandbox)
    sandbox_requests(national_sandbox, "DELETE")
    result = run_scrapy(
        ["crawl", "pncp_nacional", "-a", "ano=2025"], worker_env(national_sandbox, database_url, REDIS_URL=None)
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert_stored_equals_truth(database_url, expected)
    assert_dados_abertos_asked_for_federal_only(national_sandbox, expected)
    assert "progress PCA 2025" in result.stderr


def _nothing_stored(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        if conn.execute("SELECT to_regclass('coletas')").fetchone()[0]:
            assert conn.execute("SELECT count(*) FROM coletas").fetchone()[0] == 0


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def test_unreachable_redis_is_one_line_and_nothing_happens(national_sandbox, empty_database_url, redis_prefix):
    env = worker_env(
        national_sandbox,
        empty_database_url,
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/7",
        REDIS_KEY_PREFIX=redis_prefix,
    )
    result = run_scrapy(["crawl", "pncp_nacional", "-a", "ano=2025"], env)
    assert result.returncode != 0
    assert _error_lines(result.stderr) == ["error: Redis (REDIS_URL) is unreachable: ConnectionError"]
    _nothing_stored(empty_database_url)


@pytest.mark.parametrize(
    "ano, message",
    [
        ("1999", "error: argument ano=1999 is out of range"),
        ("2024", "error: argument ano=2024: Redis prefix"),
    ],
)
def test_wrong_ano_is_one_line_and_nothing_queued(national_sandbox, empty_database_url, redis_prefix, ano, message):
    server = redis_lib.Redis.from_url(REDIS_URL)
    server.set(f"{redis_prefix}:pncp_nacional:ano", 2025)  # a run of 2025 is under way on this prefix
    env = worker_env(national_sandbox, empty_database_url, REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=redis_prefix)
    result = run_scrapy(["crawl", "pncp_nacional", "-a", f"ano={ano}"], env)
    assert result.returncode == 2
    lines = _error_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith(message)
    assert [k.decode() for k in server.scan_iter(f"{redis_prefix}:*")] == [f"{redis_prefix}:pncp_nacional:ano"]
    _nothing_stored(empty_database_url)


def test_a_worker_stopped_with_sigterm_loses_nothing_and_the_run_still_succeeds(
    national_sandbox, database_url, redis_prefix
):
    """Regression: a worker that stopped cleanly wrote itself down as having lost data, and the
    run it left (completed by the others) ended as an error."""
    expected = truth(national_sandbox)
    workers = {}
    for n in (5, 6):
        env = worker_env(
            national_sandbox,
            database_url,
            REDIS_URL=REDIS_URL,
            REDIS_KEY_PREFIX=redis_prefix,
            BIND_ADDRESS=f"127.0.0.{n}",
        )
        workers[n] = subprocess.Popen(
            [SCRAPY, "crawl", "pncp_nacional", "-a", "ano=2025", "-a", f"worker=w{n}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:

        def some_plans_stored():
            with psycopg.connect(database_url) as conn:
                return (
                    conn.execute(
                        "SELECT count(*) FROM coleta_tarefas WHERE estado = 'feita' AND tipo = 'plano'"
                    ).fetchone()[0]
                    >= 3
                )

        wait_for(some_plans_stored, timeout=120, interval=0.05, what="plans stored")
        workers[5].send_signal(signal.SIGTERM)
        outputs = {n: p.communicate(timeout=300)[0] for n, p in workers.items()}
    finally:
        for p in workers.values():
            if p.poll() is None:
                p.kill()
    assert workers[5].returncode == 1, outputs[5][-2000:]  # stopped before the run was complete
    assert "stopped (shutdown) before national coleta" in outputs[5]
    assert workers[6].returncode == 0, outputs[6][-3000:]
    assert_stored_equals_truth(database_url, expected)


def test_waiting_workers_join_a_run_and_never_open_one(national_sandbox, database_url, redis_prefix, tmp_path):
    """`-a esperar=1`, the k8s Deployment's workers: started with no run, a worker opens nothing
    and waits; it joins the run a worker without esperar opens and works in it; restarted after the
    run is complete (what a Deployment does), it waits again instead of starting a new national run."""
    expected = truth(national_sandbox)

    procs: list[subprocess.Popen] = []

    def start(n: int, *extra: str) -> tuple[subprocess.Popen, Path]:
        env = worker_env(
            national_sandbox,
            database_url,
            REDIS_URL=REDIS_URL,
            REDIS_KEY_PREFIX=redis_prefix,
            BIND_ADDRESS=f"127.0.0.{n}",
        )
        log = tmp_path / f"w{n}-{len(procs)}.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [SCRAPY, "crawl", "pncp_nacional", "-a", "ano=2025", "-a", f"worker=w{n}", *extra],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        procs.append(proc)
        return proc, log

    def coletas() -> list[tuple[int, str]]:
        with psycopg.connect(database_url) as conn:
            return conn.execute("SELECT id, status FROM coletas ORDER BY id").fetchall()

    waiting_line = "waits for a national run of 2025 to be opened"
    try:
        waiter, waiter_log = start(7, "-a", "esperar=1")
        wait_for(lambda: waiting_line in waiter_log.read_text(), timeout=120, what="worker 7 to wait")
        assert coletas() == [] and waiter.poll() is None  # it opened nothing and stays

        # The opener is slowed down (a download delay) so its run outlasts the waiter's next look.
        opener, opener_log = start(8, "-s", "DOWNLOAD_DELAY=0.25")
        assert opener.wait(timeout=300) == 0, opener_log.read_text()[-3000:]
        assert waiter.wait(timeout=120) == 0, waiter_log.read_text()[-3000:]
        assert_stored_equals_truth(database_url, expected)
        with psycopg.connect(database_url) as conn:
            by_worker = dict(conn.execute("SELECT worker, count(*) FROM coleta_tarefas GROUP BY 1").fetchall())
        assert by_worker.get("w7", 0) >= 1, by_worker  # the waiting worker did part of the run
        assert f"joined national coleta {coletas()[0][0]}" in waiter_log.read_text()

        # Restarted after the run, as a Deployment restarts it: it waits; no second run opens.
        restarted, restarted_log = start(7, "-a", "esperar=1")
        wait_for(lambda: waiting_line in restarted_log.read_text(), timeout=120, what="the restarted worker to wait")
        time.sleep(12)  # more than one look (WAIT_POLL = 10 s) at the database
        assert [status for _, status in coletas()] == ["success"] and restarted.poll() is None
        restarted.send_signal(signal.SIGTERM)  # a scale-down while it waits: it stops at once
        restarted.wait(timeout=60)
        assert coletas() == [(coletas()[0][0], "success")]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
