"""The national run as one worker sees it: its ledger connection, its heartbeat, the idle loop
that keeps it until the run is complete (then closes the coleta), and the recovery of tasks held
by dead workers. Mixed into PncpNacionalSpider."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DontCloseSpider
from scrapy.utils.asyncio import run_in_thread, sleep

from procurement_spiders.national import ledger
from procurement_spiders.national import queue as rq
from procurement_spiders.shims import wake_engine

ALIVE_TTL = 6  # seconds a worker counts as alive after its last heartbeat
SAVE_EVERY = 10  # ticks (seconds) between saves of this worker's stats
ORPHAN_GRACE = 10.0  # seconds a pending task may wait unqueued before it is queued again
WAIT_POLL = 10.0  # seconds between a waiting worker's looks for a running coleta (-a esperar=1)


if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.utils.log import SpiderLoggerAdapter

    from procurement_spiders.config import Config
    from procurement_spiders.extensions.coleta import ColetaRecorder


class NationalRunMixin:
    if TYPE_CHECKING:  # what the mixin uses of PncpNacionalSpider, for the type checker only
        crawler: Crawler
        config: Config
        ano: int
        worker: str
        esperar: bool
        redis: Any
        redis_keys: dict[str, str]
        coleta_id: int | None
        run_conn: Any
        db_lock: threading.Lock
        store: Any
        reading: set[str]
        final_status: str | None
        anomalias: list[dict[str, Any]]
        loop: Any
        ticks: int
        progress: Any
        coleta: ColetaRecorder

        @property
        def logger(self) -> SpiderLoggerAdapter: ...

        def task_request(self, *args: Any, **kwargs: Any) -> Any: ...

    def mark_failed(self, message: str) -> None:
        """This worker must not exit 0: the run did not end in success while it ran (the
        recorder then decides `error`, which the crawl command turns into the exit status)."""
        self.coleta.record_failure(message)

    def lost_data(self) -> bool:
        """An anomaly of this worker said data was lost (incompleta); a worker that merely stopped
        lost nothing: its tasks are queued again."""
        return any(a.get("incompleta") for a in self.anomalias) or self.store.failure is not None

    def db_sync(self, fn, *args: Any) -> Any:
        """A ledger function on this worker's connection, one call at a time."""
        with self.db_lock:
            return fn(self.run_conn, *args)

    async def db(self, fn, *args: Any) -> Any:
        return await run_in_thread(self.db_sync, fn, *args)

    async def wait_for_run(self) -> int:
        """`-a esperar=1`: the id of the year's running coleta, waiting (idle) until one is opened by
        a worker without esperar. A Deployment restarts its workers when a run ends; so restarted,
        they wait for the next run instead of opening one."""
        announced = False
        while (coleta_id := await self.db(ledger.running_coleta, self.ano)) is None:
            if not announced:
                self.logger.info("worker %s waits for a national run of %s to be opened", self.worker, self.ano)
                announced = True
            await sleep(WAIT_POLL)
        return coleta_id

    def tick(self) -> None:
        """Every second: the alive key, an idle worker's look at the shared queue, a progress line;
        every SAVE_EVERY seconds this worker's record in the run (and the coleta's heartbeat)."""
        self.ticks += 1
        if self.ticks % SAVE_EVERY == 0 and self.final_status is None:
            self.save_worker()
        if self.redis:
            rq.heartbeat(self.redis, self.redis_keys, self.worker, ALIVE_TTL)
            wake_engine(self.crawler)  # other workers fill the shared queue; the engine would look in 5 s
        self.progress.maybe_log()

    def idle(self) -> None:
        """Keep the worker until the run is complete; then close the coleta (once, any worker)."""
        if self.coleta_id is None or self.final_status is not None or self.store.failure:
            return
        self.save_worker()
        status = self.db_sync(ledger.close_if_done, self.coleta_id)
        if status is not None:
            self.final_status = status
            self.logger.info("national coleta %s finished: %s", self.coleta_id, status)
            if status != "success":
                self.mark_failed(f"national coleta {self.coleta_id} ended {status}")
            if self.redis:
                rq.clear_run(self.redis, self.redis_keys)
            return
        self.recover()
        raise DontCloseSpider

    def recover(self) -> None:
        """Tasks of dead workers back in the queue; pending tasks that nobody queued or holds, queued."""
        requeued: list[str] = []
        if self.redis:
            requeued = rq.requeue_dead(self.redis, self.redis_keys)
            if self.redis.zcard(self.redis_keys["queue"]) == 0:
                held = rq.claimed(self.redis, self.redis_keys)
                for chave, tipo, dados in self.db_sync(ledger.pending, self.coleta_id, ORPHAN_GRACE):
                    if chave not in held:
                        self.crawler.engine.crawl(self.task_request(chave, tipo, dados, requeued=True))
                        requeued.append(chave)
        elif not self._scheduler_has_pending() and not self.reading:
            for chave, tipo, dados in self.db_sync(ledger.pending, self.coleta_id, ORPHAN_GRACE):
                self.crawler.engine.crawl(self.task_request(chave, tipo, dados, requeued=True))
                requeued.append(chave)
        if requeued:
            self.crawler.stats.inc_value("nacional/tarefas_requeued", len(requeued))
            self.logger.warning("queued again %d tasks held by no live worker: %s", len(requeued), requeued[:5])

    def save_worker(self) -> None:
        stats = self.crawler.stats
        dados = {
            "incompleta": self.lost_data(),
            "anomalias": self.anomalias[:1000],
            "stats": {k: v for k, v in stats.get_stats().items() if isinstance(v, (int, float, str, bool))},
        }
        self.db_sync(ledger.save_worker, self.coleta_id, self.worker, dados)

    def _scheduler_has_pending(self) -> bool:
        scheduler = self.crawler.engine.scheduler
        return scheduler is not None and scheduler.has_pending_requests()

    def record_anomaly(self, tipo: str, message: str, *, incompleta: bool = False, **details: Any) -> None:
        super().record_anomaly(tipo, message, incompleta=incompleta, **details)  # type: ignore[misc]  # ColetaSpider's
        self.anomalias.append(
            {"tipo": tipo, "mensagem": message, "worker": self.worker, "incompleta": incompleta, **details}
        )

    def closed(self, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.run_conn is None or self.coleta_id is None:
            if self.run_conn is not None:  # stopped while waiting for a run: nothing to record
                self.run_conn.close()
            return
        if self.final_status is None:  # stopped before the run ended: the coleta stays running for a resume
            self.mark_failed(f"worker stopped ({reason}) before the run was complete")
            self.logger.error(
                "worker %s stopped (%s) before national coleta %s was complete", self.worker, reason, self.coleta_id
            )
        self.save_worker()
        self.progress.log(final=True)
        self.run_conn.close()
