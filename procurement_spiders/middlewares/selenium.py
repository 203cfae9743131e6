"""Render pages in Chromium without blocking the crawl: a pool of WebDriver sessions used from threads.

Takes `scrapy_selenium4.SeleniumRequest` (wait_time, wait_until, screenshot, script keep their
meaning) and any request with `meta["selenium"] = True`. Meta API:

- `selenium_actions`: callable `f(driver) -> object`, run in the worker thread after navigation
  (and after wait_until/screenshot/script); its return value lands in `response.meta["selenium_result"]`.
- `selenium_navigate = False`: stay on the session's current page (the URL is only a label).
- `selenium_session = "<name>"`: pin to one named session, requests served one at a time in arrival
  order. If it dies, that request and every later one for the name fail with `SeleniumSessionLost`;
  a request with `selenium_session_new = True` starts the name again with a fresh browser (log in).
- `selenium_copy_cookies = True`: the browser's cookies for the final page go to Scrapy's cookie jar
  (CookiesMiddleware's jar named by `meta["cookiejar"]`), bound to the final URL's host even after
  a redirect to another host (a single sign-on), so plain requests reuse a browser login.

Stats: selenium/requests, retries, crashes (dead browsers), timeouts (hung pages), session_errors
(no session could start), sessions_created, page_load_seconds (total time in `driver.get`),
cookies_copied, dropped_on_shutdown.

Request cookies (the `Cookie` header CookiesMiddleware built, plus `request.cookies`) are set
through CDP for the request URL before the page loads. Responses: final URL, UTF-8 body, status 200
(WebDriver exposes no status or headers), `flags=["selenium"]`. Unlike scrapy-selenium4 the driver
is never put in `response.meta`: spiders must not touch it on the reactor thread.

Why a downloader middleware and not a download handler (as scrapy-playwright is): decided to stay a
middleware. A response returned from `process_request` skips the downloader's slots, so a browser
step is governed only by the pool's own limits: SELENIUM_MAX_SESSIONS, SELENIUM_TIMEOUT per wait,
RETRY_COUNT for dead sessions. As a handler, every step would also be subject to DOWNLOAD_TIMEOUT
(a Formação tab may scroll for 180 s in one step), DOWNLOAD_DELAY, per-domain concurrency and
Scrapy's RetryMiddleware, none of which fit a pinned, stateful session whose steps must run one at
a time and never be replayed. A handler would also have to take over the http/https schemes and
hand plain requests back to the default handler. What the middleware gives up (the downloader
middlewares after it, e.g. DownloaderStats, do not see browser pages) is covered by its own
`selenium/*` stats. The request API (`meta["selenium"]`, SeleniumRequest) would stay the same if
this is ever revisited.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.reactor import is_asyncio_reactor_installed
from scrapy_selenium4 import SeleniumRequest
from selenium.common.exceptions import TimeoutException

from procurement_spiders.browser.debug import save_failure
from procurement_spiders.browser.page import Page, Rendered, render, request_cookies, set_cookie_header
from procurement_spiders.browser.pool import PinnedSessionLost, PoolClosed, SessionPool
from procurement_spiders.browser.session import BrowserSession, create_driver, is_session_fault, quit_quietly
from procurement_spiders.config import Config, crawler_config
from procurement_spiders.exceptions import SeleniumSessionLost  # noqa: F401 - re-exported
from procurement_spiders.redaction import redact_url
from procurement_spiders.shims import crawl_stopping

logger = logging.getLogger(__name__)


class SeleniumMiddleware:
    """Downloader middleware; put it after CookiesMiddleware (700) so the jar's cookies reach the browser."""

    def __init__(self, crawler, config: Config):
        self.crawler = crawler
        self.config = config
        self.stats = crawler.stats
        self.debug_dir = Path(config.selenium_debug_dir)
        # Own threads: WebDriver calls can block up to SELENIUM_TIMEOUT, never on the reactor thread
        # and never starving the shared default executor. Room for creates and quits beside renders.
        self._executor = ThreadPoolExecutor(
            max_workers=2 * config.selenium_max_sessions + 1, thread_name_prefix="selenium"
        )
        self.pool = SessionPool(config.selenium_max_sessions, self._create_session, self._destroy_session)
        self._closed = False
        atexit.register(self._quit_all_now)  # a forced shutdown (second Ctrl-C) skips spider_closed

    @classmethod
    def from_crawler(cls, crawler):
        if not is_asyncio_reactor_installed():  # the pool's locks and the executor need the asyncio loop
            raise RuntimeError("SeleniumMiddleware needs TWISTED_REACTOR = AsyncioSelectorReactor (Scrapy's default)")
        config = crawler_config(crawler)
        middleware = cls(crawler, config)
        crawler.signals.connect(middleware.close, signal=signals.spider_closed)
        crawler.signals.connect(middleware.close, signal=signals.engine_stopped)
        where = (
            f"Selenium at {redact_url(config.selenium_url)}" if config.selenium_url else "local chromium + chromedriver"
        )
        logger.info(
            "selenium: %s, at most %d session(s), timeout %.1fs",
            where,
            config.selenium_max_sessions,
            config.selenium_timeout,
        )
        return middleware

    # -- threads -------------------------------------------------------------------------------

    async def _in_thread(self, func: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(func, *args))

    async def _create_session(self, name: str | None) -> BrowserSession:
        started = time.monotonic()
        future = asyncio.ensure_future(self._in_thread(create_driver, self.config))
        try:
            driver = await asyncio.shield(future)
        except asyncio.CancelledError:  # the browser still starts in its thread: quit it when it does
            future.add_done_callback(
                lambda f: None if f.cancelled() or f.exception() else self._executor.submit(quit_quietly, f.result())
            )
            raise
        session = BrowserSession(driver, name)
        self.stats.inc_value("selenium/sessions_created")
        logger.info(
            "selenium: started session %d%s in %.1fs",
            session.id,
            f" ({name!r})" if name else "",
            time.monotonic() - started,
        )
        return session

    async def _destroy_session(self, session: BrowserSession) -> None:
        await self._in_thread(quit_quietly, session.driver)

    # -- requests ------------------------------------------------------------------------------

    @staticmethod
    def wants(request: Request) -> bool:
        return isinstance(request, SeleniumRequest) or bool(request.meta.get("selenium"))

    def _page(self, request: Request) -> Page:
        meta = request.meta
        navigate = meta.get("selenium_navigate", True) is not False
        wait_until = getattr(request, "wait_until", None)
        wait_time = getattr(request, "wait_time", None) or self.config.selenium_timeout
        return Page(
            url=request.url,
            navigate=navigate,
            cookies=request_cookies(request) if navigate else [],
            wait_until=wait_until,
            wait_time=float(wait_time),
            screenshot=bool(getattr(request, "screenshot", False)),
            script=getattr(request, "script", None),
            actions=meta.get("selenium_actions"),
            copy_cookies=bool(meta.get("selenium_copy_cookies")),
            poll=self.config.poll_time,
        )

    async def process_request(self, request: Request):
        if not self.wants(request):
            return None
        if self.pool.closed:
            raise IgnoreRequest("browser pool closed (crawl shutting down)")
        self.stats.inc_value("selenium/requests")
        name = request.meta.get("selenium_session")
        fresh = bool(request.meta.get("selenium_session_new"))
        attempts = self.config.retry_count + 1
        for attempt in range(1, attempts + 1):
            page = self._page(request)
            in_use = None  # the session the failure happened in, if it got that far
            try:
                async with self.pool.session(name, fresh=fresh and attempt == 1) as session:
                    in_use = session
                    self._drop_if_stopping()  # it may have waited for a session while the crawl was stopped
                    try:
                        rendered = await self._in_thread(render, session.driver, page)
                    except asyncio.CancelledError:
                        session.broken = True  # its thread may still be using the driver
                        raise
                    except Exception as exc:
                        session.broken = is_session_fault(exc, page.stage)
                        await self._save_debug(session, request, exc, page.stage)
                        raise
                    session.pages += 1
            except PinnedSessionLost as exc:
                assert name is not None  # only a named (pinned) session can be lost
                raise SeleniumSessionLost(name, exc) from None
            except PoolClosed:
                raise IgnoreRequest("browser pool closed (crawl shutting down)") from None
            except Exception as exc:
                if not is_session_fault(exc, page.stage):
                    raise  # a page-level failure (wait_until not met, an action's error): no retry
                if in_use is None:
                    kind = "session_errors"  # no session could be started (Grid down or restarting)
                else:
                    kind = "timeouts" if isinstance(exc, TimeoutException) else "crashes"
                self.stats.inc_value(f"selenium/{kind}")
                if name is not None and in_use is not None:
                    logger.error(
                        "selenium: pinned session %r lost on %s (%s: %s)",
                        name,
                        request.url,
                        type(exc).__name__,
                        _first_line(exc),
                    )
                    raise SeleniumSessionLost(name, exc) from exc
                if attempt >= attempts:
                    logger.error(
                        "selenium: giving up on %s after %d attempt(s): %s: %s",
                        request.url,
                        attempt,
                        type(exc).__name__,
                        _first_line(exc),
                    )
                    raise
                self.stats.inc_value("selenium/retries")
                logger.warning(
                    "selenium: session failed on %s during %s (%s: %s); new session, retry %d/%d",
                    request.url,
                    page.stage,
                    type(exc).__name__,
                    _first_line(exc),
                    attempt,
                    attempts - 1,
                )
                await asyncio.sleep(min(0.5 * attempt, 3.0))
                continue
            total = self.stats.get_value("selenium/page_load_seconds", 0.0) + rendered.load_seconds
            self.stats.set_value("selenium/page_load_seconds", round(total, 3))
            return self._response(request, rendered)
        raise AssertionError("unreachable")

    def _drop_if_stopping(self) -> None:
        """A cancelled crawl (SIGINT, SIGTERM, scrapyd cancel, CloseSpider) starts no new page."""
        if crawl_stopping(self.crawler):
            self.stats.inc_value("selenium/dropped_on_shutdown")
            raise IgnoreRequest("crawl stopping: browser page not started")

    def _response(self, request: Request, rendered: Rendered) -> HtmlResponse:
        if rendered.screenshot is not None:
            request.meta["screenshot"] = rendered.screenshot
        if request.meta.get("selenium_actions") is not None:
            request.meta["selenium_result"] = rendered.result
        if rendered.cookies is not None:
            self._copy_cookies(request, rendered.url, rendered.cookies)
        return HtmlResponse(
            url=rendered.url,
            body=rendered.html.encode("utf-8"),
            encoding="utf-8",
            request=request,
            flags=["selenium"],
        )

    def _copy_cookies(self, request: Request, page_url: str, cookies: list[dict[str, Any]]) -> None:
        """Into the jar CookiesMiddleware uses, as if `page_url` had sent them (reactor thread)."""
        if request.meta.get("dont_merge_cookies") or not cookies or not page_url.startswith(("http:", "https:")):
            return
        cookie_middleware = self.crawler.get_downloader_middleware(CookiesMiddleware)
        jars = cookie_middleware.jars if cookie_middleware is not None else None
        if jars is None:
            logger.warning("selenium: selenium_copy_cookies needs CookiesMiddleware (COOKIES_ENABLED); not copied")
            return
        page = Request(page_url)
        carrier = Response(page_url, headers={"Set-Cookie": [set_cookie_header(c) for c in cookies]}, request=page)
        jars[request.meta.get("cookiejar")].extract_cookies(carrier, page)
        self.stats.inc_value("selenium/cookies_copied", len(cookies))

    async def _save_debug(self, session: BrowserSession, request: Request, exc: BaseException, stage: str) -> None:
        spider = getattr(self.crawler.spider, "name", "spider")
        stem = await self._in_thread(save_failure, session.driver, self.debug_dir, spider, request.url, exc)
        logger.warning(
            "selenium: page failed during %s: %s: %s; screenshot and source saved as %s.*",
            stage,
            type(exc).__name__,
            _first_line(exc),
            stem,
        )

    # -- shutdown ------------------------------------------------------------------------------

    async def close(self) -> None:
        """Quit every browser session (spider_closed, engine_stopped; SIGINT/SIGTERM lead here)."""
        if self._closed:
            return
        self._closed = True
        count = len(self.pool.sessions)
        await self.pool.close()
        self._executor.shutdown(wait=False)
        atexit.unregister(self._quit_all_now)
        logger.info("selenium: quit %d browser session(s)", count)

    def _quit_all_now(self) -> None:
        for session in self.pool.sessions:
            quit_quietly(session.driver)


def _first_line(exc: BaseException) -> str:
    text = getattr(exc, "msg", None) or str(exc)
    return (text.strip().splitlines() or [""])[0][:300]
