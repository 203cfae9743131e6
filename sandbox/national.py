"""PNCP at national size: a generated population of órgãos, their PCAs, and a per-client-IP WAF.

A separate app (`python -m sandbox.national`), so the single-órgão replica keeps its data set;
it serves the real paths of what a national crawl reads (pncp.md §1, §2, §3.2):

- `/api/search/?tipos_documento=pcaorgao&anos=&pagina=&tam_pagina=`: the portal's "PCA by
  órgão" listing (`{"items", "total"}`); like the real index it lists a few órgãos whose plan is
  gone (their `/consolidado/unidades` answers "no rows");
- `/api/pncp/v1/orgaos/?razaoSocial=&pagina=`: the integração órgão filter (≥ 3 characters,
  no "list all", 500 a page), and per órgão `/pca/{ano}/quantidade`, `/consolidado/unidades`
  (with each plan's `esfera`), `/{seq}/itens`, `/{seq}/itens/quantidade`; most órgãos have no
  PCA: 204 (or 404 / empty 200);
- `/api/consulta/v1/pca/atualizacao?dataInicio=&dataFim=&pagina=`: plans updated in a window,
  dataFim exclusive, paging counting items (sandbox/national_consulta.py);
- `/modulo-pgc/1_consultarPgcDetalhe`: Dados Abertos DFD rows for the federal órgãos' plans
  (esfera "F"), an empty `resultado` for everyone else (sandbox/national_dadosabertos.py);
- `/__sandbox__/truth/pncp-demandas?ano=&orgaos=todos`: demandas per órgão (count, sum) as the
  spider must store them, one per (plan, contratação futura, DFD), and for federal órgãos what
  the enrichment must have written; `/__sandbox__/requests` per IP (requests, most in
  flight, 429s, wall-clock time of the first request and of the last answer), route and family.

The WAF limit is on concurrency per client IP (pncp.md §1.9): past `per_ip_limit` requests in
flight from one address, an HTML 429 without Retry-After. Latency is fixed per request and per
endpoint family (search, integracao, consulta, dadosabertos); a consulta query answered for the
first time may take a cold page's latency (`consulta_cold_ms`).
Everything derives from the seed through integer hashing, so workers and truth agree.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass, field
from decimal import Decimal

from aiohttp import web

from sandbox import national_consulta
from sandbox import national_dadosabertos as da
from sandbox.national_population import NationalOrgao, NationalPlan, Population
from sandbox.responses import ParamError, dumps, json_response, no_rows, rate_limited, spring_error

INTEGRACAO = "/api/pncp/v1/orgaos/{cnpj}/pca/{ano}"
NATIONAL = web.AppKey("national", object)
FAMILIES = (
    ("/api/search/", "search"),
    ("/api/consulta/", "consulta"),
    ("/api/pncp/", "integracao"),
    ("/modulo-pgc/", "dadosabertos"),
)


@dataclass
class NationalState:
    population: Population
    latency_ms: int = 0  # every family's, unless `family_latency_ms` names it
    per_ip_limit: int = 0
    no_rows: str = "204"
    family_latency_ms: dict[str, int] = field(default_factory=dict)
    consulta_cold_ms: int | None = None  # a consulta query's first answer (the server caches it after)
    consulta_warm: set[str] = field(default_factory=set)
    by_family: dict[str, int] = field(default_factory=dict)
    dados_abertos_orgaos: dict[str, int] = field(default_factory=dict)  # Dados Abertos requests per `orgao`
    in_flight: dict[str, int] = field(default_factory=dict)
    by_ip: dict[str, dict[str, float]] = field(default_factory=dict)
    by_route: dict[str, int] = field(default_factory=dict)
    rendered: dict[tuple[str, int, int, int], bytes] = field(default_factory=dict)
    truths: dict[int, bytes] = field(default_factory=dict)


def _state(request: web.Request) -> NationalState:
    return request.app[NATIONAL]


def family(path: str) -> str:
    """The endpoint family a path belongs to (each may have its own latency)."""
    return next((name for prefix, name in FAMILIES if path.startswith(prefix)), "outro")


def latency_s(state: NationalState, request: web.Request) -> float:
    """The family's latency; a consulta query answered for the first time is a cold page
    (40-57 s on the real portal, warm pages 0.2-3 s: pncp.md §1.3 point 4)."""
    name = family(request.path)
    ms = state.family_latency_ms.get(name, state.latency_ms)
    if name == "consulta" and state.consulta_cold_ms is not None and request.path_qs not in state.consulta_warm:
        state.consulta_warm.add(request.path_qs)
        ms = state.consulta_cold_ms
    return ms / 1000


@web.middleware
async def per_ip_waf(request: web.Request, handler):
    """Latency per endpoint family, and the WAF's concurrency limit per client address."""
    if request.path.startswith("/__sandbox__/"):
        return await handler(request)
    state = _state(request)
    ip = request.remote or "?"
    now = time.time()  # wall clock: a benchmark sets each client's first and last request beside its start and exit
    stats = state.by_ip.setdefault(ip, {"requests": 0, "max_in_flight": 0, "429": 0, "first": now, "last": now})
    route = request.match_info.route.resource.canonical if request.match_info.route.resource else request.path
    state.by_route[route] = state.by_route.get(route, 0) + 1
    state.by_family[family(request.path)] = state.by_family.get(family(request.path), 0) + 1
    if family(request.path) == "dadosabertos":
        orgao = request.query.get("orgao", "")
        state.dados_abertos_orgaos[orgao] = state.dados_abertos_orgaos.get(orgao, 0) + 1
    stats["requests"] += 1
    over = bool(state.per_ip_limit) and state.in_flight.get(ip, 0) >= state.per_ip_limit
    state.in_flight[ip] = state.in_flight.get(ip, 0) + 1
    stats["max_in_flight"] = max(stats["max_in_flight"], state.in_flight[ip])
    try:
        if over:
            stats["429"] += 1
            return rate_limited()
        delay = latency_s(state, request)
        if delay:
            await asyncio.sleep(delay)
        try:
            return await handler(request)
        except ParamError as error:
            return error.response
    finally:
        state.in_flight[ip] -= 1
        stats["last"] = time.time()


