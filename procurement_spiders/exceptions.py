"""Every exception of the project that crosses a module boundary, in one place.

Spiders, the browser layer and the page objects raise these; commands and errbacks catch them.
"""

from __future__ import annotations

from selenium.common.exceptions import TimeoutException


class SpiderArgumentError(ValueError):
    """A spider argument is missing or malformed; the message names the argument."""


class InvalidPortalResponse(ValueError):
    """The portal answered something that is not the JSON its API documents."""


class SeleniumSessionLost(Exception):
    """A pinned (named) browser session died; its state (a login) is gone. Start it again."""

    def __init__(self, name: str, cause: BaseException | None = None):
        self.name = name
        detail = f": {type(cause).__name__}" if cause is not None else ""
        super().__init__(
            f"browser session {name!r} was lost{detail}; "
            f"send a request with meta selenium_session_new=True to start it again"
        )


class WaitTimeout(TimeoutException):
    """A browser wait (browser/waits.py) did not see its condition in time; a selenium
    TimeoutException, so `SeleniumRequest.wait_until` keeps scrapy-selenium4's contract."""


class PgcError(Exception):
    """Base of the PGC page errors."""


class PgcLoginError(PgcError):
    """The login failed for a reason the run must end on (never retry a login in a loop)."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        self.portal_message = message
        super().__init__(f"PGC login failed ({reason}): {message}")


class PgcSessionExpired(PgcError):
    """The app's session ended: log in again and resume."""


class PgcPageError(PgcError):
    """The page is not what the collector expects (a changed DOM, a missing PCA)."""


class PgcTimeout(PgcPageError):
    """A PGC page condition was not met within SELENIUM_TIMEOUT."""
