"""One plan of the national run, read exactly as `scrapy crawl pncp -a cnpj= -a uasg=` reads it.

A PlanReader is the `pncp` spider's own code (items, count check against /itens/quantidade,
refetch in one page, Dados Abertos join, grouping into demandas, anomalies) bound to one órgão
and UASG inside the national spider: its requests are the worker's local follow-ups, and when
the plan's demandas are ready it tells the store how many to expect before yielding them.

Dados Abertos (the PGC module) covers federal UASGs only: when `/consolidado/unidades` says the
plan's esfera is not federal, no enrichment is asked for and none is expected (not an anomaly);
when it does not say, the plan is enriched as the `pncp` spider does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from procurement_spiders.spiders.pncp import Plan, PncpSpider

FEDERAL = ("F", "FEDERAL")  # `esfera` of PlanoContratacaoOrgaoDTO (pncp.md §2.2; "F" in pgc.md §5.4)


class PlanReader(PncpSpider):
    name = ""  # not a spider of its own: the spider loader lists only named classes

    def __init__(self, national, tarefa: str, cnpj: str, uasg: str, esfera: str | None = None):
        super().__init__(name="pncp", ano=national.ano, cnpj=cnpj, uasg=uasg, fonte_dados="portal")
        self.esfera = esfera
        self.national = national
        self.tarefa = tarefa
        self.crawler = national.crawler
        self.settings = national.crawler.settings
        self.config = national.config

    def record_anomaly(self, tipo: str, message: str, *, incompleta: bool = False, **details: Any) -> None:
        self.national.record_anomaly(
            tipo, f"órgão {self.cnpj}: {message}", incompleta=incompleta, orgao_cnpj=self.cnpj, **details
        )

    @property
    def enrichment_applies(self) -> bool:
        return self.esfera is None or str(self.esfera).strip().upper() in FEDERAL

    def start_enrichment(self) -> Iterator[Any]:
        """Dados Abertos page 1 for a federal (or unknown) esfera; otherwise nothing to wait for."""
        if self.enrichment_applies:
            yield self.enrichment_request(1)
            return
        self.enrichment_done = True
        self.crawler.stats.inc_value("dados_abertos/nao_aplicavel")

    def start_plan(self, sequencial: int, numero_controle: str | None) -> Plan:
        assert self.uasg is not None  # a plan reader is bound to one UASG
        plan = Plan(sequencial=sequencial, uasg=self.uasg, numero_controle=numero_controle)
        self.plans[sequencial] = plan
        return plan

    def demandas_of(self, plan: Plan) -> Iterator[Any]:
        demandas = list(super().demandas_of(plan))
        for demanda in demandas:
            demanda.chave = f"{self.cnpj}:{demanda.chave}"  # chaves of different órgãos may coincide
        self.national.store.expect(self.tarefa, len(demandas))
        yield from demandas
