"""The private Scrapy internals the project still needs, each in one function, pinned by
tests/integration/test_shims.py against the versions in requirements.txt (Scrapy 2.19).

Public API replaced the others: cookie jars come from `Crawler.get_downloader_middleware`
(Scrapy ≥ 2.12), the crawl command builds its crawler with `CrawlerProcess.create_crawler`, and
the local chromedriver's HTTP timeout is a public `ClientConfig` (browser/session.py).
"""

from __future__ import annotations

from scrapy.crawler import Crawler


def crawl_stopping(crawler: Crawler) -> bool:
    """True once the crawl is being stopped or its spider closed (SIGINT/SIGTERM, scrapyd cancel,
    CloseSpider): a browser page must not start then.

    Scrapy has no public "closing" flag: `engine.needs_backout()` is also true when the downloader
    is merely full. Uses the engine's private `_slot.closing` (set by `close_spider_async`)."""
    engine = crawler.engine
    if engine is None:
        return False
    if not crawler.crawling or not engine.running:
        return True
    slot = getattr(engine, "_slot", None)
    return slot is not None and slot.closing is not None


def wake_engine(crawler: Crawler) -> None:
    """Have the engine ask its scheduler for requests at the next reactor turn.

    The engine asks again by itself when one of its own requests ends or `engine.crawl` queues
    one; a scheduler that said "empty" is otherwise asked only on the engine's 5-second heartbeat.
    A shared queue (scrapy-redis) fills from other processes, so an idle national worker would
    wait up to 5 s per lull. Scrapy has no public "poll now": uses the engine's private
    `_slot.nextcall` (a CallLaterOnce; scheduling it twice runs it once)."""
    engine = crawler.engine
    slot = getattr(engine, "_slot", None) if engine is not None else None
    if slot is not None:
        slot.nextcall.schedule()
