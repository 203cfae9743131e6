"""Crash consistency (issue 8, defect 8): a crawl killed with SIGKILL, or whose PostgreSQL dies,
leaves a coleta the reaper recognises (stale heartbeat) and closes as `error` with the reason;
summaries never count its rows. The reaper runs at every crawl's start, in `scrapy health` and
in `scrapy coletas --reap`."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import psycopg
import pytest

from tests.ops_support import PgCluster
from tests.support import ROOT, SCRAPY, assert_coleta_rules, project_env, run_scrapy, wait_for

SPIDER = str(ROOT / "tests" / "fixtures" / "spiders" / "demandas_fixas.py")
# Five demandas a page, one page every 50 ms, one COPY per page, a heartbeat every 0.2 s.
ENDLESS = [
    "-a",
    "n=5",
    "-a",
    "paginas=1000000",
    "-s",
    "DOWNLOAD_DELAY=0.05",
    "-s",
    "POSTGRES_BATCH_SIZE=5",
    "-s",
    "COLETA_HEARTBEAT_INTERVAL=0.2",
]


def start_crawl(database_url: str, log: Path) -> subprocess.Popen:
    with open(log, "w") as out:  # a file, not a pipe: nobody reads the log while the crawl runs
        return subprocess.Popen(
            [SCRAPY, "runspider", SPIDER, *ENDLESS],
            cwd=ROOT,
            env=project_env(DATABASE_URL=database_url),
            stdout=subprocess.DEVNULL,
            stderr=out,
        )


def coleta_row(database_url: str):
    with psycopg.connect(database_url, connect_timeout=5) as conn:
        return conn.execute(
            """SELECT c.id, c.status, c.heartbeat_at > c.data_coleta,
                      extract(epoch FROM now() - c.heartbeat_at),
                      (SELECT count(*) FROM demandas d WHERE d.coleta_id = c.id), c.dados
                 FROM coletas c ORDER BY c.id DESC LIMIT 1"""
        ).fetchone()


def crawl_is_storing(database_url: str):
    """The coleta opened, beat at least once, and committed a few batches."""
    row = coleta_row(database_url)
    return row if row and row[1] == "running" and row[2] and row[4] >= 10 else None


def silent_for(database_url: str, seconds: float):
    row = coleta_row(database_url)
    return row if row[3] > seconds else None


def scrapy_cmd(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return run_scrapy(list(args), project_env(DATABASE_URL=database_url), timeout=120)


def assert_reaped_and_not_counted(database_url: str, coleta_id: int) -> None:
    _, status, _, _, rows, dados = coleta_row(database_url)
    assert status == "error" and rows >= 10
    assert dados["finish_reason"] == "interrompida" and dados["interrupcao"]["motivo"] == "heartbeat_expirado"
    resumo = scrapy_cmd(database_url, "resumo", "--coleta", str(coleta_id))
    assert resumo.returncode == 0, resumo.stderr
    assert "não contada" in resumo.stdout and "valor total" not in resumo.stdout
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM demandas_validas").fetchone() == (0,)


def test_sigkill_mid_crawl_leaves_a_coleta_the_reaper_closes(database_url, tmp_path):
    crawl = start_crawl(database_url, tmp_path / "crawl.log")
    try:
        coleta_id = wait_for(lambda: crawl_is_storing(database_url), 60, what="the crawl to store")[0]
        os.kill(crawl.pid, signal.SIGKILL)
        crawl.wait(30)
    finally:
        if crawl.poll() is None:
            crawl.kill()
    assert coleta_row(database_url)[1] == "running"  # nobody could close it
    listed = scrapy_cmd(database_url, "coletas")
    assert f"coleta {coleta_id} (demandas_fixas)" in listed.stdout, listed.stderr
    # alive as far as the default timeout (300 s) can tell: not reaped yet
    assert "0 coleta(s)" in scrapy_cmd(database_url, "coletas", "--reap").stdout
    wait_for(lambda: silent_for(database_url, 1.5), 30, what="the heartbeat to go stale")
    reaped = scrapy_cmd(database_url, "coletas", "--reap", "--stale-after", "1")
    assert reaped.returncode == 0 and f"coleta {coleta_id} (demandas_fixas): interrompida" in reaped.stdout
    assert_reaped_and_not_counted(database_url, coleta_id)


@pytest.mark.parametrize("entry", ["crawl", "health"])
def test_the_reaper_runs_at_crawl_start_and_in_health(database_url, entry):
    with psycopg.connect(database_url, autocommit=True) as conn:
        [dead] = conn.execute(
            """INSERT INTO coletas (fonte, ano_referencia, spider, heartbeat_at)
               VALUES ('PNCP', 2025, 'pncp', now() - interval '1 hour') RETURNING id"""
        ).fetchone()
    if entry == "crawl":
        done = run_scrapy(["runspider", SPIDER, "-a", "n=2"], project_env(DATABASE_URL=database_url))
    else:
        done = scrapy_cmd(database_url, "health", "--timeout", "2")
        assert f"coleta {dead} (pncp) had no heartbeat" in done.stderr
    assert done.returncode == 0, done.stderr[-2000:]
    with psycopg.connect(database_url) as conn:
        status, dados = conn.execute("SELECT status, dados FROM coletas WHERE id = %s", (dead,)).fetchone()
    assert status == "error" and dados["interrupcao"]["motivo"] == "heartbeat_expirado"


@pytest.fixture
def pg_cluster():
    cluster = PgCluster().init()
    cluster.start()
    yield cluster
    cluster.remove()


def test_postgres_dying_mid_crawl_ends_it_non_zero_and_the_coleta_is_reaped(pg_cluster, tmp_path):
    database_url = pg_cluster.createdb("coletas")
    crawl = start_crawl(database_url, tmp_path / "crawl.log")
    try:
        coleta_id = wait_for(lambda: crawl_is_storing(database_url), 60, what="the crawl to store")[0]
        pg_cluster.stop()
        crawl.wait(timeout=120)  # the crawl must end by itself
    finally:
        if crawl.poll() is None:
            crawl.kill()
    stderr = (tmp_path / "crawl.log").read_text()
    assert crawl.returncode == 1, stderr[-3000:]
    assert "database_error" in stderr and "the coleta record could not be written" in stderr
    pg_cluster.start()
    assert coleta_row(database_url)[1] == "running"  # the database was gone when the crawl closed
    wait_for(lambda: silent_for(database_url, 1.5), 30, what="the heartbeat to go stale")
    reaped = scrapy_cmd(database_url, "coletas", "--reap", "--stale-after", "1")
    assert f"coleta {coleta_id} (demandas_fixas): interrompida" in reaped.stdout, reaped.stderr
    assert_reaped_and_not_counted(database_url, coleta_id)


def test_a_live_crawl_whose_coleta_was_closed_elsewhere_stops_as_an_error(database_url, tmp_path):
    # e.g. reaped while the crawl was only stalled: it must not go on as if it could still succeed
    crawl = start_crawl(database_url, tmp_path / "crawl.log")
    try:
        coleta_id = wait_for(lambda: crawl_is_storing(database_url), 60, what="the crawl to store")[0]
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("UPDATE coletas SET status = 'error' WHERE id = %s", (coleta_id,))
        crawl.wait(timeout=120)
    finally:
        if crawl.poll() is None:
            crawl.kill()
    log = (tmp_path / "crawl.log").read_text()
    assert crawl.returncode == 1, log[-3000:]
    assert f"coleta {coleta_id} is no longer running" in log or f"coleta {coleta_id} was closed" in log


def test_sigterm_mid_crawl_closes_the_coleta_as_an_error_with_its_counts(database_url, tmp_path):
    crawl = start_crawl(database_url, tmp_path / "crawl.log")
    try:
        wait_for(lambda: crawl_is_storing(database_url), 60, what="the crawl to store")
        crawl.send_signal(signal.SIGTERM)
        crawl.wait(timeout=120)
    finally:
        if crawl.poll() is None:
            crawl.kill()
    done = subprocess.CompletedProcess(crawl.args, crawl.returncode)
    dados = assert_coleta_rules(database_url, done)  # not running, exit != 0 as it is an error, counts add up
    assert crawl.returncode == 1 and dados["finish_reason"] == "shutdown"
