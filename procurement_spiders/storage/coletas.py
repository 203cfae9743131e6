"""The `coletas` record and the COPY writer of `demandas`: plain SQL, no Scrapy here."""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Sequence

import psycopg
import simplejson
from psycopg.types.json import Jsonb

from procurement_spiders.items import DEMANDA_COLUMNS

_COPY_SQL = f"COPY demandas (coleta_id, {', '.join(DEMANDA_COLUMNS)}) FROM STDIN"

sql_logger = logging.getLogger("procurement_spiders.sql")
echo_sql = False  # SQLALCHEMY_ECHO=true: every statement the project runs is logged (legacy name)


def _echo(sql: str, detail: str = "") -> None:
    if echo_sql:
        sql_logger.info("%s%s", " ".join(sql.split()), f" -- {detail}" if detail else "")


def dumps_json(value: Any) -> str:
    """JSON with exact decimals (36900.00 stays 36900.00) and ISO dates."""
    return simplejson.dumps(value, use_decimal=True, default=_json_default, ensure_ascii=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def jsonb(value: Any) -> Jsonb | None:
    return None if value is None else Jsonb(value, dumps=dumps_json)


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


def finish_coleta(conn: psycopg.Connection, coleta_id: int, *, status: str, dados: dict[str, Any],
                  unidade: dict[str, Any] | None = None) -> None:
    """Close the coleta; `dados` is merged over what was recorded when it opened. `unidade` (PGC
    crawls: the uasg / orgao_cnpj the app showed) fills the coleta's columns left empty."""
    unidade = unidade or {}
    sql = """UPDATE coletas SET status = %s, dados = dados || %s,
                    orgao_cnpj = coalesce(orgao_cnpj, %s), uasg = coalesce(uasg, %s)
              WHERE id = %s AND status = 'running'"""
    _echo(sql, f"coleta {coleta_id} -> {status}")
    with conn.transaction():
        conn.execute(sql, (status, jsonb(dados), unidade.get("orgao_cnpj"), unidade.get("uasg"), coleta_id))


def copy_demandas(conn: psycopg.Connection, coleta_id: int, rows: Iterable[Sequence[Any]]) -> int:
    """Write rows (in DEMANDA_COLUMNS order) with one COPY, in one transaction."""
    count = 0
    with conn.transaction(), conn.cursor() as cur, cur.copy(_COPY_SQL) as copy:
        for row in rows:
            copy.write_row((coleta_id, *row))
            count += 1
    _echo(_COPY_SQL, f"{count} rows, coleta {coleta_id}")
    return count


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
