"""Progress lines of a national run: this worker's and the run's totals (from the ledger), rate, ETA."""

from __future__ import annotations

import time

from procurement_spiders.national import ledger


class NationalProgress:
    def __init__(self, spider):
        self.spider = spider
        self.started = time.monotonic()
        self.last = self.started

    def maybe_log(self) -> None:
        interval = self.spider.config.progress_interval
        if interval and time.monotonic() - self.last >= interval:
            self.log()

    def log(self, *, final: bool = False) -> None:
        spider = self.spider
        self.last = time.monotonic()
        if spider.run_conn is None or spider.coleta_id is None or spider.run_conn.closed:
            return
        stats = spider.crawler.stats
        mine = stats.get_value("nacional/tarefas_feitas/plano", 0)
        total = spider.db_sync(ledger.counts, spider.coleta_id)
        done, todo = total.get("plano/feita", 0), total.get("plano/pendente", 0)
        orgaos_done = total.get("orgao/feita", 0)
        elapsed = max(self.last - self.started, 1e-6)
        rate = mine / elapsed * 60
        eta = f"{todo / (rate / 60):.0f} s at this worker's rate" if rate and todo else "-"
        spider.logger.info(
            "%sprogress PCA %s, worker %s: %d plans done here (%.1f/min), %d demandas stored here | "
            "run: órgãos %d done + %d pending, plans %d done / %d discovered, %d demandas stored, ETA %s",
            "final " if final else "",
            spider.ano,
            spider.worker,
            mine,
            rate,
            stats.get_value("postgres/demandas_stored", 0),
            orgaos_done,
            total.get("orgao/pendente", 0),
            done,
            done + todo,
            total.get("demandas", 0),
            eta,
        )
