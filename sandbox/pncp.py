"""PNCP replica: the integração PCA GETs (/api/pncp/v1) and the consulta PCA queries (/api/consulta/v1).

Field names, status codes and quirks follow pncp.md §1.2, §1.3, §1.8, §1.9, §2 and the OpenAPI
specs in samples/pncp/openapi/.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from sandbox import paging
from sandbox.dataset import Dataset, ItemView, Plano, iso
from sandbox.hostile import hostile_item, page_asked
from sandbox.responses import (
    ParamError,
    bad_request,
    int_param,
    json_response,
    no_rows,
    str_param,
    type_mismatch,
    unprocessable,
)
from sandbox.state import get_state

INTEGRACAO = "/api/pncp/v1/orgaos/{cnpj}/pca/{ano}"
CONSULTA = "/api/consulta/v1"
DEFAULT_TAMANHO_INTEGRACAO = 10
CONSULTA_TAMANHO = (10, 500)
MAX_WINDOW_DAYS = 365


# ---- helpers -----------------------------------------------------------------------------------


def _path_int(request: web.Request, name: str, minimum: int | None = None) -> int:
    raw = request.match_info[name]
    try:
        value = int(raw)
    except ValueError:
        raise ParamError(type_mismatch(request, raw, "Integer")) from None
    if minimum is not None and value < minimum:
        raise ParamError(bad_request(request, f"{name}: deve ser maior que ou igual à {minimum}"))
    return value


def _context(request: web.Request) -> tuple[Dataset, dict]:
    state = get_state(request.app)
    return state.dataset, state.faults


def _empty(request: web.Request, faults: dict) -> web.Response:
    return no_rows(request, faults["no_rows"])


def _plano_orgao_dto(plano: Plano) -> dict:
    """`PlanoContratacaoOrgaoDTO` (consolidado/unidades)."""
    return {
        "cnpj": plano.orgao.cnpj,
        "razaoSocial": plano.orgao.razao_social,
        "esfera": plano.orgao.esfera,
        "poder": plano.orgao.poder,
        "anoPca": plano.ano,
        "codigoUnidade": plano.codigo_unidade,
        "nomeUnidade": plano.nome_unidade,
        "sequencialPca": plano.sequencial,
        "numeroControlePNCP": plano.numero_controle,
        "quantidade": plano.quantidade,
        "valorTotal": float(plano.valor_total),
        "dataPublicacaoPncp": iso(plano.data_publicacao),
        "dataAtualizacao": iso(plano.data_atualizacao_global),
        "dataAtualizacaoGlobalPCA": iso(plano.data_atualizacao_global),
    }


def _item_indices(plano: Plano, categoria: int | None) -> range | list[int]:
    if not plano.quantidade:
        return []
    if categoria is None:
        return range(plano.quantidade)
    cats = plano.estrutura.categoria_of
    return [i for i in range(plano.quantidade) if cats[i] == categoria]


# ---- integração ------------------------------------------------------------------------------


async def orgao_consolidado(request: web.Request) -> web.Response:
    """`PlanoContratacaoItemOrgaoToDTO`: the órgão's totals for the year."""
    dataset, faults = _context(request)
    ano = _path_int(request, "ano")
    planos = dataset.planos_of(request.match_info["cnpj"], ano)
    if not planos:
        return _empty(request, faults)
    orgao = planos[0].orgao
    return json_response(
        {
            "cnpj": orgao.cnpj,
            "razaoSocial": orgao.razao_social,
            "poder": orgao.poder,
            "esfera": orgao.esfera,
            "anoPca": ano,
            "quantidade": sum(p.quantidade for p in planos),
            "valorTotal": float(sum(p.valor_total for p in planos)),
            "dataPublicacaoPncp": iso(min(p.data_publicacao for p in planos)),
            "dataAtualizacao": iso(max(p.data_atualizacao_global for p in planos)),
        }
    )


async def orgao_unidades(request: web.Request) -> web.Response:
    dataset, faults = _context(request)
    ano = _path_int(request, "ano")
    pagina = int_param(request, "pagina", required=False, default=1, minimum=1)
    pagina = page_asked(pagina, faults, get_state(request.app).stats)
    tamanho = int_param(request, "tamanhoPagina", required=False, default=DEFAULT_TAMANHO_INTEGRACAO, minimum=1)
    planos = dataset.planos_of(request.match_info["cnpj"], ano)
    indices = paging.page_indices(len(planos), pagina, tamanho)
    if not indices:
        return _empty(request, faults)
    return json_response([_plano_orgao_dto(planos[i]) for i in indices])


async def orgao_quantidade_planos(request: web.Request) -> web.Response:
    dataset, faults = _context(request)
    ano = _path_int(request, "ano")
    return json_response(len(dataset.planos_of(request.match_info["cnpj"], ano)))


def _plano_or_none(request: web.Request, dataset: Dataset) -> Plano | None:
    ano = _path_int(request, "ano")
    sequencial = _path_int(request, "sequencial", minimum=1)
    return dataset.plano(request.match_info["cnpj"], ano, sequencial)


