"""The start page: Iniciar coleta (operador only), the execução's live state as JSON, cancel."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from procurement_spiders.parsing.identifiers import InvalidIdentifier, normalize_cnpj, normalize_uasg
from procurement_spiders.parsing.web_users import WebUser
from procurement_spiders.reports.fontes import FONTE_LABELS, FONTES
from procurement_spiders.web.jobs import ESTADOS, Recusa
from procurement_spiders.web.queries import STATUS_LABELS, coletas_of_jobs
from procurement_spiders.web.security import Operador, User, check_csrf

router = APIRouter()


def _page(request: Request, user: WebUser, *, erro: str | None = None, status: int = 200, form: dict | None = None):
    config = request.app.state.config
    hoje = date.today().year
    form = form or {"ano": hoje, "cnpj": config.orgao_cnpj or "", "uasg": "", "fontes": list(FONTES)}
    return request.app.state.templates.TemplateResponse(
        request,
        "iniciar.html",
        {"user": user, "erro": erro, "form": form, "fontes": FONTE_LABELS, "anos": range(hoje + 1, 2020, -1)},
        status_code=status,
    )


@router.get("/")
def start_page(request: Request, user: User):
    return _page(request, user)


@router.post("/iniciar", dependencies=[Depends(check_csrf)])
async def iniciar(
    request: Request,
    user: Operador,
    ano: Annotated[str, Form()] = "",
    cnpj: Annotated[str, Form()] = "",
    uasg: Annotated[str, Form()] = "",
    fontes: Annotated[list[str] | None, Form()] = None,
):
    fontes = fontes or []
    form = {"ano": ano, "cnpj": cnpj, "uasg": uasg, "fontes": fontes}
    try:
        ano_n = int(ano)
        if not 2021 <= ano_n <= date.today().year + 1:
            raise ValueError
    except ValueError:
        return _page(
            request, user, erro=f"Ano inválido: escolha de 2021 a {date.today().year + 1}.", status=400, form=form
        )
    try:
        cnpj_n = normalize_cnpj(cnpj) if cnpj.strip() else None
        uasg_n = normalize_uasg(uasg) if uasg.strip() else None
    except InvalidIdentifier as exc:
        return _page(request, user, erro=f"Órgão/UASG inválido: {exc}", status=400, form=form)
    try:
        await request.app.state.coletor.iniciar(ano_n, cnpj_n, uasg_n, fontes, user.name)
    except Recusa as exc:
        return _page(request, user, erro=str(exc), status=409, form=form)
    return RedirectResponse("/", status_code=303)


@router.post("/cancelar", dependencies=[Depends(check_csrf)])
async def cancelar(request: Request, user: Operador):
    try:
        await request.app.state.coletor.cancelar(user.name)
    except Recusa as exc:
        return _page(request, user, erro=str(exc), status=409)
    return RedirectResponse("/", status_code=303)


def _login_wait(value, config) -> dict | None:
    """The attended-login wait a PGC crawl published in its coleta (`dados.aguardando_login`)."""
    if not isinstance(value, dict):
        return None
    try:
        desde = datetime.fromisoformat(str(value.get("desde")))
        timeout = float(value.get("timeout") or config.pgc_login_timeout)
    except ValueError:
        return None
    restante = max(0, int(timeout - (datetime.now(UTC) - desde).total_seconds()))
    return {"novnc_url": value.get("novnc_url") or config.pgc_novnc_url, "segundos_restantes": restante}


@router.get("/api/execucao")
async def estado(request: Request, user: User):
    state = request.app.state
    execucao = await state.coletor.atual()
    if execucao is None:
        return {"execucao": None}
    jobs = [p.job_id for p in execucao.passos if p.job_id]
    coletas = {}
    if jobs and state.engine is not None:

        def read():
            with state.engine.connect() as conn:
                return coletas_of_jobs(conn, jobs)

        coletas = await asyncio.to_thread(read)
    tails = await asyncio.gather(*(asyncio.to_thread(state.coletor.log_tail, p) for p in execucao.passos))
    passos = []
    for passo, linhas in zip(execucao.passos, tails, strict=True):
        coleta = coletas.get(passo.job_id or "")
        passos.append(
            {
                "fonte": passo.fonte,
                "fonte_label": FONTE_LABELS[passo.fonte],
                "spider": passo.spider,
                "job_id": passo.job_id,
                "estado": passo.estado,
                "estado_label": ESTADOS.get(passo.estado, passo.estado),
                "erro": passo.erro,
                "linhas": linhas,
                "coleta": None
                if coleta is None
                else {
                    "id": coleta["id"],
                    "status": coleta["status"],
                    "demandas": coleta["demandas"],
                    "status_label": STATUS_LABELS.get(coleta["status"], coleta["status"]),
                    "aguardando_login": _login_wait(coleta["aguardando_login"], state.config)
                    if coleta["status"] == "running"
                    else None,
                },
            }
        )
    return {
        "execucao": {
            "ano": execucao.ano,
            "usuario": execucao.usuario,
            "ativa": execucao.ativa,
            "cancelada": execucao.cancelada,
            "cancelada_por": execucao.cancelada_por,
            "iniciada_em": execucao.iniciada_em.isoformat(),
            "passos": passos,
        }
    }
