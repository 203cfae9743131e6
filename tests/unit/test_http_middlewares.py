"""The downloader middlewares of the API spiders: retried 5xx wait the 429 backoff, and a
redirect to another host is refused and recorded."""

import asyncio

import pytest
from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from procurement_spiders.extensions.coleta import ColetaRecorder
from procurement_spiders.middlewares.rate_limit import BackoffRetryMiddleware
from procurement_spiders.middlewares.redirect import OffHostRedirect, OffHostRedirectMiddleware, same_host
from procurement_spiders.spiders.pncp import PncpSpider

CNPJ = "00394452000103"


@pytest.fixture
def crawler():
    crawler = get_crawler(
        PncpSpider, {"ORGAO_CNPJ": CNPJ, "RATE_LIMIT_BASE_DELAY": "2", "RATE_LIMIT_MAX_DELAY": "60", "RETRY_TIMES": 3}
    )
    crawler.spider = PncpSpider.from_crawler(crawler, ano="2025")
    crawler.stats.open_spider()
    return crawler


def test_a_retried_5xx_waits_a_jittered_exponential_backoff(crawler):
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    waits: list[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)

    middleware.backoff.sleep = record
    request = Request("http://127.0.0.1:9/api/pncp/v1/x")
    for status in (503, 502, 500):
        request = asyncio.run(middleware.process_response(request, Response(request.url, status=status)))
        assert isinstance(request, Request)
    # attempt n waits between half and all of 2 * 2**(n-1) seconds
    assert 1 <= waits[0] <= 2 and 2 <= waits[1] <= 4 and 4 <= waits[2] <= 8
    assert crawler.stats.get_value("retry/backoff_waits") == 3
    gave_up = asyncio.run(middleware.process_response(request, Response(request.url, status=503)))
    assert isinstance(gave_up, Response) and len(waits) == 3  # RETRY_TIMES reached: no wait, no retry


def test_a_timeout_retry_waits_too(crawler):
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    waits: list[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)

    middleware.backoff.sleep = record
    retry = asyncio.run(middleware.process_exception(Request("http://127.0.0.1:9/a"), TimeoutError()))
    assert isinstance(retry, Request) and len(waits) == 1


@pytest.mark.parametrize(
    "url, location, followed",
    [
        ("http://127.0.0.1:8800/api/x", "/api/y", True),
        ("http://127.0.0.1:8800/api/x", "http://127.0.0.1:8800/api/y", True),
        ("http://pncp.gov.br/api/x", "https://pncp.gov.br/api/x", True),  # the https upgrade
        ("http://127.0.0.1:8800/api/x", "http://localhost:8800/api/x", False),
        ("http://127.0.0.1:8800/api/x", "http://127.0.0.1:9999/api/x", False),
        ("https://pncp.gov.br/api/x", "https://pncp.gov.br.evil.example/api/x", False),
        ("https://pncp.gov.br/api/x", "//evil.example/api/x", False),
    ],
)
def test_only_same_host_redirects_pass(crawler, url, location, followed):
    middleware = OffHostRedirectMiddleware.from_crawler(crawler)
    response = Response(url, status=302, headers={"Location": location})
    if followed:
        assert middleware.process_response(Request(url), response) is response
        assert not ColetaRecorder.of(crawler).anomalias
    else:
        with pytest.raises(OffHostRedirect):
            middleware.process_response(Request(url), response)
        [anomalia] = ColetaRecorder.of(crawler).anomalias
        assert anomalia["tipo"] == "redirecionamento_externo" and anomalia["url"] == url
        assert ColetaRecorder.of(crawler).incompleta is True


def test_same_host():
    assert same_host("http://a:1/x", "http://A:1/y")
    assert not same_host("http://a:1/x", "http://a:bad/y")
