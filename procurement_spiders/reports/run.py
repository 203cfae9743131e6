"""Run the reports for resolved arguments: rows as dicts, streamed from the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, RowMapping, func, select

from procurement_spiders.reports import geral, mudancas
from procurement_spiders.reports.arguments import GeralRequest, MudancasRequest
from procurement_spiders.reports.fontes import FONTE_LABELS, Coleta
from procurement_spiders.reports.tables import demandas

BRASILIA = ZoneInfo("America/Sao_Paulo")
STREAM = {"stream_results": True, "yield_per": 2000}


def geral_query(req: GeralRequest):
    return geral.geral_select(req.coleta_ids, uasg=req.uasg, tolerance=req.tolerance)


def geral_rows(conn: Connection, req: GeralRequest) -> Iterator[dict]:
    result = conn.execution_options(**STREAM).execute(geral_query(req))
    for row in result.mappings():
        out = dict(row)
        out["achados_texto"] = "; ".join(geral.FINDINGS[c] for c in row["achados"])
        yield out


def geral_summary(conn: Connection, req: GeralRequest) -> list[dict]:
    rows = conn.execute(geral.summary_select(geral_query(req))).mappings()
    found = {r["codigo"]: r for r in rows}
    return [
        {
            "codigo": code,
            "achado": label,
            "quantidade": found[code]["quantidade"] if code in found else 0,
            "valor": found[code]["valor"] if code in found else 0,
        }
        for code, label in geral.FINDINGS.items()
    ]


def mudancas_rows(conn: Connection, req: MudancasRequest) -> Iterator[dict]:
    result = conn.execution_options(**STREAM).execute(mudancas.mudancas_select(req.de.id, req.para.id))
    for row in result.mappings():
        yield {"fonte": FONTE_LABELS[req.fonte], **row}


def mudancas_summary(conn: Connection, req: MudancasRequest) -> dict[str, int]:
    rows = conn.execute(mudancas.summary_select(mudancas.mudancas_select(req.de.id, req.para.id)))
    counts = {tipo: 0 for tipo in mudancas.TIPOS}
    counts.update({tipo: n for tipo, n in rows})
    return counts


def demandas_rows(conn: Connection, coleta_id: int) -> Iterator[RowMapping]:
    query = select(demandas).where(demandas.c.coleta_id == coleta_id).order_by(demandas.c.chave)
    yield from conn.execution_options(**STREAM).execute(query).mappings()


def demandas_count(conn: Connection, coleta_id: int) -> int:
    query = select(func.count()).select_from(demandas).where(demandas.c.coleta_id == coleta_id)
    return conn.execute(query).scalar_one()


def local_time(value: datetime | None) -> datetime | None:
    return value.astimezone(BRASILIA).replace(tzinfo=None) if value is not None else None


def coleta_row(conn: Connection, planilha: str, coleta: Coleta) -> dict:
    return {
        "planilha": planilha,
        "id": coleta.id,
        "fonte": coleta.label,
        "spider": coleta.spider,
        "ano": coleta.ano,
        "orgao_cnpj": coleta.orgao_cnpj,
        "data_coleta": local_time(coleta.data_coleta),
        "finished_at": local_time(coleta.finished_at),
        "status": coleta.status,
        "demandas": demandas_count(conn, coleta.id),
    }
