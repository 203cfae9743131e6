"""Run one browser crawl scenario in its own process and print a JSON report (last stdout line).

    python -m tests.integration.browser_harness <scenario> <pages_url> [--pages N]   (from the repository root)

Configuration comes from the environment (SELENIUM_URL, SELENIUM_TIMEOUT, RETRY_COUNT, ...), read
through the project's Config, exactly as a real crawl reads it. Used by test_browser_*.py.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import time
from urllib.parse import quote

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy_selenium4 import SeleniumRequest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from procurement_spiders.browser.waits import wait_until
from procurement_spiders.config import config_to_settings, load_config

MIDDLEWARE = "procurement_spiders.middlewares.selenium.SeleniumMiddleware"
CONTENT = (By.ID, "content")


def browser_pid(driver):
    return driver.capabilities.get("goog:processID")


def click_times(n):
    def action(driver):
        button = driver.find_element(By.ID, "inc")
        for _ in range(n):
            button.click()
        return {"count": int(driver.find_element(By.ID, "count").text), "pid": browser_pid(driver)}

    return action


def click_once(driver):
    driver.find_element(By.ID, "inc").click()
    return {"count": int(driver.find_element(By.ID, "count").text), "pid": browser_pid(driver)}


def wait_content_and_pid(driver):
    wait_until(driver, EC.presence_of_element_located(CONTENT), timeout=10, poll=0.05, what="#content")
    return browser_pid(driver)


class Base(scrapy.Spider):
    custom_settings: dict = {}

    def __init__(self, base, pages=16, **kw):
        super().__init__(**kw)
        self.base = base.rstrip("/") + "/__browser__"
        self.pages = int(pages)
        self.records: list[dict] = []
        self.errors: list[dict] = []

    def record(self, response, **extra):
        out = {"url": response.url, "flags": response.flags, "label": response.meta.get("label"), **extra}
        self.records.append(out)
        return out

    def failed(self, failure):
        self.errors.append(
            {
                "label": failure.request.meta.get("label"),
                "url": failure.request.url,
                "type": failure.type.__name__,
                "message": str(failure.value)[:300],
                "at": time.monotonic(),
            }
        )


class RenderSpider(Base):
    name = "render"

    async def start(self):
        b = self.base
        yield SeleniumRequest(
            url=f"{b}/delayed/1?delay=700",
            wait_time=10,
            wait_until=EC.presence_of_element_located(CONTENT),
            meta={"label": "wait"},
        )
        yield SeleniumRequest(
            url=f"{b}/delayed/2?delay=700",
            wait_until=EC.presence_of_element_located(CONTENT),
            meta={"label": "wait_no_time"},
        )
        yield scrapy.Request(
            f"{b}/delayed/3?delay=3000", meta={"selenium": True, "label": "no_wait"}, errback=self.failed
        )
        yield SeleniumRequest(
            url=f"{b}/delayed/4?delay=0",
            script="document.body.setAttribute('data-script','ran');",
            screenshot=True,
            meta={"label": "script_screenshot"},
        )
        yield scrapy.Request(
            f"{b}/counter", meta={"selenium": True, "selenium_actions": click_times(3), "label": "actions"}
        )
        yield scrapy.Request(f"{b}/redirect/5", meta={"selenium": True, "label": "redirect"})
        yield scrapy.Request(f"{b}/delayed/6?delay=0", meta={"label": "plain"})

    def parse(self, response):
        self.record(
            response,
            content=response.css("#content::text").get(),
            script_attr=response.css("body::attr(data-script)").get(),
            screenshot_png=(response.meta.get("screenshot") or b"")[:8] == b"\x89PNG\r\n\x1a\n",
            count=response.css("#count::text").get(),
            result=response.meta.get("selenium_result"),
            encoding=response.encoding,
            status=response.status,
            is_html=type(response).__name__,
        )


class StickySpider(Base):
    """One pinned session walks a counter page; shared requests run beside it."""

    name = "sticky"

    async def start(self):
        b = self.base
        yield scrapy.Request(
            f"{b}/counter",
            meta={"selenium": True, "selenium_session": "walk", "label": 0, "selenium_actions": click_once},
            dont_filter=True,
        )
        for i in range(1, self.pages):
            yield scrapy.Request(
                f"{b}/counter#step{i}",
                dont_filter=True,
                meta={
                    "selenium": True,
                    "selenium_session": "walk",
                    "selenium_navigate": False,
                    "selenium_actions": click_once,
                    "label": i,
                },
            )
            yield SeleniumRequest(
                url=f"{b}/delayed/{i}?delay=100",
                wait_until=EC.presence_of_element_located(CONTENT),
                meta={"label": f"shared{i}"},
            )

    def parse(self, response):
        self.record(
            response,
            result=response.meta.get("selenium_result"),
            order=len(self.records),
            content=response.css("#content::text").get(),
        )


class CookiesSpider(Base):
    """Scrapy -> browser (request cookies, the jar) and browser -> Scrapy (selenium_copy_cookies)."""

    name = "cookies"

    async def start(self):
        b = self.base
        # 1. a plain HTTP response sets `plain`; then the browser must send it on its first load.
        yield scrapy.Request(f"{b}/set-cookie?name=plain&value=p1", callback=self.after_plain, meta={"label": "plain"})

    def after_plain(self, response):
        b = self.base
        yield SeleniumRequest(
            url=f"{b}/echo-cookies",
            cookies={"token": "t1"},
            callback=self.echo,
            meta={"label": "browser_echo"},
            dont_filter=True,
        )

    def echo(self, response):
        self.record(response, cookies=json.loads(response.css("#cookies::text").get()))
        # 2. the browser starts on another host name (localhost), is redirected to 127.0.0.1 (like a
        # single sign-on), which sets cookies; they must land in the jar for 127.0.0.1.
        target = quote(f"{self.base}/set-cookie?name=browser&value=b1", safe="")
        other_host = self.base.replace("127.0.0.1", "localhost")
        yield scrapy.Request(
            f"{other_host}/redirect-to?to={target}",
            callback=self.after_browser,
            dont_filter=True,
            meta={"selenium": True, "selenium_copy_cookies": True, "label": "browser_set"},
        )

    def after_browser(self, response):
        self.record(response)
        yield scrapy.Request(
            f"{self.base}/echo-cookies", callback=self.plain_echo, dont_filter=True, meta={"label": "plain_echo"}
        )
        yield scrapy.Request(
            f"{self.base.replace('127.0.0.1', 'localhost')}/echo-cookies",
            callback=self.plain_echo,
            dont_filter=True,
            meta={"label": "plain_echo_other_host"},
        )

    def plain_echo(self, response):
        self.record(response, cookies=json.loads(response.css("#cookies::text").get()))


class CrashSpider(Base):
    """Kill the Chromium of a session mid-crawl; every page must still arrive exactly once."""

    name = "crash"
    killed: list[int] = []

    async def start(self):
        for i in range(self.pages):
            yield scrapy.Request(
                f"{self.base}/delayed/{i}?delay=300",
                errback=self.failed,
                meta={"selenium": True, "selenium_actions": wait_content_and_pid, "label": i},
            )

    def parse(self, response):
        pid = response.meta["selenium_result"]
        self.record(response, content=response.css("#content::text").get(), pid=pid)
        if len(self.records) == 3 and pid and not self.killed:
            os.kill(int(pid), signal.SIGKILL)
            self.killed.append(int(pid))


class PinnedLostSpider(Base):
    """A pinned session whose browser dies: SeleniumSessionLost, no silent replacement, explicit restart."""

    name = "pinned_lost"

    async def start(self):
        b = self.base
        yield scrapy.Request(
            f"{b}/counter",
            callback=self.first,
            errback=self.failed,
            meta={"selenium": True, "selenium_session": "login", "selenium_actions": click_once, "label": "login"},
        )

    def first(self, response):
        self.record(response, result=response.meta["selenium_result"])
        os.kill(int(response.meta["selenium_result"]["pid"]), signal.SIGKILL)
        for i in range(2):
            yield scrapy.Request(
                f"{self.base}/counter#after{i}",
                callback=self.never_called,
                errback=self.lost,
                dont_filter=True,
                meta={
                    "selenium": True,
                    "selenium_session": "login",
                    "selenium_navigate": False,
                    "selenium_actions": click_once,
                    "label": f"after{i}",
                },
            )

    def never_called(self, response):
        self.record(response, result=response.meta.get("selenium_result"))

    def lost(self, failure):
        self.failed(failure)
        if len(self.errors) == 2:
            return scrapy.Request(
                f"{self.base}/counter",
                callback=self.relogged,
                errback=self.failed,
                dont_filter=True,
                meta={
                    "selenium": True,
                    "selenium_session": "login",
                    "selenium_session_new": True,
                    "selenium_actions": click_once,
                    "label": "relogin",
                },
            )

    def relogged(self, response):
        self.record(response, result=response.meta["selenium_result"])


class NeverSpider(Base):
    """A page that never finishes loading fails after SELENIUM_TIMEOUT; the rest of the crawl goes on."""

    name = "never"

    async def start(self):
        self.started = time.monotonic()
        yield scrapy.Request(f"{self.base}/never", meta={"selenium": True, "label": "never"}, errback=self.failed)
        for i in range(4):
            yield SeleniumRequest(
                url=f"{self.base}/delayed/{i}?delay=100",
                errback=self.failed,
                wait_until=EC.presence_of_element_located(CONTENT),
                meta={"label": i},
            )

    def parse(self, response):
        self.record(response, content=response.css("#content::text").get(), at=time.monotonic() - self.started)

    def failed(self, failure):
        super().failed(failure)
        self.errors[-1]["at"] = time.monotonic() - self.started


class SlowSpider(Base):
    """Many slow pages, for cancellation (SIGINT) tests."""

    name = "slow"

    async def start(self):
        for i in range(self.pages):
            yield scrapy.Request(
                f"{self.base}/delayed/{i}?delay=1500",
                errback=self.failed,
                meta={"selenium": True, "selenium_actions": wait_content_and_pid, "label": i},
            )

    def parse(self, response):
        self.record(response, pid=response.meta["selenium_result"])
        print(json.dumps({"progress": len(self.records), "pid": response.meta["selenium_result"]}), flush=True)


class FreezeMeter:
    """Longest gap between ticks of a 50 ms LoopingCall: how long the event loop was frozen."""

    def __init__(self):
        self.max_gap = 0.0
        self._last = None
        self._loop = None

    def _tick(self):
        now = time.monotonic()
        if self._last is not None:
            self.max_gap = max(self.max_gap, now - self._last - 0.05)
        self._last = now

    def start(self):
        from twisted.internet.task import LoopingCall

        self._loop = LoopingCall(self._tick)
        self._loop.start(0.05)

    def stop(self):
        if self._loop is not None and self._loop.running:
            self._loop.stop()


SPIDERS = {
    cls.name: cls
    for cls in (RenderSpider, StickySpider, CookiesSpider, CrashSpider, PinnedLostSpider, NeverSpider, SlowSpider)
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=sorted(SPIDERS))
    parser.add_argument("base")
    parser.add_argument("--pages", type=int, default=16)
    args = parser.parse_args()

    settings = config_to_settings(load_config())
    settings.update(
        {
            "DOWNLOADER_MIDDLEWARES": {MIDDLEWARE: 800},
            "CONCURRENT_REQUESTS": 16,
            "LOG_LEVEL": os.environ.get("HARNESS_LOG_LEVEL", "INFO"),
            "TELNETCONSOLE_ENABLED": False,
            "RETRY_ENABLED": False,  # only the middleware's own retries: the test counts deliveries
        }
    )
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SPIDERS[args.scenario])
    ticker = FreezeMeter()
    crawler.signals.connect(ticker.start, signal=signals.engine_started)
    crawler.signals.connect(ticker.stop, signal=signals.spider_closed)
    process.crawl(crawler, base=args.base, pages=args.pages)
    started = time.monotonic()
    process.start()
    spider = crawler.spider
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, (int, float, str))}
    print(
        json.dumps(
            {
                "records": spider.records,
                "errors": spider.errors,
                "stats": stats,
                "killed": getattr(spider, "killed", []),
                "seconds": time.monotonic() - started,
                "max_freeze": ticker.max_gap,
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main()
