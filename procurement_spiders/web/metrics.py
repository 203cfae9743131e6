"""GET /metrics: Prometheus text format, computed at scrape time from PostgreSQL, scrapyd and the Grid.

A custom collector (no counters kept in this process): the numbers are the database's, so several
web replicas, or a restart, never disagree. Each part that cannot be read reports `*_up 0` and its
other series are left out, rather than showing zeros that look like data.
"""

from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, text

from procurement_spiders.browser.health import selenium_status
from procurement_spiders.config import Config
from procurement_spiders.scheduler.runner import ScrapydClient, ScrapydError

# One statement per family; all read only finished or running coletas as they are stored.
COLETAS_SQL = text("SELECT fonte, status, count(*) FROM coletas GROUP BY fonte, status")
LAST_SUCCESS_SQL = text("""SELECT fonte, ano_referencia, extract(epoch FROM max(finished_at)) FROM coletas
                           WHERE status = 'success' GROUP BY fonte, ano_referencia""")
DEMANDAS_SQL = text("""SELECT c.fonte, count(d.id) FROM coletas c JOIN demandas d ON d.coleta_id = c.id
                       GROUP BY c.fonte""")
DURATION_SQL = text("""SELECT DISTINCT ON (fonte) fonte, extract(epoch FROM finished_at - data_coleta) FROM coletas
                       WHERE finished_at IS NOT NULL ORDER BY fonte, finished_at DESC, id DESC""")
DROPS_ANOMALIES_SQL = text("""SELECT fonte,
                                     sum(coalesce((dados #>> '{descartes,total}')::bigint, 0)),
                                     sum(coalesce(jsonb_array_length(CASE WHEN jsonb_typeof(dados -> 'anomalias')
                                         = 'array' THEN dados -> 'anomalias' END), 0))
                              FROM coletas GROUP BY fonte""")


class ProjectCollector(Collector):
    def __init__(self, engine: Engine | None, config: Config, scrapyd: ScrapydClient, project: str):
        self.engine = engine
        self.config = config
        self.scrapyd = scrapyd
        self.project = project

    def collect(self):
        yield from self._database()
        yield from self._scrapyd()
        yield from self._grid()

    def _database(self):
        up = GaugeMetricFamily("procurement_database_up", "1 when PostgreSQL answered this scrape")
        try:
            assert self.engine is not None, "DATABASE_URL is not set"
            with self.engine.connect() as conn:
                coletas = conn.execute(COLETAS_SQL).all()
                last = conn.execute(LAST_SUCCESS_SQL).all()
                demandas = conn.execute(DEMANDAS_SQL).all()
                durations = conn.execute(DURATION_SQL).all()
                drops = conn.execute(DROPS_ANOMALIES_SQL).all()
        except Exception:  # noqa: BLE001 - a scrape never fails; the up gauge says it
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        family = GaugeMetricFamily(
            "procurement_coletas", "Coletas stored, by source and status", labels=["fonte", "status"]
        )
        for fonte, status, n in coletas:
            family.add_metric([fonte, status], n)
        yield family
        family = GaugeMetricFamily(
            "procurement_coleta_last_success_timestamp_seconds",
            "When the latest successful coleta of a source and PCA year finished",
            labels=["fonte", "ano"],
        )
        for fonte, ano, epoch in last:
            family.add_metric([fonte, str(ano)], float(epoch))
        yield family
        family = GaugeMetricFamily(
            "procurement_demandas", "Demandas stored, by the source of their coleta", labels=["fonte"]
        )
        for fonte, n in demandas:
            family.add_metric([fonte], n)
        yield family
        family = GaugeMetricFamily(
            "procurement_coleta_last_duration_seconds",
            "Duration of the latest finished coleta of each source",
            labels=["fonte"],
        )
        for fonte, seconds in durations:
            family.add_metric([fonte], float(seconds))
        yield family
        dropped = GaugeMetricFamily(
            "procurement_items_dropped", "Items dropped by validation, all coletas", labels=["fonte"]
        )
        anomalies = GaugeMetricFamily("procurement_anomalies", "Anomalies recorded, all coletas", labels=["fonte"])
        for fonte, n_dropped, n_anomalies in drops:
            dropped.add_metric([fonte], n_dropped)
            anomalies.add_metric([fonte], n_anomalies)
        yield dropped
        yield anomalies

    def _scrapyd(self):
        up = GaugeMetricFamily("procurement_scrapyd_up", "1 when scrapyd answered this scrape")
        try:
            jobs = self.scrapyd.jobs(self.project)
        except ScrapydError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        family = GaugeMetricFamily("procurement_scrapyd_jobs", "scrapyd jobs by state", labels=["state"])
        for state in ("pending", "running"):
            family.add_metric([state], len(jobs.get(state, [])))
        yield family

    def _grid(self):
        if not self.config.selenium_url:
            return
        status = selenium_status(self.config, timeout=3.0)
        up = GaugeMetricFamily("procurement_grid_up", "1 when the Selenium Grid has a live slot")
        up.add_metric([], 1 if status.get("ok") else 0)
        yield up
        if status.get("free_slots") is not None:
            free = GaugeMetricFamily("procurement_grid_slots_free", "Selenium Grid slots without a session")
            free.add_metric([], status["free_slots"])
            yield free
