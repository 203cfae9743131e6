"""PNCP replica against the OpenAPI specs and the measured behaviour in pncp.md."""

from __future__ import annotations

import json

import pytest

from sandbox.dataset import MAIN_CNPJ
from tests.support import FIXTURES, fetch, serve

OPENAPI = FIXTURES / "reference" / "pncp" / "openapi"  # public specs, sources in the .source.txt beside them
INTEGRACAO = f"/api/pncp/v1/orgaos/{MAIN_CNPJ}/pca"


def _schema(spec_file: str, name: str) -> set[str]:
    spec = json.loads((OPENAPI / spec_file).read_text())
    return set(spec["components"]["schemas"][name]["properties"])


def integracao_schema(name: str) -> set[str]:
    return _schema("pncp_integracao_api-docs_baliza_0779e1b.json", name)


def consulta_schema(name: str) -> set[str]:
    return _schema("pncp_consulta_api-docs_baliza_0779e1b.json", name)


def test_spec_paths_exist_for_every_route_served():
    integracao = json.loads((OPENAPI / "pncp_integracao_api-docs_baliza_0779e1b.json").read_text())["paths"]
    consulta = json.loads((OPENAPI / "pncp_consulta_api-docs_baliza_0779e1b.json").read_text())["paths"]
    for path in (
        "/v1/orgaos/{cnpj}/pca/{ano}/consolidado",
        "/v1/orgaos/{cnpj}/pca/{ano}/consolidado/unidades",
        "/v1/orgaos/{cnpj}/pca/{ano}/quantidade",
        "/v1/orgaos/{cnpj}/pca/{ano}/{sequencial}/itens",
        "/v1/orgaos/{cnpj}/pca/{ano}/{sequencial}/itens/quantidade",
        "/v1/orgaos/{cnpj}/pca/{ano}/{sequencial}/consolidado",
    ):
        assert "get" in integracao[path]
    assert {"/v1/pca/", "/v1/pca/atualizacao"} <= set(consulta)


def test_integracao_field_names_equal_the_spec():
    async def scenario(client):
        _, unidades, _ = await fetch(client, f"{INTEGRACAO}/2025/consolidado/unidades?pagina=1&tamanhoPagina=50")
        seq = next(u["sequencialPca"] for u in unidades if u["quantidade"])
        _, itens, _ = await fetch(client, f"{INTEGRACAO}/2025/{seq}/itens?pagina=1&tamanhoPagina=5")
        _, orgao, _ = await fetch(client, f"{INTEGRACAO}/2025/consolidado")
        _, plano, _ = await fetch(client, f"{INTEGRACAO}/2025/{seq}/consolidado")
        return unidades, itens, orgao, plano

    unidades, itens, orgao, plano = serve(scenario)
    assert all(set(u) == integracao_schema("PlanoContratacaoOrgaoDTO") for u in unidades)
    assert len(itens) == 5 and all(set(i) == integracao_schema("IRecuperarPlanoItemDTO") for i in itens)
    assert set(orgao) == integracao_schema("PlanoContratacaoItemOrgaoToDTO")
    assert set(plano) == integracao_schema("PlanoSequencialConsolidadoDTO")
    for u in unidades:
        assert u["numeroControlePNCP"] == f"{MAIN_CNPJ}-0-{u['sequencialPca']:06d}/2025"
        assert isinstance(u["sequencialPca"], int) and isinstance(u["codigoUnidade"], str)
    item = itens[0]
    assert isinstance(item["numeroItem"], int) and isinstance(item["valorTotal"], float)
    assert item["cnpj"] == MAIN_CNPJ and item["anoPca"] == 2025


def test_consulta_field_names_equal_the_spec():
    async def scenario(client):
        return await fetch(client, "/api/consulta/v1/pca/?anoPca=2025&codigoClassificacaoSuperior=7510&pagina=1")

    status, page, _ = serve(scenario)
    assert status == 200
    assert set(page) == consulta_schema("PaginaRetornoPlanoContratacaoComItensDoUsuarioDTO")
    for plano in page["data"]:
        assert set(plano) == consulta_schema("PlanoContratacaoComItensDoUsuarioDTO")
        for item in plano["itens"]:
            assert set(item) == consulta_schema("PlanoContratacaoItemDTO")
            assert item["classificacaoSuperiorCodigo"] == "7510"


