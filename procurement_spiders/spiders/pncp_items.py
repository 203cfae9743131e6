"""The items of one PNCP plan: `/itens/quantidade`, then the pages of `/itens`, checked against it.

The declared count is believed up to PNCP_MAX_ITEMS_PER_PLAN (above it, or unreadable, the plan
is read page by page until a page comes back short); the announced pages are requested
ITEM_PAGES_AHEAD at a time, as earlier ones answer, so a huge count costs nothing up front; a
full page that brings no new item means the portal ignores `pagina`, and paging stops. Items
repeated or skipped at page boundaries make the count disagree: the plan is read again in one page.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from procurement_spiders.logging import bind_log_context
from procurement_spiders.parsing.messages import clip
from procurement_spiders.spiders.base import InvalidPortalResponse, failed_request
from procurement_spiders.spiders.pncp_host import PncpSpiderHost
from procurement_spiders.spiders.pncp_rows import Plan, PlanItem, read_count

ITEM_PAGES_AHEAD = 4  # a plan's pages in flight or queued at a time, whatever count it declares
ITEMS_META = {"handle_httpstatus_list": [404]}


class PlanItemsPaging(PncpSpiderHost):
    """Mixed into PncpSpider; a fetched plan goes to `plan_fetched`, then to the demandas."""

    def items_request(self, plan: Plan, page: int, size: int, *, sequential: bool) -> scrapy.Request:
        plan.pending_pages += 1
        return scrapy.Request(
            self.pca_url(f"/{plan.sequencial}/itens", pagina=page, tamanhoPagina=size),
            callback=self.parse_items,
            errback=self.items_failed,
            cb_kwargs={"plan": plan, "page": page, "size": size, "sequential": sequential},
            meta=ITEMS_META,
            dont_filter=True,
        )

    def parse_quantidade(self, response: Response, plan: Plan) -> Iterator[scrapy.Request]:
        cap = self.config.pncp_max_items_per_plan
        try:
            expected = read_count(self.json_body(response))
        except (InvalidPortalResponse, ValueError) as exc:
            self.record_anomaly("quantidade_ilegivel", f"plan {plan.sequencial}: {exc}", sequencialPca=plan.sequencial)
            yield from self.item_pages(plan)  # page by page, without a total
            return
        if expected > cap:
            self.record_anomaly(
                "quantidade_acima_do_limite",
                f"plan {plan.sequencial}: /itens/quantidade says {expected}, over PNCP_MAX_ITEMS_PER_PLAN={cap}; "
                "reading page by page until the items end (at most the cap)",
                sequencialPca=plan.sequencial,
                informado=expected,
                limite=cap,
            )
            yield from self.item_pages(plan)
            return
        plan.expected = expected
        plan.pages = max(1, math.ceil(expected / self.page_size))
        self.crawler.stats.inc_value("progress/total_items", expected)
        bind_log_context(total_items=self.crawler.stats.get_value("progress/total_items"))
        yield from self.item_pages(plan)

    def quantidade_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        plan = failed_request(failure).cb_kwargs["plan"]
        self.record_anomaly(
            "quantidade_indisponivel",
            f"plan {plan.sequencial}: {failure.getErrorMessage()}; paging without a total",
            sequencialPca=plan.sequencial,
        )
        yield from self.item_pages(plan)

    def item_pages(self, plan: Plan) -> Iterator[scrapy.Request]:
        """The plan's next announced pages, up to ITEM_PAGES_AHEAD at a time; the last one
        continues page by page while it comes back full."""
        while plan.next_page <= plan.pages and plan.pending_pages < ITEM_PAGES_AHEAD:
            page = plan.next_page
            plan.next_page += 1
            yield self.items_request(plan, page, self.page_size, sequential=page == plan.pages)

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
        added = 0
        for row in rows:
            try:
                item = PlanItem.from_api(row)
            except (AttributeError, KeyError, TypeError, ValueError, ArithmeticError) as exc:
                self.row_anomaly(
                    "linha_invalida",
                    f"{response.url}: item {clip(row)}: {exc!r}",
                    incompleta=True,
                    sequencialPca=plan.sequencial,
                )
                continue
            if item.numero in plan.items:
                stats.inc_value("pncp/repeated_items")
                continue
            plan.items[item.numero] = item
            added += 1
            stats.inc_value("pncp/items")
            stats.inc_value("progress/done_items")
        if sequential and len(rows) >= size:
            yield from self.next_sequential_page(response, plan, page, size, added)
        yield from self.item_pages(plan)
        if plan.pending_pages == 0:
            yield from self.plan_fetched(plan)

    def next_sequential_page(self, response: Response, plan: Plan, page: int, size: int, added: int):
        """The page after a full one, unless the portal ignores `pagina` or the cap is reached."""
        if added == 0:
            self.record_anomaly(
                "paginacao_ignorada",
                f"plan {plan.sequencial}: page {page} is full but brings no new item: "
                "the portal ignores `pagina`; paging stops",
                incompleta=plan.expected is None,
                sequencialPca=plan.sequencial,
                url=response.url,
            )
        elif page * size >= self.config.pncp_max_items_per_plan:
            self.record_anomaly(
                "limite_paginas",
                f"plan {plan.sequencial}: page {page} of {size} is still full at "
                f"PNCP_MAX_ITEMS_PER_PLAN={self.config.pncp_max_items_per_plan}; the rest is not read",
                incompleta=True,
                sequencialPca=plan.sequencial,
                limite=self.config.pncp_max_items_per_plan,
            )
        else:
            yield self.items_request(plan, page + 1, size, sequential=True)

    def items_failed(self, failure: Failure) -> Iterator[Any]:
        plan: Plan = failed_request(failure).cb_kwargs["plan"]
        plan.pending_pages -= 1
        plan.lost_pages += 1
        self.record_anomaly(
            "pagina_perdida",
            f"{failed_request(failure).url}: {failure.getErrorMessage()}",
            incompleta=True,
            sequencialPca=plan.sequencial,
        )
        yield from self.item_pages(plan)
        if plan.pending_pages == 0:
            yield from self.plan_fetched(plan)

    def plan_fetched(self, plan: Plan) -> Iterator[Any]:
        got, expected = len(plan.items), plan.expected
        if expected is not None and got != expected and not plan.refetched:
            # Repeated and skipped items at page boundaries: one page has no boundaries.
            plan.refetched = True
            self.crawler.stats.inc_value("pncp/plans_refetched")
            self.logger.info(
                "plan %s: %d items, %d announced; fetching it again in one page", plan.sequencial, got, expected
            )
            yield self.items_request(plan, 1, max(got, expected) + self.page_size, sequential=True)
            return
        if expected is not None and got != expected:
            self.record_anomaly(
                "quantidade_divergente",
                f"plan {plan.sequencial} (UASG {plan.uasg}): /itens/quantidade says {expected}, the items are {got}",
                sequencialPca=plan.sequencial,
                uasg=plan.uasg,
                informado=expected,
                recebido=got,
            )
        if not self.enrichment_done:
            self.parked.append(plan)
        else:
            yield from self.demandas_of(plan)
