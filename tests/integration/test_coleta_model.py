"""The model's own rules, enforced by PostgreSQL whatever client writes."""

import psycopg
import pytest

from procurement_spiders.storage.coletas import copy_demandas, finish_coleta, open_coleta


def new_coleta(conn) -> int:
    return open_coleta(conn, fonte="PNCP", ano_referencia=2025, spider="pncp", job_id=None,
                       orgao_cnpj="00394452000103", dados={"argumentos": {"ano": 2025}})


ROW = ("k1", "30/2024", "120645-1/2025", "d", None, None, None, None, None, "PUBLICADO", None, None, "120645", None, None)


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
            "SELECT status, finished_at IS NOT NULL, dados FROM coletas WHERE id = %s", (coleta,)).fetchone()
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
