"""The pncp spider's bookkeeping with portal answers built in the test: malformed rows are
recorded (never silently lost), plans wait for the whole enrichment, lost pages included, and
what a portal declares (pages, counts) is believed only up to the configured caps."""

import itertools
import json
from dataclasses import asdict

import pytest
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from procurement_spiders.items import Demanda
from procurement_spiders.pipelines.validation import InvalidValor, validate
from procurement_spiders.spiders.pncp import PncpSpider
from procurement_spiders.spiders.pncp_items import ITEM_PAGES_AHEAD

CNPJ = "00394452000103"


def make_spider(**settings):
    crawler = get_crawler(
        PncpSpider,
        {
            "ORGAO_CNPJ": CNPJ,
            "PNCP_BASE_URL": "http://127.0.0.1:9",
            "DADOS_ABERTOS_BASE_URL": "http://127.0.0.1:9",
            **settings,
        },
    )
    spider = PncpSpider.from_crawler(crawler, ano="2025")
    crawler.spider = spider
    crawler.stats.open_spider()
    return spider


@pytest.fixture
def spider():
    return make_spider()


def anomalias(spider, tipo=None):
    found = spider.coleta.anomalias
    return [a for a in found if tipo is None or a["tipo"] == tipo]


def answer(request: Request, body, status=200) -> TextResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return TextResponse(request.url, status=status, body=raw, request=request, encoding="utf-8")


def item(numero, grupo="120645-1/2025", valor=10.5):
    return {
        "numeroItem": numero,
        "descricao": f"item {numero}",
        "valorTotal": valor,
        "quantidade": 1,
        "grupoContratacaoCodigo": grupo,
        "grupoContratacaoNome": "GRUPO",
        "categoriaItemPcaNome": "Material",
        "dataDesejada": "2025-05-01",
    }


def fetch_plan(spider, rows, expected=None):
    [quantidade] = plans_answered(spider, [{"codigoUnidade": "120645", "sequencialPca": 1}])
    count = expected if expected is not None else len(rows)
    out = list(quantidade.callback(answer(quantidade, count), **quantidade.cb_kwargs))
    [page] = [r for r in out if isinstance(r, Request)]
    return list(page.callback(answer(page, rows), **page.cb_kwargs))


def no_enrichment(spider):
    enrichment = spider.enrichment_request(1)
    list(spider.parse_enrichment(answer(enrichment, {"resultado": [], "totalPaginas": 1}), page=1))


def test_malformed_item_is_recorded_and_the_coleta_incomplete(spider):
    no_enrichment(spider)
    out = fetch_plan(spider, [item(1), {"numeroItem": "um"}, item(2)], expected=3)
    assert spider.coleta.incompleta is True
    assert len(anomalias(spider, "linha_invalida")) == 1
    # the plan is read again in one page (count mismatch), and still yields what was readable
    [again] = [r for r in out if isinstance(r, Request)]
    demandas = [d for d in again.callback(answer(again, [item(1)]), **again.cb_kwargs) if isinstance(d, Demanda)]
    assert [d.detalhes["itens"][0]["numeroItem"] for d in demandas] == [1]


HOSTILE_VALOR_TOTAL = ["NaN", "Infinity", "-Infinity", "1e30", "1" + "0" * 399, "null", "true", "-1", '"1,00"', None]


@pytest.mark.parametrize("raw", HOSTILE_VALOR_TOTAL, ids=lambda r: str(r)[:10])
def test_a_hostile_valor_total_reaches_validation_as_read_and_json_safe(spider, raw):
    """The demanda holding the item is dropped by validation with the reason (counted, recorded
    with the raw fields), never stored with a made-up value; what is recorded is valid JSON."""
    no_enrichment(spider)
    rows = [item(1, valor=36900.0), item(2, valor="__RAW__")]
    text = json.dumps(rows)
    body = text.replace('"__RAW__"', raw) if raw else text.replace(', "valorTotal": "__RAW__"', "")
    out = fetch_plan(spider, body.encode(), expected=2)
    [demanda] = [d for d in out if isinstance(d, Demanda)]
    with pytest.raises(InvalidValor, match="part 2 of 2"):
        validate(demanda)
    strict = json.loads(json.dumps(asdict(demanda), default=str), parse_constant=pytest.fail)
    assert strict["valor"][0] == "36900.0"


