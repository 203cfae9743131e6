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
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Iterator
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from procurement_spiders.config import Config
from procurement_spiders.items import Demanda
from procurement_spiders.logging import log_context
from procurement_spiders.parsing.identifiers import InvalidIdentifier, normalize_dfd
from procurement_spiders.parsing.values import parse_date
from procurement_spiders.spiders.base import (
    ColetaSpider,
    InvalidPortalResponse,
    SpiderArgumentError,
    parse_ano,
    parse_choice,
    parse_cnpj_argument,
    parse_uasg_argument,
)

FONTES = ("portal", "pgc")  # pgc: the crawl command runs `pgc_formacao` instead (FORMACAO_ALIAS)
FORMACAO_ALIAS = "pgc_formacao"
NO_ROWS_META = {"handle_httpstatus_list": [404]}


@dataclass(slots=True)
class PlanItem:
    """The part of a PNCP plan item a demanda needs (kept small: 100,000 of them may wait)."""

    numero: int
    descricao: str | None
    quantidade: Decimal | None
    valor_unitario: Decimal | None
    valor_total: Decimal
    unidade: str | None
    data_desejada: date | None
    categoria: str | None
    grupo_codigo: str | None
    grupo_nome: str | None
    codigo_item: str | None
    classificacao: str | None

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> PlanItem:
        unidade = row.get("unidadeFornecimento")
        return cls(
            numero=int(row["numeroItem"]),
            descricao=row.get("descricao"),
            quantidade=row.get("quantidade"),
            valor_unitario=row.get("valorUnitario"),
            valor_total=Decimal(row.get("valorTotal") or 0),
            unidade=unidade.strip() if isinstance(unidade, str) else unidade,
            data_desejada=parse_date(row.get("dataDesejada")),
            categoria=row.get("categoriaItemPcaNome"),
            grupo_codigo=row.get("grupoContratacaoCodigo"),
            grupo_nome=row.get("grupoContratacaoNome"),
            codigo_item=row.get("codigoItem"),
            classificacao=row.get("classificacaoSuperiorCodigo"),
        )

    def detalhe(self) -> dict[str, Any]:
        return {
            "numeroItem": self.numero,
            "descricao": self.descricao,
            "quantidade": self.quantidade,
            "valorUnitario": self.valor_unitario,
            "valorTotal": self.valor_total,
            "unidadeFornecimento": self.unidade,
            "dataDesejada": self.data_desejada,
            "categoriaItemPcaNome": self.categoria,
            "codigoItem": self.codigo_item,
            "classificacaoSuperiorCodigo": self.classificacao,
        }


@dataclass(slots=True)
class Enrichment:
    dfd: str
    data_inicio: date | None
    data_fim: date | None


@dataclass
class Plan:
    sequencial: int
    uasg: str
    numero_controle: str | None
    expected: int | None = None  # from /itens/quantidade
    items: dict[int, PlanItem] = field(default_factory=dict)
    pending_pages: int = 0
    refetched: bool = False
    lost_pages: int = 0


