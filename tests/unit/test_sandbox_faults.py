"""Every fault of the control API, and the control API's own bookkeeping."""

from __future__ import annotations

import asyncio
import time

import pytest

from sandbox.dataset import MAIN_CNPJ
from tests.support import fetch, serve

ITENS = f"/api/pncp/v1/orgaos/{MAIN_CNPJ}/pca/2025"
CONSOLIDADO = f"{ITENS}/consolidado"
DA = f"/modulo-pgc/1_consultarPgcDetalhe?orgao={MAIN_CNPJ}&anoPcaProjetoCompra=2025"


async def set_faults(client, **faults):
    status, body, _ = await fetch(client, "/__sandbox__/faults", "POST", faults)
    assert status == 200, body
    return body


async def statuses(client, path, n):
    return [(await fetch(client, path))[0] for _ in range(n)]


def test_faults_post_replaces_get_reads_delete_resets():
    async def scenario(client):
        first = await set_faults(client, http429_every=3, no_rows="404")
        second = await set_faults(client, latency_ms=5)
        _, got, _ = await fetch(client, "/__sandbox__/faults")
        _, reset, _ = await fetch(client, "/__sandbox__/faults", "DELETE")
        bad = await fetch(client, "/__sandbox__/faults", "POST", {"nonsense": 1})
        bad_mode = await fetch(client, "/__sandbox__/faults", "POST", {"no_rows": "500"})
        return first, second, got, reset, bad, bad_mode

    first, second, got, reset, bad, bad_mode = serve(scenario)
    assert first["http429_every"] == 3 and first["no_rows"] == "404"
    assert second["http429_every"] == 0 and second["no_rows"] == "204" and second["latency_ms"] == 5
    assert got == second
    assert reset["latency_ms"] == 0 and not reset["page_boundary"]
    assert bad[0] == 400 and bad_mode[0] == 400


def test_health():
    async def scenario(client):
        return await fetch(client, "/__sandbox__/health")

    assert serve(scenario)[:2] == (200, {"status": "ok"})


def test_http429_every_nth_api_request_is_an_f5_html_page_without_retry_after():
    async def scenario(client):
        await set_faults(client, http429_every=3)
        got = []
        for _ in range(7):
            await fetch(client, "/__sandbox__/health")  # control requests are not counted
            async with client.get(CONSOLIDADO) as response:
                got.append(
                    (
                        response.status,
                        response.headers.get("Content-Type", ""),
                        "Retry-After" in response.headers,
                        await response.text(),
                    )
                )
        _, stats, _ = await fetch(client, "/__sandbox__/requests")
        await set_faults(client, http429_every=3)  # counters restart
        after_reset = await statuses(client, CONSOLIDADO, 3)
        return got, stats, after_reset

    got, stats, after_reset = serve(scenario)
    assert [g[0] for g in got] == [200, 200, 429, 200, 200, 429, 200]
    limited = got[2]
    assert limited[1].startswith("text/html") and not limited[2] and "Limite de Requisições Excedido" in limited[3]
    assert stats["total"] == 7 and stats["faults_served"]["429"] == 2
    assert stats["by_route"] == {"/api/pncp/v1/orgaos/{cnpj}/pca/{ano}/consolidado": 7}
    assert after_reset == [200, 200, 429]


def test_http5xx_every_nth_cycles_500_502_503_504():
    async def scenario(client):
        await set_faults(client, http5xx_every=2)
        got = []
        for _ in range(10):
            got.append(await fetch(client, CONSOLIDADO))
        _, stats, _ = await fetch(client, "/__sandbox__/requests")
        return got, stats

    got, stats = serve(scenario)
    assert [g[0] for g in got] == [200, 500, 200, 502, 200, 503, 200, 504, 200, 500]
    assert got[1][1]["message"] == "Erro ao processar a consulta." and got[1][1]["status"] == 500
    assert got[3][2].startswith("text/html") and "502 Bad Gateway" in got[3][1]
    assert stats["faults_served"]["5xx"] == 5


def test_latency_and_slow_every_delay_responses():
    async def scenario(client):
        await set_faults(client, latency_ms=50, slow_every=3, slow_ms=300)
        durations = []
        for _ in range(3):
            started = time.perf_counter()
            await fetch(client, CONSOLIDADO)
            durations.append(time.perf_counter() - started)
        _, stats, _ = await fetch(client, "/__sandbox__/requests")
        return durations, stats

    durations, stats = serve(scenario)
    assert all(d >= 0.05 for d in durations)
    assert durations[2] >= 0.35 and max(durations[:2]) < durations[2]
    assert stats["faults_served"]["slow"] == 1


def test_max_in_flight_counts_concurrent_api_requests_and_concurrency_limit_answers_429():
    async def scenario(client):
        await set_faults(client, latency_ms=200)
        await asyncio.gather(*(fetch(client, CONSOLIDADO) for _ in range(5)))
        _, stats, _ = await fetch(client, "/__sandbox__/requests")
        await set_faults(client, latency_ms=200, concurrency_limit=3)
        results = await asyncio.gather(*(fetch(client, CONSOLIDADO) for _ in range(5)))
        return stats, sorted(r[0] for r in results)

    stats, limited = serve(scenario)
    assert stats["max_in_flight"] == 5
    assert limited == [200, 200, 200, 429, 429]


