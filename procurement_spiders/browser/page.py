"""One browser page, start to finish, in a worker thread; and the cookie plumbing around it.

Only plain data crosses into the thread (`Page`) and back (`Rendered`): no Scrapy objects.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Request
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.remote.webdriver import WebDriver

from procurement_spiders.browser.session import cdp, is_session_fault
from procurement_spiders.browser.waits import wait_until


@dataclass
class Page:
    """Everything the worker thread needs for one request (no Scrapy objects cross over)."""

    url: str
    navigate: bool
    cookies: list[dict[str, Any]]
    wait_until: Callable[[WebDriver], Any] | None
    wait_time: float
    screenshot: bool
    script: str | None
    actions: Callable[[WebDriver], Any] | None
    copy_cookies: bool
    poll: float
    stage: str = "start"


@dataclass
class Rendered:
    url: str
    html: str
    screenshot: bytes | None
    result: Any
    cookies: list[dict[str, Any]] | None
    load_seconds: float


def render(driver: WebDriver, page: Page) -> Rendered:
    """Blocking: runs in a worker thread. `page.stage` tells a failure's caller where it happened."""
    if page.cookies:
        page.stage = "cookies"
        set_cookies(driver, page.url, page.cookies)
    load_seconds = 0.0
    if page.navigate:
        page.stage = "navigate"
        started = time.monotonic()
        driver.get(page.url)
        load_seconds = time.monotonic() - started
    if page.wait_until is not None:
        page.stage = "wait"
        wait_until(driver, page.wait_until, page.wait_time, page.poll)
    shot = None
    if page.screenshot:
        page.stage = "screenshot"
        shot = driver.get_screenshot_as_png()
    if page.script:
        page.stage = "script"
        driver.execute_script(page.script)
    result = None
    if page.actions is not None:
        page.stage = "actions"
        result = page.actions(driver)
    page.stage = "read"
    html = driver.page_source
    url = driver.current_url
    cookies = driver.get_cookies() if page.copy_cookies else None
    return Rendered(url, html, shot, result, cookies, load_seconds)


def set_cookies(driver: WebDriver, url: str, cookies: list[dict[str, Any]]) -> None:
    """Cookies for `url` before it loads: CDP needs no open document on that domain."""
    params = []
    for c in cookies:
        p = {"name": c["name"], "value": c["value"], "path": c.get("path") or "/"}
        if c.get("domain"):
            p["domain"] = c["domain"]
        else:
            p["url"] = url
        if c.get("secure"):
            p["secure"] = True
        params.append(p)
    try:
        cdp(driver, "Network.setCookies", {"cookies": params})
    except WebDriverException as exc:
        if is_session_fault(exc, "cookies"):
            raise
        # No CDP (another browser behind the Grid): open a same-origin page, then add_cookie.
        parts = urlsplit(url)
        driver.get(f"{parts.scheme}://{parts.netloc}/favicon.ico")
        for c in cookies:
            driver.add_cookie({k: v for k, v in c.items() if k in ("name", "value", "path", "domain", "secure")})


def request_cookies(request: Request) -> list[dict[str, Any]]:
    """The cookies Scrapy would send: its `Cookie` header (jar + request.cookies) and request.cookies."""
    found: dict[str, dict[str, Any]] = {}
    for header in request.headers.getlist("Cookie"):
        for pair in header.decode("latin-1").split(";"):
            name, sep, value = pair.strip().partition("=")
            if sep and name:
                found[name] = {"name": name, "value": value}
    raw = request.cookies
    items = raw.items() if isinstance(raw, dict) else ((c.get("name"), c) for c in raw or [])
    for key, cookie in items:
        if not key:
            continue
        entry = dict(cookie) if isinstance(cookie, dict) else {"name": key, "value": cookie}
        entry["name"], entry["value"] = str(key), str(entry.get("value", ""))
        found[str(key)] = {**found.get(str(key), {}), **entry}
    return list(found.values())


def set_cookie_header(cookie: dict[str, Any]) -> str:
    parts = [f"{cookie['name']}={cookie['value']}", f"Path={cookie.get('path') or '/'}"]
    domain = cookie.get("domain") or ""
    if domain.startswith("."):  # host-only cookies keep no Domain: the jar binds them to the request host
        parts.append(f"Domain={domain}")
    if cookie.get("expiry"):
        parts.append(f"Expires={formatdate(float(cookie['expiry']), usegmt=True)}")
    if cookie.get("secure"):
        parts.append("Secure")
    if cookie.get("httpOnly"):
        parts.append("HttpOnly")
    return "; ".join(parts)
