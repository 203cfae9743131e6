"""The shared coleta of a national run and its completion ledger (migration 006): plain SQL.

Every worker of a run joins the one `running` coleta of spider pncp_nacional for the year (the
first creates it, under an advisory lock). Tasks are written `pendente` before their requests
are queued; a plan becomes `feita` in the transaction that COPYs its demandas, so a plan read
twice is stored once. The coleta closes when nothing is pending.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import psycopg

from procurement_spiders.storage.coletas import CopyOutcome, copy_demandas_isolating, jsonb, touch_heartbeat
from procurement_spiders.storage.jsonb import dumps_json

SPIDER = "pncp_nacional"
VALOR = 4  # position of valor in a demanda row (storage.coletas.demanda_row)
Task = tuple[str, str, dict[str, Any]]  # (chave, tipo, dados)


def join_or_open(
    conn: psycopg.Connection, ano: int, dados: dict[str, Any], job_id: str | None, seed: Task
) -> tuple[int, bool]:
    """(coleta id, created): the running national coleta of `ano`, created if there is none, with
    its first task in the same transaction (a worker joining sees work pending, never an empty run)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s), %s)", (SPIDER, ano))
        running = running_coleta(conn, ano)
        if running is not None:
            return running, False
        row = conn.execute(
            "INSERT INTO coletas (fonte, ano_referencia, spider, job_id, dados, status) "
            "VALUES ('PNCP', %s, %s, %s, %s, 'running') RETURNING id",
            (ano, SPIDER, job_id, jsonb(dados)),
        ).fetchone()
        assert row is not None
        _insert(conn, int(row[0]), [seed])
        return int(row[0]), True


def running_coleta(conn: psycopg.Connection, ano: int) -> int | None:
    """The id of the running national coleta of `ano`, if any (a waiting worker joins only this)."""
    row = conn.execute(
        "SELECT id FROM coletas WHERE spider = %s AND ano_referencia = %s AND status = 'running' "
        "ORDER BY id DESC LIMIT 1",
        (SPIDER, ano),
    ).fetchone()
    return int(row[0]) if row else None


def coleta_status(conn: psycopg.Connection, coleta_id: int) -> str:
    row = conn.execute("SELECT status FROM coletas WHERE id = %s", (coleta_id,)).fetchone()
    return str(row[0]) if row else "missing"


def _insert(conn: psycopg.Connection, coleta_id: int, tasks: Iterable[Task]) -> list[str]:
    """One statement for all of them (a listing page brings 500 órgãos: one round trip, not 500)."""
    tasks = list(tasks)
    if not tasks:
        return []
    rows = conn.execute(
        "INSERT INTO coleta_tarefas (coleta_id, chave, tipo, dados) "
        "SELECT %s, t.chave, t.tipo, t.dados::jsonb FROM unnest(%s::text[], %s::text[], %s::text[]) "
        "AS t(chave, tipo, dados) ON CONFLICT DO NOTHING RETURNING chave",
        (coleta_id, [c for c, _, _ in tasks], [t for _, t, _ in tasks], [dumps_json(d) for _, _, d in tasks]),
    ).fetchall()
    return [r[0] for r in rows]


def add_tasks(conn: psycopg.Connection, coleta_id: int, tasks: Iterable[Task]) -> list[str]:
    """The chaves of the tasks that were new (the others are already in the ledger)."""
    with conn.transaction():
        return _insert(conn, coleta_id, tasks)


def finish_task(
    conn: psycopg.Connection, coleta_id: int, chave: str, worker: str, children: Iterable[Task]
) -> list[str]:
    """Children written, then the parent done, in one transaction; returns the new children."""
    with conn.transaction():
        new = _insert(conn, coleta_id, children)
        conn.execute(
            "UPDATE coleta_tarefas SET estado = 'feita', worker = %s, feita_em = now() "
            "WHERE coleta_id = %s AND chave = %s AND estado = 'pendente'",
            (worker, coleta_id, chave),
        )
        return new


