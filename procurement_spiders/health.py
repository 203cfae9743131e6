"""Health of the parts a crawl needs: PostgreSQL and the Selenium Grid.

One function, `check_health(config)`, shared by `scrapy health`, scrapyd's `GET /health.json`
and the container healthchecks. The body keeps the legacy system's shape::

    {"status": "ok", "database": "connected", "selenium": "connected", "timestamp": "…Z"}

Each part is "connected" or a short reason ("error: …", "not ready: …"); `status` is "error" and
the check fails when any configured part is not connected. The Grid counts as connected while it
has a live slot, even when every slot is busy (crawls then wait; that is not an outage). With
SELENIUM_URL unset (local Chromium or no browser) the part reads "not configured" and does not
fail the check; the database is always required.

Checks use short timeouts (HEALTH_TIMEOUT seconds each, 3 by default). The body is served without
authentication, so a part that is down says only a short fixed reason ("error: connection refused",
"error: authentication failed", "not ready: no live slot"): never a host name, a URL or the
driver's own message, which may quote DATABASE_URL whole. The details are in a crawl's own
messages on the host (redacted by procurement_spiders.redaction).
"""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg

from procurement_spiders.browser.health import selenium_status
from procurement_spiders.config import Config
from procurement_spiders.storage.reaper import ReapedColeta, reap

DEFAULT_TIMEOUT = 3.0
CONNECTED = "connected"
NOT_CONFIGURED = "not configured"

# (words in the driver's message, the short reason shown) — first match wins
_REASONS = (
    (("password authentication failed", "authentication failed", "no password supplied"), "authentication failed"),
    (("does not exist",), "database or role does not exist"),
    (("timeout", "timed out", "canceling statement"), "timed out"),
    (("connection refused", "errno 111"), "connection refused"),
    (
        ("could not translate host name", "name or service not known", "name resolution", "nodename", "getaddrinfo"),
        "host name not resolved",
    ),
    (
        (
            "invalid dsn",
            "invalid connection option",
            "invalid integer value",
            "invalid port",
            'missing "="',
            "invalid uri",
        ),
        "invalid DATABASE_URL",
    ),
)


def short_reason(error: object, default: str = "cannot connect") -> str:
    """A fixed, non-revealing reason for a failure: one of _REASONS, else `default`."""
    text = str(error).lower()
    for words, reason in _REASONS:
        if any(word in text for word in words):
            return reason
    return default


def database_status(database_url: str | None, timeout: float = DEFAULT_TIMEOUT) -> str:
    if not database_url:
        return "error: DATABASE_URL is not set"
    try:
        # libpq's connect_timeout has a floor of 2 s; statement_timeout bounds the query.
        with psycopg.connect(
            database_url,
            connect_timeout=max(2, int(round(timeout))),
            options=f"-c statement_timeout={int(timeout * 1000)}",
            autocommit=True,
        ) as conn:
            conn.execute("SELECT 1").fetchone()
    except psycopg.ProgrammingError as exc:  # libpq could not parse the URL
        return f"error: {short_reason(exc, 'invalid DATABASE_URL')}"
    except Exception as exc:  # noqa: BLE001 - any failure is reported, never raised
        return f"error: {short_reason(exc)}"
    return CONNECTED


def selenium_health(config: Config, timeout: float = DEFAULT_TIMEOUT) -> str:
    """ "connected" when the Grid (or chromedriver) at SELENIUM_URL has a live slot, busy or not."""
    if not config.selenium_url:
        return NOT_CONFIGURED
    try:
        status = dict(selenium_status(config, timeout=timeout))
    except Exception as exc:  # noqa: BLE001
        return f"error: {short_reason(exc)}"
    if status.get("ok"):
        return CONNECTED
    if status.get("error"):
        return f"error: {short_reason(status['error'], 'no usable /status answer')}"
    return "not ready: no live slot"


def check_health(config: Config, timeout: float | None = None) -> tuple[bool, dict[str, str]]:
    """Check every part; return (healthy, body). Never raises."""
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    database = database_status(config.database_url, timeout)
    selenium = selenium_health(config, timeout)
    ok = database == CONNECTED and selenium in (CONNECTED, NOT_CONFIGURED)
    body = {
        "status": "ok" if ok else "error",
        "database": database,
        "selenium": selenium,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    return ok, body


def reap_interrupted(config: Config, timeout: float = DEFAULT_TIMEOUT) -> tuple[list[ReapedColeta], str | None]:
    """Close the coletas whose crawl died (storage/reaper.py); (reaped, short error). Never raises.

    Run by `scrapy health` (and so by scrapyd's /health.json, which runs it): the write is
    idempotent and touches only coletas silent for COLETA_HEARTBEAT_TIMEOUT.
    """
    if not config.database_url:
        return [], "DATABASE_URL is not set"
    try:
        return reap(config.database_url, config.coleta_heartbeat_timeout, max(2, int(round(timeout)))), None
    except Exception as exc:  # noqa: BLE001 - reported, never raised
        return [], short_reason(exc)


def unhealthy_parts(body: dict[str, str]) -> list[str]:
    """Names of the parts that are down, e.g. ["database"]."""
    return [name for name in ("database", "selenium") if body.get(name) not in (CONNECTED, NOT_CONFIGURED)]
