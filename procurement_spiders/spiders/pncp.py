"""`scrapy crawl pncp -a ano=2025 [-a cnpj=…] [-a uasg=…]`

(`-a fonte=pgc` is an alias of the spider `pgc_formacao`, redirected by the crawl command.)

Domain: PNCP API de integração (public GETs) and Compras.gov.br Dados Abertos `modulo-pgc`.
Flow: the órgão's plans (one per UASG) → each plan's items, checked against
`/itens/quantidade` → joined with Dados Abertos rows (DFD number and process dates) → one
Demanda per (plan, contratação futura, DFD).

Caveats (reference pncp.md §1.9, §2): "no rows" is 204, an empty 200 or a 404; 429 comes from
a WAF with no Retry-After (RateLimitMiddleware); items may repeat or go missing at page
boundaries, so items are keyed on (cnpj, ano, sequencialPca, numeroItem) and a plan whose
count disagrees is fetched again in one page.

Bounded work (a plan's items: pncp_items.py; Dados Abertos: pncp_enrichment.py): what the
portal declares (totalPaginas, /itens/quantidade) is believed up to the caps of config.py
(PNCP_MAX_PLANS, PNCP_MAX_ITEMS_PER_PLAN, DADOS_ABERTOS_MAX_PAGES); a full page that brings
nothing new means the portal ignores `pagina`, and paging stops. Each cap hit is an anomaly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from procurement_spiders.config import Config
from procurement_spiders.items import Demanda
from procurement_spiders.parsing.messages import clip
from procurement_spiders.spiders.base import (
    ColetaSpider,
    InvalidPortalResponse,
    SpiderArgumentError,
    failed_request,
    parse_ano,
    parse_choice,
    parse_cnpj_argument,
    parse_uasg_argument,
)
from procurement_spiders.spiders.pncp_enrichment import DadosAbertosEnrichment
from procurement_spiders.spiders.pncp_items import PlanItemsPaging
from procurement_spiders.spiders.pncp_rows import (
    Enrichment,
    Plan,
    PlanItem,
    read_count,
)

FONTES = ("portal", "pgc")  # pgc: the crawl command runs `pgc_formacao` instead (FORMACAO_ALIAS)
FORMACAO_ALIAS = "pgc_formacao"
NO_ROWS_META = {"handle_httpstatus_list": [404]}
MAX_ROW_ANOMALIES = 20  # unreadable rows recorded one by one per kind; the rest are counted


class PncpSpider(PlanItemsPaging, DadosAbertosEnrichment, ColetaSpider):
    name = "pncp"
    fonte = "PNCP"
    argument_names = ("ano", "cnpj", "uasg", "fonte")

    cnpj: str
    uasg: str | None

    @classmethod
    def parse_arguments(cls, config: Config, raw: dict[str, Any]) -> dict[str, Any]:
        if cls.wants_formacao(raw):
            raise SpiderArgumentError(
                f"argument fonte=pgc is the spider {FORMACAO_ALIAS}: scrapy crawl {FORMACAO_ALIAS} -a ano=…"
            )
        return {
            "ano": parse_ano(raw.get("ano")),
            "cnpj": parse_cnpj_argument(raw.get("cnpj"), config.orgao_cnpj),
            "uasg": parse_uasg_argument(raw.get("uasg")),
            "fonte_dados": parse_choice("fonte", raw.get("fonte"), FONTES, "portal"),
        }

    @staticmethod
    def wants_formacao(raw: dict[str, Any]) -> bool:
        """`-a fonte=pgc`: the Formação do PCA, served by the spider `pgc_formacao`."""
        return parse_choice("fonte", raw.get("fonte"), FONTES, "portal") == "pgc"

    @classmethod
    def alias_for(cls, raw: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """The spider and arguments that really serve these arguments (see the crawl command)."""
        if not cls.wants_formacao(raw):
            return None
        return FORMACAO_ALIAS, {k: v for k, v in raw.items() if k != "fonte"}

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.pop("fonte", None)  # the spider's `fonte` is the coleta's ('PNCP'); the argument is fonte_dados
        super().__init__(*args, **kwargs)
        self.plans: dict[int, Plan] = {}
        self.plans_seen: set[int] = set()  # every sequencialPca listed, the UASG filter's left-outs too
        self.emitted_plans = 0
        self.row_anomalies: dict[str, int] = {}
        self.init_enrichment()

    def portal_urls(self) -> dict[str, str]:
        return {"pncp": self.config.pncp_base_url, "dados_abertos": self.config.dados_abertos_base_url}

    @property
    def page_size(self) -> int:
        return self.config.pncp_page_size

    async def start(self):
        self.logger.info(
            "collecting PCA %s of órgão %s%s from %s",
            self.ano,
            self.cnpj,
            f" (UASG {self.uasg})" if self.uasg else "",
            self.config.pncp_base_url,
        )
        yield self.enrichment_request(1)
        yield self.plans_request(1)

    def row_anomaly(self, tipo: str, message: str, **details: Any) -> None:
        """An unreadable row: the first MAX_ROW_ANOMALIES of each kind are recorded one by one,
        the rest counted (`closed` records the total), so a hostile portal cannot flood the coleta."""
        seen = self.row_anomalies[tipo] = self.row_anomalies.get(tipo, 0) + 1
        if seen <= MAX_ROW_ANOMALIES:
            self.record_anomaly(tipo, message, **details)

    # -- URLs ---------------------------------------------------------------------------

    def pca_url(self, path: str, **query: Any) -> str:
        base = f"{self.config.pncp_base_url}/api/pncp/v1/orgaos/{self.cnpj}/pca/{self.ano}{path}"
        return f"{base}?{urlencode(query)}" if query else base

    def plans_request(self, page: int) -> scrapy.Request:
        return scrapy.Request(
            self.pca_url("/consolidado/unidades", pagina=page, tamanhoPagina=self.page_size),
            callback=self.parse_plans,
            errback=self.plans_failed,
            cb_kwargs={"page": page},
            meta=NO_ROWS_META,
            priority=10,
        )

    # -- plans ----------------------------------------------------------------------------

    def parse_plans(self, response: Response, page: int) -> Iterator[Any]:
        try:
            rows = self.json_rows(response)
        except InvalidPortalResponse as exc:
            self.record_anomaly("resposta_invalida", str(exc), incompleta=True, url=response.url)
            rows = []
        new = 0
        for row in rows:
            try:
                uasg = str(row.get("codigoUnidade") or "").zfill(6)
                sequencial = read_count(row["sequencialPca"])
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                self.row_anomaly(
                    "linha_invalida",
                    f"{response.url}: plan row {clip(row)}: {exc!r}",
                    incompleta=True,
                    url=response.url,
                )
                continue
            if sequencial in self.plans_seen:
                continue
            if len(self.plans_seen) >= self.config.pncp_max_plans:
                self.record_anomaly(
                    "limite_planos",
                    f"more than PNCP_MAX_PLANS={self.config.pncp_max_plans} plans listed; the rest is not read",
                    incompleta=True,
                    limite=self.config.pncp_max_plans,
                )
                rows = []  # no further page either
                break
            self.plans_seen.add(sequencial)
            new += 1
            if self.uasg and uasg != self.uasg:
                continue
            plan = Plan(sequencial=sequencial, uasg=uasg, numero_controle=row.get("numeroControlePNCP"))
            self.plans[sequencial] = plan
            yield scrapy.Request(
                self.pca_url(f"/{sequencial}/itens/quantidade"),
                callback=self.parse_quantidade,
                errback=self.quantidade_failed,
                cb_kwargs={"plan": plan},
                meta=NO_ROWS_META,
                priority=5,
            )
        if len(rows) >= self.page_size and new == 0:
            self.record_anomaly(
                "paginacao_ignorada",
                f"page {page} of the plans repeats plans already listed: the portal ignores `pagina`; paging stops",
                incompleta=True,
                url=response.url,
            )
        elif len(rows) >= self.page_size:
            yield self.plans_request(page + 1)
            return
        self.crawler.stats.set_value("pncp/plans", len(self.plans))
        self.logger.info("%d plans listed for %s/%s", len(self.plans), self.cnpj, self.ano)

    def plans_failed(self, failure: Failure) -> None:
        self.record_anomaly(
            "planos_indisponiveis",
            f"the list of plans could not be read: {failure.getErrorMessage()}",
            incompleta=True,
            url=failed_request(failure).url,
        )

    def closed(self, reason: str) -> None:
        """A plan fetched but never turned into demandas is data lost: the coleta must say so."""
        for tipo, count in self.row_anomalies.items():
            if count > MAX_ROW_ANOMALIES:
                self.record_anomaly(
                    tipo, f"{count} rows of this kind in all ({MAX_ROW_ANOMALIES} recorded one by one)", total=count
                )
        unstored = [p.sequencial for p in self.plans.values() if p.items or p in self.parked]
        if unstored and reason == "finished":
            self.record_anomaly(
                "planos_nao_armazenados",
                f"plans {unstored} were read but not stored",
                incompleta=True,
            )

    # -- demandas -------------------------------------------------------------------------------

    def demandas_of(self, plan: Plan) -> Iterator[Demanda]:
        groups: dict[tuple[str | None, str | None], list[tuple[PlanItem, Enrichment | None]]] = {}
        for numero in sorted(plan.items):
            item = plan.items[numero]
            match = self.enrichment.get((plan.uasg, item.numero))
            groups.setdefault((item.grupo_codigo, match.dfd if match else None), []).append((item, match))
        for (grupo, dfd), members in groups.items():
            items = [item for item, _ in members]
            matches = [m for _, m in members if m is not None]
            inicios = [m.data_inicio for m in matches if m.data_inicio]
            fins = [m.data_fim for m in matches if m.data_fim]
            desejadas = [i.data_desejada for i in items if i.data_desejada]
            yield Demanda(
                fonte=self.fonte,
                chave=f"{plan.uasg}/{plan.sequencial}|{grupo or ''}|{dfd or ''}",
                ano_referencia=self.ano,
                orgao_cnpj=self.cnpj,
                uasg=plan.uasg,
                dfd=dfd,
                contratacao=grupo,
                descricao=items[0].grupo_nome if grupo else items[0].descricao,
                categoria=", ".join(sorted({i.categoria for i in items if i.categoria})) or None,
                valor=[i.valor_total for i in items],  # validation adds them up (or drops the demanda)
                data_desejada=min(desejadas) if desejadas else None,
                data_inicio=min(inicios) if inicios else None,
                data_fim=max(fins) if fins else None,
                status="PUBLICADO",
                detalhes={
                    "sequencialPca": plan.sequencial,
                    "numeroControlePNCP": plan.numero_controle,
                    "itens": [i.detalhe() for i in items],
                },
            )
        self.emitted_plans += 1
        self.crawler.stats.set_value("pncp/plans_stored", self.emitted_plans)
        plan.items.clear()  # free the memory: the demandas carry what is kept
