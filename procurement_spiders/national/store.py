"""A plan's demandas stored once: gathered per plan, then COPYed with the ledger's `feita`.

The reader announces how many demandas a plan yields (`expect`); each one arrives validated
(`add`) or dropped by validation (`dropped`); when all are in, one transaction marks the plan
done and COPYs its rows (ledger.store_plan). A plan another worker already stored is skipped
and counted (`nacional/planos_repetidos`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from procurement_spiders.extensions.coleta import ROW_REJECTED
from procurement_spiders.items import Demanda
from procurement_spiders.national import ledger
from procurement_spiders.storage.coletas import demanda_row

logger = logging.getLogger(__name__)


def plan_task(demanda: Demanda) -> str:
    assert demanda.detalhes is not None  # every national demanda carries its plan
    return f"plano:{demanda.orgao_cnpj}:{demanda.detalhes['sequencialPca']}"


@dataclass
class PendingPlan:
    expected: int | None = None
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    dropped: int = 0


class PlanStore:
    def __init__(self, spider, on_stored: Callable[[str], None]):
        self.spider = spider
        self.on_stored = on_stored
        self.plans: dict[str, PendingPlan] = {}
        self.lock = asyncio.Lock()
        self.failure: str | None = None

    def expect(self, tarefa: str, count: int) -> None:
        self.plans.setdefault(tarefa, PendingPlan()).expected = count
        if count == 0:
            asyncio.ensure_future(self._maybe_store(tarefa))

    async def add(self, demanda: Demanda) -> None:
        tarefa = plan_task(demanda)
        plan = self.plans.setdefault(tarefa, PendingPlan())
        plan.rows.append(demanda_row(demanda))
        await self._maybe_store(tarefa)

    async def dropped(self, demanda: Demanda) -> None:
        tarefa = plan_task(demanda)
        self.plans.setdefault(tarefa, PendingPlan()).dropped += 1
        await self._maybe_store(tarefa)

    @property
    def idle(self) -> bool:
        return not self.plans

    async def _maybe_store(self, tarefa: str) -> None:
        plan = self.plans.get(tarefa)
        if plan is None or plan.expected is None or len(plan.rows) + plan.dropped < plan.expected:
            return
        del self.plans[tarefa]
        spider = self.spider
        stats = spider.crawler.stats
        async with self.lock:
            try:
                outcome = await spider.db(ledger.store_plan, spider.coleta_id, tarefa, spider.worker, plan.rows)
            except Exception as exc:  # noqa: BLE001 - a storage failure ends the worker as an error
                self.failure = f"plan {tarefa}: {len(plan.rows)} demandas not stored: {exc}"
                logger.error("%s", self.failure)
                spider.mark_failed(self.failure)
                spider.coleta.stop_crawl("database_error")
                return
        if outcome is None:
            stats.inc_value("nacional/planos_repetidos")
            logger.info("%s was stored by another worker; its %d demandas are not stored again", tarefa, len(plan.rows))
        else:
            stats.inc_value("nacional/planos_armazenados")
            stats.inc_value("postgres/demandas_stored", len(outcome.stored))
            spider.coleta.record_stored(len(outcome.stored))
            for index, reason in outcome.rejected:  # the database refused this row: a counted drop
                spider.coleta.record_drop(ROW_REJECTED, reason, {"tarefa": tarefa, "chave": plan.rows[index][0]})
        self.on_stored(tarefa)


class NationalPipeline:
    """ITEM_PIPELINES entry of pncp_nacional (instead of PostgresPipeline): demandas to the store."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals

        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    async def process_item(self, item):
        if isinstance(item, Demanda):
            await self.crawler.spider.store.add(item)
        return item

    async def item_dropped(self, item, response, exception, spider=None) -> None:
        if isinstance(item, Demanda) and isinstance(item.detalhes, dict) and "sequencialPca" in item.detalhes:
            await self.crawler.spider.store.dropped(item)
