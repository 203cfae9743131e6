"""Store validated demandas in PostgreSQL under one `coletas` record per run.

The coleta opens as `running` when the spider opens; demandas are buffered and written with
COPY in batches, each batch its own transaction; when the spider closes the coleta becomes
`success` (finished cleanly) or `error` (any other close reason, or a failed batch), with the
run's stats, arguments, drops and anomalies in `dados`. Database work runs in a thread so the
event loop keeps serving downloads.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from typing import Any

import psycopg
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.utils.asyncio import run_in_thread

from procurement_spiders.config import crawler_config
from procurement_spiders.items import Demanda
from procurement_spiders.logging import log_context
from procurement_spiders.storage import coletas as coletas_sql
from procurement_spiders.storage.coletas import copy_demandas, demanda_row, finish_coleta, open_coleta
from procurement_spiders.storage.migrations import apply_migrations

logger = logging.getLogger(__name__)


def json_safe_stats(stats: dict[str, Any]) -> dict[str, Any]:
    return {key: (value if isinstance(value, (int, float, str, bool, list, dict)) or value is None else str(value))
            for key, value in stats.items()}


class PostgresPipeline:
    def __init__(self, crawler: Crawler, database_url: str, batch_size: int, max_recorded_drops: int):
        self.crawler = crawler
        self.database_url = database_url
        self.batch_size = batch_size
        self.max_recorded_drops = max_recorded_drops
        self.conn: psycopg.Connection | None = None
        self.coleta_id: int | None = None
        self.buffer: list[tuple[Any, ...]] = []
        self.flush_lock = asyncio.Lock()
        self.stored = 0
        self.failure: str | None = None
        self.drops: list[dict[str, Any]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PostgresPipeline:
        config = crawler_config(crawler)
        if not config.database_url:
            raise NotConfigured("DATABASE_URL is not set: demandas are not stored in PostgreSQL")
        coletas_sql.echo_sql = config.sqlalchemy_echo
        pipeline = cls(
            crawler,
            config.database_url,
            config.postgres_batch_size,
            config.coleta_max_recorded_drops,
        )
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    # -- lifecycle ----------------------------------------------------------------------

    async def open_spider(self) -> None:
        spider = self.crawler.spider
        try:
            self.coleta_id = await run_in_thread(self._open, spider)
        except (psycopg.Error, OSError) as exc:
            logger.error("database unavailable, nothing will be stored: %s", exc)
            raise CloseSpider("database_error") from exc
        log_context["coleta_id"] = self.coleta_id
        logger.info("coleta %s opened (%s, ano %s)", self.coleta_id, spider.fonte, spider.ano)

    def _open(self, spider) -> int:
        apply_migrations(self.database_url)
        self.conn = psycopg.connect(self.database_url, autocommit=True)
        return open_coleta(
            self.conn,
            fonte=spider.fonte,
            ano_referencia=spider.ano,
            spider=spider.name,
            job_id=getattr(spider, "_job", None),  # scrapyd passes -a _job=<id>
            orgao_cnpj=getattr(spider, "cnpj", None),
            dados={"argumentos": spider.coleta_argumentos, "portais": spider.portal_urls()},
        )

    async def process_item(self, item):
        if not isinstance(item, Demanda) or self.failure:
            return item
        self.buffer.append(demanda_row(item))
        if len(self.buffer) >= self.batch_size:
            await self._flush()
        return item

    async def close_spider(self) -> None:
        await self._flush(final=True)

    async def _flush(self, *, final: bool = False) -> None:
        """COPY full batches (and, at the end, the rest); each batch commits on its own."""
        async with self.flush_lock:
            while self.buffer and not self.failure and (final or len(self.buffer) >= self.batch_size):
                rows = self.buffer[: self.batch_size]
                del self.buffer[: self.batch_size]
                try:
                    written = await run_in_thread(copy_demandas, self.conn, self.coleta_id, rows)
                except psycopg.Error as exc:
                    self.failure = f"batch of {len(rows)} demandas failed: {exc}"
                    self.crawler.stats.inc_value("postgres/failed_batches")
                    logger.error("coleta %s: %s; closing the spider", self.coleta_id, self.failure)
                    asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="database_error"))
                    return
                self.stored += written
                self.crawler.stats.inc_value("postgres/batches")
                self.crawler.stats.set_value("postgres/demandas_stored", self.stored)

    def item_dropped(self, item, response, exception, spider=None) -> None:
        if len(self.drops) >= self.max_recorded_drops:
            return
        raw = asdict(item) if isinstance(item, Demanda) else dict(item) if isinstance(item, dict) else repr(item)
        self.drops.append({"motivo": type(exception).__name__, "mensagem": str(exception), "item": raw})

    async def spider_closed(self, spider, reason: str) -> None:
        if self.conn is None or self.coleta_id is None:
            return
        stats = self.crawler.stats.get_stats()
        # Data lost on the way (a page that never answered, an unreadable row) is not a success.
        complete = not stats.get("coleta/incompleta")
        status = "success" if reason == "finished" and self.failure is None and complete else "error"
        drops_by_reason = {
            key.rsplit("/", 1)[-1]: value
            for key, value in stats.items()
            if key.startswith("item_dropped_reasons_count/")
        }
        dados = {
            "finish_reason": reason,
            "incompleta": not complete,
            "demandas_armazenadas": self.stored,
            "falha_armazenamento": self.failure,
            "descartes": {
                "total": stats.get("item_dropped_count", 0),
                "por_motivo": drops_by_reason,
                "registros": self.drops,
            },
            "anomalias": stats.get("coleta/anomalias", []),
            "stats": json_safe_stats(stats),
        }
        unidade = getattr(spider, "unidade", None)  # PGC crawls: the unit the app showed
        if unidade:
            dados["unidade"] = unidade
        try:
            await run_in_thread(self._finish, status, dados, unidade)
        finally:
            await run_in_thread(self.conn.close)
        level = logging.INFO if status == "success" else logging.ERROR
        logger.log(level, "coleta %s finished: %s (%s demandas, reason %s)", self.coleta_id, status, self.stored, reason)

    def _finish(self, status: str, dados: dict[str, Any], unidade: dict[str, Any] | None = None) -> None:
        assert self.conn is not None and self.coleta_id is not None
        if self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self.conn.rollback()
        finish_coleta(self.conn, self.coleta_id, status=status, dados=dados, unidade=unidade)
