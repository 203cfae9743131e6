"""Control routes of the story (sandbox/story.py) and the truths of the reports.

POST /__sandbox__/story {"versao": 1}         serve the story (2: a week later; 0: generated data)
GET  /__sandbox__/truth/geral?ano=2025[&cnpj=…][&fontes=PGC,FORMACAO,PNCP][&tolerancia=0.01]
     -> {"rows": [...], "resumo": {code: {"quantidade", "valor"}}, "fontes_ausentes": [...]}
     what `scrapy geral` must say after crawling the listed sources (default: all three)
GET  /__sandbox__/truth/mudancas?fonte=PGC|FORMACAO|PNCP&de=1&para=2
     -> {"rows": [...]}: what `scrapy mudancas` must say between crawls of story versions
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from aiohttp import web

from sandbox import responses, story_truth
from sandbox.app import OPTIONS
from sandbox.pgc.server import PGC_STATE
from sandbox.state import get_state
from sandbox.story import STORY_ANO, STORY_CNPJ, VERSOES, entradas
from sandbox.story_data import apply_pgc, apply_pncp, pgc_contratacoes, pgc_dfds, pncp_plano

STORY_KEY = web.AppKey("story_versao", dict)
FONTES = ("PGC", "FORMACAO", "PNCP")


def set_versao(app: web.Application, versao: int) -> None:
    state, pgc, story = get_state(app), app[PGC_STATE], app[STORY_KEY]
    if versao == 0:
        if story["versao"]:
            state.regenerate()
            pgc.dataset.dfd_counts, pgc.dataset.ctr_counts = story.pop("pgc_counts")
            pgc.dataset._build()  # noqa: SLF001  (the generated PGC data, counts as they were)
    else:
        if not story["versao"]:
            story["pgc_counts"] = (dict(pgc.dataset.dfd_counts), dict(pgc.dataset.ctr_counts))
        rows = entradas(versao)
        apply_pncp(state.dataset, rows)
        apply_pgc(pgc.dataset, rows)
    story["versao"] = versao


async def story_post(request: web.Request) -> web.Response:
    try:
        body = await request.json()
        versao = body.get("versao") if isinstance(body, dict) else None
        if versao not in VERSOES or isinstance(versao, bool):
            raise ValueError(f"versao must be one of {VERSOES}")
    except (ValueError, json.JSONDecodeError) as error:
        return responses.json_response({"error": str(error)}, 400)
    set_versao(request.app, versao)
    return responses.json_response({"versao": versao, "ano": STORY_ANO, "cnpj": STORY_CNPJ})


async def truth_geral(request: web.Request) -> web.Response:
    query = request.query
    try:
        ano = int(query["ano"])
        tolerance = Decimal(query.get("tolerancia", "0.01"))
        fontes = [f for f in query.get("fontes", ",".join(FONTES)).upper().split(",") if f]
        if any(f not in FONTES for f in fontes):
            raise ValueError
    except (KeyError, ValueError, InvalidOperation):
        return responses.json_response({"error": "ano (int) is required; fontes ⊂ PGC,FORMACAO,PNCP"}, 400)
    cnpj = query.get("cnpj") or get_state(request.app).dataset.main_cnpj
    pgc_ds = request.app[PGC_STATE].dataset
    pgc = story_truth.stored_pgc(pgc_ds.truth_dfds(ano)) if "PGC" in fontes else None
    formacao = story_truth.stored_formacao(pgc_ds.truth_contratacoes(ano)) if "FORMACAO" in fontes else None
    pncp = story_truth.stored_pncp(get_state(request.app).dataset, ano, cnpj) if "PNCP" in fontes else None
    body = story_truth.geral(pgc, formacao, pncp, tolerance)
    return responses.json_response({"ano": ano, "cnpj": cnpj, **body})


class _OnePlan:
    """Just enough of a PNCP Dataset for `pncp_demandas`: the story plan of one version."""

    def __init__(self, plano):
        self.plano = plano

    def planos_of(self, cnpj: str, ano: int):
        return [self.plano] if (cnpj, ano) == (STORY_CNPJ, STORY_ANO) else []


def stored_rows(app: web.Application, fonte: str, versao: int) -> list[dict]:
    rows = entradas(versao)
    if fonte == "PGC":
        return story_truth.stored_pgc([d.row() for d in pgc_dfds(rows)])
    if fonte == "FORMACAO":
        abas = pgc_contratacoes(rows)
        return story_truth.stored_formacao(
            [c.row() for aba in ("reprovadas", "aprovadas", "pendentes") for c in abas[aba]]
        )
    plan = _OnePlan(pncp_plano(get_state(app).dataset, rows))
    return story_truth.stored_pncp(plan, STORY_ANO, STORY_CNPJ)


async def truth_mudancas(request: web.Request) -> web.Response:
    query = request.query
    try:
        fonte = query["fonte"].upper()
        de, para = int(query.get("de", 1)), int(query.get("para", 2))
        if fonte not in FONTES or not {de, para} <= {1, 2}:
            raise ValueError
    except (KeyError, ValueError):
        return responses.json_response({"error": "fonte=PGC|FORMACAO|PNCP, de and para in 1, 2"}, 400)
    before, after = stored_rows(request.app, fonte, de), stored_rows(request.app, fonte, para)
    return responses.json_response(
        {"fonte": fonte, "de": de, "para": para, "rows": story_truth.mudancas(before, after)}
    )


def setup(app: web.Application) -> None:
    app[STORY_KEY] = {"versao": 0}
    versao = int((app.get(OPTIONS) or {}).get("story") or 0)
    if versao:
        set_versao(app, versao)
    app.router.add_post("/__sandbox__/story", story_post)
    app.router.add_get("/__sandbox__/truth/geral", truth_geral)
    app.router.add_get("/__sandbox__/truth/mudancas", truth_mudancas)