def store_plan(
    conn: psycopg.Connection, coleta_id: int, chave: str, worker: str, rows: Sequence[Sequence[Any]]
) -> CopyOutcome | None:
    """The plan's demandas COPYed and its task done together; None if it was done already.

    A row the database refuses for its content is left out alone (copy_demandas_isolating, in
    savepoints of this transaction) and reported in the outcome; the ledger counts what was stored.
    """
    with conn.transaction():
        row = conn.execute(
            "SELECT estado FROM coleta_tarefas WHERE coleta_id = %s AND chave = %s FOR UPDATE", (coleta_id, chave)
        ).fetchone()
        if row is None or row[0] != "pendente":
            return None
        outcome = copy_demandas_isolating(conn, coleta_id, rows, CopyOutcome()) if rows else CopyOutcome()
        valor = sum((Decimal(rows[i][VALOR]) for i in outcome.stored if rows[i][VALOR] is not None), Decimal(0))
        conn.execute(
            "UPDATE coleta_tarefas SET estado = 'feita', worker = %s, demandas = %s, valor = %s, feita_em = now() "
            "WHERE coleta_id = %s AND chave = %s",
            (worker, len(outcome.stored), valor, coleta_id, chave),
        )
        return outcome


def pending(conn: psycopg.Connection, coleta_id: int, older_than_s: float = 0, limit: int = 10_000) -> list[Task]:
    rows = conn.execute(
        "SELECT chave, tipo, dados FROM coleta_tarefas WHERE coleta_id = %s AND estado = 'pendente' "
        "AND criada_em <= now() - make_interval(secs => %s) ORDER BY criada_em LIMIT %s",
        (coleta_id, older_than_s, limit),
    ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def counts(conn: psycopg.Connection, coleta_id: int) -> dict[str, int]:
    """Tasks by tipo and estado ('plano/feita': 12, …) and demandas stored."""
    out: dict[str, int] = {}
    for tipo, estado, n, demandas in conn.execute(
        "SELECT tipo, estado, count(*), coalesce(sum(demandas), 0) FROM coleta_tarefas "
        "WHERE coleta_id = %s GROUP BY tipo, estado",
        (coleta_id,),
    ):
        out[f"{tipo}/{estado}"] = int(n)
        out["demandas"] = out.get("demandas", 0) + int(demandas)
    out["pendentes"] = sum(v for k, v in out.items() if k.endswith("/pendente"))
    return out


def save_worker(conn: psycopg.Connection, coleta_id: int, worker: str, dados: dict[str, Any]) -> None:
    """This worker's record, and the coleta's heartbeat (the reaper leaves a run with live workers alone)."""
    with conn.transaction():
        touch_heartbeat(conn, coleta_id)
        conn.execute(
            "INSERT INTO coleta_workers (coleta_id, worker, dados) VALUES (%s, %s, %s) ON CONFLICT (coleta_id, worker) "
            "DO UPDATE SET dados = EXCLUDED.dados, atualizado_em = now()",
            (coleta_id, worker, jsonb(dados)),
        )


def close_if_done(conn: psycopg.Connection, coleta_id: int) -> str | None:
    """success/error once nothing is pending (error if a worker lost data); None while work remains."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s), %s)", (SPIDER, coleta_id))
        status = coleta_status(conn, coleta_id)
        if status != "running":
            return status
        tally = counts(conn, coleta_id)
        if tally["pendentes"]:
            return None
        workers = {
            w: d
            for w, d in conn.execute(
                "SELECT worker, dados FROM coleta_workers WHERE coleta_id = %s ORDER BY worker", (coleta_id,)
            )
        }
        incompleta = any(d.get("incompleta") for d in workers.values())
        anomalias = [a for d in workers.values() for a in d.get("anomalias", [])]
        status = "error" if incompleta else "success"
        dados = {
            "finish_reason": "finished",
            "incompleta": incompleta,
            "tarefas": tally,
            "demandas_armazenadas": tally.get("demandas", 0),
            "workers": workers,
            "anomalias": anomalias,
            "faltando": [
                {k: a.get(k) for k in ("tipo", "tarefa", "orgao_cnpj", "sequencialPca") if a.get(k)}
                for a in anomalias
                if a.get("incompleta")
            ],
        }
        conn.execute(
            "UPDATE coletas SET status = %s, dados = dados || %s WHERE id = %s AND status = 'running'",
            (status, jsonb(dados), coleta_id),
        )
        return status
