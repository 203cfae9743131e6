"""Stock scrapy-selenium4 middleware vs ours on the same 40 JS-rendered pages, in one run.

    .venv/bin/python -m bench.browser [--pages 40] [--delay 300] [--sessions 2]

Uses SELENIUM_URL when set, otherwise starts a Grid with scripts/grid.sh on a free port (and stops
it). Serves the sandbox's browser pages on a free port. Each page adds `#content` from JS after
`--delay` ms; both crawls send the same `SeleniumRequest(wait_until=presence of #content)` with
CONCURRENT_REQUESTS=16, after an untimed 4-page warm-up (imports, Grid JVM). Prints, for each:
pages/s (wall time of the whole crawl, browser start-up included) and the event-loop freeze
(longest gap between ticks of a 50 ms LoopingCall, minus the 50 ms period); then the throughput
ratio ours/stock last.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from scrapy.utils.reactor import install_reactor

ROOT = Path(__file__).resolve().parents[1]
# Before anything imports twisted.internet.reactor (hence the E402 below).
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")

import scrapy  # noqa: E402
from scrapy.crawler import AsyncCrawlerRunner  # noqa: E402
from scrapy.utils.defer import deferred_from_coro  # noqa: E402
from scrapy_selenium4 import SeleniumRequest  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from twisted.internet import reactor  # noqa: E402
from twisted.internet.task import LoopingCall  # noqa: E402

from procurement_spiders.browser.session import CHROMIUM_FLAGS  # noqa: E402
from tests.support import free_port, wait_http  # noqa: E402

TICK = 0.05


class PagesSpider(scrapy.Spider):
    name = "bench_browser"

    def __init__(self, base: str, pages: int, delay: int, **kw):
        super().__init__(**kw)
        self.base, self.pages, self.delay = base, pages, delay
        self.got: set[int] = set()

    async def start(self):
        for i in range(self.pages):
            yield SeleniumRequest(
                url=f"{self.base}/__browser__/delayed/{i}?delay={self.delay}",
                wait_time=10,
                wait_until=EC.presence_of_element_located((By.ID, "content")),
                meta={"i": i},
            )

    def parse(self, response):
        if response.css("#content::attr(data-n)").get() == str(response.meta["i"]):
            self.got.add(response.meta["i"])


class FreezeMeter:
    def __init__(self):
        self.max_gap = 0.0
        self.last = None
        self.loop = LoopingCall(self.tick)

    def tick(self):
        now = time.monotonic()
        if self.last is not None:
            self.max_gap = max(self.max_gap, now - self.last)
        self.last = now


async def run_one(label: str, settings: dict, base: str, pages: int, delay: int) -> dict:
    common = {"CONCURRENT_REQUESTS": 16, "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False, "RETRY_ENABLED": False}
    runner = AsyncCrawlerRunner({**common, **settings})
    crawler = runner.create_crawler(PagesSpider)
    meter = FreezeMeter()
    meter.loop.start(TICK)
    started = time.monotonic()
    await runner.crawl(crawler, base=base, pages=pages, delay=delay)
    seconds = time.monotonic() - started
    meter.loop.stop()
    delivered = len(crawler.spider.got)
    return {
        "label": label,
        "seconds": seconds,
        "pages": delivered,
        "pages_per_s": delivered / seconds,
        "freeze_ms": max(0.0, meter.max_gap - TICK) * 1000,
        "gap_ms": meter.max_gap * 1000,
    }


async def bench(args, grid_url: str, base: str) -> list[dict]:
    stock = {
        "DOWNLOADER_MIDDLEWARES": {"scrapy_selenium4.SeleniumMiddleware": 800},
        "SELENIUM_DRIVER_NAME": "chrome",
        "SELENIUM_COMMAND_EXECUTOR": grid_url,
        "SELENIUM_DRIVER_ARGUMENTS": ["--headless=new", *CHROMIUM_FLAGS],
    }
    ours = {
        "DOWNLOADER_MIDDLEWARES": {"procurement_spiders.middlewares.selenium.SeleniumMiddleware": 800},
        "SELENIUM_URL": grid_url,
        "SELENIUM_MAX_SESSIONS": args.sessions,
        "SELENIUM_TIMEOUT": 30,
        "POLL_TIME": 0.1,
        "RETRY_COUNT": 3,
    }
    # Untimed warm-up (4 pages with ours): imports, the Grid's JVM and the page server are warm for both.
    await run_one("warm-up", ours, base, 4, args.delay)
    results = []
    for label, settings in (("stock scrapy_selenium4", stock), (f"ours ({args.sessions} sessions)", ours)):
        results.append(await run_one(label, settings, base, args.pages, args.delay))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--delay", type=int, default=300, help="JS render delay of each page, ms")
    parser.add_argument("--sessions", type=int, default=2)
    args = parser.parse_args()

    procs = []
    grid_env = None
    grid_url = os.environ.get("SELENIUM_URL")
    try:
        if not grid_url:
            port = free_port()
            grid_env = {**os.environ, "GRID_PORT": str(port), "GRID_MAX_SESSIONS": str(max(2, args.sessions))}
            subprocess.run(
                [str(ROOT / "scripts" / "grid.sh"), "start"],
                check=True,
                env=grid_env,
                stdout=subprocess.DEVNULL,
                timeout=120,
            )
            grid_url = f"http://127.0.0.1:{port}"
        pages_port = free_port()
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "sandbox.browser_pages", "--port", str(pages_port)],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        base = f"http://127.0.0.1:{pages_port}"
        wait_http(base + "/__browser__/counter")

        outcome: dict = {}

        async def go():
            try:
                outcome["results"] = await bench(args, grid_url, base)
            finally:
                reactor.stop()

        deferred_from_coro(go())
        reactor.run()
        results = outcome["results"]
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
        if grid_env is not None:
            subprocess.run([str(ROOT / "scripts" / "grid.sh"), "stop"], env=grid_env, stdout=subprocess.DEVNULL)

    print(f"{args.pages} JS-rendered pages, {args.delay} ms render delay, CONCURRENT_REQUESTS=16, Grid {grid_url}")
    for r in results:
        print(
            f"{r['label']:<26} {r['pages']:>3} pages in {r['seconds']:6.2f} s = {r['pages_per_s']:5.2f} pages/s"
            f"   event-loop freeze {r['freeze_ms']:6.0f} ms (longest 50 ms tick gap {r['gap_ms']:.0f} ms)"
        )
    stock, ours = results
    print(f"ratio ours/stock: {ours['pages_per_s'] / stock['pages_per_s']:.2f}")


if __name__ == "__main__":
    main()
