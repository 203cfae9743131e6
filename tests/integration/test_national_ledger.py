"""The national run's ledger (migration 006) on a real PostgreSQL: one coleta per year shared by
workers, a plan stored once, the coleta closed only when nothing is pending."""

from __future__ import annotations

from decimal import Decimal

import psycopg

from procurement_spiders.national import ledger
from procurement_spiders.storage.coletas import demanda_row

SEED = ("busca:1", "busca", {"pagina": 1})


def row(chave: str, valor: str) -> tuple:
    from procurement_spiders.items import Demanda

    return demanda_row(
        Demanda(
            fonte="PNCP",
            chave=chave,
            ano_referencia=2025,
            orgao_cnpj="90000001000100",
            uasg="000001",
            valor=Decimal(valor),
            status="PUBLICADO",
            detalhes={},
        )
    )


def test_a_worker_joining_a_new_run_finds_its_first_task_pending(database_url):
    """Regression: the coleta and its seed task were two transactions, and a worker that joined
    in between saw nothing pending and closed the run as an empty success."""
    with psycopg.connect(database_url, autocommit=True) as a, psycopg.connect(database_url, autocommit=True) as b:
        coleta, created = ledger.join_or_open(a, 2025, {}, None, SEED)
        joined, created_b = ledger.join_or_open(b, 2025, {}, None, SEED)
        assert (created, created_b, joined) == (True, False, coleta)
        assert ledger.close_if_done(b, coleta) is None
        assert ledger.coleta_status(b, coleta) == "running"


def test_a_plan_read_twice_is_stored_once(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        coleta, _ = ledger.join_or_open(conn, 2025, {}, None, SEED)
        plan = ("plano:90000001000100:1", "plano", {})
        assert ledger.finish_task(conn, coleta, "busca:1", "w1", [plan]) == [plan[0]]
        assert ledger.finish_task(conn, coleta, "busca:1", "w2", [plan]) == []  # listed again: not new
        rows = [row("a", "10.50"), row("b", "1.25")]
        assert ledger.store_plan(conn, coleta, plan[0], "w1", rows).stored == [0, 1]
        assert ledger.store_plan(conn, coleta, plan[0], "w2", rows) is None
        assert conn.execute("SELECT count(*), sum(valor) FROM demandas").fetchone() == (2, Decimal("11.75"))
        assert conn.execute("SELECT worker, demandas FROM coleta_tarefas WHERE chave = %s", (plan[0],)).fetchone() == (
            "w1",
            2,
        )


def test_a_listing_page_of_children_is_written_at_once_and_only_the_new_ones_come_back(database_url):
    """finish_task writes a page's 500 órgãos in one statement: those already in the ledger (from
    another page or worker) and a repeat inside the page are not new, and `dados` rebuilds the task."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        coleta, _ = ledger.join_or_open(conn, 2025, {}, None, SEED)
        page = [(f"orgao:{n:014d}:1", "orgao", {"cnpj": f"{n:014d}", "pagina": 1}) for n in range(500)]
        ledger.add_tasks(conn, coleta, page[:3])  # already listed
        new = ledger.finish_task(conn, coleta, "busca:1", "w1", [*page, page[10]])
        assert sorted(new) == sorted(chave for chave, _, _ in page[3:])
        pending = {chave: (tipo, dados) for chave, tipo, dados in ledger.pending(conn, coleta)}
        assert len(pending) == 500 and pending[page[42][0]] == ("orgao", page[42][2])
        assert ledger.finish_task(conn, coleta, "busca:1", "w2", []) == []


def test_the_run_closes_once_nothing_is_pending_and_errors_if_a_worker_lost_data(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        coleta, _ = ledger.join_or_open(conn, 2025, {}, None, SEED)
        ledger.save_worker(conn, coleta, "w1", {"incompleta": False, "anomalias": []})
        lost = {"tipo": "pagina_perdida", "incompleta": True, "orgao_cnpj": "90000001000100", "sequencialPca": 3}
        ledger.save_worker(conn, coleta, "w2", {"incompleta": True, "anomalias": [lost]})
        assert ledger.close_if_done(conn, coleta) is None
        ledger.finish_task(conn, coleta, "busca:1", "w1", [])
        assert ledger.close_if_done(conn, coleta) == "error"
        dados = conn.execute("SELECT dados FROM coletas WHERE id = %s", (coleta,)).fetchone()[0]
        assert set(dados["workers"]) == {"w1", "w2"} and dados["anomalias"] == [lost]
        assert dados["faltando"] == [{"tipo": "pagina_perdida", "orgao_cnpj": "90000001000100", "sequencialPca": 3}]
        assert ledger.close_if_done(conn, coleta) == "error"  # closing again changes nothing
        again, created = ledger.join_or_open(conn, 2025, {}, None, SEED)
        assert created and again != coleta  # a closed run is not joined: a new one starts


def test_a_row_the_database_refuses_is_left_out_alone_and_the_plan_is_done(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        coleta, _ = ledger.join_or_open(conn, 2025, {}, None, SEED)
        plan = ("plano:90000001000100:2", "plano", {})
        ledger.finish_task(conn, coleta, "busca:1", "w1", [plan])
        bad = list(row("b", "2.00"))
        bad[3] = "NUL \x00 byte"  # descricao: PostgreSQL text refuses it
        outcome = ledger.store_plan(conn, coleta, plan[0], "w1", [row("a", "1.00"), tuple(bad), row("c", "3.00")])
        assert outcome.stored == [0, 2] and [i for i, _ in outcome.rejected] == [1]
        assert conn.execute(
            "SELECT demandas, valor, estado FROM coleta_tarefas WHERE chave = %s", (plan[0],)
        ).fetchone() == (2, Decimal("4.00"), "feita")
        assert conn.execute("SELECT count(*) FROM demandas").fetchone()[0] == 2
