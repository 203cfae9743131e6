"""The coleta's record: everything a crawl must say about itself, kept in one place.

In the style of kingfisher-collect's extensions, one object per crawl owns the bookkeeping:
the typed arguments, the anomalies (`ColetaSpider.record_anomaly` delegates here), the dropped
items with their reason, a storage failure, and the request to stop the crawl early. Scrapy's
stats keep counters only (`coleta/lidas`, `coleta/armazenadas`, `coleta/descartadas/<motivo>`,
`coleta/anomalias/<tipo>`), so nothing is dumped twice into the log.

Accounting: every item the spider yields ends in exactly one of Scrapy's outcomes (scraped,
dropped, error), and each is counted as read. A dropped or failed item is a drop with its
reason; a scraped item is stored by the storage pipeline or reported back as a drop
(`LinhaRejeitada`: the database refused that row; `NaoArmazenada`: storage failed). So for a
crawl with storage: stored + dropped (by reason) = read.

When the spider closes, the recorder decides the status — `success` only if the crawl finished
on its own, nothing is missing (`incompleta`), storage did not fail and the record was written —
and hands `dados` to the storage (the pipeline's `finish`). The status is left in the stat
`coleta/status`, which the crawl command turns into the exit status.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import asdict, is_dataclass
from typing import Any, Protocol

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from procurement_spiders.storage.jsonb import json_safe

logger = logging.getLogger(__name__)

STATUS_STAT = "coleta/status"
READ_STAT = "coleta/lidas"
STORED_STAT = "coleta/armazenadas"
DROPPED_STAT = "coleta/descartadas"
ROW_REJECTED = "LinhaRejeitada"  # the database refused this row's content; the others are stored
NOT_STORED = "NaoArmazenada"  # storage failed (database down, coleta closed): the row was not written


class ColetaStorage(Protocol):
    async def finish(self, status: str, dados: dict[str, Any]) -> None: ...


def counters_only(stats: dict[str, Any]) -> dict[str, Any]:
    """Scrapy's stats as counters and short facts: lists and mappings are the recorder's job."""
    out: dict[str, Any] = {}
    for key, value in stats.items():
        if isinstance(value, (list, dict, tuple, set)):
            continue
        out[key] = value if isinstance(value, (int, float, str, bool)) or value is None else str(value)
    return out


class ColetaRecorder:
    _by_crawler: weakref.WeakKeyDictionary[Crawler, ColetaRecorder] = weakref.WeakKeyDictionary()

    def __init__(self, crawler: Crawler, max_recorded_drops: int = 1000, max_recorded_anomalies: int = 1000):
        self.crawler = crawler
        self.max_recorded_drops = max_recorded_drops
        self.max_recorded_anomalies = max_recorded_anomalies
        self.argumentos: dict[str, Any] = {}
        self.anomalias: list[dict[str, Any]] = []
        self.descartes: list[dict[str, Any]] = []
        self.incompleta = False
        self.falha: str | None = None  # the first failure that makes the coleta an error
        self.status: str | None = None
        self.storage: ColetaStorage | None = None
        self._closing: Any = None  # the Deferred of the one stop request
        self._closed = False

    # -- one recorder per crawler -------------------------------------------------------------

    @classmethod
    def of(cls, crawler: Crawler) -> ColetaRecorder:
        """The crawler's recorder (the spider, the pipelines and the middlewares share it)."""
        recorder = cls._by_crawler.get(crawler)
        if recorder is None:
            recorder = cls(crawler, crawler.settings.getint("COLETA_MAX_RECORDED_DROPS", 1000))  # Config-checked
            cls._by_crawler[crawler] = recorder
        return recorder

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ColetaRecorder:
        recorder = cls.of(crawler)
        crawler.signals.connect(recorder.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(recorder.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(recorder.item_error, signal=signals.item_error)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    @property
    def stats(self):
        return self.crawler.stats

    # -- what the crawl says ------------------------------------------------------------------

    def record_anomaly(self, tipo: str, message: str, *, incompleta: bool = False, **details: Any) -> None:
        """Something the coleta must say (never hidden): logged, counted and stored in `dados`."""
        logger.warning("%s: %s", tipo, message)
        self.stats.inc_value(f"coleta/anomalias/{tipo}")
        if len(self.anomalias) < self.max_recorded_anomalies:
            self.anomalias.append({"tipo": tipo, "mensagem": message, **details})
        if incompleta:
            self.incompleta = True

    def record_failure(self, message: str) -> None:
        """The coleta cannot succeed (storage failed); the first failure is the one recorded."""
        if self.falha is None:
            self.falha = message

    def record_drop(self, motivo: str, message: str, item: Any) -> None:
        self.stats.inc_value(DROPPED_STAT)
        self.stats.inc_value(f"{DROPPED_STAT}/{motivo}")
        if len(self.descartes) < self.max_recorded_drops:
            self.descartes.append({"motivo": motivo, "mensagem": message, "item": _raw(item)})

    def record_stored(self, count: int) -> None:
        self.stats.inc_value(STORED_STAT, count)

    def stop_crawl(self, reason: str) -> None:
        """The one way the project's components stop a crawl early.

        Stopping is asynchronous and cannot be awaited by its caller (the engine waits for the
        caller's own request or item to finish first), so the request is made once, kept here,
        and any error of it is logged; later requests only log their reason.
        """
        if self._closing is not None or self._closed or self.crawler.engine.spider is None:
            logger.info("crawl already closing; also asked to stop for %s", reason)
            return
        self._closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))
        self._closing.addErrback(lambda failure: logger.error("closing the spider failed: %s", failure.value))

    # -- Scrapy's item outcomes -------------------------------------------------------------------

    def item_scraped(self, item, response=None, spider=None) -> None:
        self.stats.inc_value(READ_STAT)

    def item_dropped(self, item, response=None, exception=None, spider=None) -> None:
        self.stats.inc_value(READ_STAT)
        self.record_drop(type(exception).__name__, str(exception), item)

    def item_error(self, item, response=None, failure=None, spider=None) -> None:
        """A pipeline failed on the item (a bug, not a rule): counted as a drop, and the coleta
        cannot be a success, since no rule said the item may be left out."""
        self.stats.inc_value(READ_STAT)
        error = getattr(failure, "value", failure)
        self.record_drop(f"Erro{type(error).__name__}", str(error), item)
        self.incompleta = True

    # -- the end ------------------------------------------------------------------------------------

    def counts(self) -> dict[str, Any]:
        stats = self.stats
        prefix = DROPPED_STAT + "/"
        return {
            "lidas": int(stats.get_value(READ_STAT, 0)),
            "armazenadas": int(stats.get_value(STORED_STAT, 0)),
            "descartadas": {k[len(prefix) :]: v for k, v in stats.get_stats().items() if k.startswith(prefix)},
        }

    def dados(self, reason: str) -> dict[str, Any]:
        counts = self.counts()
        return json_safe(
            {
                "finish_reason": reason,
                "incompleta": self.incompleta,
                "demandas_lidas": counts["lidas"],
                "demandas_armazenadas": counts["armazenadas"],
                "falha_armazenamento": self.falha,
                "descartes": {
                    "total": sum(counts["descartadas"].values()),
                    "por_motivo": counts["descartadas"],
                    "registros": self.descartes,
                },
                "anomalias": self.anomalias,
                "stats": counters_only(self.stats.get_stats()),
            }
        )

    def decide_status(self, reason: str) -> str:
        ok = reason == "finished" and not self.incompleta and self.falha is None
        return "success" if ok else "error"

    async def spider_closed(self, spider=None, reason: str = "finished") -> None:
        """Decide the status, write the record, and say the outcome in the stats and the log."""
        if self._closed:
            return
        self._closed = True
        status = "error"
        try:
            status = self.decide_status(reason)
            if self.storage is not None:
                dados = self.dados(reason)
                try:
                    await self.storage.finish(status, dados)
                except Exception as exc:  # noqa: BLE001 - a coleta that cannot be closed is an error
                    logger.error("the coleta record could not be written: %s", exc)
                    status = "error"
        finally:
            self.status = status
            self.stats.set_value(STATUS_STAT, status)


def _raw(item: Any) -> Any:
    """What the portal wrote, as the coleta keeps it."""
    if is_dataclass(item) and not isinstance(item, type):
        return asdict(item)
    if isinstance(item, dict):
        return dict(item)
    return repr(item)


def coleta_succeeded(stats) -> bool:
    """Exit status rule: a crawl succeeded iff its coleta did (finish reason alone without one)."""
    status = stats.get_value(STATUS_STAT)
    if status is not None:
        return status == "success"
    return stats.get_value("finish_reason") == "finished"
