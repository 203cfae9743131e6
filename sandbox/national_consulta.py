"""Consulta `GET /api/consulta/v1/pca/atualizacao` over the national population (pncp.md §1.3).

The single-órgão replica's parameters and paging (sandbox/pncp.py): plans whose global update
falls in [dataInicio, dataFim) — dataFim exclusive, as measured; paging counts items, so a plan
split across pages repeats its header; "no rows" past the end (204, empty 200 or 404); 422 for
codigoUnidade without cnpj or a window over 365 days; an empty 200 for dashed dates. Every
year's plans are selected (the endpoint has no anoPca): a client keeps the year it wants.
Its slow cold pages are the latency middleware's (sandbox/national.py, family `consulta`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from sandbox.dataset import consulta_item
from sandbox.pncp import ItemSequence, atualizacao_query, consulta_page

if TYPE_CHECKING:
    from sandbox.national_population import NationalPlan, Population

PATH = "/api/consulta/v1/pca/atualizacao"


def header(population: Population, plan: NationalPlan) -> dict:
    """`PlanoContratacaoComItensDoUsuarioDTO` without its itens."""
    return {
        "idPcaPncp": plan.numero_controle,
        "anoPca": plan.ano,
        "orgaoEntidadeCnpj": plan.cnpj,
        "orgaoEntidadeRazaoSocial": population.by_cnpj[plan.cnpj].razao_social,
        "codigoUnidade": plan.uasg,
        "nomeUnidade": f"UNIDADE {plan.uasg}",
        "dataPublicacaoPNCP": f"{plan.ano - 1}-11-10T10:00:00",
        "dataAtualizacaoGlobalPCA": plan.data_atualizacao.isoformat(),
        "itens": [],
    }


def handler(context):
    """The route handler; `context(request)` gives (population, no-rows mode)."""

    async def pca_atualizacao(request: web.Request) -> web.Response:
        population, no_rows_mode = context(request)
        query = atualizacao_query(request)
        if isinstance(query, web.Response):
            return query
        segments = [
            (plan, range(plan.itens))
            for plan in population.all_planos(population.ano)
            if query.selects(plan.cnpj, plan.uasg, plan.data_atualizacao)
        ]
        return consulta_page(
            request,
            no_rows_mode,
            ItemSequence(segments),
            query.pagina,
            query.tamanho,
            header=lambda plan: header(population, plan),
            item=lambda plan, i: consulta_item(plan.item(i)),
        )

    return pca_atualizacao
