"""The storage pipeline through real crawls (`scrapy runspider`) on a real PostgreSQL."""

import json
from decimal import Decimal

import psycopg

from tests.conftest import ROOT, project_env, run_scrapy

SPIDER = str(ROOT / "tests" / "fixtures" / "spiders" / "demandas_fixas.py")


def crawl(database_url, *args, **env):
    return run_scrapy(["runspider", SPIDER, *args], project_env(DATABASE_URL=database_url, **env))


def coletas(database_url):
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT id, fonte, ano_referencia, status, spider, finished_at IS NOT NULL, dados FROM coletas ORDER BY id"
        ).fetchall()


def test_batches_are_copied_and_the_coleta_succeeds(database_url):
    result = crawl(database_url, "-a", "n=25", "-a", "invalidas=3", "-s", "POSTGRES_BATCH_SIZE=10")
    assert result.returncode == 0, result.stderr
    [(coleta_id, fonte, ano, status, spider, finished, dados)] = coletas(database_url)
    assert (fonte, ano, status, spider, finished) == ("PGC", 2025, "success", "demandas_fixas", True)
    assert dados["demandas_armazenadas"] == 25
    assert dados["stats"]["postgres/batches"] == 3  # 10 + 10 + 5, each its own COPY and commit
    assert dados["descartes"]["total"] == 3
    assert dados["descartes"]["por_motivo"] == {"InvalidValor": 3}
    assert {d["item"]["chave"] for d in dados["descartes"]["registros"]} == {"x0", "x1", "x2"}
    assert dados["argumentos"] == {"ano": 2025, "n": 25, "invalidas": 3, "fechar_com": None}
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT dfd, valor, data_inicio::text, detalhes FROM demandas WHERE coleta_id = %s ORDER BY id", (coleta_id,)
        ).fetchall()
    assert len(rows) == 25
    assert rows[11] == ("12/2024", Decimal("12000.12"), "2025-02-01", {"valorItem": 0.3333, "i": 12})


def test_any_other_close_reason_marks_the_coleta_error(database_url):
    result = crawl(database_url, "-a", "n=5", "-a", "fechar_com=portal_fora_do_ar")
    assert result.returncode == 1  # a crawl that did not finish cleanly exits non-zero
    [(_, _, _, status, _, finished, dados)] = coletas(database_url)
    assert (status, finished) == ("error", True)
    assert dados["finish_reason"] == "portal_fora_do_ar"


def test_a_failed_batch_fails_loudly_and_keeps_what_was_committed(database_url):
    # A CHECK the pipeline does not know about makes the second batch fail in the database.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE demandas ADD CONSTRAINT test_no_dfd_15 CHECK (dfd <> '15/2024')")
    result = crawl(database_url, "-a", "n=30", "-s", "POSTGRES_BATCH_SIZE=10")
    assert "test_no_dfd_15" in result.stderr
    [(coleta_id, _, _, status, _, _, dados)] = coletas(database_url)
    assert status == "error"
    assert dados["finish_reason"] == "database_error"
    assert "test_no_dfd_15" in dados["falha_armazenamento"]
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM demandas").fetchone() == (10,)  # batch 1 stays whole


def test_without_database_url_the_pipeline_is_off_and_feeds_still_work(tmp_path):
    out = tmp_path / "demandas.json"
    result = run_scrapy(["runspider", SPIDER, "-a", "n=3", "-O", str(out)], project_env(DATABASE_URL=None))
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("DATABASE_URL is not set") == 1
    items = json.loads(out.read_text())
    assert [i["valor"] for i in items] == ["1000.01", "2000.02", "3000.03"]
    assert items[0]["data_inicio"] == "2025-02-01"


def test_unreachable_database_stops_the_crawl_before_any_item(tmp_path):
    result = run_scrapy(
        ["runspider", SPIDER, "-a", "n=3"], project_env(DATABASE_URL="postgresql://postgres@127.0.0.1:1/none")
    )
    assert result.returncode != 0
    assert "database unavailable" in result.stderr
    assert "'finish_reason': 'database_error'" in result.stderr


def test_sqlalchemy_echo_logs_each_statement(database_url):
    result = crawl(database_url, "-a", "n=12", "-s", "POSTGRES_BATCH_SIZE=5", SQLALCHEMY_ECHO="true")
    assert result.returncode == 0, result.stderr
    echoed = [line for line in result.stderr.splitlines() if "[procurement_spiders.sql]" in line]
    assert len(echoed) == 5  # INSERT coleta, 3 COPY batches, UPDATE coleta
    assert "INSERT INTO coletas" in echoed[0] and "UPDATE coletas" in echoed[-1]
    assert sum("COPY demandas" in line for line in echoed) == 3
    quiet = crawl(database_url, "-a", "n=2")
    assert "[procurement_spiders.sql]" not in quiet.stderr
