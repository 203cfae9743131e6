"""The execuções table (migration 007) on a real PostgreSQL, through web/execucoes.py: the database
itself keeps one active execução, even between two connections (two web processes) racing."""

from __future__ import annotations

import threading

import psycopg
import pytest

from procurement_spiders.reports.engine import report_engine
from procurement_spiders.web import execucoes as store
from procurement_spiders.web.execucoes import Passo
from tests.support import wait_for


def _passos() -> list[Passo]:
    return [Passo("PGC", "pgc", {"ano": "2025"}), Passo("PNCP", "pncp", {"ano": "2025", "cnpj": "00394452000103"})]


@pytest.fixture
def engines(database_url):
    """Two engines: two pools, like two web processes."""
    pair = (report_engine(database_url), report_engine(database_url))
    yield pair
    for engine in pair:
        engine.dispose()


def test_a_second_insert_waits_for_the_first_and_is_refused(engines, database_url):
    first, second = engines
    outcome: dict[str, object] = {}

    def other_click():
        try:
            with second.begin() as conn:
                outcome["id"] = store.criar(conn, 2025, None, None, "leo", _passos())
        except store.OutraAtiva:
            outcome["refused"] = True

    with first.begin() as conn:
        first_id = store.criar(conn, 2025, "00394452000103", None, "ana", _passos())
        racer = threading.Thread(target=other_click)
        racer.start()
        # the other INSERT is blocked on ours (a lock wait in PostgreSQL), not yet answered
        with psycopg.connect(database_url, autocommit=True) as watch:  # a fresh activity snapshot per poll
            wait_for(
                lambda: (
                    watch.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND datname = current_database() AND query LIKE 'INSERT INTO execucoes %'"
                    ).fetchone()[0]
                    == 1
                ),
                20,
                what="the second INSERT waiting on the first",
            )
        assert outcome == {}
    racer.join(20)
    assert outcome == {"refused": True}
    with first.connect() as conn:
        ativa = store.ativa(conn)
    assert ativa is not None and ativa.id == first_id and ativa.usuario == "ana"
    assert [(p.ordem, p.fonte, p.estado, p.job_id) for p in ativa.passos] == [
        (0, "PGC", "aguardando", None),
        (1, "PNCP", "aguardando", None),
    ]
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM execucao_passos").fetchone() == (2,)  # none of the loser's


def test_a_finished_execucao_frees_the_slot_and_stays_readable(engines):
    engine, _ = engines
    with engine.begin() as conn:
        first_id = store.criar(conn, 2025, None, None, "ana", _passos())
        ativa = store.ativa(conn)
        assert ativa is not None
        store.cancelar(conn, first_id, "leo")
        for passo in ativa.passos:
            passo.estado = "cancelado"
            store.gravar_passo(conn, first_id, passo)
        store.terminar(conn, first_id)
    with engine.begin() as conn:
        assert store.ativa(conn) is None
        done = store.ultima(conn)
        assert done is not None and not done.ativa and done.cancelada and done.cancelada_por == "leo"
        second_id = store.criar(conn, 2026, None, None, "ana", _passos()[:1])
    with engine.connect() as conn:
        latest = store.ultima(conn)
    assert latest is not None and latest.id == second_id > first_id and latest.ativa and latest.ano == 2026


def test_the_row_lock_lets_one_process_advance_at_a_time(engines):
    first, second = engines
    with first.begin() as conn:
        store.criar(conn, 2025, None, None, "ana", _passos())
    with first.begin() as holder:
        assert store.ativa(holder, lock="wait") is not None
        with second.begin() as other:
            assert store.ativa(other, lock="skip") is None  # the other process skips this poll
            assert store.ativa(other) is not None  # reading it is never blocked
