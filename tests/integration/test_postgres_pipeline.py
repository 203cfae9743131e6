"""The storage pipeline through real crawls (`scrapy runspider`) on a real PostgreSQL.

Every crawl goes through `run_checked` (tests/support.py): its coleta is closed, exit 0 iff success, and
stored + dropped (by reason) = read, all read from `coletas.dados`."""

import json
from decimal import Decimal

import psycopg

from tests.support import ROOT, project_env, run_checked, run_scrapy

SPIDER = str(ROOT / "tests" / "fixtures" / "spiders" / "demandas_fixas.py")
ARGUMENTOS = {"ano": 2025, "n": 25, "invalidas": 3, "fechar_com": None, "paginas": 1, "nul": 0, "esquisitas": False}


def crawl(database_url, *args, **env):
    return run_checked(
        database_url, lambda: run_scrapy(["runspider", SPIDER, *args], project_env(DATABASE_URL=database_url, **env))
    )


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
    assert (dados["demandas_lidas"], dados["demandas_armazenadas"]) == (28, 25)
    assert dados["stats"]["postgres/batches"] == 3  # 10 + 10 + 5, each its own COPY and commit
    assert dados["descartes"]["total"] == 3
    assert dados["descartes"]["por_motivo"] == {"InvalidValor": 3}
    assert {d["item"]["chave"] for d in dados["descartes"]["registros"]} == {"x0", "x1", "x2"}
    assert dados["argumentos"] == ARGUMENTOS
    # stats hold counters only: the lists live once, in dados
    assert not [k for k, v in dados["stats"].items() if isinstance(v, list | dict)]
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT dfd, valor, data_inicio::text, detalhes FROM demandas WHERE coleta_id = %s ORDER BY id",
            (coleta_id,),
        ).fetchall()
    assert len(rows) == 25
    assert rows[11] == ("12/2024", Decimal("12000.12"), "2025-02-01", {"valorItem": 0.3333, "i": 12})
    resumo = run_scrapy(["resumo", "--coleta", str(coleta_id)], project_env(DATABASE_URL=database_url))
    assert "demandas: 25" in resumo.stdout and "valor total: R$ " in resumo.stdout, resumo.stderr


def test_any_other_close_reason_marks_the_coleta_error(database_url):
    result = crawl(database_url, "-a", "n=5", "-a", "fechar_com=portal_fora_do_ar")
    assert result.returncode == 1  # a crawl that did not finish cleanly exits non-zero
    [(_, _, _, status, _, finished, dados)] = coletas(database_url)
    assert (status, finished) == ("error", True)
    assert dados["finish_reason"] == "portal_fora_do_ar"


def test_a_row_the_database_refuses_is_one_counted_drop_the_rest_is_stored(database_url):
    # A CHECK the pipeline does not know about refuses one row of the second batch.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE demandas ADD CONSTRAINT test_no_dfd_15 CHECK (dfd <> '15/2024')")
    result = crawl(database_url, "-a", "n=30", "-s", "POSTGRES_BATCH_SIZE=10")
    assert result.returncode == 0, result.stderr[-2000:]
    [(coleta_id, _, _, status, _, _, dados)] = coletas(database_url)
    assert status == "success"
    assert dados["descartes"]["por_motivo"] == {"LinhaRejeitada": 1}
    [drop] = dados["descartes"]["registros"]
    assert drop["item"]["chave"] == "15/2024" and "test_no_dfd_15" in drop["mensagem"]
    with psycopg.connect(database_url) as conn:
        dfds = {r[0] for r in conn.execute("SELECT dfd FROM demandas WHERE coleta_id = %s", (coleta_id,))}
    assert dfds == {f"{i}/2024" for i in range(1, 31)} - {"15/2024"}


def test_a_nul_byte_drops_only_its_row(database_url):
    # Issue 8, defect 4: the NUL byte used to fail the whole final COPY batch, with exit 0.
    result = crawl(database_url, "-a", "n=40", "-a", "nul=7")
    assert result.returncode == 0, result.stderr[-2000:]
    [(coleta_id, _, _, status, _, _, dados)] = coletas(database_url)
    assert (status, dados["demandas_armazenadas"], dados["demandas_lidas"]) == ("success", 39, 40)
    [drop] = dados["descartes"]["registros"]
    assert (drop["motivo"], drop["item"]["chave"]) == ("LinhaRejeitada", "7/2024")
    assert "NUL" in drop["mensagem"] or "0x00" in drop["mensagem"]
    assert drop["item"]["descricao"] == "Demanda 7\ufffd"  # kept, with the NUL shown as U+FFFD


