"""The `coletas` record and the COPY writer of `demandas`: plain SQL, no Scrapy here."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg

from procurement_spiders.items import DEMANDA_COLUMNS
from procurement_spiders.storage.jsonb import dumps_json, jsonb  # noqa: F401  (dumps_json re-exported)

_COPY_SQL = f"COPY demandas (coleta_id, {', '.join(DEMANDA_COLUMNS)}) FROM STDIN"

sql_logger = logging.getLogger("procurement_spiders.sql")
echo_sql = False  # SQLALCHEMY_ECHO=true: every statement the project runs is logged (legacy name)


def _echo(sql: str, detail: str = "") -> None:
    if echo_sql:
        sql_logger.info("%s%s", " ".join(sql.split()), f" -- {detail}" if detail else "")


def open_coleta(
    conn: psycopg.Connection,
    *,
    fonte: str,
    ano_referencia: int,
    spider: str,
    job_id: str | None,
    orgao_cnpj: str | None,
    dados: dict[str, Any],
) -> int:
    sql = """INSERT INTO coletas (fonte, ano_referencia, spider, job_id, orgao_cnpj, dados, status)
             VALUES (%s, %s, %s, %s, %s, %s, 'running') RETURNING id"""
    _echo(sql)
    with conn.transaction():
        row = conn.execute(sql, (fonte, ano_referencia, spider, job_id, orgao_cnpj, jsonb(dados))).fetchone()
    assert row is not None
    return int(row[0])


def finish_coleta(
    conn: psycopg.Connection,
    coleta_id: int,
    *,
    status: str,
    dados: dict[str, Any],
    unidade: dict[str, Any] | None = None,
) -> bool:
    """Close the coleta; `dados` is merged over what was recorded when it opened. `unidade` (PGC
    crawls: the uasg / orgao_cnpj the app showed) fills the coleta's columns left empty.

    False when the coleta was no longer running (the reaper closed it as interrupted).
    """
    unidade = unidade or {}
    sql = """UPDATE coletas SET status = %s, dados = dados || %s,
                    orgao_cnpj = coalesce(orgao_cnpj, %s), uasg = coalesce(uasg, %s)
              WHERE id = %s AND status = 'running'"""
    _echo(sql, f"coleta {coleta_id} -> {status}")
    with conn.transaction():
        params = (status, jsonb(dados), unidade.get("orgao_cnpj"), unidade.get("uasg"), coleta_id)
        return conn.execute(sql, params).rowcount == 1


def touch_heartbeat(conn: psycopg.Connection, coleta_id: int) -> bool:
    """The running crawl is alive; False when its coleta is no longer running."""
    sql = "UPDATE coletas SET heartbeat_at = now() WHERE id = %s AND status = 'running'"
    _echo(sql, f"coleta {coleta_id}")
    return conn.execute(sql, (coleta_id,)).rowcount == 1


def coleta_is_running(conn: psycopg.Connection, coleta_id: int) -> bool:
    row = conn.execute("SELECT status FROM coletas WHERE id = %s", (coleta_id,)).fetchone()
    return row is not None and row[0] == "running"


def copy_demandas(conn: psycopg.Connection, coleta_id: int, rows: Iterable[Sequence[Any]]) -> int:
    """Write rows (in DEMANDA_COLUMNS order) with one COPY, in one transaction."""
    count = 0
    with conn.transaction(), conn.cursor() as cur, cur.copy(_COPY_SQL) as copy:
        for row in rows:
            copy.write_row((coleta_id, *row))
            count += 1
    _echo(_COPY_SQL, f"{count} rows, coleta {coleta_id}")
    return count


# A row the database refuses for its own content: a value (class 22: NUL byte, out of range,
# bad encoding) or a constraint (class 23). psycopg raises DataError client-side for NUL bytes,
# and an unencodable character fails as a UnicodeError while the row is written.
_ROW_ERRORS = (psycopg.errors.DataError, psycopg.errors.IntegrityError, psycopg.DataError, UnicodeError)


class ColetaClosedError(RuntimeError):
    """The coleta is no longer running (closed elsewhere, e.g. reaped): nothing more may be stored."""


@dataclass
class CopyOutcome:
    """What became of each row of a batch: stored, or rejected with the database's reason."""

    stored: list[int] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)


def copy_demandas_isolating(
    conn: psycopg.Connection, coleta_id: int, rows: Sequence[Sequence[Any]], outcome: CopyOutcome
) -> CopyOutcome:
    """COPY `rows`; when the database refuses a row for its content, only that row is left out.

    A refused COPY is split in halves until each refused row stands alone (a few COPYs per bad
    row, each half its own transaction). Any other error (connection lost, server down, a closed
    coleta) is raised: `outcome` then says which rows were already committed.
    """
    pending = [(0, len(rows))]
    while pending:
        lo, hi = pending.pop()
        try:
            copy_demandas(conn, coleta_id, rows[lo:hi])
        except _ROW_ERRORS as exc:
            if not coleta_is_running(conn, coleta_id):
                raise ColetaClosedError(f"coleta {coleta_id} is no longer running") from exc
            if hi - lo == 1:
                outcome.rejected.append((lo, first_line(exc)))
            else:
                mid = (lo + hi) // 2
                pending.extend([(mid, hi), (lo, mid)])
            continue
        outcome.stored.extend(range(lo, hi))
    return outcome


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:500]


def demanda_row(item) -> tuple[Any, ...]:
    """A validated Demanda as a COPY row."""
    return (
        item.chave,
        item.dfd,
        item.contratacao,
        item.descricao,
        item.valor if isinstance(item.valor, Decimal) or item.valor is None else Decimal(item.valor),
        item.data_inicio,
        item.data_fim,
        item.data_desejada,
        item.data_conclusao,
        item.status,
        item.categoria,
        item.requisitante,
        item.uasg,
        item.orgao_cnpj,
        jsonb(item.detalhes),
    )