def _int(request: web.Request, name: str, default: int, minimum: int = 1) -> int:
    raw = request.query.get(name)
    try:
        value = default if raw in (None, "") else int(raw)
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name} inválido") from None
    if value < minimum:
        raise web.HTTPBadRequest(text=f"{name}: deve ser maior que ou igual à {minimum}")
    return value


def _ano(request: web.Request) -> int:
    try:
        return int(request.match_info["ano"])
    except ValueError:
        raise web.HTTPBadRequest(text="ano inválido") from None


async def search(request: web.Request) -> web.Response:
    state = _state(request)
    if request.query.get("tipos_documento") != "pcaorgao":
        return json_response({"items": [], "total": 0})
    ano = _int(request, "anos", state.population.ano)
    pagina, tamanho = _int(request, "pagina", 1), min(_int(request, "tam_pagina", 10), 1000)
    listed = state.population.listed(ano)
    page = listed[(pagina - 1) * tamanho : pagina * tamanho]
    return json_response(
        {
            "total": len(listed),
            "items": [
                {
                    "id": f"pca-{o.cnpj}-{ano}",
                    "title": o.razao_social,
                    "item_url": f"/pca/{o.cnpj}/{ano}",
                    "orgao_cnpj": o.cnpj,
                    "orgao_nome": o.razao_social,
                    "ano": str(ano),
                    "esfera_id": o.esfera,
                    "valor_global": None,
                    "data_publicacao_pncp": f"{ano - 1}-11-10T10:00:00",
                    "data_atualizacao_pncp": f"{ano - 1}-11-10T10:00:00",
                }
                for o in page
            ],
        }
    )


async def orgaos_filtro(request: web.Request) -> web.Response:
    termo = (request.query.get("razaoSocial") or "").upper()
    if len(termo) < 3:
        return spring_error(request, 400, "Bad Request", "razaoSocial: Razão social com pelo menos 3 caracteres")
    pagina = _int(request, "pagina", 1)
    found = [o for o in _state(request).population.orgaos if termo in o.razao_social]
    page = found[(pagina - 1) * 500 : pagina * 500]  # the real page size is undocumented
    if not page:
        return no_rows(request, _state(request).no_rows)
    return json_response(
        [
            {"cnpj": o.cnpj, "razaoSocial": o.razao_social, "esferaId": o.esfera, "poderId": "E", "validado": True}
            for o in page
        ]
    )


def _planos_or_none(request: web.Request) -> list[NationalPlan] | None:
    planos = _state(request).population.planos(request.match_info["cnpj"], _ano(request))
    return planos or None


async def quantidade_planos(request: web.Request) -> web.Response:
    planos = _planos_or_none(request)
    return json_response(len(planos)) if planos else no_rows(request, _state(request).no_rows)


async def unidades(request: web.Request) -> web.Response:
    planos = _planos_or_none(request)
    pagina, tamanho = _int(request, "pagina", 1), _int(request, "tamanhoPagina", 10)
    page = (planos or [])[(pagina - 1) * tamanho : pagina * tamanho]
    if not page:
        return no_rows(request, _state(request).no_rows)
    orgao = _state(request).population.by_cnpj[page[0].cnpj]
    return json_response([_plano_orgao_dto(orgao, p) for p in page])


