"""Geral and Mudanças for a PCA year (the reports library's queries), their downloads, the workbook."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy import Integer, Text, any_, cast, func, literal, select

from procurement_spiders.reports import columns, geral, mudancas
from procurement_spiders.reports.arguments import ReportArgumentError, resolve_geral, resolve_mudancas
from procurement_spiders.reports.fontes import FONTE_ARGUMENTS, FONTE_LABELS
from procurement_spiders.reports.run import geral_query, geral_rows, geral_summary, mudancas_rows, mudancas_summary
from procurement_spiders.reports.workbook import write_planilha
from procurement_spiders.web.downloads import stream_table, workbook_response
from procurement_spiders.web.queries import anos_com_coletas
from procurement_spiders.web.routes.coletas import _engine
from procurement_spiders.web.security import User

router = APIRouter()
PAGE = 100
BADGE_COLORS = {
    "SO_NO_PGC": "laranja",
    "APROVADA_NAO_PUBLICADA": "vermelho",
    "PNCP_SEM_DFD_NO_PGC": "roxo",
    "CANCELADO_NO_PLANO": "vermelho",
    "VALOR_DIVERGENTE": "amarelo",
    "DATAS_DIVERGENTES": "azul",
    "DFD_DUPLICADO": "cinza",
}


def _ano(conn, ano: int | None) -> int:
    if ano is not None:
        return ano
    anos = anos_com_coletas(conn)
    return anos[0] if anos else date.today().year


def _geral_request(conn, request: Request, ano: int):
    return resolve_geral(conn, {"ano": str(ano)}, request.app.state.config.orgao_cnpj)


def _fill_page(conn, context: dict[str, Any], filtered, order: tuple, pagina: int) -> None:
    """One page of a report's rows, its total and page count, into the template's context."""
    total = conn.execute(select(func.count()).select_from(filtered.subquery())).scalar_one()
    page = filtered.order_by(*order).limit(PAGE).offset((pagina - 1) * PAGE)
    context["rows"] = [dict(r) for r in conn.execute(page).mappings()]
    context["total"] = total
    context["paginas"] = max(1, math.ceil(total / PAGE))


@router.get("/geral")
def geral_page(
    request: Request,
    user: User,
    ano: Annotated[int | None, Query(ge=2021, le=2100)] = None,
    achado: str | None = None,
    pagina: Annotated[int, Query(ge=1, le=100_000)] = 1,
):
    achado = achado if achado in geral.FINDINGS else None
    context: dict[str, Any] = {
        "user": user,
        "achado": achado,
        "findings": geral.FINDINGS,
        "cores": BADGE_COLORS,
        "fontes": FONTE_LABELS,
        "pagina": pagina,
        "paginas": 1,
        "rows": [],
        "erro": None,
        "req": None,
    }
    with _engine(request).connect() as conn:
        context["ano"] = ano = _ano(conn, ano)
        context["anos"] = anos_com_coletas(conn)
        try:
            req = _geral_request(conn, request, ano)
        except ReportArgumentError as exc:
            context["erro"] = str(exc)
        else:
            context["req"] = req
            context["resumo"] = geral_summary(conn, req)
            sub = geral_query(req).subquery("g")
            filtered = select(sub)
            if achado:
                filtered = filtered.where(literal(achado, Text) == any_(sub.c.achados))
            order = (
                sub.c.dfd.is_(None),
                cast(func.split_part(sub.c.dfd, "/", 2), Integer),
                cast(func.split_part(sub.c.dfd, "/", 1), Integer),
                sub.c.chave,
            )
            _fill_page(conn, context, filtered, order, pagina)
    return request.app.state.templates.TemplateResponse(request, "geral.html", context)


@router.get("/geral.{fmt}")
def geral_download(
    request: Request, fmt: Literal["csv", "json"], user: User, ano: Annotated[int, Query(ge=2021, le=2100)]
):
    engine = _engine(request)
    with engine.connect() as conn:
        try:
            req = _geral_request(conn, request, ano)
        except ReportArgumentError as exc:
            raise HTTPException(404, str(exc)) from None
    return stream_table(engine, fmt, f"geral-{ano}", columns.GERAL, lambda c: geral_rows(c, req))


@router.get("/mudancas")
def mudancas_page(
    request: Request,
    user: User,
    ano: Annotated[int | None, Query(ge=2021, le=2100)] = None,
    fonte: str = "pncp",
    tipo: str | None = None,
    pagina: Annotated[int, Query(ge=1, le=100_000)] = 1,
):
    fonte = fonte if fonte in FONTE_ARGUMENTS else "pncp"
    tipo = tipo if tipo in mudancas.TIPOS else None
    context: dict[str, Any] = {
        "user": user,
        "fonte": fonte,
        "fontes": FONTE_ARGUMENTS,
        "labels": FONTE_LABELS,
        "tipo": tipo,
        "tipos": mudancas.TIPOS,
        "pagina": pagina,
        "paginas": 1,
        "rows": [],
        "erro": None,
        "req": None,
    }
    with _engine(request).connect() as conn:
        context["ano"] = ano = _ano(conn, ano)
        context["anos"] = anos_com_coletas(conn)
        try:
            req = resolve_mudancas(conn, {"ano": str(ano), "fonte": fonte}, request.app.state.config.orgao_cnpj)
        except ReportArgumentError as exc:
            context["erro"] = str(exc)
        else:
            context["req"] = req
            context["resumo"] = mudancas_summary(conn, req)
            sub = mudancas.mudancas_select(req.de.id, req.para.id).subquery("m")
            filtered = select(sub).where(sub.c.tipo == tipo) if tipo else select(sub)
            _fill_page(conn, context, filtered, (sub.c.chave, sub.c.tipo, sub.c.campo), pagina)
    return request.app.state.templates.TemplateResponse(request, "mudancas.html", context)


@router.get("/mudancas.{fmt}")
def mudancas_download(
    request: Request,
    fmt: Literal["csv", "json"],
    user: User,
    ano: Annotated[int, Query(ge=2021, le=2100)],
    fonte: str = "pncp",
):
    engine = _engine(request)
    with engine.connect() as conn:
        try:
            req = resolve_mudancas(conn, {"ano": str(ano), "fonte": fonte}, request.app.state.config.orgao_cnpj)
        except ReportArgumentError as exc:
            raise HTTPException(404, str(exc)) from None
    return stream_table(engine, fmt, f"mudancas-{fonte}-{ano}", columns.MUDANCAS, lambda c: mudancas_rows(c, req))


@router.get("/planilha.xlsx")
def planilha(request: Request, user: User, ano: Annotated[int, Query(ge=2021, le=2100)]):
    engine = _engine(request)
    with engine.connect() as conn:
        try:
            req = _geral_request(conn, request, ano)
        except ReportArgumentError as exc:
            raise HTTPException(404, str(exc)) from None
        return workbook_response(lambda path: write_planilha(conn, req, path), f"pca-{ano}")
