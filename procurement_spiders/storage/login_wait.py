"""The attended-login wait, published in the running coleta (`dados.aguardando_login`) so the web
app can tell a person to open noVNC and log in, and how long is left; cleared when the wait ends."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import psycopg

from procurement_spiders.storage.coletas import jsonb

logger = logging.getLogger(__name__)


def publish_login_wait(
    database_url: str | None,
    coleta_id: int | None,
    *,
    waiting: bool,
    timeout: float = 0.0,
    novnc_url: str | None = None,
) -> None:
    """Best effort: a database hiccup must not stop the login itself (it is logged)."""
    if not database_url or coleta_id is None:
        return
    value = {"desde": datetime.now(UTC).isoformat(), "timeout": timeout, "novnc_url": novnc_url} if waiting else None
    try:
        with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                "UPDATE coletas SET dados = dados || jsonb_build_object('aguardando_login', %s::jsonb) "
                "WHERE id = %s AND status = 'running'",
                (jsonb(value) if value else "null", coleta_id),
            )
    except psycopg.Error as exc:
        logger.warning(
            "coleta %s: could not publish the attended-login wait: %s",
            coleta_id,
            str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        )