async def plano_itens(request: web.Request) -> web.Response:
    """Plain JSON array of `IRecuperarPlanoItemDTO`; no envelope, no max page size."""
    dataset, faults = _context(request)
    plano = _plano_or_none(request, dataset)
    categoria = int_param(request, "categoria", required=False)
    pagina = int_param(request, "pagina", required=False, default=1, minimum=1)
    tamanho = int_param(request, "tamanhoPagina", required=False, default=DEFAULT_TAMANHO_INTEGRACAO, minimum=1)
    if plano is None:
        return _empty(request, faults)
    stats = get_state(request.app).stats
    selected = _item_indices(plano, categoria)
    positions = paging.page_indices(
        len(selected), page_asked(pagina, faults, stats), tamanho, boundary_fault=faults["page_boundary"]
    )
    if not positions:
        return _empty(request, faults)
    items = [ItemView(plano, selected[p]).integracao() for p in positions]
    if faults["valor_total"] and selected[positions[0]] == 0:  # the plan's first item
        hostile_item(items[0], faults, stats)
    return json_response(items)


async def plano_itens_quantidade(request: web.Request) -> web.Response:
    dataset, faults = _context(request)
    plano = _plano_or_none(request, dataset)
    categoria = int_param(request, "categoria", required=False)
    if plano is None:
        return _empty(request, faults)
    if faults["declared_quantidade"]:
        return json_response(faults["declared_quantidade"])
    return json_response(len(_item_indices(plano, categoria)) + faults["count_mismatch"])


async def plano_consolidado(request: web.Request) -> web.Response:
    """`PlanoSequencialConsolidadoDTO`: the cheapest per-plan change detector."""
    dataset, faults = _context(request)
    plano = _plano_or_none(request, dataset)
    if plano is None:
        return _empty(request, faults)
    return json_response(
        {
            "cnpj": plano.orgao.cnpj,
            "anoPca": plano.ano,
            "sequencialPca": plano.sequencial,
            "numeroControlePNCP": plano.numero_controle,
            "codigoUnidade": plano.codigo_unidade,
            "nomeUnidade": plano.nome_unidade,
            "municipio": "Rio de Janeiro" if plano.codigo_unidade.startswith("12") else "Brasília",
            "uf": "RJ" if plano.codigo_unidade.startswith("12") else "DF",
            "usuario": "Compras.gov.br",
            "quantidade": plano.quantidade,
            "valorTotal": float(plano.valor_total),
            "dataPublicacaoPncp": iso(plano.data_publicacao),
            "dataAtualizacao": iso(plano.data_atualizacao_global),
            "dataAtualizacaoGlobalPCA": iso(plano.data_atualizacao_global),
        }
    )


# ---- consulta --------------------------------------------------------------------------------


class ItemSequence:
    """Items of several plans as one list, so consulta pages slice across plan borders (any plan
    object: the national replica reuses it)."""

    def __init__(self, segments: list[tuple[Any, range | list[int]]]):
        self.segments = [(p, idx) for p, idx in segments if len(idx)]
        self.starts: list[int] = []
        total = 0
        for _, idx in self.segments:
            self.starts.append(total)
            total += len(idx)
        self.total = total

    def at(self, position: int) -> tuple[Any, int]:
        k = bisect.bisect_right(self.starts, position) - 1
        plano, idx = self.segments[k]
        return plano, idx[position - self.starts[k]]


def _header(plano: Plano) -> dict:
    """`PlanoContratacaoComItensDoUsuarioDTO` without its itens."""
    return {
        "idPcaPncp": plano.numero_controle,
        "anoPca": plano.ano,
        "orgaoEntidadeCnpj": plano.orgao.cnpj,
        "orgaoEntidadeRazaoSocial": plano.orgao.razao_social,
        "codigoUnidade": plano.codigo_unidade,
        "nomeUnidade": plano.nome_unidade,
        "dataPublicacaoPNCP": iso(plano.data_publicacao),
        "dataAtualizacaoGlobalPCA": iso(plano.data_atualizacao_global),
        "itens": [],
    }


def consulta_page(
    request: web.Request,
    no_rows_mode: str,
    sequence: ItemSequence,
    pagina: int,
    tamanho: int,
    *,
    header: Callable[[Any], dict],
    item: Callable[[Any, int], dict],
    boundary_fault: bool = False,
) -> web.Response:
    """One consulta PCA page: paging counts items, a plan's header repeats on every page its items
    reach (pncp.md §1.3); "no rows" past the end."""
    positions = paging.page_indices(sequence.total, pagina, tamanho, boundary_fault=boundary_fault)
    if not positions:
        return no_rows(request, no_rows_mode)
    data: list[dict] = []
    current: Any = None
    for position in positions:
        plano, index = sequence.at(position)
        if plano is not current:
            data.append(header(plano))
            current = plano
        data[-1]["itens"].append(item(plano, index))
    total_paginas = paging.page_count(sequence.total, tamanho)
    return json_response(
        {
            "data": data,
            "totalRegistros": sequence.total,
            "totalPaginas": total_paginas,
            "numeroPagina": pagina,
            "paginasRestantes": max(total_paginas - pagina, 0),
            "empty": False,
        }
    )