def test_item_pages_concatenate_to_the_whole_plan_and_quantidade_agrees():
    async def scenario(client):
        _, unidades, _ = await fetch(client, f"{INTEGRACAO}/2025/consolidado/unidades?pagina=1&tamanhoPagina=100")
        plano = max(unidades, key=lambda u: u["quantidade"])
        seq = plano["sequencialPca"]
        _, whole, _ = await fetch(client, f"{INTEGRACAO}/2025/{seq}/itens?pagina=1&tamanhoPagina=100000")
        pages, pagina = [], 1
        while True:
            status, page, _ = await fetch(client, f"{INTEGRACAO}/2025/{seq}/itens?pagina={pagina}&tamanhoPagina=7")
            if status == 204:
                break
            assert status == 200 and 0 < len(page) <= 7
            pages.extend(page)
            pagina += 1
        _, quantidade, _ = await fetch(client, f"{INTEGRACAO}/2025/{seq}/itens/quantidade")
        return plano, whole, pages, quantidade

    plano, whole, pages, quantidade = serve(scenario)
    assert whole == pages
    assert len(whole) == quantidade == plano["quantidade"]
    assert sum(round(i["valorTotal"] * 10000) for i in whole) == round(plano["valorTotal"] * 10000)


def test_unidades_paging_and_no_rows():
    async def scenario(client):
        _, all_, _ = await fetch(client, f"{INTEGRACAO}/2025/consolidado/unidades?pagina=1&tamanhoPagina=100")
        _, first, _ = await fetch(client, f"{INTEGRACAO}/2025/consolidado/unidades?pagina=1&tamanhoPagina=1")
        _, second, _ = await fetch(client, f"{INTEGRACAO}/2025/consolidado/unidades?pagina=2&tamanhoPagina=1")
        past = await fetch(client, f"{INTEGRACAO}/2025/consolidado/unidades?pagina=99&tamanhoPagina=1")
        unknown = await fetch(client, "/api/pncp/v1/orgaos/11222333000181/pca/2025/consolidado/unidades")
        no_year = await fetch(client, f"{INTEGRACAO}/2019/consolidado")
        return all_, first, second, past, unknown, no_year

    all_, first, second, past, unknown, no_year = serve(scenario)
    assert len(all_) >= 3 and first == all_[:1] and second == all_[1:2]
    assert past[:2] == (204, None) and unknown[:2] == (204, None) and no_year[:2] == (204, None)


def test_empty_and_unknown_plans_answer_204():
    async def scenario(client):
        for ano in range(2021, 2027):
            _, unidades, _ = await fetch(client, f"{INTEGRACAO}/{ano}/consolidado/unidades?pagina=1&tamanhoPagina=50")
            empty = [u for u in unidades if u["quantidade"] == 0]
            if empty:
                seq = empty[0]["sequencialPca"]
                return (
                    await fetch(client, f"{INTEGRACAO}/{ano}/{seq}/itens?pagina=1&tamanhoPagina=10"),
                    await fetch(client, f"{INTEGRACAO}/{ano}/{seq}/itens/quantidade"),
                    await fetch(client, f"{INTEGRACAO}/{ano}/999/itens?pagina=1"),
                    await fetch(client, f"{INTEGRACAO}/{ano}/999/itens/quantidade"),
                )
        raise AssertionError("the data set has no empty plan")

    itens, quantidade, unknown, unknown_qty = serve(scenario)
    assert itens[:2] == (204, None)
    assert quantidade[:2] == (200, 0)
    assert unknown[:2] == (204, None) and unknown_qty[:2] == (204, None)


@pytest.mark.parametrize(
    "query, fragment",
    [
        ("pagina=0&tamanhoPagina=10", "pagina"),
        ("pagina=1&tamanhoPagina=0", "tamanhoPagina"),
        ("pagina=abc", 'For input string: "abc"'),
    ],
)
def test_integracao_bad_parameters_are_spring_400s(query, fragment):
    async def scenario(client):
        return await fetch(client, f"{INTEGRACAO}/2025/1/itens?{query}")

    status, body, ctype = serve(scenario)
    assert status == 400 and "json" in ctype
    assert set(body) == {"timestamp", "status", "error", "message", "path"}
    assert body["status"] == 400 and body["error"] == "Bad Request" and fragment in body["message"]
    assert body["path"] == f"{INTEGRACAO}/2025/1/itens"


def test_no_max_page_size_on_itens():
    async def scenario(client):
        return await fetch(client, f"{INTEGRACAO}/2025/1/itens?pagina=1&tamanhoPagina=2000")

    status, body, _ = serve(scenario, itens=5000)
    assert status == 200 and len(body) > 500


def _consulta(client, query):
    return fetch(client, f"/api/consulta/v1/pca/?{query}")


