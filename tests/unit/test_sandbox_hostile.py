"""The sandbox's hostile answers (sandbox/hostile.py): each fault serves what it says, as raw
JSON text a real portal's lenient JSON writer could produce."""

from __future__ import annotations

from sandbox.dataset import MAIN_CNPJ
from tests.support import fetch, serve

PCA = f"/api/pncp/v1/orgaos/{MAIN_CNPJ}/pca/2025"
DA = f"/modulo-pgc/1_consultarPgcDetalhe?orgao={MAIN_CNPJ}&anoPcaProjetoCompra=2025&tamanhoPagina=20"


async def set_faults(client, **faults):
    status, body, _ = await fetch(client, "/__sandbox__/faults", "POST", faults)
    assert status == 200, body


async def text(client, path: str) -> str:
    async with client.get(path) as response:
        return await response.text()


async def first_plan(client) -> int:
    _, plans, _ = await fetch(client, f"{PCA}/consolidado/unidades?pagina=1&tamanhoPagina=50")
    return plans[0]["sequencialPca"]


def test_valor_total_of_the_first_item_is_served_as_raw_json():
    async def scenario(client):
        seq = await first_plan(client)
        got = {}
        for kind in ("NaN", "Infinity", "1e30", "400digits", "null", "true", "absent"):
            await set_faults(client, valor_total=kind)
            got[kind] = await text(client, f"{PCA}/{seq}/itens?pagina=1&tamanhoPagina=3")
        await set_faults(client, valor_total="NaN")
        second_page = await text(client, f"{PCA}/{seq}/itens?pagina=2&tamanhoPagina=3")
        bad = await fetch(client, "/__sandbox__/faults", "POST", {"valor_total": "nonsense"})
        return got, second_page, bad

    got, second_page, bad = serve(scenario, itens=300)
    assert '"valorTotal":NaN,' in got["NaN"] and '"valorTotal":Infinity,' in got["Infinity"]
    assert '"valorTotal":1e+30,' in got["1e30"] and '"valorTotal":1' + "0" * 399 + "," in got["400digits"]
    assert '"valorTotal":null,' in got["null"] and '"valorTotal":true,' in got["true"]
    assert got["absent"].count('"valorTotal"') == 2  # three items, the first without it
    assert "NaN" not in second_page  # only the plan's first item
    assert bad[0] == 400


def test_declared_counts_ignored_pagina_and_broken_rows():
    async def scenario(client):
        seq = await first_plan(client)
        await set_faults(
            client,
            declared_quantidade=10**9,
            declared_total_paginas=10**8,
            ignore_pagina=True,
            dadosabertos_bad_rows="dfd",
        )
        _, count, _ = await fetch(client, f"{PCA}/{seq}/itens/quantidade")
        _, page1, _ = await fetch(client, f"{PCA}/{seq}/itens?pagina=1&tamanhoPagina=5")
        _, page9, _ = await fetch(client, f"{PCA}/{seq}/itens?pagina=9&tamanhoPagina=5")
        _, da1, _ = await fetch(client, DA + "&pagina=1")
        _, da7, _ = await fetch(client, DA + "&pagina=7")
        _, stats, _ = await fetch(client, "/__sandbox__/requests")
        return count, page1, page9, da1, da7, stats

    count, page1, page9, da1, da7, stats = serve(scenario, itens=300)
    assert count == 10**9 and da1["totalPaginas"] == 10**8
    assert page9 == page1 and da7["resultado"] == da1["resultado"]
    assert sum("(rascunho)" in r["descricaoArtefato"] for r in da1["resultado"]) == 1
    assert stats["faults_served"]["ignore_pagina"] == 2 and stats["faults_served"]["dadosabertos_bad_rows_dfd"] == 2


def test_redirect_to_another_host_name():
    async def scenario(client):
        await set_faults(client, redirect_host="localhost")
        async with client.get(f"{PCA}/consolidado", allow_redirects=False) as response:
            moved = response.status, response.headers["Location"]
        async with client.get("/__sandbox__/health", allow_redirects=False) as response:
            control = response.status
        return moved, control, client.port

    (status, location), control, port = serve(scenario)
    assert status == 302 and location == f"http://localhost:{port}{PCA}/consolidado"
    assert control == 200  # the control API is never redirected