def _consulta_page(
    request: web.Request, faults: dict, sequence: ItemSequence, pagina: int, tamanho: int
) -> web.Response:
    return consulta_page(
        request,
        faults["no_rows"],
        sequence,
        pagina,
        tamanho,
        header=_header,
        item=lambda plano, index: ItemView(plano, index).consulta(),
        boundary_fault=faults["page_boundary"],
    )


def consulta_tamanho(request: web.Request) -> int:
    tamanho = int_param(request, "tamanhoPagina", required=False, default=CONSULTA_TAMANHO[1])
    if not CONSULTA_TAMANHO[0] <= tamanho <= CONSULTA_TAMANHO[1]:
        raise ParamError(bad_request(request, "Tamanho de página inválido"))
    return tamanho


async def consulta_pca(request: web.Request) -> web.Response:
    """GET /v1/pca/?anoPca&codigoClassificacaoSuperior&pagina — items of one CATMAT class / CATSER group."""
    dataset, faults = _context(request)
    ano = int_param(request, "anoPca", required=True)
    codigo = str_param(request, "codigoClassificacaoSuperior", required=True)
    pagina = int_param(request, "pagina", required=True, minimum=1)
    tamanho = consulta_tamanho(request)
    segments = []
    for plano in dataset.all_planos():
        if plano.ano != ano or not plano.quantidade:
            continue
        segments.append((plano, dataset.indices_of_classe(plano, codigo)))
    return _consulta_page(request, faults, ItemSequence(segments), pagina, tamanho)


def _yyyymmdd(text: str) -> datetime | None:
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return datetime.strptime(text, "%Y%m%d")
    except ValueError:
        return None


@dataclass(frozen=True)
class AtualizacaoQuery:
    inicio: datetime
    fim: datetime  # exclusive (measured, pncp.md §1.3 point 2)
    pagina: int
    tamanho: int
    cnpj: str | None
    codigo_unidade: str | None

    def selects(self, cnpj: str, codigo_unidade: str, atualizacao: datetime) -> bool:
        if self.cnpj and cnpj != self.cnpj or self.codigo_unidade and codigo_unidade != self.codigo_unidade:
            return False
        return self.inicio <= atualizacao < self.fim


def atualizacao_query(request: web.Request) -> AtualizacaoQuery | web.Response:
    """`/v1/pca/atualizacao`'s parameters as the portal reads them, or its answer to bad ones:
    422 for codigoUnidade without cnpj or a window over 365 days; an empty 200 for dashed dates."""
    inicio_txt = str_param(request, "dataInicio", required=True)
    fim_txt = str_param(request, "dataFim", required=True)
    pagina = int_param(request, "pagina", required=True, minimum=1)
    tamanho = consulta_tamanho(request)
    cnpj = request.query.get("cnpj") or None
    codigo_unidade = request.query.get("codigoUnidade") or None
    if codigo_unidade and not cnpj:
        return unprocessable(request, "Obrigatório que o CNPJ do órgão seja informado.")
    assert inicio_txt is not None and fim_txt is not None and pagina is not None
    inicio, fim = _yyyymmdd(inicio_txt), _yyyymmdd(fim_txt)
    if inicio is None or fim is None:
        # Dashed or otherwise unparseable dates: 200 with a zero-length body, not a 400.
        return web.Response(status=200, body=b"", content_type="application/json")
    if (fim - inicio) > timedelta(days=MAX_WINDOW_DAYS):
        return unprocessable(request, f"Período de consulta não pode ser superior a {MAX_WINDOW_DAYS} dias.")
    return AtualizacaoQuery(inicio, fim, pagina, tamanho, cnpj, codigo_unidade)


async def consulta_pca_atualizacao(request: web.Request) -> web.Response:
    """GET /v1/pca/atualizacao — plans whose global update falls in [dataInicio, dataFim)."""
    dataset, faults = _context(request)
    query = atualizacao_query(request)
    if isinstance(query, web.Response):
        return query
    segments = []
    for plano in dataset.all_planos():
        if query.selects(plano.orgao.cnpj, plano.codigo_unidade, plano.data_atualizacao_global):
            segments.append((plano, range(plano.quantidade)))
    return _consulta_page(request, faults, ItemSequence(segments), query.pagina, query.tamanho)


def setup(app: web.Application) -> None:
    app.router.add_get(f"{INTEGRACAO}/consolidado", orgao_consolidado)
    app.router.add_get(f"{INTEGRACAO}/consolidado/unidades", orgao_unidades)
    app.router.add_get(f"{INTEGRACAO}/quantidade", orgao_quantidade_planos)
    app.router.add_get(f"{INTEGRACAO}/{{sequencial}}/itens", plano_itens)
    app.router.add_get(f"{INTEGRACAO}/{{sequencial}}/itens/quantidade", plano_itens_quantidade)
    app.router.add_get(f"{INTEGRACAO}/{{sequencial}}/consolidado", plano_consolidado)
    app.router.add_get(f"{CONSULTA}/pca/", consulta_pca)
    app.router.add_get(f"{CONSULTA}/pca/atualizacao", consulta_pca_atualizacao)
