"""Migration 003 on a real PostgreSQL: the Formação do PCA coletas of before (spider 'pncp' with the
argument fonte=pgc, stored as fonte 'PNCP') become fonte 'FORMACAO', finished ones included; other
coletas keep their source; the new fonte and the coleta's UASG are accepted."""

from __future__ import annotations

import shutil

import psycopg
import pytest

from procurement_spiders.storage.coletas import finish_coleta, open_coleta
from procurement_spiders.storage.migrations import apply_migrations, default_migrations_dir


def test_old_formacao_coletas_get_their_own_fonte(empty_database_url, tmp_path):
    before = tmp_path / "before"
    before.mkdir()
    for sql in default_migrations_dir().iterdir():
        if sql.name.endswith(".sql") and sql.name < "003":
            shutil.copy(sql, before / sql.name)
    apply_migrations(empty_database_url, before)
    with psycopg.connect(empty_database_url, autocommit=True) as conn:

        def coleta(spider, fonte, argumentos, status):
            cid = open_coleta(
                conn,
                fonte=fonte,
                ano_referencia=2025,
                spider=spider,
                job_id=None,
                orgao_cnpj=None,
                dados={"argumentos": argumentos},
            )
            if status != "running":  # as the code of before closed them (no uasg column yet)
                conn.execute("UPDATE coletas SET status = %s WHERE id = %s", (status, cid))
            return cid

        formacao_ok = coleta("pncp", "PNCP", {"ano": 2025, "cnpj": "00394452000103", "fonte_dados": "pgc"}, "success")
        formacao_err = coleta("pncp", "PNCP", {"ano": 2025, "fonte_dados": "pgc"}, "error")
        pncp = coleta("pncp", "PNCP", {"ano": 2025, "cnpj": "00394452000103", "fonte_dados": "portal"}, "success")
        pgc = coleta("pgc", "PGC", {"ano": 2025, "detalhes": False}, "success")

    assert apply_migrations(empty_database_url)[0] == "003_coleta_fonte_formacao.sql"  # later ones follow
    with psycopg.connect(empty_database_url, autocommit=True) as conn:
        rows = dict(conn.execute("SELECT id, fonte || '/' || status FROM coletas").fetchall())
        assert rows == {
            formacao_ok: "FORMACAO/success",
            formacao_err: "FORMACAO/error",
            pncp: "PNCP/success",
            pgc: "PGC/success",
        }
        new = open_coleta(
            conn, fonte="FORMACAO", ano_referencia=2025, spider="pgc_formacao", job_id=None, orgao_cnpj=None, dados={}
        )
        finish_coleta(conn, new, status="success", dados={}, unidade={"uasg": "110511", "orgao_cnpj": None})
        assert conn.execute("SELECT uasg, orgao_cnpj FROM coletas WHERE id = %s", (new,)).fetchone() == ("110511", None)
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE coletas SET uasg = '12345' WHERE id = %s", (new,))
        with pytest.raises(psycopg.errors.CheckViolation):
            open_coleta(conn, fonte="OUTRA", ano_referencia=2025, spider="x", job_id=None, orgao_cnpj=None, dados={})
