"""National sandbox: the discovery endpoints' semantics (pncp.md §1.3, §1.9, §2.2, §3.2) and its
Dados Abertos rows for federal órgãos (pgc.md §5), served in-process on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from sandbox.national import NATIONAL, create_national_app, latency_s
from sandbox.national_population import Population
from tests.support import FIXTURES, fetch, serve

OPENAPI = FIXTURES / "reference" / "pncp" / "openapi"  # public specs, sources in the .source.txt beside them
ANO = 2025
ATUALIZACAO = "/api/consulta/v1/pca/atualizacao"
CONSULTA_SPEC = "pncp_consulta_api-docs_baliza_0779e1b.json"
INTEGRACAO_SPEC = "pncp_integracao_api-docs_baliza_0779e1b.json"
POPULATION = Population(300, ANO, max_itens=2000)


def schema(spec_file: str, name: str) -> set[str]:
    return set(json.loads((OPENAPI / spec_file).read_text())["components"]["schemas"][name]["properties"])


def serve_national(scenario, **options):
    async def main():
        app = create_national_app(orgaos=300, max_itens=2000, per_ip_limit=0, **options)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            return await scenario(client)

    return asyncio.run(main())


def orgao_with(predicate):
    return next(o for o in POPULATION.orgaos if predicate(o))


def multi_page_plan():
    return next(p for p in POPULATION.all_planos(ANO) if p.itens > 25)


# -- consulta /v1/pca/atualizacao ---------------------------------------------------------------


def test_atualizacao_datafim_is_exclusive():
    plan = multi_page_plan()
    day = plan.data_atualizacao.date()
    d, d1, d2 = (f"{day + timedelta(days=k):%Y%m%d}" for k in (0, 1, 2))
    base = f"cnpj={plan.cnpj}&codigoUnidade={plan.uasg}&pagina=1&tamanhoPagina=500"

    async def scenario(client):
        return [
            await fetch(client, f"{ATUALIZACAO}?dataInicio={a}&dataFim={b}&{base}")
            for a, b in ((d, d), (d, d1), (d1, d2))
        ]

    same_day, one_day, next_day = serve_national(scenario)
    assert same_day[0] == 204 and next_day[0] == 204  # [D, D) is empty; D is not in [D+1, D+2)
    assert one_day[0] == 200 and [p["idPcaPncp"] for p in one_day[1]["data"]] == [plan.numero_controle]


def test_atualizacao_paging_counts_items_and_repeats_the_plan_header():
    plan = multi_page_plan()
    day = plan.data_atualizacao.date()
    window = f"dataInicio={day:%Y%m%d}&dataFim={day + timedelta(days=1):%Y%m%d}&cnpj={plan.cnpj}"

    async def scenario(client):
        pages, pagina = [], 1
        while True:
            status, body, _ = await fetch(client, f"{ATUALIZACAO}?{window}&pagina={pagina}&tamanhoPagina=10")
            if status == 204:
                return pages
            pages.append(body)
            pagina += 1

    pages = serve_national(scenario)
    mine = [p for page in pages for p in page["data"] if p["idPcaPncp"] == plan.numero_controle]
    numeros = [i["numeroItem"] for p in mine for i in p["itens"]]
    assert pages[0]["totalRegistros"] >= plan.itens  # items, not plans
    assert pages[0]["totalPaginas"] == len(pages) == -(-pages[0]["totalRegistros"] // 10)
    assert len(mine) >= 3 and sorted(numeros) == list(range(1, plan.itens + 1))  # one header per page it reaches
    assert set(pages[0]) == schema(
        "pncp_consulta_api-docs_baliza_0779e1b.json", "PaginaRetornoPlanoContratacaoComItensDoUsuarioDTO"
    )
    assert set(mine[0]["itens"][0]) == schema(CONSULTA_SPEC, "PlanoContratacaoItemDTO")


def test_atualizacao_parameters_as_the_portal_reads_them():
    async def scenario(client):
        return [
            (await fetch(client, f"{ATUALIZACAO}?{query}"))[:2]
            for query in (
                "dataInicio=20240101&dataFim=20240201&pagina=1&codigoUnidade=000001",  # codigoUnidade needs cnpj
                "dataInicio=20240101&dataFim=20250201&pagina=1",  # over 365 days
                "dataInicio=2024-01-01&dataFim=2024-02-01&pagina=1",  # dashed dates
                "dataInicio=20240101&dataFim=20240201&pagina=1&tamanhoPagina=501",
                "dataInicio=20240101&dataFim=20240201",  # no pagina
            )
        ]

    unidade, long_window, dashed, too_big, no_page = serve_national(scenario)
    assert unidade[0] == 422 and "CNPJ" in unidade[1]["message"]
    assert long_window[0] == 422
    assert dashed == (200, None)  # an empty 200, not a 400
    assert too_big[0] == 400 and too_big[1]["message"] == "Tamanho de página inválido"
    assert no_page[0] == 400


@pytest.mark.parametrize("mode, status", [("204", 204), ("empty200", 200), ("404", 404)])
def test_no_rows_is_answered_the_configured_way_everywhere(mode, status):
    without = orgao_with(lambda o: not o.planos)

    async def scenario(client):
        return [
            (await fetch(client, path))[:2]
            for path in (
                f"{ATUALIZACAO}?dataInicio=20200101&dataFim=20200108&pagina=1",
                f"/api/pncp/v1/orgaos/{without.cnpj}/pca/{ANO}/quantidade",
                f"/api/pncp/v1/orgaos/{without.cnpj}/pca/{ANO}/consolidado/unidades?pagina=1&tamanhoPagina=10",
                "/api/pncp/v1/orgaos/?razaoSocial=INEXISTENTE&pagina=1",
            )
        ]

    answers = serve_national(scenario, no_rows_mode=mode)
    assert [s for s, _ in answers] == [status] * 4
    assert all(body is None or body["status"] == 404 for _, body in answers)


# -- integração: the órgão filter, quantidade, unidades -------------------------------------------


def test_orgao_filter_needs_three_characters_and_pages_by_500_until_no_rows():
    matching = [o.cnpj for o in POPULATION.orgaos if "MUNICIPIO" in o.razao_social]

    async def scenario(client):
        short = await fetch(client, "/api/pncp/v1/orgaos/?razaoSocial=MU&pagina=1")
        pages, pagina = [], 1
        while (page := await fetch(client, f"/api/pncp/v1/orgaos/?razaoSocial=municipio&pagina={pagina}"))[0] == 200:
            pages.append(page[1])
            pagina += 1
        return short, pages

    short, pages = serve_national(scenario)
    assert short[0] == 400 and "3 caracteres" in short[1]["message"]
    assert [o["cnpj"] for page in pages for o in page] == matching
    assert all(len(page) == 500 for page in pages[:-1]) and 0 < len(pages[-1]) <= 500


def test_quantidade_and_unidades_carry_each_plan_and_its_esfera():
    federal = orgao_with(lambda o: o.esfera == "F" and o.planos)
    municipal = orgao_with(lambda o: o.esfera == "M" and o.planos)
    spec = schema(INTEGRACAO_SPEC, "PlanoContratacaoOrgaoDTO")

    async def scenario(client):
        out = {}
        for orgao in (federal, municipal):
            base = f"/api/pncp/v1/orgaos/{orgao.cnpj}/pca/{ANO}"
            out[orgao.cnpj] = (
                (await fetch(client, f"{base}/quantidade"))[1],
                (await fetch(client, f"{base}/consolidado/unidades?pagina=1&tamanhoPagina=500"))[1],
            )
        return out

    answers = serve_national(scenario)
    for orgao in (federal, municipal):
        quantidade, unidades = answers[orgao.cnpj]
        assert quantidade == len(unidades) == len(orgao.planos[ANO])
        assert all(set(u) == spec and u["esfera"] == orgao.esfera for u in unidades)
        assert [u["sequencialPca"] for u in unidades] == [p.sequencial for p in orgao.planos[ANO]]


# -- Dados Abertos ------------------------------------------------------------------------------


def da_path(cnpj: str, uasg: str | None = None, pagina: int = 1, tamanho: int = 500) -> str:
    query = f"orgao={cnpj}&anoPcaProjetoCompra={ANO}&pagina={pagina}&tamanhoPagina={tamanho}"
    return f"/modulo-pgc/1_consultarPgcDetalhe?{query}" + (f"&codigoUasg={uasg}" if uasg else "")


def test_dados_abertos_rows_exist_for_federal_orgaos_only_with_the_single_orgao_replicas_fields():
    federal = orgao_with(lambda o: o.esfera == "F" and any(p.itens > 50 for p in o.planos.get(ANO, [])))
    others = [orgao_with(lambda o, e=e: o.esfera == e and o.planos) for e in ("E", "M")]

    async def single_orgao_row(client):
        from sandbox.dataset import MAIN_CNPJ

        return (await fetch(client, da_path(MAIN_CNPJ)))[1]["resultado"][0]

    reference_row = serve(single_orgao_row)

    async def scenario(client):
        plan = next(p for p in federal.planos[ANO] if p.itens > 50)
        whole = (await fetch(client, da_path(federal.cnpj, plan.uasg)))[1]
        pages, pagina = [], 1
        while (page := (await fetch(client, da_path(federal.cnpj, plan.uasg, pagina, 20)))[1])["resultado"]:
            pages.append(page)
            pagina += 1
        empty = [(await fetch(client, da_path(o.cnpj)))[1] for o in others]
        return plan, whole, pages, empty

    plan, whole, pages, empty = serve_national(scenario)
    rows = whole["resultado"]
    assert rows and all(set(r) == set(reference_row) for r in rows)
    assert {r["codigoUasg"] for r in rows} == {plan.uasg} and {r["orgao"] for r in rows} == {federal.cnpj}
    published = [r["numeroItemPncp"] for r in rows if r["numeroItemPncp"] is not None]
    assert len(set(published)) == len(published) and 0.8 * plan.itens < len(published) < plan.itens  # ~5% without
    assert any(r["numeroItemPncp"] is None for r in rows)  # DFD items never published to PNCP
    assert pages[0]["totalRegistros"] == len(rows) and pages[0]["totalPaginas"] == len(pages) == -(-len(rows) // 20)
    assert [r for p in pages for r in p["resultado"]] == rows
    assert all(e["resultado"] == [] and e["totalRegistros"] == 0 for e in empty)  # normal, not an error


def test_truth_enrichment_is_what_the_served_rows_and_items_make():
    """The truth's demandas of a federal órgão, rebuilt from what the sandbox serves: items joined
    to Dados Abertos rows on (UASG, numeroItemPncp), grouped by (contratação, DFD)."""
    federal = orgao_with(lambda o: o.esfera == "F" and o.planos)

    async def scenario(client):
        truth = (await fetch(client, f"/__sandbox__/truth/pncp-demandas?ano={ANO}&orgaos=todos"))[1]
        served = {}
        for plan in federal.planos[ANO]:
            base = f"/api/pncp/v1/orgaos/{federal.cnpj}/pca/{ANO}/{plan.sequencial}"
            itens = (await fetch(client, f"{base}/itens?pagina=1&tamanhoPagina=100000"))[1]
            rows = (await fetch(client, da_path(federal.cnpj, plan.uasg, 1, 500)))[1]
            da = list(rows["resultado"])
            for pagina in range(2, rows["totalPaginas"] + 1):
                da += (await fetch(client, da_path(federal.cnpj, plan.uasg, pagina, 500)))[1]["resultado"]
            served[plan.sequencial] = (itens, da)
        return truth, served

    truth, served = serve_national(scenario)
    expected = truth["orgaos"][federal.cnpj]
    enriched = 0
    for sequencial, (itens, rows) in served.items():
        dfd = {r["numeroItemPncp"]: r["descricaoArtefato"] for r in rows if r["numeroItemPncp"] is not None}
        groups = {(i["grupoContratacaoCodigo"], dfd.get(i["numeroItem"])) for i in itens}
        assert len(groups) == expected["por_plano"][str(sequencial)]["demandas"]
        enriched += sum(1 for _, d in groups if d is not None)
    assert enriched == expected["enriquecimento"]["demandas"] > 0
    assert all(o["enriquecimento"] is None for o in truth["orgaos"].values() if o["esfera"] != "F")


# -- latency per family, cold consulta pages ------------------------------------------------------


def test_latency_is_per_family_and_a_consulta_query_is_cold_once():
    app = create_national_app(
        orgaos=10, latency_ms=5, family_latency_ms={"integracao": 7, "consulta": 20}, consulta_cold_ms=4000
    )
    state = app[NATIONAL]

    class Request:
        def __init__(self, path_qs: str):
            self.path_qs, self.path = path_qs, path_qs.split("?")[0]

    page1 = Request(f"{ATUALIZACAO}?dataInicio=20240101&dataFim=20240108&pagina=1")
    page2 = Request(f"{ATUALIZACAO}?dataInicio=20240101&dataFim=20240108&pagina=2")
    assert [latency_s(state, r) for r in (page1, page1, page2)] == [4.0, 0.02, 4.0]
    assert latency_s(state, Request("/api/pncp/v1/orgaos/?razaoSocial=abc")) == 0.007
    assert latency_s(state, Request("/api/search/?tipos_documento=pcaorgao")) == 0.005  # the default
    assert latency_s(state, Request("/modulo-pgc/1_consultarPgcDetalhe?orgao=1")) == 0.005