def _plano_orgao_dto(orgao: NationalOrgao, plan: NationalPlan) -> dict:
    """`PlanoContratacaoOrgaoDTO` (pncp.md §2.2): its `esfera` says whether Dados Abertos applies."""
    return {
        "cnpj": plan.cnpj,
        "razaoSocial": orgao.razao_social,
        "esfera": orgao.esfera,
        "poder": "E",
        "anoPca": plan.ano,
        "codigoUnidade": plan.uasg,
        "nomeUnidade": f"UNIDADE {plan.uasg}",
        "sequencialPca": plan.sequencial,
        "numeroControlePNCP": plan.numero_controle,
        "quantidade": plan.itens,
        "valorTotal": float(Decimal(sum(plan.valor_centavos(i) for i in range(plan.itens))).scaleb(-2)),
        "dataPublicacaoPncp": f"{plan.ano - 1}-11-10T10:00:00",
        "dataAtualizacao": plan.data_atualizacao.isoformat(),
        "dataAtualizacaoGlobalPCA": plan.data_atualizacao.isoformat(),
    }


def _plan(request: web.Request) -> NationalPlan | None:
    try:
        sequencial = int(request.match_info["sequencial"])
    except ValueError:
        return None
    return next((p for p in _planos_or_none(request) or [] if p.sequencial == sequencial), None)


async def itens(request: web.Request) -> web.Response:
    plan = _plan(request)
    pagina, tamanho = _int(request, "pagina", 1), _int(request, "tamanhoPagina", 10)
    start, stop = (pagina - 1) * tamanho, min(pagina * tamanho, plan.itens if plan else 0)
    if plan is None or start >= stop:
        return no_rows(request, _state(request).no_rows)
    state = _state(request)
    key = (plan.cnpj, plan.sequencial, pagina, tamanho)
    body = state.rendered.get(key) or dumps([plan.item(i) for i in range(start, stop)]).encode()
    return web.Response(body=body, content_type="application/json")


