"""The one wait engine of the project: every browser wait (the browser layer's `wait_until`, the
PGC page objects, test support) goes through here.

Two shapes, one in-page script (`js/wait.js`, a MutationObserver):

- `wait_in_page`: the condition runs IN the page (a named check of a page library), woken by every
  DOM mutation and polled at least every `poll` s; one WebDriver round-trip per wait (or per
  slice of at most `SCRIPT_SLICE` s, below the WebDriver script timeout);
- `wait_until`: the condition is Python (WebDriverWait's contract); between checks the browser
  wakes us on the next DOM change instead of a blind sleep, so content that appears 300 ms after
  load is seen at ~300 ms, not at the next poll tick.

Both raise `WaitTimeout` (a selenium `TimeoutException`, so `SeleniumRequest.wait_until` keeps its
contract) or the caller's subclass of it. An in-page wait must never span a navigation (WebDriver
reports that as a script timeout): waits that cross one use `wait_until`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from selenium.common.exceptions import (
    JavascriptException,
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.remote.webdriver import WebDriver

from procurement_spiders.browser.session import is_session_fault
from procurement_spiders.exceptions import WaitTimeout

SCRIPT_SLICE = 5.0  # seconds per in-page wait call, well below the WebDriver script timeout
# What WebDriver says when the document under a running script went away (a navigation).
_NAVIGATION_MARKS = ("document unloaded", "execution context", "frame detached", "target frame")


@cache
def load_script(package: str, name: str) -> str:
    """A `.js` resource shipped inside `package` (read once)."""
    return resources.files(package).joinpath("js", name).read_text(encoding="utf-8")


def engine_script(library: str = "") -> str:
    """The page library (defines CHECKS / ACTIONS) followed by the wait engine."""
    return _combined(library)


@cache
def _combined(library: str) -> str:
    return library + "\n" + load_script(__package__, "wait.js")


def _navigation(exc: WebDriverException) -> bool:
    return any(m in (exc.msg or "").lower() for m in _NAVIGATION_MARKS)


def interrupted_by_navigation(exc: WebDriverException, elapsed: float, script_timeout: float) -> bool:
    """The document under the in-page script went away. Chrome says so in words, or (seen with
    Chromium 156 while a login redirected) with a "script timeout" that comes long before the
    driver's script timeout: the script ends on its own at its slice, so that is not a hung page."""
    return _navigation(exc) or (isinstance(exc, TimeoutException) and elapsed < 0.9 * script_timeout)


def _script_timeout(driver: WebDriver) -> float:
    """The driver's script timeout (one round-trip, only on the error path); 0 when unknown."""
    try:
        return float(driver.timeouts.script or 0)
    except (WebDriverException, TypeError, ValueError):
        return 0.0


def wait_in_page(
    driver: WebDriver,
    args: dict[str, Any],
    *,
    timeout: float,
    poll: float,
    what: str,
    library: str = "",
    timeout_error: type[Exception] = WaitTimeout,
) -> dict:
    """Run `args["action"]` once, then wait in the page until `args["check"]` returns a value.

    A replaced document (a navigation under way) is looked at again; the action is never run twice.
    """
    script = engine_script(library)
    deadline = time.monotonic() + timeout
    first = True
    while True:
        remaining = max(0.05, deadline - time.monotonic())
        payload = dict(args, poll_ms=max(10, int(poll * 1000)), slice_ms=int(min(remaining, SCRIPT_SLICE) * 1000))
        if not first:
            payload["action"] = None
        first = False
        started = time.monotonic()
        try:
            value = driver.execute_async_script(script, payload)
        except JavascriptException:  # the document was replaced: look again
            value = None
        except WebDriverException as exc:
            if not interrupted_by_navigation(exc, time.monotonic() - started, _script_timeout(driver)):
                raise
            value = None
        if value:
            return value
        if time.monotonic() >= deadline:
            raise timeout_error(f"timed out after {timeout:g}s waiting for {what}")


def next_dom_change(driver: WebDriver, within: float) -> bool:
    """Block until the page's DOM changes or `within` s pass; True on a change. Without a document
    to observe (a navigation under way) it is a plain sleep; a navigation that replaces the
    document under the script is a change."""
    started = time.monotonic()
    try:
        value = driver.execute_async_script(
            engine_script(), {"check": None, "action": None, "poll_ms": 1000, "slice_ms": int(within * 1000)}
        )
        return bool(value)
    except WebDriverException as exc:
        if interrupted_by_navigation(exc, time.monotonic() - started, _script_timeout(driver)):
            return True
        if is_session_fault(exc, "wait"):
            raise
        time.sleep(within)
        return False


def wait_until(
    driver: WebDriver,
    condition: Callable[[WebDriver], Any],
    timeout: float,
    poll: float,
    *,
    what: str = "the condition",
    timeout_error: type[Exception] = WaitTimeout,
) -> Any:
    """Check `condition(driver)` until it is truthy; between checks, sleep until the next DOM change
    (at most `poll` s). Stale or missing elements count as "not yet"."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition(driver)
            if value:
                return value
        except (NoSuchElementException, StaleElementReferenceException):
            pass
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise timeout_error(f"timed out after {timeout:g}s waiting for {what}")
        next_dom_change(driver, min(poll, remaining))
