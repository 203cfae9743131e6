"""Control API under /__sandbox__/ and the fault-injection middleware for the API routes.

Tests and the e2e harness steer the replicas through here: which faults are active, which data
set is served, what was requested, and what a correct crawl must have stored (the truth).

    GET    /__sandbox__/health      -> {"status": "ok"}
    GET    /__sandbox__/faults      -> the active fault set (every key, "off" values included)
    POST   /__sandbox__/faults      JSON replaces the set (missing keys = off), resets counters and stats
    DELETE /__sandbox__/faults      all off, counters and stats reset
        Other replicas register their own set under a key (register_faults): {"pgc": {...}}
        switches the PGC replica's faults (sandbox/pgc/server.py FAULT_DEFAULTS).
        latency_ms int, slow_every int + slow_ms int, http429_every int, http5xx_every int
        (500, 502, 503, 504 in turn), no_rows "204"|"empty200"|"404", page_boundary bool,
        count_mismatch int, dadosabertos_down bool, concurrency_limit int (429 when that many
        API requests are already in flight). Hostile answers (sandbox/hostile.py): valor_total str
        (the first item of every plan: NaN, Infinity, 1e30, 400digits, null, absent, true, -1, string),
        dadosabertos_bad_rows "dfd"|"dates", declared_quantidade int, declared_total_paginas int,
        ignore_pagina bool, redirect_host str (302 to that host name, same port).
        "Every Nth" counts API requests only; when one
        request is due both a 429 and a 5xx, the 429 wins. Latency applies to faulted replies too.
    GET    /__sandbox__/dataset     -> summary (itens, seed, main_cnpj, anos, plans per órgão/ano)
    POST   /__sandbox__/dataset     {"itens": N, "seed": S}; missing keys fall back to the CLI options
    GET    /__sandbox__/requests    -> {"total", "by_route", "max_in_flight", "faults_served"}
    GET    /__sandbox__/truth/pncp-demandas?ano=…[&cnpj=…][&uasg=…][&enriquecimento=true|false]

API requests are those under /api/ (PNCP) and /modulo-pgc/ (Dados Abertos).
"""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from sandbox import hostile, responses
from sandbox.app import OPTIONS
from sandbox.dataset import DEFAULT_ITENS, DEFAULT_SEED
from sandbox.state import get_state, validate_faults
from sandbox.truth import pncp_demandas

# Only these paths are "API requests": they are counted and receive faults. Other modules'
# pages (browser replicas) and the control API are left alone.
API_PREFIXES = ("/api/", "/modulo-pgc/")
DADOS_ABERTOS_PREFIX = "/modulo-pgc/"
SERVER_ERROR_CYCLE = (500, 502, 503, 504)


