"""`scrapy crawl pgc -a ano=2025 [-a detalhes=1]`: the DFDs of a PCA year from the logged-in PGC app.

Logs in (PGC_LOGIN_MODE=auto with PGC_CPF/PGC_SENHA on the legacy form; attended: a person logs
in on the remote browser), opens PGC, selects the UASG tab and the PCA year, and walks every page
of "DFDs da minha UASG", yielding one Demanda per DFD (de-duplicated on the DFD number).

The real grid repeats or skips rows across page turns and reads its last page badly at times
(the legacy macro's dedupe and `corrige_falha_PGC`): a page whose rows overlap a neighbour's is
read again with that neighbour, a short page is re-read by the page object, and when the DFDs
collected still fall short of the paginator's total, every page is read once more. What is still
missing after that is reported as an anomaly (coleta incompleta), never hidden.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from procurement_spiders.config import Config
from procurement_spiders.items import Demanda
from procurement_spiders.spiders.base import parse_ano, parse_flag
from procurement_spiders.spiders.pgc_browser import PgcBrowserSpider

MAX_REREADS_PER_PAGE = 3
MAX_FULL_PASSES = 2  # extra walks over every page when the total is still not reached


def overlapping_neighbours(
    page: int,
    page_dfds: dict[int, list[str]],
    queued: Iterable[int],
    reads: dict[int, int],
    max_rereads: int = MAX_REREADS_PER_PAGE,
) -> list[tuple[int, list[int]]]:
    """For each neighbour of `page` (not already queued) that shares DFDs with it: the pages to read
    again, lower page first (each at most `max_rereads` more times)."""
    queue = set(queued)
    mine = set(page_dfds.get(page) or ())
    found = []
    for other in (page - 1, page + 1):
        theirs = page_dfds.get(other)
        if not theirs or other in queue or not mine.intersection(theirs):
            continue
        again = [p for p in sorted((page, other), reverse=True) if reads.get(p, 0) <= max_rereads and p not in queue]
        queue.update(again)
        found.append((other, again))
    return found


class PgcSpider(PgcBrowserSpider):
    name = "pgc"
    fonte = "PGC"
    argument_names = ("ano", "detalhes")

    detalhes: bool

    @classmethod
    def parse_arguments(cls, config: Config, raw: dict[str, Any]) -> dict[str, Any]:
        typed = {"ano": parse_ano(raw.get("ano")), "detalhes": parse_flag("detalhes", raw.get("detalhes"))}
        cls.check_pgc_login_config(config)
        return typed

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rows: dict[str, dict] = {}  # DFD -> row, in the order first seen
        self.page_dfds: dict[int, list[str]] = {}
        self.reads: dict[int, int] = {}
        self.pages: int | None = None
        self.total: int | None = None
        self.queue: deque[int] = deque()
        self.full_passes = 0

    async def start(self):
        self.pgc_init()
        self.pages_per_step = self.config.pgc_pages_per_step
        self.logger.info(
            "collecting the DFDs of PCA %s from PGC at %s (login %s%s)",
            self.ano,
            self.config.pgc_base_url,
            self.config.pgc_login_mode,
            ", with DFD details" if self.detalhes else "",
        )
        yield self.login_request([1], new_session=False)

    # -- steps -------------------------------------------------------------------------------
    def _detail_skip(self) -> set[str] | None:
        return set(self.rows) if self.detalhes else None

    def login_request(self, pages: list[int], *, new_session: bool):
        return self.pgc_request(
            self.pgc_actions.login_and_list_pages(self.ano, pages, detail_skip=self._detail_skip()),
            self.parse_pages,
            navigate=True,
            label=f"login-pages-{pages[0]}",
            new_session=new_session,
            cb_kwargs={"pages": pages},
        )

    def pages_request(self, pages: list[int]):
        return self.pgc_request(
            self.pgc_actions.list_pages(pages, detail_skip=self._detail_skip()),
            self.parse_pages,
            navigate=False,
            label=f"pages-{pages[0]}-{pages[-1]}",
            cb_kwargs={"pages": pages},
        )

    def pgc_resume(self, failed_request, *, new_session: bool):
        yield self.login_request(failed_request.cb_kwargs.get("pages") or [1], new_session=new_session)

    # -- parsing -----------------------------------------------------------------------------
    def parse_pages(self, response, pages: list[int]):
        result = response.meta.get("selenium_result") or {}
        self.note_unidade(result.get("unidade"))
        read = result.get("pages") or []
        for asked, page_result in zip(pages, read, strict=False):  # an expired session reads fewer
            yield from self.parse_page(asked, page_result)
        if not result.get("ok"):
            if self.pgc_result(response) is None:  # session expired (a login failure raised CloseSpider)
                remaining = pages[len(read) :] or [pages[-1]]
                self.pgc_relogin_allowed(f"the session expired at page {remaining[0]}")
                yield self.login_request(remaining, new_session=False)
            return
        yield from self.next_step()

    def parse_page(self, page: int, result: dict):
        data = result["page"]
        stats = self.crawler.stats
        stats.inc_value("pgc/pages_read")
        stats.inc_value("pgc/page_rereads", result.get("rereads", 0))
        if data["page"] != page:
            self.record_anomaly("pgc_pagina_errada", f"asked for page {page}, the paginator shows {data['page']}")
        first_read = self.pages is None
        self.pages, self.total = data["pages"], data["total"]
        if first_read:
            self.logger.info("PGC: PCA %s has %s DFDs in %s pages", self.ano, self.total, self.pages)
            self.queue.extend(range(2, self.pages + 1))
        details = result.get("details") or {}
        dfds = []
        for row in data["rows"]:
            dfd = row["dfd"]
            dfds.append(dfd)
            if dfd in self.rows:
                stats.inc_value("pgc/rows_repeated")
                continue
            self.rows[dfd] = row
            self.unidade_from_data(row.get("uasg"))
            yield self.demanda(row, details.get(dfd))
        self.page_dfds[page] = dfds
        self.reads[page] = self.reads.get(page, 0) + 1
        self.check_neighbours(page)

    def check_neighbours(self, page: int) -> None:
        """Rows shared with an adjacent page mean one of the two was shifted: read both again."""
        for other, again in overlapping_neighbours(page, self.page_dfds, self.queue, self.reads):
            self.queue.extendleft(again)
            self.crawler.stats.inc_value("pgc/overlaps")
            self.logger.info("PGC: pages %d and %d share rows; reading them again", min(page, other), max(page, other))

    def _take_batch(self) -> list[int]:
        return [self.queue.popleft() for _ in range(min(self.pages_per_step, len(self.queue)))]

    def next_step(self):
        if self.queue:
            yield self.pages_request(self._take_batch())
            return
        if self.total is not None and len(self.rows) < self.total and self.full_passes < MAX_FULL_PASSES:
            self.full_passes += 1
            self.logger.warning(
                "PGC: %d of %d DFDs after walking the pages; walking them all again (%d/%d)",
                len(self.rows),
                self.total,
                self.full_passes,
                MAX_FULL_PASSES,
            )
            self.queue.extend(range(1, (self.pages or 1) + 1))
            yield self.pages_request(self._take_batch())
            return
        self.finish()

    def finish(self) -> None:
        stats = self.crawler.stats
        stats.set_value("pgc/dfds", len(self.rows))
        stats.set_value("pgc/total_announced", self.total)
        if self.total is not None and len(self.rows) != self.total:
            self.record_anomaly(
                "pgc_total_divergente",
                f"collected {len(self.rows)} DFDs, the paginator announced {self.total}",
                incompleta=len(self.rows) < self.total,
                coletados=len(self.rows),
                anunciados=self.total,
            )
        self.logger.info(
            "PGC: %d DFDs of PCA %s collected (%d pages, %d new logins)",
            len(self.rows),
            self.ano,
            self.pages or 0,
            self.pgc_relogins,
        )

    def demanda(self, row: dict, detail: dict | None) -> Demanda:
        detalhes: dict[str, Any] = {"pagina_origem": "DFDs da minha UASG"}
        if detail:
            detalhes["editor"] = detail.get("editor")
        return Demanda(
            fonte=self.fonte,
            chave=row["dfd"],
            ano_referencia=self.ano,
            orgao_cnpj=self.demanda_orgao_cnpj(),
            uasg=row.get("uasg") or (self.unidade or {}).get("uasg"),
            dfd=row["dfd"],
            descricao=row["descricao"],
            requisitante=row["requisitante"],
            valor=row["valor"] or None,
            status=row["situacao"],
            data_conclusao=(detail or {}).get("data_conclusao") or None,
            detalhes=detalhes,
        )