def test_a_valid_demanda_still_sums_its_items(spider):
    no_enrichment(spider)
    [demanda] = [
        d
        for d in fetch_plan(spider, [item(1, valor=0.3333), item(2, valor=0.3333), item(3, valor=0.3333)])
        if isinstance(d, Demanda)
    ]
    assert str(validate(demanda).valor) == "1.00"


def enrich(spider, row):
    first = spider.enrichment_request(1)
    list(spider.parse_enrichment(answer(first, {"resultado": [row], "totalPaginas": 1}), page=1))
    return [d for d in fetch_plan(spider, [item(7, valor=100.0)]) if isinstance(d, Demanda)]


DA_ROW = {
    "codigoUasg": "120645",
    "numeroItemPncp": 7,
    "descricaoArtefato": "30/2024",
    "dataInicioProcessoCompra": "2025-02-10T22:14:53",
    "dataFimProcessoCompra": "2025-08-09T00:00:00",
}


def test_a_dados_abertos_row_with_a_malformed_dfd_keeps_the_pncp_demanda(spider):
    [demanda] = enrich(spider, {**DA_ROW, "descricaoArtefato": "DFD 30/2024 (rascunho)"})
    assert demanda.dfd is None and demanda.data_inicio is None
    assert str(validate(demanda).valor) == "100.00"  # stored, with its money
    [anomalia] = anomalias(spider, "enriquecimento_invalido")
    assert "rascunho" in anomalia["mensagem"]
    assert not spider.coleta.incompleta


def test_a_dados_abertos_row_ending_before_it_starts_keeps_the_dfd_without_dates(spider):
    [demanda] = enrich(spider, {**DA_ROW, "dataFimProcessoCompra": "2024-12-01T00:00:00"})
    typed = validate(demanda)
    assert (typed.dfd, typed.data_inicio, typed.data_fim) == ("30/2024", None, None)
    assert str(typed.valor) == "100.00"
    [anomalia] = anomalias(spider, "enriquecimento_invalido")
    assert "before" in anomalia["mensagem"]


def test_dados_abertos_declaring_10_to_the_8_pages_reads_at_most_the_cap():
    spider = make_spider(DADOS_ABERTOS_MAX_PAGES=30)
    first = spider.enrichment_request(1)
    out = spider.parse_enrichment(answer(first, {"resultado": [], "totalPaginas": 10**8}), page=1)
    requests = list(itertools.islice(out, 1000))
    assert [r.cb_kwargs["page"] for r in requests] == list(range(2, 31))
    [anomalia] = anomalias(spider, "limite_paginas")
    assert anomalia["informado"] == 10**8 and anomalia["limite"] == 30


def plans_answered(spider, rows):
    return list(spider.parse_plans(answer(spider.plans_request(1), rows), page=1))


def test_a_count_of_10_to_the_9_items_is_not_believed():
    spider = make_spider(PNCP_MAX_ITEMS_PER_PLAN=1000)
    [quantidade] = plans_answered(spider, [{"codigoUnidade": "120645", "sequencialPca": 1}])
    out = quantidade.callback(answer(quantidade, 10**9), **quantidade.cb_kwargs)
    requests = list(itertools.islice(out, 100))
    assert [r.cb_kwargs["page"] for r in requests] == [1]  # page by page, from page 1
    assert anomalias(spider, "quantidade_acima_do_limite")[0]["informado"] == 10**9


def test_a_plan_pages_at_most_a_few_pages_ahead():
    spider = make_spider(PNCP_PAGE_SIZE=10)
    [quantidade] = plans_answered(spider, [{"codigoUnidade": "120645", "sequencialPca": 1}])
    first = list(quantidade.callback(answer(quantidade, 100), **quantidade.cb_kwargs))
    assert [r.cb_kwargs["page"] for r in first] == list(range(1, ITEM_PAGES_AHEAD + 1))
    more = list(first[0].callback(answer(first[0], [item(n) for n in range(1, 11)]), **first[0].cb_kwargs))
    assert [r.cb_kwargs["page"] for r in more] == [ITEM_PAGES_AHEAD + 1]


