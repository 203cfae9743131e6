"""Coletas: the list with filters, one coleta with its demandas, anomalies and drops, downloads."""

from __future__ import annotations

import math
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request

from procurement_spiders.reports import columns
from procurement_spiders.reports.fontes import FONTE_LABELS
from procurement_spiders.reports.run import demandas_rows
from procurement_spiders.web.demandas_page import SORTS, DemandasQuery, demandas_page, demandas_statuses
from procurement_spiders.web.downloads import stream_table
from procurement_spiders.web.queries import (
    STATUS_LABELS,
    STATUSES,
    anos_com_coletas,
    coleta_detail,
    coleta_rows,
    reading,
)
from procurement_spiders.web.security import User

router = APIRouter()
DROP_REASONS = {"InvalidDemanda": "dados inválidos", "DropItem": "descartado pela validação"}


def _engine(request: Request):
    if request.app.state.engine is None:
        raise HTTPException(503, "DATABASE_URL não está configurado.")
    return request.app.state.engine


def _opt(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


@router.get("/coletas")
def coletas_page(
    request: Request, user: User, ano: str | None = None, fonte: str | None = None, status: str | None = None
):
    ano_n = int(ano) if ano and ano.strip().isdigit() else None
    fonte = _opt(fonte) if _opt(fonte) in ("PGC", "FORMACAO", "PNCP") else None
    status = _opt(status) if _opt(status) in STATUSES else None
    with _engine(request).connect() as conn:
        rows = coleta_rows(conn, ano=ano_n, fonte=fonte, status=status)
        anos = anos_com_coletas(conn)
    return request.app.state.templates.TemplateResponse(
        request,
        "coletas.html",
        {
            "user": user,
            "rows": rows,
            "anos": anos,
            "filtro": {"ano": ano_n, "fonte": fonte, "status": status},
            "fontes": FONTE_LABELS,
            "status_labels": STATUS_LABELS,
        },
    )


def _anomalias(dados: dict) -> list[dict]:
    out = []
    for a in dados.get("anomalias") or []:
        if isinstance(a, dict):
            detalhes = {k: v for k, v in a.items() if k not in ("tipo", "mensagem")}
            out.append(
                {
                    "tipo": str(a.get("tipo", "")),
                    "mensagem": str(a.get("mensagem", "")),
                    "detalhes": ", ".join(f"{k}: {v}" for k, v in detalhes.items())[:300],
                }
            )
    return out


def _descartes(dados: dict) -> dict:
    d = dados.get("descartes") or {}
    registros = []
    for r in (d.get("registros") or [])[:200]:
        item = r.get("item") if isinstance(r.get("item"), dict) else {}
        registros.append(
            {
                "motivo": DROP_REASONS.get(r.get("motivo"), r.get("motivo")),
                "mensagem": str(r.get("mensagem", ""))[:300],
                "chave": item.get("chave") or item.get("dfd") or item.get("contratacao") or "—",
            }
        )
    return {"total": d.get("total", 0), "por_motivo": d.get("por_motivo") or {}, "registros": registros}


@router.get("/coletas/{coleta_id}")
def coleta_page(
    request: Request,
    coleta_id: int,
    user: User,
    busca: Annotated[str | None, Query(max_length=200)] = None,
    situacao: Annotated[str | None, Query(max_length=200)] = None,
    ordem: str = "chave",
    desc: bool = False,
    pagina: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
):
    query = DemandasQuery(
        busca=_opt(busca), status=_opt(situacao), ordem=ordem if ordem in SORTS else "chave", desc=desc, pagina=pagina
    )
    with reading(_engine(request)) as conn:
        coleta = coleta_detail(conn, coleta_id)
        if coleta is None:
            raise HTTPException(404, f"A coleta {coleta_id} não existe.")
        rows, total = demandas_page(conn, coleta, query, request.app.state.counts)
        situacoes = demandas_statuses(conn, coleta, request.app.state.counts)
    dados = coleta["dados"] or {}
    paginas = max(1, math.ceil(total / query.page_size))
    params = {k: v for k, v in {"busca": query.busca, "situacao": query.status}.items() if v}
    filtros = f"/coletas/{coleta_id}?" + "".join(f"{p}&" for p in [urlencode(params)] if p)

    def link(ordem: str = query.ordem, desc: int = int(query.desc), pagina: int = query.pagina) -> str:
        # the filters encoded once; ordem is one of SORTS (a word), desc and pagina numbers
        return f"{filtros}ordem={ordem}&desc={int(desc)}&pagina={int(pagina)}"

    return request.app.state.templates.TemplateResponse(
        request,
        "coleta.html",
        {
            "user": user,
            "coleta": coleta,
            "rows": rows,
            "total": total,
            "q": query,
            "paginas": paginas,
            "situacoes": situacoes,
            "link": link,
            "anomalias": _anomalias(dados),
            "descartes": _descartes(dados),
            "status_labels": STATUS_LABELS,
            "sorts": SORTS,
            "download_query": urlencode(params),
        },
    )


@router.get("/coletas/{coleta_id}/demandas.{fmt}")
def coleta_download(request: Request, coleta_id: int, fmt: Literal["csv", "json"], user: User):
    engine = _engine(request)
    with engine.connect() as conn:
        coleta = coleta_detail(conn, coleta_id)
    if coleta is None:
        raise HTTPException(404, f"A coleta {coleta_id} não existe.")
    cols = columns.DEMANDAS.get(coleta["fonte_relatorio"], columns.DEMANDAS["PNCP"])
    cols = [columns.Col("Chave", "chave"), *cols]
    return stream_table(engine, fmt, f"coleta-{coleta_id}-demandas", cols, lambda c: demandas_rows(c, coleta_id))
