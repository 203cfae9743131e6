"""`scrapy crawl pncp_nacional -a ano=2025 [-a orgaos=todos] [-a worker=1] [-a esperar=1]`: every órgão's PCA.

A spider of its own (not `pncp -a orgaos=todos`) because a national run is a different object:
one coleta shared by many processes, a scheduler in Redis, a ledger in PostgreSQL, no `cnpj`;
the plan reading itself is the `pncp` spider's code (spiders/pncp_plan_reader.py).

Discovery (measured by bench/national_discovery.py against the national sandbox; pncp.md §1.3,
§2.2, §3.2): the portal's own listing of órgãos with a PCA for the year
(`/api/search/?tipos_documento=pcaorgao&anos=`, 500 a page), then per órgão
`/consolidado/unidades` (its plans and their esfera; "no rows" for a stale entry is normal). On
5,000 órgãos (848 plans) that is 824 requests, about 66 s at the real 0.24 s and 3 in flight.
The integração órgão filter needs a name (≥ 3 characters, no "list all") and then a request per
órgão found: 5,039-5,743 requests, most answering 204. Consulta `/v1/pca/atualizacao` windows
need few requests (231), but each is a 40-57 s cold page that counts items: about 51 min here,
about 29 h at the portal's volume. Dados Abertos is asked only for plans whose esfera is federal
(or not given): its PGC module covers federal UASGs only.

With REDIS_URL the task requests (listing pages, órgãos, plans) go through scrapy-redis and any
number of workers share them (national/queue.py); without it the same spider runs alone.

Here: the spider's settings and start. Its arguments are checked in spiders/pncp_nacional_args.py;
its tasks (their requests, the parsing of the discovery pages) are in spiders/pncp_nacional_tasks.py;
the run as one worker sees it (heartbeat, idle loop, recovery of dead workers' tasks, closing the
coleta) in national/run.py.
"""

from __future__ import annotations

import threading
from typing import Any

from scrapy import signals
from scrapy.utils.asyncio import run_in_thread
from twisted.internet import task

from procurement_spiders.config import Config
from procurement_spiders.national import ledger
from procurement_spiders.national import queue as rq
from procurement_spiders.national.progress import NationalProgress
from procurement_spiders.national.run import ALIVE_TTL, NationalRunMixin
from procurement_spiders.national.store import PlanStore
from procurement_spiders.spiders.base import ColetaSpider
from procurement_spiders.spiders.pncp_nacional_args import parse_national_arguments, redis_client
from procurement_spiders.spiders.pncp_nacional_tasks import SEED, NationalTasks


class PncpNacionalSpider(NationalTasks, NationalRunMixin, ColetaSpider):
    name = "pncp_nacional"
    fonte = "PNCP"
    argument_names = ("ano", "orgaos", "worker", "esperar")

    worker: str

    @classmethod
    def parse_arguments(cls, config: Config, raw: dict[str, Any]) -> dict[str, Any]:
        return parse_national_arguments(config, raw)

    @classmethod
    def update_settings(cls, settings) -> None:
        super().update_settings(settings)
        pipelines = dict(settings.getdict("ITEM_PIPELINES"))
        pipelines.pop("procurement_spiders.pipelines.postgres.PostgresPipeline", None)
        pipelines["procurement_spiders.national.store.NationalPipeline"] = 800
        settings.set("ITEM_PIPELINES", pipelines, priority="spider")
        middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
        middlewares["procurement_spiders.national.bind.BindAddressMiddleware"] = 50
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="spider")
        # Scrapy reads a generator callback's source (inspect + ast) on every response to warn of a
        # `return value`; its cache is keyed by the bound method, and a plan's callbacks are bound to
        # that plan's PlanReader, so it misses every time: measured ~40% of a worker's CPU (bench).
        settings.set("WARN_ON_GENERATOR_RETURN_VALUE", False, priority="spider")
        if settings.get("REDIS_URL"):
            settings.set("SCHEDULER", "procurement_spiders.national.queue.NationalScheduler", priority="spider")
            settings.set("SCHEDULER_QUEUE_CLASS", "procurement_spiders.national.queue.ClaimingQueue", priority="spider")
            settings.set("SCHEDULER_PERSIST", True, priority="spider")  # a stop keeps the queue: resume
            settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.config.redis_url:
            keys = rq.run_keys(spider.config.redis_key_prefix, spider.ano)
            spider.redis_keys = keys
            # scrapy-redis reads its keys from the settings (frozen only after the spider exists)
            crawler.settings.set("REDIS_URL", spider.config.redis_url)
            crawler.settings.set("SCHEDULER_QUEUE_KEY", keys["queue"])
            crawler.settings.set("SCHEDULER_DUPEFILTER_KEY", keys["dupefilter"])
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        return spider

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.redis = None
        self.redis_keys: dict[str, str] = {}
        self.coleta_id: int | None = None
        self.run_conn = None
        self.db_lock = threading.Lock()  # one connection, used from the reactor and from threads
        self.store = PlanStore(self, self.task_stored)
        self.reading: set[str] = set()
        self.final_status: str | None = None
        self.anomalias: list[dict[str, Any]] = []
        self.loop: task.LoopingCall | None = None
        self.ticks = 0
        self.progress = NationalProgress(self)

    def portal_urls(self) -> dict[str, str]:
        return {"pncp": self.config.pncp_base_url, "dados_abertos": self.config.dados_abertos_base_url}

    # -- the run: one coleta, its ledger, this worker's heartbeat ------------------------------

    async def start(self):
        import psycopg

        from procurement_spiders.storage.migrations import apply_migrations

        if self.config.redis_url:
            self.redis = redis_client(self.config.redis_url)
        try:
            database_url = self.config.database_url
            assert database_url is not None  # checked with the arguments
            await run_in_thread(apply_migrations, database_url)
            self.run_conn = await run_in_thread(lambda: psycopg.connect(database_url, autocommit=True))
            dados = {
                "argumentos": {"ano": self.ano, "orgaos": "todos"},
                "portais": self.portal_urls(),
                "distribuida": bool(self.redis),
            }
            if self.esperar:  # a standing worker (k8s Deployment): join a run, never open one
                self.coleta_id, created = await self.wait_for_run(), False
            else:
                self.coleta_id, created = await run_in_thread(
                    ledger.join_or_open, self.run_conn, self.ano, dados, getattr(self, "_job", None), SEED
                )
        except (psycopg.Error, OSError) as exc:
            self.logger.error("database unavailable, nothing will be stored: %s", exc)
            self.mark_failed(f"database unavailable: {type(exc).__name__}")
            await self.crawler.engine.close_spider_async(reason="database_error")
            return
        self.logger.info(
            "worker %s %s national coleta %s (PCA %s)",
            self.worker,
            "opened" if created else "joined",
            self.coleta_id,
            self.ano,
        )
        if self.redis:
            self.redis.set(self.redis_keys["ano"], self.ano)
            rq.heartbeat(self.redis, self.redis_keys, self.worker, ALIVE_TTL)
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(1.0, now=False)
        if created:
            yield self.task_request(*SEED)
        elif not self.redis:  # resuming alone: what the ledger still owes
            for chave, tipo, dados in await self.db(ledger.pending, self.coleta_id):
                yield self.task_request(chave, tipo, dados, requeued=True)
