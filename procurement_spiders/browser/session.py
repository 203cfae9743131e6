"""Create WebDriver sessions that can never hang: timeouts on every layer, flags for a closed network."""

from __future__ import annotations

import contextlib
import itertools
import shutil
from dataclasses import dataclass, field
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import (
    InvalidSessionIdException,
    NoSuchWindowException,
    SessionNotCreatedException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chromium.remote_connection import ChromiumRemoteConnection
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.remote_connection import RemoteConnection
from selenium.webdriver.remote.webdriver import WebDriver

from procurement_spiders.config import Config

# Reference §4.1: without these, Chromium keeps calling Google services that a closed network
# never answers (component updates, sync, first-run pages), which stalls page loads.
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-crash-reporter",  # no crashpad handler processes outliving the browser
    "--disable-breakpad",
    "--window-size=1366,900",
)
# Headroom of the HTTP client over the browser's own limits, so the browser reports the timeout.
CLIENT_TIMEOUT_MARGIN = 15.0
_ids = itertools.count(1)


@dataclass(eq=False)
class BrowserSession:
    """One live WebDriver session; `name` is set for pinned (sticky) sessions."""

    driver: WebDriver
    name: str | None = None
    id: int = field(default_factory=lambda: next(_ids))
    pages: int = 0
    broken: bool = False  # set when the session failed or was interrupted: never reuse it

    @property
    def browser_pid(self) -> int | None:
        pid = self.driver.capabilities.get("goog:processID")
        return int(pid) if pid else None


class LocalChromium(webdriver.Remote):
    """`webdriver.Chrome` from its public parts (a chromedriver service, a Chromium connection),
    because `webdriver.Chrome` takes no ClientConfig and its HTTP client would wait 120 s."""

    def __init__(self, service: webdriver.ChromeService, options: webdriver.ChromeOptions, timeout: float):
        self.service = service
        service.start()
        executor = ChromiumRemoteConnection(
            remote_server_addr=service.service_url,
            vendor_prefix="goog",
            browser_name="chrome",
            # Selenium's annotation says int; the timeout goes to urllib3, which takes a float.
            client_config=ClientConfig(remote_server_addr=service.service_url, timeout=timeout),  # type: ignore[arg-type]
        )
        try:
            super().__init__(command_executor=executor, options=options)
        except BaseException:
            service.stop()
            raise

    def quit(self) -> None:
        try:
            super().quit()
        finally:
            self.service.stop()


def chrome_options(config: Config) -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    if config.selenium_headless:
        options.add_argument("--headless=new")
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.page_load_strategy = "normal"
    return options


def create_driver(config: Config) -> WebDriver:
    """A new session on SELENIUM_URL (Grid or chromedriver) or, when unset, a local chromedriver.

    Blocking: call it from a worker thread.
    """
    options = chrome_options(config)
    client_timeout = config.selenium_timeout + CLIENT_TIMEOUT_MARGIN
    if config.selenium_url:
        # Selenium's annotation says int; the timeout goes to urllib3, which takes a float.
        client = ClientConfig(remote_server_addr=config.selenium_url, timeout=client_timeout)  # type: ignore[arg-type]
        driver: WebDriver = webdriver.Remote(
            command_executor=config.selenium_url, options=options, client_config=client
        )
        # Remote drivers do not know chromedriver's CDP endpoint; Grid forwards it to the node.
        executor = driver.command_executor
        assert isinstance(executor, RemoteConnection)  # WebDriver turns a URL into its RemoteConnection
        executor.add_command("executeCdpCommand", "POST", "/session/$sessionId/goog/cdp/execute")
    else:
        chromedriver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium:
            options.binary_location = chromium
        service = webdriver.ChromeService(executable_path=chromedriver)  # given path: no Selenium Manager
        driver = LocalChromium(service, options, client_timeout)
    try:
        driver.set_page_load_timeout(config.selenium_timeout)
        driver.set_script_timeout(config.selenium_timeout)
        driver.implicitly_wait(config.selenium_implicit_wait)
    except BaseException:
        quit_quietly(driver)
        raise
    return driver


def cdp(driver: WebDriver, cmd: str, params: dict[str, Any]) -> Any:
    return driver.execute("executeCdpCommand", {"cmd": cmd, "params": params})["value"]


def quit_quietly(driver: WebDriver) -> None:
    """Quit a session that may already be dead; never raises."""
    with contextlib.suppress(Exception):  # the session is being thrown away either way
        driver.quit()


_DEAD_MARKERS = (
    "chrome not reachable",
    "disconnected",
    "session deleted",
    "tab crashed",
    "target window already closed",
    "no such session",
    "invalid session id",
    "cannot determine loading status",
    "timed out receiving message from renderer",
    "script timeout",
    "connection refused",
    "max retries exceeded",
    "read timed out",
    # Selenium Grid's words for a node or driver that went away under a session
    "unable to execute request for an existing session",
    "unable to find session",
)


def is_session_fault(exc: BaseException, stage: str) -> bool:
    """True when the session itself is gone or hung (replace it and retry), not just the page.

    A timeout while navigating or a renderer/script timeout means a hung browser; a plain
    `TimeoutException` from a `wait_until` or a page action is a page condition that did not hold.
    """
    if isinstance(exc, (InvalidSessionIdException, NoSuchWindowException, SessionNotCreatedException)):
        return True
    if isinstance(exc, TimeoutException) and stage in ("navigate", "cookies"):
        return True
    if isinstance(exc, (ConnectionError, OSError)):
        return True
    name = type(exc).__module__
    if name.startswith("urllib3") or name.startswith("http.client"):
        return True
    if isinstance(exc, WebDriverException):
        message = (exc.msg or str(exc)).lower()
        return any(marker in message for marker in _DEAD_MARKERS)
    return False
