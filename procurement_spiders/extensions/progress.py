"""Progress lines for long crawls, every PROGRESS_INTERVAL seconds (0 disables).

    progress: 1200 pages, 35000 items (58.3 items/s) of 100000, 65000 remaining, ETA 18m35s

Counts come from the crawl's stats: `response_received_count` (pages) and
`item_scraped_count` (items). A spider that learns how much work there is sets the stat
`progress/total_items` (e.g. from `/itens/quantidade`, adding as plans are discovered); the
line then adds the remaining count and an ETA at the rate of the last interval (the average
rate when the last interval did nothing). The total is compared with the scraped items, unless
the spider counts its work in other units (source rows read, when several rows make one item):
it then keeps the stat `progress/done_items` up to date in the same units as the total.

Every number is also passed as `extra=` fields, so JSON logs (PROJECT_LOG_FORMAT=json) carry
them as keys: progress_pages, progress_items, progress_items_per_second, progress_done,
progress_total_items, progress_remaining, progress_eta_seconds, progress_elapsed_seconds,
progress_final.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call
from twisted.internet.task import LoopingCall

from procurement_spiders.config import crawler_config

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

TOTAL_STAT = "progress/total_items"
DONE_STAT = "progress/done_items"


def format_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


class ProgressExtension:
    def __init__(self, crawler: Crawler, interval: float, clock=time.monotonic):
        self.crawler = crawler
        self.interval = interval
        self.clock = clock
        self.task: AsyncioLoopingCall | LoopingCall | None = None
        self.started: float | None = None
        self._last: tuple[float, int, int] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        interval = crawler_config(crawler).progress_interval
        if interval <= 0:
            raise NotConfigured
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        self.started = self.clock()
        self._last = (self.started, 0, 0)
        self.task = create_looping_call(self.log_progress)
        self.task.start(self.interval, now=False)

    def spider_closed(self) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.started is not None:
            self.log_progress(final=True)

    def snapshot(self) -> dict[str, Any]:
        stats = self.crawler.stats
        assert stats is not None
        now = self.clock()
        pages = int(stats.get_value("response_received_count", 0) or 0)
        items = int(stats.get_value("item_scraped_count", 0) or 0)
        done_stat = stats.get_value(DONE_STAT)
        done = items if done_stat is None else int(done_stat)
        total = stats.get_value(TOTAL_STAT)
        elapsed = max(now - (self.started or now), 1e-9)
        last_time, last_items, last_done = self._last or (self.started or now, 0, 0)
        window = now - last_time

        def rate(current: int, previous: int) -> float:
            recent = (current - previous) / window if window > 0 else 0.0
            return recent if recent > 0 else current / elapsed

        self._last = (now, items, done)
        info: dict[str, Any] = {
            "progress_pages": pages,
            "progress_items": items,
            "progress_items_per_second": round(rate(items, last_items), 2),
            "progress_elapsed_seconds": round(elapsed, 1),
            "progress_done": done,
            "progress_total_items": None,
            "progress_remaining": None,
            "progress_eta_seconds": None,
        }
        if total is not None:
            total = int(total)
            remaining = max(total - done, 0)
            done_rate = rate(done, last_done)
            info["progress_total_items"] = total
            info["progress_remaining"] = remaining
            if done_rate > 0:
                info["progress_eta_seconds"] = round(remaining / done_rate, 1)
        return info

    def log_progress(self, final: bool = False) -> None:
        info = self.snapshot()
        info["progress_final"] = final
        text = (
            f"{info['progress_pages']} pages, {info['progress_items']} items"
            f" ({info['progress_items_per_second']} items/s)"
        )
        if info["progress_total_items"] is not None:
            total = info["progress_total_items"]
            share = f" ({100 * info['progress_done'] / total:.0f}%)" if total else ""
            text += f"; {info['progress_done']}/{total} done{share}, {info['progress_remaining']} remaining"
            if info["progress_eta_seconds"] is not None and not final:
                text += f", ETA {format_duration(info['progress_eta_seconds'])}"
        label = "progress (final)" if final else "progress"
        logger.info("%s: %s", label, text, extra=info)