def prerender(state: NationalState, tamanho: int) -> None:
    """Item pages of `tamanho` rendered once, up front, so the replica's own CPU does not add to
    the fixed latency a benchmark sets (one sandbox process serves every worker)."""
    for orgao in state.population.orgaos:
        for plan in orgao.planos.get(state.population.ano, []):
            for pagina in range(1, -(-plan.itens // tamanho) + 1):
                items = range((pagina - 1) * tamanho, min(pagina * tamanho, plan.itens))
                state.rendered[(plan.cnpj, plan.sequencial, pagina, tamanho)] = dumps(
                    [plan.item(i) for i in items]
                ).encode()


async def itens_quantidade(request: web.Request) -> web.Response:
    plan = _plan(request)
    return json_response(plan.itens) if plan else no_rows(request, _state(request).no_rows)


def national_truth(population: Population, ano: int) -> dict:
    """Per órgão: demandas (count, sum) as the spider must store them, one per (plan, contratação
    futura, DFD); for federal órgãos, what the Dados Abertos enrichment must have written."""
    orgaos = {}
    for orgao in population.orgaos:
        planos = orgao.planos.get(ano)
        if not planos:
            continue
        federal = orgao.esfera == "F"
        per_plan = {plan.sequencial: da.plan_demandas(plan, federal) for plan in planos}
        sums = {seq: (len(d), Decimal(sum(v[0] for v in d.values())).scaleb(-2)) for seq, d in per_plan.items()}
        orgaos[orgao.cnpj] = {
            "esfera": orgao.esfera,
            "demandas": sum(c for c, _ in sums.values()),
            "valor": str(sum(v for _, v in sums.values())),
            "planos": len(planos),
            "itens": sum(p.itens for p in planos),
            "por_plano": {str(seq): {"demandas": c, "valor": str(v)} for seq, (c, v) in sums.items()},
            "enriquecimento": da.enrichment_truth(per_plan) if federal else None,
        }
    federais = [o for o in orgaos.values() if o["esfera"] == "F"]
    return {
        "ano": ano,
        "orgaos": orgaos,
        "total_orgaos": len(population.orgaos),
        "orgaos_com_pca": len(orgaos),
        "planos": sum(o["planos"] for o in orgaos.values()),
        "itens": sum(o["itens"] for o in orgaos.values()),
        "orgaos_federais_com_pca": len(federais),
        "planos_federais": sum(o["planos"] for o in federais),
        "demandas_enriquecidas": sum(o["enriquecimento"]["demandas"] for o in federais),
    }


async def truth(request: web.Request) -> web.Response:
    state = _state(request)
    ano = _int(request, "ano", state.population.ano)
    if request.query.get("orgaos") != "todos":
        return json_response({"erro": "orgaos=todos"}, status=400)
    if ano not in state.truths:
        state.truths[ano] = dumps(national_truth(state.population, ano)).encode()
    return web.Response(body=state.truths[ano], content_type="application/json")


async def requests_stats(request: web.Request) -> web.Response:
    state = _state(request)
    return json_response(
        {
            "by_ip": state.by_ip,
            "by_route": dict(sorted(state.by_route.items())),
            "by_family": dict(sorted(state.by_family.items())),
            "dados_abertos_orgaos": state.dados_abertos_orgaos,
            "total": sum(s["requests"] for s in state.by_ip.values()),
        }
    )


async def reset_stats(request: web.Request) -> web.Response:
    state = _state(request)
    state.by_ip.clear()
    state.by_route.clear()
    state.by_family.clear()
    state.dados_abertos_orgaos.clear()
    state.consulta_warm.clear()  # a fresh start: consulta pages are cold again
    return json_response({"ok": True})


async def health(request: web.Request) -> web.Response:
    return json_response({"status": "ok", "orgaos": len(_state(request).population.orgaos)})


def create_national_app(
    *,
    orgaos: int = 5000,
    ano: int = 2025,
    seed: int = 12,
    com_pca_per_mille: int = 120,
    max_itens: int = 20_000,
    latency_ms: int = 0,
    per_ip_limit: int = 3,
    no_rows_mode: str = "204",
    prerender_size: int = 0,
    family_latency_ms: dict[str, int] | None = None,
    consulta_cold_ms: int | None = None,
) -> web.Application:
    app = web.Application(middlewares=[per_ip_waf])
    app[NATIONAL] = NationalState(
        Population(orgaos, ano, seed, com_pca_per_mille, max_itens),
        latency_ms,
        per_ip_limit,
        no_rows_mode,
        family_latency_ms=dict(family_latency_ms or {}),
        consulta_cold_ms=consulta_cold_ms,
    )
    if prerender_size:
        prerender(app[NATIONAL], prerender_size)
    app.router.add_get("/api/search/", search)
    app.router.add_get("/api/pncp/v1/orgaos/", orgaos_filtro)
    app.router.add_get(f"{INTEGRACAO}/quantidade", quantidade_planos)
    app.router.add_get(f"{INTEGRACAO}/consolidado/unidades", unidades)
    app.router.add_get(f"{INTEGRACAO}/{{sequencial}}/itens", itens)
    app.router.add_get(f"{INTEGRACAO}/{{sequencial}}/itens/quantidade", itens_quantidade)
    app.router.add_get("/modulo-pgc/1_consultarPgcDetalhe", da.handler(lambda r: _state(r).population))
    app.router.add_get(
        national_consulta.PATH, national_consulta.handler(lambda r: (_state(r).population, _state(r).no_rows))
    )
    app.router.add_get("/__sandbox__/truth/pncp-demandas", truth)
    app.router.add_get("/__sandbox__/requests", requests_stats)
    app.router.add_delete("/__sandbox__/requests", reset_stats)
    app.router.add_get("/__sandbox__/health", health)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.national", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8810)
    parser.add_argument("--orgaos", type=int, default=5000)
    parser.add_argument("--ano", type=int, default=2025)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--com-pca-per-mille", type=int, default=120)
    parser.add_argument("--max-itens", type=int, default=20_000)
    parser.add_argument("--latency-ms", type=int, default=0, help="every endpoint family's latency")
    parser.add_argument(
        "--latency",
        action="append",
        default=[],
        metavar="FAMILY=MS",
        help=f"one family's latency ({', '.join(name for _, name in FAMILIES)}); repeatable",
    )
    parser.add_argument("--consulta-cold-ms", type=int, help="a consulta query's first answer (cold page)")
    parser.add_argument("--per-ip-limit", type=int, default=3, help="0: no limit")
    parser.add_argument("--no-rows", choices=("204", "empty200", "404"), default="204")
    parser.add_argument(
        "--prerender",
        type=int,
        default=0,
        metavar="TAMANHO",
        help="render the item pages of this size up front (benchmarks)",
    )
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the sandbox serves on the loopback only")
    families: dict[str, int] = {}
    for spec in args.latency:
        name, _, ms = spec.partition("=")
        if name not in {n for _, n in FAMILIES} or not ms.isdigit():
            parser.error(f"--latency {spec!r}: FAMILY=MS with FAMILY one of {[n for _, n in FAMILIES]}")
        families[name] = int(ms)
    app = create_national_app(
        orgaos=args.orgaos,
        ano=args.ano,
        seed=args.seed,
        com_pca_per_mille=args.com_pca_per_mille,
        max_itens=args.max_itens,
        latency_ms=args.latency_ms,
        per_ip_limit=args.per_ip_limit,
        no_rows_mode=args.no_rows,
        prerender_size=args.prerender,
        family_latency_ms=families,
        consulta_cold_ms=args.consulta_cold_ms,
    )
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
