"""Waiting before asking again: 429s and retried 5xx/timeouts get the same jittered backoff.

PNCP's WAF answers 429 (an HTML page, no Retry-After) when a source IP has too many requests
in flight. Such a page is never dropped: the request waits, with exponential backoff and
jitter, and goes again. Past RATE_LIMIT_MAX_RETRIES the crawl stops as `rate_limited`
(the coleta then says error) instead of silently losing data.

A 5xx or a timeout is retried RETRY_COUNT times by Scrapy's RetryMiddleware; retrying at once
hits a struggling server again at the same moment, so BackoffRetryMiddleware waits the same
backoff (RATE_LIMIT_BASE_DELAY doubling up to RATE_LIMIT_MAX_DELAY, half of it random) first.
The waits are asyncio sleeps: the reactor keeps serving other requests and signals.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response

from procurement_spiders.config import crawler_config
from procurement_spiders.extensions.coleta import ColetaRecorder

logger = logging.getLogger(__name__)


class Backoff:
    """Exponential backoff with jitter: attempt n waits between half and all of
    min(max_delay, base_delay * 2**(n-1)) seconds."""

    def __init__(
        self,
        base_delay: float,
        max_delay: float,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.random = rng or random.Random()
        self.sleep = sleep

    def delay_for(self, attempt: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * (2 ** min(attempt - 1, 30)))
        return ceiling / 2 + self.random.uniform(0, ceiling / 2)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Backoff:
        config = crawler_config(crawler)
        return cls(config.rate_limit_base_delay, config.rate_limit_max_delay)


class RateLimitMiddleware:
    def __init__(self, crawler: Crawler, backoff: Backoff, max_retries: int):
        self.crawler = crawler
        self.backoff = backoff
        self.max_retries = max_retries

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RateLimitMiddleware:
        return cls(crawler, Backoff.from_crawler(crawler), crawler_config(crawler).rate_limit_max_retries)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status != 429:
            return response
        stats = self.crawler.stats
        stats.inc_value("rate_limit/429")
        attempt = request.meta.get("rate_limit_attempts", 0) + 1
        if attempt > self.max_retries:
            logger.error("%s still answers 429 after %d attempts; stopping the crawl", request.url, attempt - 1)
            stats.inc_value("rate_limit/gave_up")
            ColetaRecorder.of(self.crawler).stop_crawl("rate_limited")
            return response
        delay = self.backoff.delay_for(attempt)
        stats.inc_value("rate_limit/retries")
        logger.info("429 from %s (attempt %d): waiting %.1f s", request.url, attempt, delay)
        await self.backoff.sleep(delay)
        retry = request.replace(dont_filter=True)
        retry.meta["rate_limit_attempts"] = attempt
        return retry


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries of 5xx and timeouts (RETRY_COUNT), each after the 429 backoff."""

    backoff: Backoff

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        middleware = super().from_crawler(crawler)
        middleware.backoff = Backoff.from_crawler(crawler)
        return middleware

    async def process_response(  # type: ignore[override]  # a coroutine, as Scrapy 2.13+ accepts
        self, request: Request, response: Response
    ) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._wait(result, f"HTTP {response.status}")
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result, type(exception).__name__)
        return result

    async def _wait(self, retry: Request, reason: str) -> None:
        attempt = retry.meta.get("retry_times", 1)
        delay = self.backoff.delay_for(attempt)
        self.crawler.stats.inc_value("retry/backoff_waits")
        logger.info("%s from %s (retry %d): waiting %.1f s", reason, retry.url, attempt, delay)
        await self.backoff.sleep(delay)
