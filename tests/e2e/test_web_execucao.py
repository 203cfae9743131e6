"""The execução of "Iniciar coleta" kept in PostgreSQL, against a real scrapyd running the deployed
egg and the sandbox: two Coletors on their own engines (two web processes) racing to start get one
execução; a Coletor made after the first is gone (a restarted web app) continues the queue; a
cancel is recorded and graceful."""

from __future__ import annotations

import asyncio
import secrets

import psycopg
import pytest

from procurement_spiders.reports.engine import report_engine
from procurement_spiders.scheduler.runner import ScrapydClient
from procurement_spiders.web.jobs import Coletor, Recusa
from tests.e2e.test_reports_story import story  # noqa: F401  (fixture)
from tests.support import MAIN_CNPJ, wait_for
from tests.web_support import crawl_env, deployed_scrapyd


@pytest.fixture
def scrapyd(tmp_path, story, grid_url, database_url):  # noqa: F811
    password = secrets.token_urlsafe(16)
    sd = deployed_scrapyd(tmp_path, password, crawl_env(story, grid_url, database_url))
    try:
        yield sd
    finally:
        sd.stop()


@pytest.fixture
def coletores(scrapyd, database_url):
    """Makes Coletors, each with its own engine (its own connections), as separate processes have."""
    engines = []

    def make() -> Coletor:
        engines.append(report_engine(database_url))
        return Coletor(ScrapydClient(scrapyd.url, *scrapyd.auth), engines[-1])

    yield make
    for engine in engines:
        engine.dispose()


def finished_jobs(sd) -> set[str]:
    return {j["id"] for j in sd.get("listjobs.json", project="procurement_spiders")[1]["finished"]}


def passos(database_url: str) -> list[tuple]:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT fonte, estado, job_id FROM execucao_passos ORDER BY execucao_id, ordem").fetchall()


def test_a_new_coletor_continues_the_execucao_after_a_restart(coletores, scrapyd, database_url):
    first = coletores()
    started = asyncio.run(first.iniciar(2025, MAIN_CNPJ, None, ["PGC", "PNCP"], "ana"))
    pgc_job = started.passos[0].job_id
    assert pgc_job and [p.estado for p in started.passos] == ["pending", "aguardando"]
    first.engine.dispose()
    del first  # the web app stops: nothing in memory survives
    wait_for(lambda: pgc_job in finished_jobs(scrapyd), 300, interval=1, what="the PGC job to end")
    assert passos(database_url) == [("PGC", "pending", pgc_job), ("PNCP", "aguardando", None)]  # nobody advanced

    second = coletores()  # the web app again, on the same database
    assert asyncio.run(second.atual()).id == started.id
    asyncio.run(second.avancar())
    [(_, pgc_estado, _), (_, pncp_estado, pncp_job)] = passos(database_url)
    assert (pgc_estado, pncp_estado) == ("finished", "pending") and pncp_job.startswith("pncp-")
    wait_for(lambda: pncp_job in finished_jobs(scrapyd), 300, interval=1, what="the PNCP job to end")
    asyncio.run(second.avancar())
    done = asyncio.run(second.atual())
    assert done is not None and not done.ativa and [p.estado for p in done.passos] == ["finished", "finished"]
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT fonte, status, job_id FROM coletas ORDER BY id").fetchall()
    assert rows == [("PGC", "success", pgc_job), ("PNCP", "success", pncp_job)]


def test_two_processes_clicking_at_once_start_one_execucao(coletores, scrapyd, database_url, story):  # noqa: F811
    story.faults(latency_ms=1500)  # the PNCP crawl is still running when cancelled
    try:
        one, other = coletores(), coletores()

        async def both():
            return await asyncio.gather(
                one.iniciar(2025, MAIN_CNPJ, None, ["PNCP"], "ana"),
                other.iniciar(2025, MAIN_CNPJ, None, ["PNCP"], "leo"),
                return_exceptions=True,
            )

        results = asyncio.run(both())
        refused = [r for r in results if isinstance(r, Recusa)]
        started = [r for r in results if not isinstance(r, BaseException)]
        assert len(started) == 1 and len(refused) == 1, results
        assert "em andamento" in str(refused[0])
        [(fonte, estado, job)] = passos(database_url)  # one execução, one job in scrapyd
        assert fonte == "PNCP" and estado == "pending" and job == started[0].passos[0].job_id
        jobs = scrapyd.get("listjobs.json", project="procurement_spiders")[1]
        assert [j["id"] for j in jobs["pending"] + jobs["running"] + jobs["finished"]] == [job]

        wait_for(lambda: _coleta_running(database_url), 120, interval=0.5, what="the PNCP coleta to start")
        asyncio.run(other.cancelar("leo"))  # the cancel, from the process that lost the race
        with pytest.raises(Recusa, match="já foi pedido por leo"):
            asyncio.run(one.cancelar("ana"))  # a second cancel would stop Scrapy at once: refused
        wait_for(lambda: job in finished_jobs(scrapyd), 180, interval=1, what="the cancelled job to end")
        asyncio.run(one.avancar())
    finally:
        story.reset()
    done = asyncio.run(one.atual())
    assert done is not None and not done.ativa and done.cancelada_por == "leo"
    assert [p.estado for p in done.passos] == ["cancelado"]
    with psycopg.connect(database_url) as conn:
        status, dados = conn.execute("SELECT status, dados FROM coletas").fetchone()
    assert status == "error" and dados["finish_reason"] == "shutdown"  # Scrapy closed it gracefully


def _coleta_running(database_url: str) -> bool:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM coletas WHERE status = 'running'").fetchone()[0] == 1
