"""The sandbox story (sandbox/story.py): switched on and off without disturbing the generated
data, the same DFDs in PGC, the Formação do PCA, PNCP and Dados Abertos, every finding planted."""

from __future__ import annotations

from sandbox.story import STORY_CNPJ
from tests.support import fetch, serve

PNCP = f"/api/pncp/v1/orgaos/{STORY_CNPJ}/pca/2025"
DA = f"/modulo-pgc/1_consultarPgcDetalhe?orgao={STORY_CNPJ}&anoPcaProjetoCompra=2025&pagina=1&tamanhoPagina=500"


def test_story_on_and_off_restores_the_generated_data():
    async def scenario(client):
        _, before_pgc, _ = await fetch(client, "/__sandbox__/truth/pgc-dfds?ano=2025")
        _, before_pncp, _ = await fetch(client, "/__sandbox__/truth/pncp-demandas?ano=2025")
        status, body, _ = await fetch(client, "/__sandbox__/story", "POST", {"versao": 1})
        _, during_pgc, _ = await fetch(client, "/__sandbox__/truth/pgc-dfds?ano=2025")
        await fetch(client, "/__sandbox__/story", "POST", {"versao": 0})
        _, after_pgc, _ = await fetch(client, "/__sandbox__/truth/pgc-dfds?ano=2025")
        _, after_pncp, _ = await fetch(client, "/__sandbox__/truth/pncp-demandas?ano=2025")
        bad, _, _ = await fetch(client, "/__sandbox__/story", "POST", {"versao": 7})
        return status, before_pgc, before_pncp, during_pgc, after_pgc, after_pncp, bad

    status, before_pgc, before_pncp, during_pgc, after_pgc, after_pncp, bad = serve(scenario)
    assert status == 200 and bad == 400
    assert len(during_pgc["registros"]) == 13 and len(before_pgc["registros"]) == 237
    assert after_pgc == before_pgc and after_pncp == before_pncp


def test_the_replicas_tell_one_story():
    async def scenario(client):
        await fetch(client, "/__sandbox__/story", "POST", {"versao": 1})
        _, dfds, _ = await fetch(client, "/__sandbox__/truth/pgc-dfds?ano=2025")
        _, cards, _ = await fetch(client, "/__sandbox__/truth/pgc-contratacoes?ano=2025")
        _, unidades, _ = await fetch(client, f"{PNCP}/consolidado/unidades?pagina=1&tamanhoPagina=50")
        _, itens, _ = await fetch(client, f"{PNCP}/1/itens?pagina=1&tamanhoPagina=100")
        _, da, _ = await fetch(client, DA)
        _, geral, _ = await fetch(client, "/__sandbox__/truth/geral?ano=2025")
        return dfds["registros"], cards["registros"], unidades, itens, da["resultado"], geral

    dfds, cards, unidades, itens, da, geral = serve(scenario)
    pgc = {d["dfd"] for d in dfds}
    assert [u["codigoUnidade"] for u in unidades] == ["110511"]
    # Formação cards name PGC DFDs; PNCP groups are Formação contratações; DA gives PNCP items their DFDs.
    assert {c["dfd"] for c in cards} <= pgc
    approved = {c["contratacao"] for c in cards if c["status"] == "APROVADA"}
    published = {i["grupoContratacaoCodigo"] for i in itens}
    assert approved - published == {"110511-6/2025"}  # 8/2025: approved, not published
    by_item = {r["numeroItemPncp"]: r["descricaoArtefato"] for r in da}
    assert all(by_item.get(i["numeroItem"]) in pgc | {"40/2025", None} for i in itens)
    assert {code for row in geral["rows"] for code in row["achados"]} == {
        "SO_NO_PGC",
        "APROVADA_NAO_PUBLICADA",
        "PNCP_SEM_DFD_NO_PGC",
        "CANCELADO_NO_PLANO",
        "VALOR_DIVERGENTE",
        "DATAS_DIVERGENTES",
        "DFD_DUPLICADO",
    }
    assert geral["resumo"]["SO_NO_PGC"] == {"quantidade": 2, "valor": "48000.00"}


def test_a_week_later_one_dfd_added_one_removed_a_value_and_a_status_changed():
    async def scenario(client):
        await fetch(client, "/__sandbox__/story", "POST", {"versao": 1})
        _, pgc, _ = await fetch(client, "/__sandbox__/truth/mudancas?fonte=PGC&de=1&para=2")
        _, missing, _ = await fetch(client, "/__sandbox__/truth/geral?ano=2025&fontes=PGC")
        return pgc["rows"], missing

    rows, missing = serve(scenario)
    assert {(r["tipo"], r["chave"], r["campo"]) for r in rows} == {
        ("incluida", "14/2025", None),
        ("removida", "12/2025", None),
        ("alterada", "3/2025", "valor"),
        ("alterada", "3/2025", "status"),
        ("alterada", "10/2025", "status"),
    }
    # Only PGC crawled: the other sources are missing, and no finding depends on them.
    assert missing["fontes_ausentes"] == ["FORMACAO", "PNCP"]
    assert {c for row in missing["rows"] for c in row["achados"]} == set()
