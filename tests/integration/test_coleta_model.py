"""The model's own rules, enforced by PostgreSQL whatever client writes."""

import psycopg
import pytest

from procurement_spiders.storage.coletas import copy_demandas, finish_coleta, open_coleta


def new_coleta(conn) -> int:
    return open_coleta(
        conn,
        fonte="PNCP",
        ano_referencia=2025,
        spider="pncp",
        job_id=None,
        orgao_cnpj="00394452000103",
        dados={"argumentos": {"ano": 2025}},
    )


ROW = (
    "k1",
    "30/2024",
    "120645-1/2025",
    "d",
    None,
    None,
    None,
    None,
    None,
    "PUBLICADO",
    None,
    None,
    "120645",
    None,
    None,
)


def test_finished_coleta_accepts_no_more_demandas(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        coleta = new_coleta(conn)
        assert copy_demandas(conn, coleta, [ROW]) == 1
        finish_coleta(conn, coleta, status="success", dados={"demandas_armazenadas": 1})
        with pytest.raises(psycopg.errors.CheckViolation, match="is success"):
            copy_demandas(conn, coleta, [("k2", *ROW[1:])])
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE demandas SET descricao = 'x' WHERE coleta_id = %s", (coleta,))
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("DELETE FROM demandas WHERE coleta_id = %s", (coleta,))
        status, finished, dados = conn.execute(
            "SELECT status, finished_at IS NOT NULL, dados FROM coletas WHERE id = %s", (coleta,)
        ).fetchone()
        assert (status, finished) == ("success", True)
        assert dados == {"argumentos": {"ano": 2025}, "demandas_armazenadas": 1}
        # a whole coleta can still be deleted (retention), its demandas go with it
        conn.execute("DELETE FROM coletas WHERE id = %s", (coleta,))
        assert conn.execute("SELECT count(*) FROM demandas").fetchone() == (0,)


def test_status_cannot_go_back_or_switch(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        coleta = new_coleta(conn)
        finish_coleta(conn, coleta, status="error", dados={})
        for status in ("running", "success"):
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute("UPDATE coletas SET status = %s WHERE id = %s", (status, coleta))


def test_rows_are_checked_by_the_schema(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        coleta = new_coleta(conn)
        with pytest.raises(psycopg.errors.CheckViolation):
            copy_demandas(conn, coleta, [("k", "030/2024", *ROW[2:])])  # DFD must be N/AAAA, not padded
        with pytest.raises(psycopg.errors.UniqueViolation):
            copy_demandas(conn, coleta, [ROW, ROW])
        assert conn.execute("SELECT count(*) FROM demandas").fetchone() == (0,)  # each COPY is all or nothing
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO coletas (fonte, ano_referencia, spider) VALUES ('SIASG', 2025, 'x')")


def test_reaper_closes_only_running_coletas_whose_heartbeat_is_stale(database_url):
    from procurement_spiders.storage.coletas import touch_heartbeat
    from procurement_spiders.storage.reaper import reap_stale_coletas

    with psycopg.connect(database_url, autocommit=True) as conn:
        dead, alive, done = new_coleta(conn), new_coleta(conn), new_coleta(conn)
        copy_demandas(conn, dead, [ROW])
        finish_coleta(conn, done, status="success", dados={})
        conn.execute(
            "UPDATE coletas SET heartbeat_at = now() - interval '10 minutes' WHERE id IN (%s, %s)", (dead, done)
        )
        assert touch_heartbeat(conn, alive)
        [reaped] = reap_stale_coletas(conn, stale_after=300)
        assert reaped.id == dead
        rows = dict(conn.execute("SELECT id, status FROM coletas").fetchall())
        assert rows == {dead: "error", alive: "running", done: "success"}
        finished_at, heartbeat_at, dados = conn.execute(
            "SELECT finished_at, heartbeat_at, dados FROM coletas WHERE id = %s", (dead,)
        ).fetchone()
        assert finished_at == heartbeat_at  # closed at its last sign of life
        assert dados["finish_reason"] == "interrompida"
        assert dados["interrupcao"]["motivo"] == "heartbeat_expirado"
        assert dados["argumentos"] == {"ano": 2025}  # what it recorded when it opened stays
        # a reaped coleta is closed like any other: its crawl (if it was only slow) cannot add rows
        assert not touch_heartbeat(conn, dead)
        with pytest.raises(psycopg.errors.CheckViolation, match="is error"):
            copy_demandas(conn, dead, [("k2", *ROW[1:])])
        assert not finish_coleta(conn, dead, status="success", dados={})
        # only succeeded coletas' demandas are data
        copy_demandas(conn, alive, [ROW])
        assert conn.execute("SELECT count(*) FROM demandas_validas").fetchone() == (0,)
        finish_coleta(conn, alive, status="success", dados={})
        assert conn.execute("SELECT coleta_id FROM demandas_validas").fetchall() == [(alive,)]
