"""A portal's redirect to another host is refused, not followed.

The API spiders read public JSON from the hosts configured for them; data that another host
serves is not the portal's, so a 3xx whose Location leaves the request's host (a different
host name, or a different port other than the http → https upgrade) is recorded as an anomaly
(the coleta is incomplete: that page was not read) and the request is dropped. Redirects on the
same host, and the browser pages (they never reach the downloader), are left alone.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin, urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from procurement_spiders.parsing.messages import clip

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
DEFAULT_PORTS = {"http": 80, "https": 443}


class OffHostRedirect(IgnoreRequest):
    """The portal redirected the request to another host."""


def same_host(url: str, target: str) -> bool:
    a, b = urlsplit(url), urlsplit(target)
    try:
        port_a = a.port or DEFAULT_PORTS.get(a.scheme)
        port_b = b.port or DEFAULT_PORTS.get(b.scheme)
    except ValueError:
        return False
    if (a.hostname or "").lower() != (b.hostname or "").lower():
        return False
    upgrade = (a.scheme, b.scheme) == ("http", "https") and (port_a, port_b) == (80, 443)
    return port_a == port_b or upgrade


class OffHostRedirectMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OffHostRedirectMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in REDIRECT_STATUSES or not location:
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        if same_host(request.url, target):
            return response
        self.crawler.stats.inc_value("redirect/off_host_refused")
        message = f"{request.url} redirected (HTTP {response.status}) to another host, {clip(target, 200)}: refused"
        spider = self.crawler.spider
        if spider is not None and hasattr(spider, "record_anomaly"):
            spider.record_anomaly(
                "redirecionamento_externo", message, incompleta=True, url=request.url, destino=target[:500]
            )
        else:
            logger.error("%s", message)
        raise OffHostRedirect(message)