def _route_name(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else request.path


@web.middleware
async def fault_middleware(request: web.Request, handler):
    if not request.path.startswith(API_PREFIXES):
        return await handler(request)
    state = get_state(request.app)
    faults, stats = state.faults, state.stats
    state.counter += 1
    nth = state.counter
    stats.total += 1
    route = _route_name(request)
    stats.by_route[route] = stats.by_route.get(route, 0) + 1
    over_limit = bool(faults["concurrency_limit"]) and state.in_flight >= faults["concurrency_limit"]
    state.in_flight += 1
    stats.max_in_flight = max(stats.max_in_flight, state.in_flight)
    try:
        delay_ms = faults["latency_ms"]
        if faults["slow_every"] and nth % faults["slow_every"] == 0:
            delay_ms += faults["slow_ms"]
            stats.count_fault("slow")
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        if over_limit or faults["http429_every"] and nth % faults["http429_every"] == 0:
            stats.count_fault("429")
            return responses.rate_limited()
        if faults["http5xx_every"] and nth % faults["http5xx_every"] == 0:
            status = SERVER_ERROR_CYCLE[state.fault_5xx_served % len(SERVER_ERROR_CYCLE)]
            state.fault_5xx_served += 1
            stats.count_fault("5xx")
            stats.count_fault(str(status))
            return responses.server_error(request, status)
        moved = hostile.redirect(request, faults, stats)
        if moved is not None:
            return moved
        if faults["dadosabertos_down"] and request.path.startswith(DADOS_ABERTOS_PREFIX):
            stats.count_fault("dadosabertos_down")
            return responses.server_error(request, 503)
        try:
            response = await handler(request)
        except responses.ParamError as error:
            response = error.response
        if isinstance(response, web.StreamResponse) and response.get(responses.NO_ROWS_MARK):
            stats.count_fault("no_rows")
        return response
    finally:
        state.in_flight -= 1


async def health(request: web.Request) -> web.Response:
    return responses.json_response({"status": "ok"})


# Fault sets of other replicas, each under its own key of the same body (e.g. {"pgc": {...}}):
# name -> (check(body) -> checked body, raising ValueError; apply(app, checked); current(app) -> dict).
FAULT_EXTENSIONS: dict[str, tuple] = {}


def register_faults(name: str, check, apply, current) -> None:
    """A replica's own fault set, switched through /__sandbox__/faults under the key `name`
    (replaced like the rest: a POST without the key turns that replica's faults off)."""
    FAULT_EXTENSIONS[name] = (check, apply, current)


def _with_extensions(app: web.Application, faults: dict) -> dict:
    return {**faults, **{name: current(app) for name, (_, _, current) in FAULT_EXTENSIONS.items()}}


async def get_faults(request: web.Request) -> web.Response:
    return responses.json_response(_with_extensions(request.app, get_state(request.app).faults))


async def post_faults(request: web.Request) -> web.Response:
    state = get_state(request.app)
    try:
        body = await request.json() if request.can_read_body else {}
        extensions = {}
        if isinstance(body, dict):
            body = dict(body)
            extensions = {name: check(body.pop(name, None) or {}) for name, (check, _, _) in FAULT_EXTENSIONS.items()}
        faults = validate_faults(body)
    except (ValueError, json.JSONDecodeError) as error:
        return responses.json_response({"error": str(error)}, 400)
    for name, checked in extensions.items():
        FAULT_EXTENSIONS[name][1](request.app, checked)
    state.set_faults(faults)
    return responses.json_response(_with_extensions(request.app, state.faults))


async def delete_faults(request: web.Request) -> web.Response:
    state = get_state(request.app)
    for check, apply, _ in FAULT_EXTENSIONS.values():
        apply(request.app, check({}))
    state.set_faults({})
    return responses.json_response(_with_extensions(request.app, state.faults))


async def post_dataset(request: web.Request) -> web.Response:
    """Regenerate; keys left out fall back to the CLI options (or the defaults)."""
    state = get_state(request.app)
    try:
        body = await request.json() if request.can_read_body else {}
        if not isinstance(body, dict):
            raise ValueError("body must be a JSON object")
        options = request.app.get(OPTIONS, {})
        itens = int(body.get("itens", options.get("itens", DEFAULT_ITENS)))
        seed = int(body.get("seed", options.get("seed", DEFAULT_SEED)))
        if not 0 <= itens <= 1_000_000:
            raise ValueError("itens must be between 0 and 1000000")
    except (ValueError, TypeError, json.JSONDecodeError) as error:
        return responses.json_response({"error": str(error)}, 400)
    state.regenerate(itens, seed)
    return responses.json_response(_dataset_summary(state))


def _dataset_summary(state) -> dict:
    dataset = state.dataset
    return {
        "itens": dataset.itens,
        "seed": dataset.seed,
        "main_cnpj": dataset.main_cnpj,
        "anos": sorted({ano for _, ano in dataset.planos}),
        "orgaos": [
            {
                "cnpj": o.cnpj,
                "razaoSocial": o.razao_social,
                "planos": {
                    str(ano): [
                        {"sequencialPca": p.sequencial, "codigoUnidade": p.codigo_unidade, "quantidade": p.quantidade}
                        for p in dataset.planos_of(o.cnpj, ano)
                    ]
                    for ano in sorted({a for c, a in dataset.planos if c == o.cnpj})
                },
            }
            for o in dataset.orgaos.values()
        ],
    }


async def get_requests(request: web.Request) -> web.Response:
    return responses.json_response(get_state(request.app).stats.as_json())


async def truth_pncp_demandas(request: web.Request) -> web.Response:
    state = get_state(request.app)
    query = request.query
    try:
        ano = int(query["ano"])
    except (KeyError, ValueError):
        return responses.json_response({"error": "ano (int) is required"}, 400)
    cnpj = query.get("cnpj") or state.dataset.main_cnpj
    uasg = query.get("uasg") or None
    enriquecimento = query.get("enriquecimento", "true").lower() not in ("false", "0", "no")
    dataset = state.dataset
    # A 100k-item truth takes a few seconds: keep the event loop serving meanwhile.
    payload = await asyncio.get_running_loop().run_in_executor(
        None, pncp_demandas, dataset, ano, cnpj, uasg, enriquecimento
    )
    return responses.json_response(payload)


def setup(app: web.Application) -> None:
    get_state(app)
    app.middlewares.append(fault_middleware)
    app.router.add_get("/__sandbox__/health", health)
    app.router.add_get("/__sandbox__/faults", get_faults)
    app.router.add_post("/__sandbox__/faults", post_faults)
    app.router.add_delete("/__sandbox__/faults", delete_faults)
    app.router.add_post("/__sandbox__/dataset", post_dataset)
    app.router.add_get("/__sandbox__/requests", get_requests)
    app.router.add_get("/__sandbox__/truth/pncp-demandas", truth_pncp_demandas)