@pytest.mark.parametrize("count", [True, "1e30", -1, "12", 2.5])
def test_a_count_that_is_not_a_count_is_recorded_and_paging_goes_on_without_it(spider, count):
    [quantidade] = plans_answered(spider, [{"codigoUnidade": "120645", "sequencialPca": 1}])
    body = json.dumps(count).encode() if count != "1e30" else b"1e30"
    [page] = list(quantidade.callback(answer(quantidade, body), **quantidade.cb_kwargs))
    assert page.cb_kwargs["sequential"] and page.cb_kwargs["page"] == 1
    assert len(anomalias(spider, "quantidade_ilegivel")) == 1


def test_items_of_a_portal_that_ignores_pagina_are_read_once(spider):
    """Every page answers the same full page: paging stops at the first page with nothing new."""
    no_enrichment(spider)
    spider_page = [item(n) for n in range(1, spider.page_size + 1)]
    [quantidade] = plans_answered(spider, [{"codigoUnidade": "120645", "sequencialPca": 1}])
    [request] = list(quantidade.callback(answer(quantidade, b"<html>erro</html>"), **quantidade.cb_kwargs))  # no count
    for _ in range(5):
        out = list(request.callback(answer(request, spider_page), **request.cb_kwargs))
        following = [r for r in out if isinstance(r, Request)]
        if not following:
            break
        [request] = following
    assert request.cb_kwargs["page"] == 2  # page 2 repeated page 1: no page 3
    [anomalia] = anomalias(spider, "paginacao_ignorada")
    assert anomalia["sequencialPca"] == 1
    assert spider.coleta.incompleta is True  # no count said all was read


def test_plans_of_a_portal_that_ignores_pagina_are_read_once():
    spider = make_spider(PNCP_PAGE_SIZE=2)
    rows = [{"codigoUnidade": "120645", "sequencialPca": 1}, {"codigoUnidade": "120646", "sequencialPca": 2}]
    first = plans_answered(spider, rows)
    [next_page] = [r for r in first if r.callback == spider.parse_plans]
    again = list(next_page.callback(answer(next_page, rows), **next_page.cb_kwargs))
    assert [r for r in again if isinstance(r, Request)] == []
    assert len(anomalias(spider, "paginacao_ignorada")) == 1


def test_more_plans_than_the_cap_are_recorded_and_not_read():
    spider = make_spider(PNCP_MAX_PLANS=3)
    rows = [{"codigoUnidade": "120645", "sequencialPca": n} for n in range(1, 6)]
    out = plans_answered(spider, rows)
    assert len(out) == 3
    assert anomalias(spider, "limite_planos")[0]["limite"] == 3


def test_plans_wait_for_every_enrichment_page_even_after_one_is_lost(spider):
    first = spider.enrichment_request(1)
    more = list(spider.parse_enrichment(answer(first, {"resultado": [], "totalPaginas": 3}), page=1))
    assert [r.cb_kwargs["page"] for r in more] == [2, 3]
    failure = Failure(ConnectionRefusedError("Dados Abertos down"))
    failure.request = more[0]
    assert list(spider.enrichment_failed(failure)) == []
    assert spider.enrichment_state == "pending"  # page 3 may still bring DFDs
    assert [d for d in fetch_plan(spider, [item(7)]) if isinstance(d, Demanda)] == []  # parked
    released = list(spider.parse_enrichment(answer(more[1], {"resultado": [DA_ROW], "totalPaginas": 3}), page=3))
    [demanda] = [d for d in released if isinstance(d, Demanda)]
    assert demanda.dfd == "30/2024" and str(demanda.data_inicio) == "2025-02-10"
    assert spider.enrichment_state == "partial"
    assert "enriquecimento_parcial" in [a["tipo"] for a in spider.coleta.anomalias]


def test_plan_row_without_sequencial_is_recorded(spider):
    rows = [{"codigoUnidade": "120645"}, {"codigoUnidade": "120646", "sequencialPca": 2}]
    out = list(spider.parse_plans(answer(spider.plans_request(1), rows), page=1))
    assert len(out) == 1 and out[0].cb_kwargs["plan"].sequencial == 2
    assert spider.coleta.incompleta is True


def test_html_error_page_instead_of_json_is_recorded(spider):
    request = spider.plans_request(1)
    page = answer(request, b"<html><body>Erro interno</body></html>")
    assert list(spider.parse_plans(page, page=1)) == []
    [anomalia] = anomalias(spider)
    assert anomalia["tipo"] == "resposta_invalida" and "not JSON" in anomalia["mensagem"]
