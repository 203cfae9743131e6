"""How the PGC page objects talk to the page: one-round-trip reads (`probe`, `texts`, `read`),
waits run by the project's wait engine (browser/waits.py) with the PGC library `js/pgc.js`
(session expiry and page errors mapped to the PGC exceptions), and clicks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from selenium.common.exceptions import ElementClickInterceptedException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from procurement_spiders.browser import waits as engine
from procurement_spiders.exceptions import PgcPageError, PgcSessionExpired, PgcTimeout
from procurement_spiders.pages.pgc.selectors import LOGIN_MARKS, SESSION_EXPIRED, SPINNER


@dataclass(frozen=True)
class Waits:
    poll: float = 0.1  # POLL_TIME
    timeout: float = 30.0  # SELENIUM_TIMEOUT: one wait for one page condition

    @classmethod
    def from_config(cls, config) -> Waits:
        return cls(poll=float(config.poll_time), timeout=float(config.selenium_timeout))


def library() -> str:
    return engine.load_script(__package__, "pgc.js")


def read(driver: WebDriver, reader: str, args: dict[str, Any]) -> Any:
    """One READERS function of pgc.js, in one round-trip."""
    return driver.execute_script(library() + f"\nreturn READERS[{reader!r}](arguments[0]);", args)


def probe(driver: WebDriver, *xpaths: str) -> list[tuple[int, int]]:
    """(matches, displayed) per XPath, in one round-trip."""
    return [tuple(x) for x in read(driver, "probe", {"xpaths": list(xpaths)})]


def texts(driver: WebDriver, xpath: str) -> list[str]:
    return read(driver, "texts", {"xpath": xpath})


def session_args(**extra: Any) -> dict[str, Any]:
    """What every check needs to notice an expired session (the app's dialog or a login URL)."""
    return {"spinner": SPINNER, "expired": SESSION_EXPIRED, "login_marks": list(LOGIN_MARKS), **extra}


def login_page_args(**extra: Any) -> dict[str, Any]:
    # On the login pages "expired" makes no sense: no login-URL marks.
    return {"spinner": SPINNER, "expired": SESSION_EXPIRED, "login_marks": [], **extra}


def wait(
    driver: WebDriver,
    check: str,
    args: dict[str, Any],
    waits: Waits,
    what: str,
    *,
    action: str | None = None,
    timeout: float | None = None,
) -> dict:
    """Run ACTIONS[action] once, then wait in the page until CHECKS[check] holds."""
    value = engine.wait_in_page(
        driver,
        dict(args, check=check, action=action),
        library=library(),
        timeout=waits.timeout if timeout is None else timeout,
        poll=waits.poll,
        what=what,
        timeout_error=PgcTimeout,
    )
    if value.get("expired"):
        raise PgcSessionExpired("the PGC session expired")
    if value.get("error"):
        raise PgcPageError(f"{what}: {value['error']}")
    return value


def wait_until(
    driver: WebDriver, check: Callable[[WebDriver], Any], waits: Waits, what: str, timeout: float | None = None
) -> Any:
    """A Python condition (for waits that span a navigation or a window switch)."""
    return engine.wait_until(
        driver, check, waits.timeout if timeout is None else timeout, waits.poll, what=what, timeout_error=PgcTimeout
    )


def wait_visible(driver: WebDriver, xpath: str, waits: Waits, what: str) -> None:
    wait(driver, "visible", session_args(xpath=xpath), waits, what)


def wait_gone(driver: WebDriver, xpath: str, waits: Waits, what: str) -> None:
    wait(driver, "gone", session_args(xpath=xpath), waits, what)


def app_idle(driver: WebDriver, waits: Waits, what: str = "the PGC spinner to go away") -> None:
    """Wait out the ng-http-loader spinner; PgcSessionExpired when the app says so."""
    wait(driver, "idle", session_args(), waits, what)


def click(driver: WebDriver, xpath: str, waits: Waits, what: str, timeout: float | None = None) -> None:
    """Click the first displayed element at `xpath` once it shows (a script click if covered)."""

    def attempt(d: WebDriver) -> bool:
        elements = [e for e in d.find_elements(By.XPATH, xpath) if e.is_displayed()]
        if not elements:
            return False
        try:
            elements[0].click()
        except ElementClickInterceptedException:
            d.execute_script("arguments[0].click();", elements[0])
        return True

    wait_until(driver, attempt, waits, what, timeout)


def scroll_to_end(driver: WebDriver, anchor: str) -> None:
    """Scroll the scroll container of the element at `anchor` (absolute XPath) to its end, at once."""
    driver.execute_script(library() + "\nACTIONS.scroll_end(arguments[0]);", {"anchor": anchor})
