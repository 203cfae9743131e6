"""PNCP's WAF answers 429 (an HTML page, no Retry-After) when a source IP has too many requests
in flight. Such a page is never dropped: the request waits, with exponential backoff and
jitter, and goes again. Past RATE_LIMIT_MAX_RETRIES the crawl stops as `rate_limited`
(the coleta then says error) instead of silently losing data.
"""

from __future__ import annotations

import asyncio
import logging
import random

from scrapy.crawler import Crawler
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)


class RateLimitMiddleware:
    def __init__(self, crawler: Crawler, base_delay: float, max_delay: float, max_retries: int):
        self.crawler = crawler
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retries = max_retries
        self.random = random.Random()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RateLimitMiddleware:
        s = crawler.settings
        return cls(
            crawler,
            s.getfloat("RATE_LIMIT_BASE_DELAY", 2.0),
            s.getfloat("RATE_LIMIT_MAX_DELAY", 60.0),
            s.getint("RATE_LIMIT_MAX_RETRIES", 30),
        )

    def delay_for(self, attempt: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return ceiling / 2 + self.random.uniform(0, ceiling / 2)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status != 429:
            return response
        stats = self.crawler.stats
        stats.inc_value("rate_limit/429")
        attempt = request.meta.get("rate_limit_attempts", 0) + 1
        if attempt > self.max_retries:
            logger.error("%s still answers 429 after %d attempts; stopping the crawl", request.url, attempt - 1)
            stats.inc_value("rate_limit/gave_up")
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="rate_limited"))
            return response
        delay = self.delay_for(attempt)
        stats.inc_value("rate_limit/retries")
        logger.info("429 from %s (attempt %d): waiting %.1f s", request.url, attempt, delay)
        await asyncio.sleep(delay)
        retry = request.replace(dont_filter=True)
        retry.meta["rate_limit_attempts"] = attempt
        return retry
