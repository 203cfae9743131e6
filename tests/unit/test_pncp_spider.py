"""The pncp spider's bookkeeping with portal answers built in the test: malformed rows are
recorded (never silently lost) and plans wait for the whole enrichment, lost pages included."""

import json

import pytest
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from procurement_spiders.items import Demanda
from procurement_spiders.spiders.pncp import PncpSpider

CNPJ = "00394452000103"


@pytest.fixture
def spider():
    crawler = get_crawler(PncpSpider, {"ORGAO_CNPJ": CNPJ, "PNCP_BASE_URL": "http://127.0.0.1:9", "DADOS_ABERTOS_BASE_URL": "http://127.0.0.1:9"})
    spider = PncpSpider.from_crawler(crawler, ano="2025")
    crawler.spider = spider
    crawler.stats.open_spider()
    return spider


def answer(request: Request, body, status=200) -> TextResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return TextResponse(request.url, status=status, body=raw, request=request, encoding="utf-8")


def item(numero, grupo="120645-1/2025", valor=10.5):
    return {"numeroItem": numero, "descricao": f"item {numero}", "valorTotal": valor, "quantidade": 1,
            "grupoContratacaoCodigo": grupo, "grupoContratacaoNome": "GRUPO", "categoriaItemPcaNome": "Material",
            "dataDesejada": "2025-05-01"}


def fetch_plan(spider, rows, expected=None):
    [quantidade] = list(spider.parse_plans(answer(spider.plans_request(1), [{"codigoUnidade": "120645", "sequencialPca": 1}]), page=1))
    out = list(quantidade.callback(answer(quantidade, expected if expected is not None else len(rows)), **quantidade.cb_kwargs))
    [page] = [r for r in out if isinstance(r, Request)]
    return list(page.callback(answer(page, rows), **page.cb_kwargs))


def test_malformed_item_is_recorded_and_the_coleta_incomplete(spider):
    enrichment = spider.enrichment_request(1)
    list(spider.parse_enrichment(answer(enrichment, {"resultado": [], "totalPaginas": 1}), page=1))
    out = fetch_plan(spider, [item(1), {"numeroItem": "um"}, item(2, valor="NaN?")], expected=3)
    stats = spider.crawler.stats
    assert stats.get_value("coleta/incompleta") is True
    tipos = [a["tipo"] for a in stats.get_value("coleta/anomalias")]
    assert tipos.count("linha_invalida") == 2
    # the plan is read again in one page (count mismatch), and still yields what was readable
    [again] = [r for r in out if isinstance(r, Request)]
    demandas = [d for d in again.callback(answer(again, [item(1)]), **again.cb_kwargs) if isinstance(d, Demanda)]
    assert [d.detalhes["itens"][0]["numeroItem"] for d in demandas] == [1]


def test_plans_wait_for_every_enrichment_page_even_after_one_is_lost(spider):
    first = spider.enrichment_request(1)
    more = list(spider.parse_enrichment(answer(first, {"resultado": [], "totalPaginas": 3}), page=1))
    assert [r.cb_kwargs["page"] for r in more] == [2, 3]
    failure = Failure(ConnectionRefusedError("Dados Abertos down"))
    failure.request = more[0]
    assert list(spider.enrichment_failed(failure)) == []
    assert spider.enrichment_state == "pending"  # page 3 may still bring DFDs
    assert [d for d in fetch_plan(spider, [item(7)]) if isinstance(d, Demanda)] == []  # parked
    row = {"codigoUasg": "120645", "numeroItemPncp": 7, "descricaoArtefato": "30/2024",
           "dataInicioProcessoCompra": "2025-02-10T22:14:53", "dataFimProcessoCompra": "2025-08-09T00:00:00"}
    released = list(spider.parse_enrichment(answer(more[1], {"resultado": [row], "totalPaginas": 3}), page=3))
    [demanda] = [d for d in released if isinstance(d, Demanda)]
    assert demanda.dfd == "30/2024" and str(demanda.data_inicio) == "2025-02-10"
    assert spider.enrichment_state == "partial"
    assert "enriquecimento_parcial" in [a["tipo"] for a in spider.crawler.stats.get_value("coleta/anomalias")]


def test_plan_row_without_sequencial_is_recorded(spider):
    rows = [{"codigoUnidade": "120645"}, {"codigoUnidade": "120646", "sequencialPca": 2}]
    out = list(spider.parse_plans(answer(spider.plans_request(1), rows), page=1))
    assert len(out) == 1 and out[0].cb_kwargs["plan"].sequencial == 2
    assert spider.crawler.stats.get_value("coleta/incompleta") is True


def test_html_error_page_instead_of_json_is_recorded(spider):
    request = spider.plans_request(1)
    page = answer(request, b"<html><body>Erro interno</body></html>")
    assert list(spider.parse_plans(page, page=1)) == []
    [anomalia] = spider.crawler.stats.get_value("coleta/anomalias")
    assert anomalia["tipo"] == "resposta_invalida" and "not JSON" in anomalia["mensagem"]
