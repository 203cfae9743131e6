"""A hard cap of in-flight requests per host (CONCURRENT_REQUESTS_PER_DOMAIN).

PNCP's WAF answers 429 past about 3 requests in flight per source IP, so the cap matters.
Scrapy 2.19's downloader starts each transfer as a task and counts it as transferring only
when that task runs, so a burst from a slot's queue can exceed the per-domain limit (measured
against the sandbox: 5 in flight with a limit of 3, 8 during a crawl). This middleware sits
next to the download handler and holds each request until its host has a free place.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached

from procurement_spiders.config import crawler_config

_HELD = "host_concurrency_held"


class HostConcurrencyMiddleware:
    def __init__(self, limit: int):
        self.limit = limit
        self.semaphores: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(limit))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostConcurrencyMiddleware:
        return cls(crawler_config(crawler).concurrent_requests_per_domain)

    async def process_request(self, request: Request) -> None:
        if _HELD in request.meta:
            return None
        host = urlparse_cached(request).hostname or ""
        await self.semaphores[host].acquire()
        request.meta[_HELD] = host  # popped on the way back, before a retry copies the meta
        return None

    def _release(self, request: Request) -> None:
        host = request.meta.pop(_HELD, None)
        if host is not None:
            self.semaphores[host].release()

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._release(request)
        return None
