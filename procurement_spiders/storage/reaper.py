"""Coletas whose crawl died (SIGKILL, a machine lost, PostgreSQL gone while it ran) are closed here.

A running crawl touches its coleta's `heartbeat_at` every COLETA_HEARTBEAT_INTERVAL seconds
(migration 002). A `running` coleta whose heartbeat is older than COLETA_HEARTBEAT_TIMEOUT has
no crawl behind it any more: the reaper closes it as `error`, with `dados.interrupcao` saying why
and when it was last seen alive, and `finished_at` set to that last heartbeat. Its demandas stay
(the triggers keep them as they were) but, as for every coleta that did not succeed, no summary
counts them. The reaper runs when a crawl starts, in `scrapy health` and in `scrapy coletas --reap`.
Times are the database's (`now()`), so clocks of different machines do not matter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import psycopg

logger = logging.getLogger(__name__)

REASON = "heartbeat_expirado"


@dataclass(frozen=True)
class ReapedColeta:
    id: int
    spider: str
    job_id: str | None
    last_heartbeat: datetime


def reap_stale_coletas(conn: psycopg.Connection, stale_after: float) -> list[ReapedColeta]:
    """Close as `error` every running coleta silent for more than `stale_after` seconds."""
    sql = """
        UPDATE coletas
           SET status = 'error',
               finished_at = heartbeat_at,
               dados = dados || jsonb_build_object(
                   'finish_reason', 'interrompida',
                   'interrupcao', jsonb_build_object(
                       'motivo', %(reason)s::text,
                       'ultimo_heartbeat', heartbeat_at,
                       'detectada_em', now(),
                       'limite_segundos', %(stale_after)s::float8))
         WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => %(stale_after)s::float8)
     RETURNING id, spider, job_id, heartbeat_at"""
    with conn.transaction():
        rows = conn.execute(sql, {"reason": REASON, "stale_after": stale_after}).fetchall()
    reaped = [ReapedColeta(*row) for row in sorted(rows)]
    for coleta in reaped:
        logger.warning(
            "coleta %s (%s) was running with no heartbeat since %s: closed as error (%s)",
            coleta.id,
            coleta.spider,
            coleta.last_heartbeat.isoformat(timespec="seconds"),
            REASON,
        )
    return reaped


def _has_heartbeat(conn: psycopg.Connection) -> bool:
    """Migration 002 applied (before it, nothing can be told apart; the next crawl applies it)."""
    row = conn.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = 'coletas' AND column_name = 'heartbeat_at'"""
    ).fetchone()
    return row is not None


def reap(conninfo: str, stale_after: float, connect_timeout: int = 10) -> list[ReapedColeta]:
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=connect_timeout) as conn:
        return reap_stale_coletas(conn, stale_after) if _has_heartbeat(conn) else []


def running_coletas(conninfo: str) -> list[tuple[int, str, str | None, float]]:
    """(id, spider, job_id, seconds since the last heartbeat) of each running coleta."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        if not _has_heartbeat(conn):
            return []
        return conn.execute(
            """SELECT id, spider, job_id, extract(epoch FROM now() - heartbeat_at)::float8
                 FROM coletas WHERE status = 'running' ORDER BY id"""
        ).fetchall()
