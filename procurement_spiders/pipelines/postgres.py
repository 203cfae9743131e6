"""Store validated demandas in PostgreSQL under one `coletas` record per run.

When the spider opens: pending migrations are applied, coletas left `running` by dead crawls are
reaped (storage/reaper.py), and this run's coleta opens as `running`; its heartbeat is touched
every COLETA_HEARTBEAT_INTERVAL seconds until it closes. Demandas are buffered and written with
COPY in batches, each batch its own transaction. A row the database refuses for its content
(a NUL byte, a broken constraint) is left out alone and reported to the ColetaRecorder as a drop
(`LinhaRejeitada`, with its key and the database's reason); any other failure (database down,
coleta closed elsewhere) fails the coleta, and every row not written is a drop (`NaoArmazenada`).

The record itself (status and `dados`) is decided by the ColetaRecorder, which calls `finish`.
Database work runs in threads so the event loop keeps serving downloads.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import psycopg
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.utils.asyncio import create_looping_call, run_in_thread
from scrapy.utils.defer import deferred_from_coro

from procurement_spiders.config import crawler_config
from procurement_spiders.extensions.coleta import NOT_STORED, ROW_REJECTED, ColetaRecorder
from procurement_spiders.items import Demanda
from procurement_spiders.logging import bind_log_context
from procurement_spiders.storage import coletas as coletas_sql
from procurement_spiders.storage.coletas import (
    ColetaClosedError,
    CopyOutcome,
    copy_demandas_isolating,
    demanda_row,
    finish_coleta,
    first_line,
    open_coleta,
    touch_heartbeat,
)
from procurement_spiders.storage.migrations import apply_migrations
from procurement_spiders.storage.reaper import reap_stale_coletas

logger = logging.getLogger(__name__)


class PostgresPipeline:
    def __init__(
        self,
        crawler: Crawler,
        database_url: str,
        batch_size: int,
        heartbeat_interval: float = 30.0,
        heartbeat_timeout: float = 300.0,
    ):
        self.crawler = crawler
        self.database_url = database_url
        self.batch_size = batch_size
        self.heartbeat_interval = heartbeat_interval
        self.heartbeat_timeout = heartbeat_timeout
        self.recorder = ColetaRecorder.of(crawler)
        self.conn: psycopg.Connection | None = None
        self.heartbeat_conn: psycopg.Connection | None = None
        self.coleta_id: int | None = None
        self.buffer: list[tuple[Demanda, tuple[Any, ...]]] = []
        self.flush_lock = asyncio.Lock()
        self.stored = 0
        self.failure: str | None = None
        self._heartbeat: Any = None  # the looping call
        self._beat_pending: Any = None  # the Deferred of a heartbeat in flight

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PostgresPipeline:
        config = crawler_config(crawler)
        if not config.database_url:
            raise NotConfigured("DATABASE_URL is not set: demandas are not stored in PostgreSQL")
        coletas_sql.echo_sql = config.sqlalchemy_echo
        return cls(
            crawler,
            config.database_url,
            config.postgres_batch_size,
            config.coleta_heartbeat_interval,
            config.coleta_heartbeat_timeout,
        )

    # -- lifecycle ----------------------------------------------------------------------

    async def open_spider(self) -> None:
        spider: Any = self.crawler.spider
        try:
            self.coleta_id = await run_in_thread(self._open, spider)
        except (psycopg.Error, OSError) as exc:
            logger.error("database unavailable, nothing will be stored: %s", exc)
            raise CloseSpider("database_error") from exc
        self.recorder.storage = self
        bind_log_context(coleta_id=self.coleta_id)
        logger.info("coleta %s opened (%s, ano %s)", self.coleta_id, spider.fonte, spider.ano)
        self._heartbeat = create_looping_call(self._beat)
        self._heartbeat.start(self.heartbeat_interval, now=False)

    def _open(self, spider) -> int:
        apply_migrations(self.database_url)
        self.conn = psycopg.connect(self.database_url, autocommit=True)
        reap_stale_coletas(self.conn, self.heartbeat_timeout)
        self.heartbeat_conn = psycopg.connect(self.database_url, autocommit=True)
        return open_coleta(
            self.conn,
            fonte=spider.fonte,
            ano_referencia=spider.ano,
            spider=spider.name,
            job_id=getattr(spider, "_job", None),  # scrapyd passes -a _job=<id>
            orgao_cnpj=getattr(spider, "cnpj", None),
            dados={"argumentos": self.recorder.argumentos, "portais": spider.portal_urls()},
        )

    async def process_item(self, item):
        if not isinstance(item, Demanda):
            return item
        if self.failure:
            self.recorder.record_drop(NOT_STORED, self.failure, item)
            return item
        self.buffer.append((item, demanda_row(item)))
        if len(self.buffer) >= self.batch_size:
            await self._flush()
        return item

    async def close_spider(self) -> None:
        await self._flush(final=True)

    async def _flush(self, *, final: bool = False) -> None:
        """COPY full batches (and, at the end, the rest); each batch commits on its own."""
        async with self.flush_lock:
            while self.buffer and not self.failure and (final or len(self.buffer) >= self.batch_size):
                batch = self.buffer[: self.batch_size]
                del self.buffer[: self.batch_size]
                await self._write(batch)
            if self.failure and self.buffer:
                for item, _ in self.buffer:
                    self.recorder.record_drop(NOT_STORED, self.failure, item)
                self.buffer.clear()

    async def _write(self, batch: list[tuple[Demanda, tuple[Any, ...]]]) -> None:
        assert self.conn is not None and self.coleta_id is not None  # opened in open_spider
        outcome = CopyOutcome()
        rows = [row for _, row in batch]
        try:
            await run_in_thread(copy_demandas_isolating, self.conn, self.coleta_id, rows, outcome)
            self.crawler.stats.inc_value("postgres/batches")
        except (psycopg.Error, ColetaClosedError, OSError) as exc:
            self.failure = f"batch of {len(batch)} demandas failed: {first_line(exc)}"
            self.crawler.stats.inc_value("postgres/failed_batches")
            logger.error("coleta %s: %s; closing the spider", self.coleta_id, self.failure)
            self.recorder.record_failure(self.failure)
            self.recorder.stop_crawl("database_error")
        done = set(outcome.stored)
        for index, reason in outcome.rejected:
            item = batch[index][0]
            logger.warning("coleta %s: demanda %r refused by the database: %s", self.coleta_id, item.chave, reason)
            self.recorder.record_drop(ROW_REJECTED, f"demanda {item.chave!r}: {reason}", item)
            done.add(index)
        for index, (item, _) in enumerate(batch):
            if index not in done:
                self.recorder.record_drop(NOT_STORED, self.failure or "not written", item)
        self.stored += len(outcome.stored)
        self.recorder.record_stored(len(outcome.stored))

    # -- heartbeat ------------------------------------------------------------------------

    def _beat(self) -> None:
        if self._beat_pending is None:  # the previous heartbeat is still waiting for the database
            self._beat_pending = deferred_from_coro(self._beat_async())

    async def _beat_async(self) -> None:
        try:
            alive = await run_in_thread(self._touch)
        except psycopg.Error as exc:
            self.crawler.stats.inc_value("coleta/heartbeat_falhas")
            logger.warning("coleta %s: heartbeat not recorded: %s", self.coleta_id, first_line(exc))
        else:
            self.crawler.stats.inc_value("coleta/heartbeats")
            if not alive:
                self.failure = f"coleta {self.coleta_id} was closed by someone else while this crawl ran"
                logger.error("%s; closing the spider", self.failure)
                self.recorder.record_failure(self.failure)
                self.recorder.stop_crawl("coleta_closed")
        finally:
            self._beat_pending = None

    def _touch(self) -> bool:
        assert self.heartbeat_conn is not None and self.coleta_id is not None
        if self.heartbeat_conn.broken:  # the server came back after a restart
            self.heartbeat_conn.close()
            self.heartbeat_conn = psycopg.connect(self.database_url, autocommit=True, connect_timeout=10)
        return touch_heartbeat(self.heartbeat_conn, self.coleta_id)

    def _stop_heartbeat(self) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()

    # -- the end (called by the ColetaRecorder) ----------------------------------------------

    async def finish(self, status: str, dados: dict[str, Any]) -> None:
        """Write the coleta's status and record; raise if the coleta could not be closed."""
        self._stop_heartbeat()
        unidade = getattr(self.crawler.spider, "unidade", None)  # PGC crawls: the unit the app showed
        if unidade:
            dados = {**dados, "unidade": unidade}
        try:
            await run_in_thread(self._finish, status, dados, unidade)
        finally:
            await run_in_thread(self._close_connections)
        level = logging.INFO if status == "success" else logging.ERROR
        logger.log(
            level,
            "coleta %s finished: %s (%s demandas, reason %s)",
            self.coleta_id,
            status,
            self.stored,
            dados.get("finish_reason"),
        )

    def _finish(self, status: str, dados: dict[str, Any], unidade: dict[str, Any] | None = None) -> None:
        assert self.coleta_id is not None
        try:
            conn = self._usable_connection()
            closed = finish_coleta(conn, self.coleta_id, status=status, dados=dados, unidade=unidade)
        except psycopg.OperationalError:
            raise
        except psycopg.Error as exc:
            # The record itself was refused: close the coleta as an error with a short record.
            logger.error("coleta %s: its record was refused (%s); closing it with a short one", self.coleta_id, exc)
            short = {"finish_reason": dados.get("finish_reason"), "falha_fechamento": first_line(exc)}
            closed = finish_coleta(
                self._usable_connection(), self.coleta_id, status="error", dados=short, unidade=unidade
            )
            if closed:
                raise RuntimeError(f"coleta {self.coleta_id} closed as error: its record was refused") from exc
        if not closed:
            raise ColetaClosedError(f"coleta {self.coleta_id} was no longer running (reaped as interrupted?)")

    def _usable_connection(self) -> psycopg.Connection:
        """The pipeline's connection, or a new one when it broke (the server restarted)."""
        assert self.conn is not None
        if self.conn.closed or self.conn.broken:
            self.conn = psycopg.connect(self.database_url, autocommit=True, connect_timeout=10)
        elif self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self.conn.rollback()
        return self.conn

    def _close_connections(self) -> None:
        for conn in (self.conn, self.heartbeat_conn):
            if conn is not None:
                conn.close()