@pytest.mark.parametrize("mode, status, body", [("204", 204, None), ("empty200", 200, None), ("404", 404, "json")])
def test_no_rows_modes(mode, status, body):
    async def scenario(client):
        await set_faults(client, no_rows=mode)
        return (
            await fetch(client, f"{ITENS}/999/itens?pagina=1"),
            await fetch(client, f"{ITENS}/consolidado/unidades?pagina=50"),
            await fetch(client, "/api/consulta/v1/pca/?anoPca=2025&codigoClassificacaoSuperior=0000&pagina=1"),
        )

    for got_status, got_body, _ in serve(scenario):
        assert got_status == status
        if body is None:
            assert got_body is None
        else:
            assert got_body["status"] == 404 and got_body["message"]


def _largest_plan(unidades):
    return max(unidades, key=lambda u: u["quantidade"])


def test_page_boundary_repeats_one_item_and_skips_one_per_boundary():
    async def scenario(client):
        _, unidades, _ = await fetch(client, f"{ITENS}/consolidado/unidades?pagina=1&tamanhoPagina=50")
        plano = _largest_plan(unidades)
        seq, total = plano["sequencialPca"], plano["quantidade"]
        await set_faults(client, page_boundary=True)
        pages = []
        for pagina in range(1, 4):
            _, page, _ = await fetch(client, f"{ITENS}/{seq}/itens?pagina={pagina}&tamanhoPagina=10")
            pages.append(page)
        _, single, _ = await fetch(client, f"{ITENS}/{seq}/itens?pagina=1&tamanhoPagina={total}")
        await set_faults(client)
        _, clean, _ = await fetch(client, f"{ITENS}/{seq}/itens?pagina=1&tamanhoPagina=30")
        return pages, single, clean, total

    pages, single, clean, total = serve(scenario, itens=400)
    assert all(len(p) == 10 for p in pages)
    assert pages[1][0] == pages[0][-1] and pages[2][0] == pages[1][-1]
    got = [i["numeroItem"] for p in pages for i in p]
    want = [i["numeroItem"] for i in clean]
    assert len(got) == 30 and len(set(got)) == 28
    assert set(want) - set(got) == {want[10], want[20]}
    assert len(single) == total and [i["numeroItem"] for i in single][:30] == want


def test_page_boundary_applies_to_consulta_pages():
    async def scenario(client):
        query = "/api/consulta/v1/pca/?anoPca=2025&codigoClassificacaoSuperior=7510&tamanhoPagina=10&pagina="
        _, clean2, _ = await fetch(client, query + "2")
        _, clean1, _ = await fetch(client, query + "1")
        await set_faults(client, page_boundary=True)
        _, faulty2, _ = await fetch(client, query + "2")
        return clean1, clean2, faulty2

    clean1, clean2, faulty2 = serve(scenario, itens=2000)

    def flat(page):
        return [(p["idPcaPncp"], i["numeroItem"]) for p in page["data"] for i in p["itens"]]

    assert flat(faulty2)[0] == flat(clean1)[-1]
    assert flat(faulty2)[1:] == flat(clean2)[1:]
    assert faulty2["totalRegistros"] == clean2["totalRegistros"]


def test_count_mismatch_inflates_itens_quantidade():
    async def scenario(client):
        _, before, _ = await fetch(client, f"{ITENS}/1/itens/quantidade")
        await set_faults(client, count_mismatch=3)
        _, after, _ = await fetch(client, f"{ITENS}/1/itens/quantidade")
        return before, after

    before, after = serve(scenario)
    assert after == before + 3


def test_dadosabertos_down_only_takes_down_dados_abertos():
    async def scenario(client):
        await set_faults(client, dadosabertos_down=True)
        return await fetch(client, DA), await fetch(client, CONSOLIDADO)

    down, pncp = serve(scenario)
    assert down[0] == 503 and down[2].startswith("text/html")
    assert pncp[0] == 200


def test_dataset_post_regenerates_and_empty_post_restores_cli_options():
    async def scenario(client):
        _, before, _ = await fetch(client, CONSOLIDADO)
        status, summary, _ = await fetch(client, "/__sandbox__/dataset", "POST", {"itens": 1234, "seed": 9})
        _, after, _ = await fetch(client, CONSOLIDADO)
        await fetch(client, "/__sandbox__/dataset", "POST", {})
        _, restored, _ = await fetch(client, CONSOLIDADO)
        bad = await fetch(client, "/__sandbox__/dataset", "POST", {"itens": "many"})
        return before, status, summary, after, restored, bad

    before, status, summary, after, restored, bad = serve(scenario, itens=777, seed=5)
    assert before["quantidade"] == 777 and restored == before
    assert status == 200 and summary["itens"] == 1234 and summary["seed"] == 9 and summary["main_cnpj"] == MAIN_CNPJ
    assert after["quantidade"] == 1234
    assert bad[0] == 400


def test_requests_stats_reset_with_faults_post():
    async def scenario(client):
        await statuses(client, CONSOLIDADO, 4)
        await fetch(client, DA)
        _, before, _ = await fetch(client, "/__sandbox__/requests")
        await set_faults(client)
        _, after, _ = await fetch(client, "/__sandbox__/requests")
        return before, after

    before, after = serve(scenario)
    assert before["total"] == 5 and before["by_route"]["/modulo-pgc/1_consultarPgcDetalhe"] == 1
    assert after == {"total": 0, "by_route": {}, "max_in_flight": 0, "faults_served": {}}
