"""Dados Abertos replica, and the truth endpoint checked against an independent join over HTTP."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from sandbox.dataset import MAIN_CNPJ
from tests.support import FIXTURES, fetch, serve

SAMPLE = (
    FIXTURES
    / "reference"
    / "pgc"  # a public capture, source in the .source.txt beside it
    / "dadosabertos_pgc_2_consultarPgcDetalheCatalogo_response_fragment.json.txt"
)
DA = "/modulo-pgc/1_consultarPgcDetalhe"
INTEGRACAO = f"/api/pncp/v1/orgaos/{MAIN_CNPJ}/pca"


def sample_row_keys() -> set[str]:
    text = SAMPLE.read_text()
    first = text[text.index("{", text.index("[")) : text.index("}", text.index("["))]
    return set(re.findall(r'"(\w+)":', first))


async def all_da_rows(client, ano, uasg=None, size=500):
    rows, pagina = [], 1
    while True:
        query = f"?orgao={MAIN_CNPJ}&anoPcaProjetoCompra={ano}&pagina={pagina}&tamanhoPagina={size}"
        if uasg:
            query += f"&codigoUasg={uasg}"
        status, page, _ = await fetch(client, DA + query)
        assert status == 200
        rows.extend(page["resultado"])
        if pagina >= page["totalPaginas"]:
            assert len(rows) == page["totalRegistros"]
            return rows, page
        pagina += 1


def test_dados_abertos_rows_use_the_real_field_names_and_envelope():
    async def scenario(client):
        return await all_da_rows(client, 2025, size=37)

    rows, last = serve(scenario)
    assert set(last) == {
        "resultado",
        "totalRegistros",
        "totalPaginas",
        "paginasRestantes",
        "dataHoraConsulta",
        "timeZoneAtual",
        "obs",
    }
    assert last["timeZoneAtual"] == "GMT-03:00" and last["paginasRestantes"] == 0
    assert last["obs"] == "Os valores disponiveis estão sujeitos a alterações"
    assert "codigoGrupoNaterial" in sample_row_keys()
    unpublished = 0
    for row in rows:
        assert set(row) == sample_row_keys()
        assert isinstance(row["codigoUasg"], str) and re.fullmatch(r"\d{6}", row["codigoUasg"])
        assert row["orgao"] == MAIN_CNPJ and row["anoPcaProjetoCompra"] == 2025
        assert row["descricaoArtefato"] == f"{row['numeroArtefato']}/{row['anoArtefato']}"
        assert row["anoArtefato"] in (2024, 2025)
        if row["dataInicioProcessoCompra"] is not None:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", row["dataInicioProcessoCompra"])
            assert row["dataInicioProcessoCompra"] < row["dataFimProcessoCompra"]
            assert isinstance(row["duracaoProcessoCompra"], int)
        unpublished += row["numeroItemPncp"] is None
    assert unpublished > 0


def test_dados_abertos_uasg_filter_and_validation():
    async def scenario(client):
        all_rows, _ = await all_da_rows(client, 2025)
        uasg = all_rows[0]["codigoUasg"]
        filtered, _ = await all_da_rows(client, 2025, uasg=uasg)
        missing = await fetch(client, f"{DA}?anoPcaProjetoCompra=2025")
        too_big = await fetch(client, f"{DA}?orgao={MAIN_CNPJ}&anoPcaProjetoCompra=2025&tamanhoPagina=501")
        default = await fetch(client, f"{DA}?orgao={MAIN_CNPJ}&anoPcaProjetoCompra=2025")
        return all_rows, uasg, filtered, missing, too_big, default

    all_rows, uasg, filtered, missing, too_big, default = serve(scenario)
    assert filtered == [r for r in all_rows if r["codigoUasg"] == uasg]
    assert missing[0] == 400 and "'orgao'" in missing[1]["message"]
    assert too_big[0] == 400
    assert default[0] == 200 and len(default[1]["resultado"]) == 10


def _independent_demandas(plans_items, da_rows, enriquecimento=True):
    """What a crawler computes from the HTTP responses alone."""
    joined = {}
    for row in da_rows:
        if row["numeroItemPncp"] is not None:
            key = (row["codigoUasg"], row["numeroItemPncp"])
            assert key not in joined
            joined[key] = row
    groups = defaultdict(list)
    for plano, itens in plans_items:
        for item in itens:
            row = joined.get((plano["codigoUnidade"], item["numeroItem"])) if enriquecimento else None
            key = (plano["sequencialPca"], item["grupoContratacaoCodigo"], row["descricaoArtefato"] if row else None)
            groups[key].append((plano, item, row))
    out = []
    for (seq, contratacao, dfd), members in groups.items():
        members.sort(key=lambda m: m[1]["numeroItem"])
        inicios = [m[2]["dataInicioProcessoCompra"] for m in members if m[2] and m[2]["dataInicioProcessoCompra"]]
        fins = [m[2]["dataFimProcessoCompra"] for m in members if m[2] and m[2]["dataFimProcessoCompra"]]
        valor = sum(Decimal(repr(m[1]["valorTotal"])) for m in members)
        first = members[0][1]
        out.append(
            {
                "orgao_cnpj": MAIN_CNPJ,
                "uasg": members[0][0]["codigoUnidade"],
                "sequencial_pca": seq,
                "contratacao": contratacao,
                "dfd": dfd,
                "descricao": first["grupoContratacaoNome"] if contratacao else first["descricao"],
                "categoria": ", ".join(sorted({m[1]["categoriaItemPcaNome"] for m in members})),
                "valor": str(valor.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)),
                "data_desejada": min(m[1]["dataDesejada"] for m in members),
                "data_inicio": min(inicios)[:10] if inicios else None,
                "data_fim": max(fins)[:10] if fins else None,
                "status": "PUBLICADO",
                "itens": [m[1]["numeroItem"] for m in members],
            }
        )
    out.sort(key=lambda d: (d["sequencial_pca"], d["contratacao"] or "", d["dfd"] or ""))
    return out


async def _crawl(client, ano):
    _, unidades, _ = await fetch(client, f"{INTEGRACAO}/{ano}/consolidado/unidades?pagina=1&tamanhoPagina=100")
    plans_items = []
    for plano in unidades:
        status, itens, _ = await fetch(
            client, f"{INTEGRACAO}/{ano}/{plano['sequencialPca']}/itens?pagina=1&tamanhoPagina=100000"
        )
        plans_items.append((plano, itens if status == 200 else []))
    rows, _ = await all_da_rows(client, ano)
    return plans_items, rows


def test_truth_equals_an_independent_join_of_the_http_responses():
    async def scenario(client):
        results = []
        for ano in (2021, 2025, 2026):
            plans_items, rows = await _crawl(client, ano)
            _, truth, _ = await fetch(client, f"/__sandbox__/truth/pncp-demandas?ano={ano}")
            _, plain, _ = await fetch(client, f"/__sandbox__/truth/pncp-demandas?ano={ano}&enriquecimento=false")
            results.append((plans_items, rows, truth, plain))
        return results

    for plans_items, rows, truth, plain in serve(scenario, itens=1500):
        assert truth["dataset"] == "pncp-demandas" and truth["cnpj"] == MAIN_CNPJ
        assert truth["count"] == len(truth["demandas"])
        assert truth["demandas"] == _independent_demandas(plans_items, rows)
        assert plain["demandas"] == _independent_demandas(plans_items, rows, enriquecimento=False)
        assert all(d["dfd"] is None and d["data_inicio"] is None for d in plain["demandas"])


def test_truth_invariants():
    async def scenario(client):
        plans_items, _ = await _crawl(client, 2025)
        _, truth, _ = await fetch(client, "/__sandbox__/truth/pncp-demandas?ano=2025")
        uasg = plans_items[0][0]["codigoUnidade"]
        _, one_uasg, _ = await fetch(client, f"/__sandbox__/truth/pncp-demandas?ano=2025&uasg={uasg}")
        _, nothing, _ = await fetch(client, "/__sandbox__/truth/pncp-demandas?ano=2019")
        bad = await fetch(client, "/__sandbox__/truth/pncp-demandas")
        return plans_items, truth, uasg, one_uasg, nothing, bad

    plans_items, truth, uasg, one_uasg, nothing, bad = serve(scenario, itens=2000)
    demandas = truth["demandas"]
    # every item in exactly one demanda
    claimed = [(d["sequencial_pca"], n) for d in demandas for n in d["itens"]]
    items = [(p["sequencialPca"], i["numeroItem"]) for p, itens in plans_items for i in itens]
    assert len(claimed) == len(set(claimed)) and set(claimed) == set(items) and len(items) == 2000
    # values: each demanda rounded once; the sum matches the items' exact sum within that rounding
    exact = sum(Decimal(repr(i["valorTotal"])) for _, itens in plans_items for i in itens)
    rounded = sum(Decimal(d["valor"]) for d in demandas)
    assert abs(rounded - exact) <= Decimal("0.005") * len(demandas)
    assert all(re.fullmatch(r"\d+\.\d{2}", d["valor"]) for d in demandas)
    # shapes and order
    keys = [(d["sequencial_pca"], d["contratacao"] or "", d["dfd"] or "") for d in demandas]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    assert all(d["itens"] == sorted(d["itens"]) and d["status"] == "PUBLICADO" for d in demandas)
    assert any(d["dfd"] is None for d in demandas) and any(d["contratacao"] is None for d in demandas)
    split = defaultdict(set)
    for d in demandas:
        if d["contratacao"] and d["dfd"]:
            split[d["contratacao"]].add(d["dfd"])
    assert any(len(s) == 2 for s in split.values())
    assert all(d["data_inicio"] is None and d["data_fim"] is None for d in demandas if d["dfd"] is None)
    assert one_uasg["demandas"] == [d for d in demandas if d["uasg"] == uasg]
    assert nothing["count"] == 0 and bad[0] == 400


def test_truth_for_100k_items_keeps_the_server_responsive():
    async def scenario(client):
        import asyncio
        import time

        truth_task = asyncio.create_task(fetch(client, "/__sandbox__/truth/pncp-demandas?ano=2025"))
        await asyncio.sleep(0)
        started = time.perf_counter()
        health = await fetch(client, "/__sandbox__/health")
        health_latency = time.perf_counter() - started
        status, truth, _ = await truth_task
        return health, health_latency, status, truth

    health, latency, status, truth = serve(scenario, itens=100_000)
    assert health[0] == 200 and status == 200
    assert sum(len(d["itens"]) for d in truth["demandas"]) == 100_000
    assert latency < 2.0