def test_a_failed_final_flush_makes_the_coleta_error_and_the_exit_non_zero(database_url):
    # The database fails the whole COPY (not one row's content): nothing of the batch is stored.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("""CREATE FUNCTION test_fail_copy() RETURNS trigger AS $$
                        BEGIN RAISE EXCEPTION 'test: storage is failing'; END $$ LANGUAGE plpgsql""")
        conn.execute("""CREATE TRIGGER test_fail_copy AFTER INSERT ON demandas
                        FOR EACH STATEMENT EXECUTE FUNCTION test_fail_copy()""")
    result = crawl(database_url, "-a", "n=5")  # one batch: the final flush
    assert result.returncode == 1
    [(_, _, _, status, _, _, dados)] = coletas(database_url)
    assert status == "error"
    assert "test: storage is failing" in dados["falha_armazenamento"]
    assert dados["descartes"]["por_motivo"] == {"NaoArmazenada": 5}


def test_a_failed_batch_fails_loudly_and_keeps_what_was_committed(database_url):
    # The second batch fails as a whole (the table is locked out from then on).
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("""CREATE FUNCTION test_fail_after_10() RETURNS trigger AS $$
                        BEGIN IF (SELECT count(*) FROM demandas) > 10 THEN
                            RAISE EXCEPTION 'test: storage is failing'; END IF; RETURN NULL; END $$
                        LANGUAGE plpgsql""")
        conn.execute("""CREATE TRIGGER test_fail_after_10 AFTER INSERT ON demandas
                        FOR EACH STATEMENT EXECUTE FUNCTION test_fail_after_10()""")
    result = crawl(database_url, "-a", "n=30", "-s", "POSTGRES_BATCH_SIZE=10")
    assert result.returncode == 1
    assert "test: storage is failing" in result.stderr
    [(coleta_id, _, _, status, _, _, dados)] = coletas(database_url)
    assert status == "error"
    assert dados["finish_reason"] == "database_error"
    assert "test: storage is failing" in dados["falha_armazenamento"]
    assert dados["descartes"]["por_motivo"] == {"NaoArmazenada": 20}
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM demandas").fetchone() == (10,)  # batch 1 stays whole


def test_values_json_cannot_hold_never_stop_the_coleta_closing(database_url):
    # Issue 8, defect 1 (closing part): NaN, Infinity, NUL, bytes, surrogates in anomalies and drops.
    result = crawl(database_url, "-a", "n=3", "-a", "esquisitas=1")
    assert result.returncode == 0, result.stderr[-2000:]
    [(_, _, _, status, _, _, dados)] = coletas(database_url)
    assert status == "success"
    [anomalia] = dados["anomalias"]
    assert (anomalia["nan"], anomalia["infinito"], anomalia["menos_infinito"], anomalia["dnan"]) == (
        "NaN",
        "Infinity",
        "-Infinity",
        "NaN",
    )
    assert anomalia["nul"] == "a\ufffdb" and anomalia["surrogate"] == "x?y"
    [drop] = dados["descartes"]["registros"]
    assert drop["item"]["detalhes"] == {"nan": "NaN", "inf": "-Infinity"}
    assert dados["stats"]["coleta/anomalias/valores_esquisitos"] == 1


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


def test_sqlalchemy_echo_logs_each_statement(database_url):
    result = crawl(database_url, "-a", "n=12", "-s", "POSTGRES_BATCH_SIZE=5", SQLALCHEMY_ECHO="true")
    assert result.returncode == 0, result.stderr
    echoed = [line for line in result.stderr.splitlines() if "[procurement_spiders.sql]" in line]
    assert len(echoed) == 5  # INSERT coleta, 3 COPY batches, UPDATE coleta (no heartbeat this fast)
    assert "INSERT INTO coletas" in echoed[0] and "UPDATE coletas" in echoed[-1]
    assert sum("COPY demandas" in line for line in echoed) == 3
    quiet = crawl(database_url, "-a", "n=2")
    assert "[procurement_spiders.sql]" not in quiet.stderr