class PncpSpider(ColetaSpider):
    name = "pncp"
    fonte = "PNCP"
    argument_names = ("ano", "cnpj", "uasg", "fonte")

    cnpj: str
    uasg: str | None

    @classmethod
    def parse_arguments(cls, config: Config, raw: dict[str, Any]) -> dict[str, Any]:
        if cls.wants_formacao(raw):
            raise SpiderArgumentError(f"argument fonte=pgc is the spider {FORMACAO_ALIAS}: "
                                      f"scrapy crawl {FORMACAO_ALIAS} -a ano=…")
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
        self.enrichment: dict[tuple[str, int], Enrichment] = {}
        self.enrichment_pending: set[int] = set()
        self.enrichment_done = False  # every Dados Abertos page answered or failed for good
        self.enrichment_lost_pages: set[int] = set()
        self.parked: list[Plan] = []  # plans fetched before the enrichment was done
        self.emitted_plans = 0

    def portal_urls(self) -> dict[str, str]:
        return {"pncp": self.config.pncp_base_url, "dados_abertos": self.config.dados_abertos_base_url}

    @property
    def page_size(self) -> int:
        return self.settings.getint("PNCP_PAGE_SIZE", 500)

    async def start(self):
        self.logger.info(
            "collecting PCA %s of órgão %s%s from %s",
            self.ano, self.cnpj, f" (UASG {self.uasg})" if self.uasg else "", self.config.pncp_base_url,
        )
        yield self.enrichment_request(1)
        yield self.plans_request(1)

    # -- URLs ---------------------------------------------------------------------------

    def pca_url(self, path: str, **query: Any) -> str:
        base = f"{self.config.pncp_base_url}/api/pncp/v1/orgaos/{self.cnpj}/pca/{self.ano}{path}"
        return f"{base}?{urlencode(query)}" if query else base

    def plans_request(self, page: int) -> scrapy.Request:
        return scrapy.Request(
            self.pca_url("/consolidado/unidades", pagina=page, tamanhoPagina=self.page_size),
            callback=self.parse_plans, errback=self.plans_failed, cb_kwargs={"page": page},
            meta=NO_ROWS_META, priority=10,
        )

    def enrichment_request(self, page: int) -> scrapy.Request:
        query = {"orgao": self.cnpj, "anoPcaProjetoCompra": self.ano}
        if self.uasg:
            query["codigoUasg"] = self.uasg
        query.update(pagina=page, tamanhoPagina=self.settings.getint("DADOS_ABERTOS_PAGE_SIZE", 500))
        self.enrichment_pending.add(page)
        return scrapy.Request(
            f"{self.config.dados_abertos_base_url}/modulo-pgc/1_consultarPgcDetalhe?{urlencode(query)}",
            callback=self.parse_enrichment, errback=self.enrichment_failed, cb_kwargs={"page": page},
            meta=NO_ROWS_META, priority=20,
        )

    def items_request(self, plan: Plan, page: int, size: int, *, sequential: bool) -> scrapy.Request:
        plan.pending_pages += 1
        return scrapy.Request(
            self.pca_url(f"/{plan.sequencial}/itens", pagina=page, tamanhoPagina=size),
            callback=self.parse_items, errback=self.items_failed,
            cb_kwargs={"plan": plan, "page": page, "size": size, "sequential": sequential},
            meta=NO_ROWS_META, dont_filter=True,
        )

    # -- plans ----------------------------------------------------------------------------

    def parse_plans(self, response: Response, page: int) -> Iterator[Any]:
        try:
            rows = self.json_rows(response)
        except InvalidPortalResponse as exc:
            self.record_anomaly("resposta_invalida", str(exc), incompleta=True, url=response.url)
            rows = []
        for row in rows:
            try:
                uasg = str(row.get("codigoUnidade") or "").zfill(6)
                sequencial = int(row["sequencialPca"])
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                self.record_anomaly("linha_invalida", f"{response.url}: plan row {row!r:.200}: {exc!r}",
                                    incompleta=True, url=response.url)
                continue
            if self.uasg and uasg != self.uasg:
                continue
            if sequencial in self.plans:
                continue
            plan = Plan(sequencial=sequencial, uasg=uasg, numero_controle=row.get("numeroControlePNCP"))
            self.plans[sequencial] = plan
            yield scrapy.Request(
                self.pca_url(f"/{sequencial}/itens/quantidade"),
                callback=self.parse_quantidade, errback=self.quantidade_failed,
                cb_kwargs={"plan": plan}, meta=NO_ROWS_META, priority=5,
            )
        if len(rows) >= self.page_size:
            yield self.plans_request(page + 1)
        else:
            self.crawler.stats.set_value("pncp/plans", len(self.plans))
            self.logger.info("%d plans listed for %s/%s", len(self.plans), self.cnpj, self.ano)

    def plans_failed(self, failure: Failure) -> None:
        self.record_anomaly(
            "planos_indisponiveis", f"the list of plans could not be read: {failure.getErrorMessage()}",
            incompleta=True, url=failure.request.url,
        )

    # -- items of a plan --------------------------------------------------------------------

    def parse_quantidade(self, response: Response, plan: Plan) -> Iterator[scrapy.Request]:
        try:
            body = self.json_body(response)
            plan.expected = int(body) if body is not None else 0
        except (InvalidPortalResponse, TypeError, ValueError) as exc:
            self.record_anomaly("quantidade_ilegivel", f"plan {plan.sequencial}: {exc}", sequencialPca=plan.sequencial)
            yield self.items_request(plan, 1, self.page_size, sequential=True)
            return
        self.crawler.stats.inc_value("progress/total_items", plan.expected)
        log_context["total_items"] = self.crawler.stats.get_value("progress/total_items")
        pages = max(1, math.ceil(plan.expected / self.page_size))
        for page in range(1, pages + 1):
            # The last announced page continues sequentially if it comes back full.
            yield self.items_request(plan, page, self.page_size, sequential=page == pages)

    def quantidade_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        plan = failure.request.cb_kwargs["plan"]
        self.record_anomaly(
            "quantidade_indisponivel", f"plan {plan.sequencial}: {failure.getErrorMessage()}; paging without a total",
            sequencialPca=plan.sequencial,
        )
        yield self.items_request(plan, 1, self.page_size, sequential=True)

    def parse_items(self, response: Response, plan: Plan, page: int, size: int, sequential: bool) -> Iterator[Any]:
        plan.pending_pages -= 1
        try:
            rows = self.json_rows(response)
        except InvalidPortalResponse as exc:
            plan.lost_pages += 1
            self.record_anomaly("resposta_invalida", str(exc), incompleta=True, url=response.url)
            rows = []
        stats = self.crawler.stats
        stats.inc_value("pncp/item_pages")
        for row in rows:
            try:
                item = PlanItem.from_api(row)
            except (AttributeError, KeyError, TypeError, ValueError, ArithmeticError) as exc:
                self.record_anomaly("linha_invalida", f"{response.url}: item {row!r:.200}: {exc!r}",
                                    incompleta=True, sequencialPca=plan.sequencial)
                continue
            if item.numero in plan.items:
                stats.inc_value("pncp/repeated_items")
                continue
            plan.items[item.numero] = item
            stats.inc_value("pncp/items")
            stats.inc_value("progress/done_items")
        if sequential and len(rows) >= size:
            yield self.items_request(plan, page + 1, size, sequential=True)
        if plan.pending_pages == 0:
            yield from self.plan_fetched(plan)

    def items_failed(self, failure: Failure) -> Iterator[Any]:
        plan: Plan = failure.request.cb_kwargs["plan"]
        plan.pending_pages -= 1
        plan.lost_pages += 1
        self.record_anomaly(
            "pagina_perdida", f"{failure.request.url}: {failure.getErrorMessage()}",
            incompleta=True, sequencialPca=plan.sequencial,
        )
        if plan.pending_pages == 0:
            yield from self.plan_fetched(plan)

    def plan_fetched(self, plan: Plan) -> Iterator[Any]:
        got, expected = len(plan.items), plan.expected
        if expected is not None and got != expected and not plan.refetched:
            # Repeated and skipped items at page boundaries: one page has no boundaries.
            plan.refetched = True
            self.crawler.stats.inc_value("pncp/plans_refetched")
            self.logger.info("plan %s: %d items, %d announced; fetching it again in one page", plan.sequencial, got, expected)
            yield self.items_request(plan, 1, max(got, expected) + self.page_size, sequential=True)
            return
        if expected is not None and got != expected:
            self.record_anomaly(
                "quantidade_divergente",
                f"plan {plan.sequencial} (UASG {plan.uasg}): /itens/quantidade says {expected}, the items are {got}",
                sequencialPca=plan.sequencial, uasg=plan.uasg, informado=expected, recebido=got,
            )
        if not self.enrichment_done:
            self.parked.append(plan)
        else:
            yield from self.demandas_of(plan)

    # -- enrichment (Dados Abertos) -------------------------------------------------------

    def parse_enrichment(self, response: Response, page: int) -> Iterator[Any]:
        self.enrichment_pending.discard(page)
        try:
            body = self.json_body(response) or {}
            rows = (body.get("resultado") or []) if isinstance(body, dict) else None
            if not isinstance(rows, list):
                raise InvalidPortalResponse(f"{response.url} has no 'resultado' list")
            total_pages = int(body.get("totalPaginas") or 1) if page == 1 else 1
        except (InvalidPortalResponse, TypeError, ValueError) as exc:
            self.enrichment_page_lost(page, str(exc))
            yield from self.enrichment_progress()
            return
        for row in rows:
            try:
                numero = row.get("numeroItemPncp")
                uasg = row.get("codigoUasg")
                dfd = row.get("descricaoArtefato")
                if numero is None or uasg is None or not dfd:
                    continue  # DFD items never published to PNCP
                self.enrichment[(str(uasg).zfill(6), int(numero))] = Enrichment(
                    dfd=str(dfd),
                    data_inicio=parse_date(row.get("dataInicioProcessoCompra")),
                    data_fim=parse_date(row.get("dataFimProcessoCompra")),
                )
            except (AttributeError, TypeError, ValueError) as exc:
                self.record_anomaly("linha_invalida", f"{response.url}: Dados Abertos row {row!r:.200}: {exc!r}",
                                    incompleta=True, url=response.url)
        self.crawler.stats.inc_value("dados_abertos/pages")
        for next_page in range(2, total_pages + 1):
            yield self.enrichment_request(next_page)
        yield from self.enrichment_progress()

    def enrichment_failed(self, failure: Failure) -> Iterator[Any]:
        page = failure.request.cb_kwargs["page"]
        self.enrichment_pending.discard(page)
        self.enrichment_page_lost(page, failure.getErrorMessage())
        yield from self.enrichment_progress()

    def enrichment_page_lost(self, page: int, reason: str) -> None:
        self.crawler.stats.inc_value("dados_abertos/pages_lost")
        self.logger.error("Dados Abertos page %d could not be read: %s", page, reason)
        self.enrichment_lost_pages.add(page)

    @property
    def enrichment_state(self) -> str:
        if not self.enrichment_done:
            return "pending"
        if not self.enrichment_lost_pages:
            return "complete"
        return "failed" if 1 in self.enrichment_lost_pages else "partial"

    def enrichment_progress(self) -> Iterator[Any]:
        """Once every Dados Abertos page answered (or failed for good), release the parked plans."""
        if self.enrichment_pending or self.enrichment_done:
            return
        self.enrichment_done = True
        state = self.enrichment_state
        self.crawler.stats.set_value("dados_abertos/rows", len(self.enrichment))
        self.crawler.stats.set_value("coleta/enriquecimento", state)
        if state != "complete":
            self.record_anomaly(
                "enriquecimento_ausente" if state == "failed" else "enriquecimento_parcial",
                f"Dados Abertos could not be read ({state}): DFD numbers and process dates "
                "are missing where no row was read; PNCP data is stored all the same",
            )
        parked, self.parked = self.parked, []
        for plan in parked:
            yield from self.demandas_of(plan)

    def closed(self, reason: str) -> None:
        """A plan fetched but never turned into demandas is data lost: the coleta must say so."""
        unstored = [p.sequencial for p in self.plans.values() if p.items or p in self.parked]
        if unstored and reason == "finished":
            self.record_anomaly(
                "planos_nao_armazenados", f"plans {unstored} were read but not stored", incompleta=True,
            )

    # -- demandas -------------------------------------------------------------------------------

    def dfd_of(self, plan: Plan, item: PlanItem) -> tuple[str | None, Enrichment | None]:
        match = self.enrichment.get((plan.uasg, item.numero))
        if match is None:
            return None, None
        try:
            return normalize_dfd(match.dfd), match
        except InvalidIdentifier:
            return match.dfd, match  # validation drops it with InvalidDfd, recorded in the coleta

    def demandas_of(self, plan: Plan) -> Iterator[Demanda]:
        groups: dict[tuple[str | None, str | None], list[tuple[PlanItem, Enrichment | None]]] = {}
        for numero in sorted(plan.items):
            item = plan.items[numero]
            dfd, match = self.dfd_of(plan, item)
            groups.setdefault((item.grupo_codigo, dfd), []).append((item, match))
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
                valor=sum((i.valor_total for i in items), Decimal(0)),
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