def test_consulta_pca_envelope_counts_items_and_repeats_headers_across_pages():
    async def scenario(client):
        pages, pagina = [], 1
        while True:
            status, page, _ = await _consulta(
                client, f"anoPca=2025&codigoClassificacaoSuperior=7510&pagina={pagina}&tamanhoPagina=10"
            )
            if status == 204:
                return pages
            pages.append(page)
            pagina += 1

    pages = serve(scenario, itens=2000)
    assert len(pages) >= 3
    total = pages[0]["totalRegistros"]
    keys = [(p["idPcaPncp"], i["numeroItem"]) for page in pages for p in page["data"] for i in p["itens"]]
    assert len(keys) == len(set(keys)) == total
    for k, page in enumerate(pages, start=1):
        assert page["numeroPagina"] == k and page["totalPaginas"] == len(pages)
        assert page["paginasRestantes"] == len(pages) - k and page["empty"] is False
        assert sum(len(p["itens"]) for p in page["data"]) == (10 if k < len(pages) else total - 10 * (k - 1))
    ids = [p["idPcaPncp"] for page in pages for p in page["data"]]
    assert len(ids) > len(set(ids))  # a plan's header repeats on the next page


@pytest.mark.parametrize(
    "query, status, message",
    [
        ("anoPca=2025&codigoClassificacaoSuperior=7510&pagina=1&tamanhoPagina=9", 400, "Tamanho de página inválido"),
        ("anoPca=2025&codigoClassificacaoSuperior=7510&pagina=1&tamanhoPagina=501", 400, "Tamanho de página inválido"),
        (
            "anoPca=2025&pagina=1",
            400,
            "Required request parameter 'codigoClassificacaoSuperior' for method parameter type String is not present",
        ),
        (
            "codigoClassificacaoSuperior=7510&pagina=1",
            400,
            "Required request parameter 'anoPca' for method parameter type Integer is not present",
        ),
    ],
)
def test_consulta_pca_validation(query, status, message):
    async def scenario(client):
        return await _consulta(client, query)

    got_status, body, _ = serve(scenario)
    assert got_status == status and body["message"] == message and body["status"] == 400


def _atualizacao(client, query):
    return fetch(client, f"/api/consulta/v1/pca/atualizacao?{query}")


def test_atualizacao_datafim_is_exclusive():
    async def scenario(client):
        _, unidades, _ = await fetch(client, f"{INTEGRACAO}/2025/consolidado/unidades?pagina=1&tamanhoPagina=50")
        plano = next(u for u in unidades if u["quantidade"])
        day = plano["dataAtualizacaoGlobalPCA"][:10].replace("-", "")
        from datetime import datetime, timedelta

        d = datetime.strptime(day, "%Y%m%d")
        nxt = (d + timedelta(days=1)).strftime("%Y%m%d")
        after = (d + timedelta(days=2)).strftime("%Y%m%d")
        base = f"cnpj={MAIN_CNPJ}&pagina=1&tamanhoPagina=500"
        same = await _atualizacao(client, f"dataInicio={day}&dataFim={day}&{base}")
        one_day = await _atualizacao(client, f"dataInicio={day}&dataFim={nxt}&{base}")
        later = await _atualizacao(client, f"dataInicio={nxt}&dataFim={after}&{base}")
        return plano, same, one_day, later

    plano, same, one_day, later = serve(scenario)
    assert same[:2] == (204, None)
    assert one_day[0] == 200
    assert plano["numeroControlePNCP"] in [p["idPcaPncp"] for p in one_day[1]["data"]]
    assert later[0] == 204 or plano["numeroControlePNCP"] not in [p["idPcaPncp"] for p in later[1]["data"]]


def test_atualizacao_quirks():
    async def scenario(client):
        return (
            await _atualizacao(client, "dataInicio=2025-03-01&dataFim=2025-03-10&pagina=1"),
            await _atualizacao(client, "dataInicio=20250301&dataFim=20250310&pagina=1&codigoUnidade=120645"),
            await _atualizacao(client, "dataInicio=20240101&dataFim=20250102&pagina=1"),
            await _atualizacao(client, "dataInicio=20250101&pagina=1"),
            await _atualizacao(client, "dataInicio=20250101&dataFim=20250102&pagina=1&tamanhoPagina=1000"),
            await _atualizacao(client, "dataInicio=20240101&dataFim=20241231&pagina=1"),
        )

    dashed, no_cnpj, too_long, missing, big_page, year = serve(scenario)
    assert dashed[0] == 200 and dashed[1] is None  # zero-length body
    assert no_cnpj[0] == 422 and no_cnpj[1]["message"] == "Obrigatório que o CNPJ do órgão seja informado."
    assert too_long[0] == 422
    assert missing[0] == 400 and missing[1]["message"] == (
        "Required request parameter 'dataFim' for method parameter type String is not present"
    )
    assert big_page[0] == 400 and big_page[1]["message"] == "Tamanho de página inválido"
    assert year[0] == 200 and year[1]["totalRegistros"] > 0
    orgaos = {p["orgaoEntidadeCnpj"] for p in year[1]["data"]}
    assert orgaos  # without cnpj, every órgão's plans are eligible
