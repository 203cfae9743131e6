"""`scrapy planilha`: the workbook the planning team kept by hand, one sheet per source plus
Geral (the reconciliation with its findings), Mudanças (each source's latest two successful
coletas compared) and Coletas (which coleta fed each sheet, when, with what status)."""

from __future__ import annotations

import os

from sqlalchemy import Connection

from procurement_spiders.reports import columns
from procurement_spiders.reports.arguments import GeralRequest, MudancasRequest
from procurement_spiders.reports.fontes import FONTES, latest_coletas
from procurement_spiders.reports.output import atomic_path, output_format
from procurement_spiders.reports.run import coleta_row, demandas_rows, geral_rows, mudancas_rows
from procurement_spiders.reports.xlsx import new_workbook, write_sheet

SOURCE_SHEETS = {"PGC": "PGC", "FORMACAO": "Formação do PCA", "PNCP": "PNCP"}
SHEETS = (*SOURCE_SHEETS.values(), "Geral", "Mudanças", "Coletas")


def mudancas_requests(conn: Connection, req: GeralRequest) -> list[MudancasRequest]:
    out = []
    for fonte in FONTES:
        latest = latest_coletas(conn, fonte, req.ano, req.cnpj, count=2)
        if len(latest) == 2:
            out.append(MudancasRequest(fonte, req.ano, req.cnpj, latest[1], latest[0]))
    return out


def _mudancas(conn: Connection, requests: list[MudancasRequest]):
    for request in requests:
        yield from mudancas_rows(conn, request)


def coletas_rows(conn: Connection, req: GeralRequest, changes: list[MudancasRequest]) -> list[dict]:
    rows = []
    for fonte, sheet in SOURCE_SHEETS.items():
        coleta = req.coletas[fonte]
        if coleta is None:
            rows.append(
                {
                    "planilha": sheet,
                    "fonte": sheet,
                    "ano": req.ano,
                    "orgao_cnpj": req.cnpj,
                    "status": "sem coleta com sucesso",
                }
            )
        else:
            rows.append(coleta_row(conn, sheet, coleta))
    for change in changes:
        rows.append(coleta_row(conn, "Mudanças (de)", change.de))
        rows.append(coleta_row(conn, "Mudanças (para)", change.para))
    return rows


def write_planilha(conn: Connection, req: GeralRequest, path: str | os.PathLike) -> dict[str, int]:
    """Write the workbook (atomically); returns the rows written per sheet."""
    output_format(path, ("xlsx",))
    changes = mudancas_requests(conn, req)
    coletas = coletas_rows(conn, req, changes)
    counts: dict[str, int] = {}
    with atomic_path(path) as tmp:
        workbook = new_workbook(tmp)
        for fonte, sheet in SOURCE_SHEETS.items():
            coleta = req.coletas[fonte]
            rows = demandas_rows(conn, coleta.id) if coleta is not None else iter(())
            counts[sheet] = write_sheet(workbook, sheet, columns.DEMANDAS[fonte], rows)
        counts["Geral"] = write_sheet(workbook, "Geral", columns.GERAL, geral_rows(conn, req))
        counts["Mudanças"] = write_sheet(workbook, "Mudanças", columns.MUDANCAS, _mudancas(conn, changes))
        counts["Coletas"] = write_sheet(workbook, "Coletas", columns.COLETAS, coletas)
        workbook.close()
    return counts
