"""The pncp spider's enrichment: DFD numbers and process dates from Compras.gov.br Dados Abertos
(`GET /modulo-pgc/1_consultarPgcDetalhe`), joined to PNCP items on (UASG, numeroItemPncp).

Enrichment never costs PNCP data: when a page, or one row, cannot be read, the demandas are
stored without what it would have added and the coleta records the anomaly. `totalPaginas` is
believed up to DADOS_ABERTOS_MAX_PAGES.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from procurement_spiders.parsing.messages import clip
from procurement_spiders.spiders.base import InvalidPortalResponse, failed_request
from procurement_spiders.spiders.pncp_host import PncpSpiderHost
from procurement_spiders.spiders.pncp_rows import Enrichment, UnreadableEnrichment, enrichment_from_row, read_count

DADOS_ABERTOS_META = {"handle_httpstatus_list": [404]}


class DadosAbertosEnrichment(PncpSpiderHost):
    """Mixed into PncpSpider; `parked` plans wait here until every enrichment page answered."""

    def init_enrichment(self) -> None:
        self.enrichment: dict[tuple[str, int], Enrichment] = {}
        self.enrichment_pending: set[int] = set()
        self.enrichment_done = False  # every Dados Abertos page answered or failed for good
        self.enrichment_lost_pages: set[int] = set()
        self.enrichment_cut = False  # more pages declared than DADOS_ABERTOS_MAX_PAGES, or `pagina` ignored
        self.enrichment_first_page: tuple | None = None  # to see a portal that ignores `pagina`
        self.parked: list[Any] = []  # plans fetched before the enrichment was done

    def enrichment_request(self, page: int) -> scrapy.Request:
        query: dict[str, Any] = {"orgao": self.cnpj, "anoPcaProjetoCompra": self.ano}
        if self.uasg:
            query["codigoUasg"] = self.uasg
        query.update(pagina=page, tamanhoPagina=self.config.dados_abertos_page_size)
        self.enrichment_pending.add(page)
        return scrapy.Request(
            f"{self.config.dados_abertos_base_url}/modulo-pgc/1_consultarPgcDetalhe?{urlencode(query)}",
            callback=self.parse_enrichment,
            errback=self.enrichment_failed,
            cb_kwargs={"page": page},
            meta=DADOS_ABERTOS_META,
            priority=20,
        )

    def parse_enrichment(self, response: Response, page: int) -> Iterator[Any]:
        self.enrichment_pending.discard(page)
        try:
            body = self.json_body(response) or {}
            rows = (body.get("resultado") or []) if isinstance(body, dict) else None
            if not isinstance(rows, list):
                raise InvalidPortalResponse(f"{response.url} has no 'resultado' list")
            total_pages = (read_count(body.get("totalPaginas")) or 1) if page == 1 else 1
        except (InvalidPortalResponse, ValueError) as exc:
            self.enrichment_page_lost(page, str(exc))
            yield from self.enrichment_progress()
            return
        for row in rows:
            self.enrichment_row(response, row)
        self.crawler.stats.inc_value("dados_abertos/pages")
        self.check_repeated_page(response, page, rows)
        cap = self.config.dados_abertos_max_pages
        if total_pages > cap:
            self.enrichment_cut = True
            self.record_anomaly(
                "limite_paginas",
                f"Dados Abertos declares {total_pages} pages, over DADOS_ABERTOS_MAX_PAGES={cap}; only {cap} are read",
                url=response.url,
                informado=total_pages,
                limite=cap,
            )
        for next_page in range(2, min(total_pages, cap) + 1):
            yield self.enrichment_request(next_page)
        yield from self.enrichment_progress()

    def enrichment_row(self, response: Response, row: Any) -> None:
        try:
            key, enrichment, problems = enrichment_from_row(row)
        except UnreadableEnrichment as exc:
            self.row_anomaly(
                "enriquecimento_invalido",
                f"{response.url}: Dados Abertos row {clip(row)} is not used: {exc}; its PNCP item is stored without it",
                url=response.url,
            )
            return
        except (AttributeError, TypeError, ValueError) as exc:
            self.row_anomaly(
                "enriquecimento_invalido",
                f"{response.url}: Dados Abertos row {clip(row)} is not used: {exc!r}",
                url=response.url,
            )
            return
        if key is None or enrichment is None:
            return  # DFD items never published to PNCP
        for problem in problems:
            self.row_anomaly(
                "enriquecimento_invalido",
                f"DFD {enrichment.dfd} (UASG {key[0]}, item {key[1]}): {problem}; its process dates are left out",
                url=response.url,
            )
        self.enrichment[key] = enrichment

    def check_repeated_page(self, response: Response, page: int, rows: list) -> None:
        signature = (len(rows), repr(rows[0])[:500], repr(rows[-1])[:500]) if rows else None
        if page == 1:
            self.enrichment_first_page = signature
        elif signature is not None and signature == self.enrichment_first_page:
            self.enrichment_cut = True
            self.row_anomaly(
                "paginacao_ignorada",
                f"Dados Abertos page {page} repeats page 1: the portal ignores `pagina`",
                url=response.url,
            )

    def enrichment_failed(self, failure: Failure) -> Iterator[Any]:
        page = failed_request(failure).cb_kwargs["page"]
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
        if 1 in self.enrichment_lost_pages:
            return "failed"
        return "partial" if self.enrichment_lost_pages or self.enrichment_cut else "complete"

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
