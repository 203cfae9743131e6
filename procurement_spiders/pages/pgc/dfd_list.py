"""The DFD list ("DFDs da minha UASG"): the PCA dropdown, the UASG tab, the paginated table (read
in one round-trip per page) and the DFD detail modal.

The pure decisions (`parse_report`, `list_page_from_state`, `next_paginator_step`) take plain data
and are unit-tested without a browser."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from selenium.common.exceptions import ElementClickInterceptedException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from procurement_spiders.exceptions import PgcPageError
from procurement_spiders.pages.pgc import selectors as S
from procurement_spiders.pages.pgc.dom import (
    Waits,
    app_idle,
    click,
    session_args,
    texts,
    wait,
    wait_gone,
    wait_until,
    wait_visible,
)

logger = logging.getLogger(__name__)
MAX_PAGINATOR_CLICKS = 10_000  # bound of one walk to a page (each click moves at least one page)


@dataclass
class ListPage:
    page: int
    pages: int
    total: int | None
    first: int | None
    last: int | None
    rows: list[dict[str, str | None]] = field(default_factory=list)

    @property
    def expected_rows(self) -> int | None:
        if self.first is None or self.last is None:
            return None
        return 0 if self.total == 0 else self.last - self.first + 1

    def as_dict(self) -> dict:
        return {
            "page": self.page,
            "pages": self.pages,
            "total": self.total,
            "first": self.first,
            "last": self.last,
            "rows": self.rows,
        }


# -- pure decisions ---------------------------------------------------------------------------
def parse_report(report: str | None) -> tuple[int | None, int | None, int | None]:
    """'Mostrando 21 a 40 de 1.237 registros' -> (21, 40, 1237)."""
    if not report:
        return None, None, None
    report = re.sub(r"(?<=\d)\.(?=\d{3}\b)", "", report)  # pt-BR thousands: 1.020 -> 1020
    numbers = [int(n) for n in re.findall(r"\d+", report)]
    if len(numbers) >= 3:
        return numbers[0], numbers[1], numbers[2]
    return None, None, None


def list_page_from_state(state: dict[str, Any]) -> ListPage:
    """A table state (READERS.table of pgc.js) -> the page's rows and the paginator's numbers."""
    headers = state["headers"]
    if (
        len(headers) < S.COL_SITUACAO
        or headers[S.COL_DFD - 1] != "DFD"
        or any(h not in headers for h in S.REQUIRED_HEADERS)
    ):
        raise PgcPageError(f"unexpected DFD table headers: {headers}")
    first, last, total = parse_report(state["report"])
    page = int(state["current"])
    numbered = [int(p) for p in state["pages"] if p.isdigit()]
    pages = max(numbered) if numbered else page
    if total is not None and last is not None and first is not None:
        size = last - first + 1 if page == 1 else (first - 1) // (page - 1)
        if size > 0:
            pages = max(pages, -(-total // size))
    has_uasg = headers[S.COL_UASG - 1] == "UASG"
    rows = []
    for cells in state["rows"]:
        if len(cells) < S.COL_SITUACAO:
            continue  # "Nenhum registro encontrado"
        rows.append(
            {
                "dfd": cells[S.COL_DFD - 1],
                "requisitante": cells[S.COL_REQUISITANTE - 1],
                "descricao": cells[S.COL_DESCRICAO - 1],
                "valor": cells[S.COL_VALOR - 1],
                "situacao": cells[S.COL_SITUACAO - 1],
                "uasg": cells[S.COL_UASG - 1] if has_uasg else None,
            }
        )
    return ListPage(page=page, pages=pages, total=total, first=first, last=last, rows=rows)


def next_paginator_step(current: int, target: int, visible: list[int]) -> int | None:
    """The page button to click to get from `current` towards `target` (only ~5 buttons show at a
    time: the visible one nearest the target); None when already there. PgcPageError when no
    visible button brings the walk closer."""
    if current == target:
        return None
    step = target if target in visible else min(visible, key=lambda p: abs(p - target), default=current)
    if step == current:
        raise PgcPageError(f"page {target} cannot be reached from page {current} (pages {visible})")
    return step


# -- the page -----------------------------------------------------------------------------------
def table_args(**extra: Any) -> dict[str, Any]:
    return session_args(
        rows=S.TABLE_ROWS,
        headers=S.TABLE_HEADERS,
        current=S.PAGINATOR_CURRENT_PAGE,
        pages=S.PAGINATOR_PAGES,
        report=S.PAGINATOR_REPORT,
        **extra,
    )


def select_pca(driver: WebDriver, ano: int, waits: Waits) -> None:
    """Open `p-dropdown[placeholder="Selecione PCA"]` and pick `li[aria-label^="PCA {ano} -"]`."""
    app_idle(driver, waits)
    label = texts(driver, S.DROPDOWN_PCA_LABEL)
    if label and label[0].startswith(f"PCA {int(ano)} -"):
        return
    option = S.pca_option(ano)
    found = wait(
        driver,
        "option",
        session_args(option=option, any=S.LI_PCA_ANY, click=S.DROPDOWN_PCA_TOGGLE),
        waits,
        f"the option 'PCA {ano}'",
        action="click",
    )
    if found.get("missing") is not None:
        raise PgcPageError(f"PCA {ano} is not offered; options: {found['missing']}")
    wait(driver, "idle", session_args(click=option), waits, f"the data of PCA {ano}", action="click")


def select_uasg_tab(driver: WebDriver, waits: Waits) -> None:
    """'DFDs da minha UASG' (`#minha-uasg`); its results live in `#minhauasg`."""
    app_idle(driver, waits)
    element = wait_until(driver, lambda d: d.find_element(By.ID, S.RADIO_MINHA_UASG_ID), waits, "the 'minha UASG' tab")
    if not element.is_selected():
        try:
            element.click()
        except ElementClickInterceptedException:
            driver.execute_script("arguments[0].click();", element)
        app_idle(driver, waits)


def open_dfd_list(driver: WebDriver, ano: int, waits: Waits) -> ListPage:
    """UASG tab first, then the PCA year (one load instead of two); returns page 1."""
    select_uasg_tab(driver, waits)
    select_pca(driver, ano, waits)
    return list_page_from_state(_ready_table(driver, waits))


def _ready_table(driver: WebDriver, waits: Waits) -> dict:
    return wait(driver, "table", table_args(), waits, "the DFD table of 'minha UASG'")["state"]


def goto_page(driver: WebDriver, target: int, waits: Waits, state: dict | None = None) -> dict:
    """Click through the paginator until page `target` is highlighted; each click and the wait for
    the new page is one round-trip. Returns the table state of page `target`."""
    if state is None:
        state = _ready_table(driver, waits)
    for _ in range(MAX_PAGINATOR_CLICKS):
        current = int(state["current"])
        step = next_paginator_step(current, target, [int(p) for p in state["pages"] if p.isdigit()])
        if step is None:
            return state
        state = wait(
            driver,
            "table",
            table_args(prev=str(current), click=S.paginator_page(step)),
            waits,
            f"page {step} of the DFD table",
            action="click",
        )["state"]
    raise PgcPageError(f"page {target} not reached")


def read_list_page(driver: WebDriver, target: int, waits: Waits, attempts: int = 3) -> tuple[ListPage, int]:
    """Go to page `target` and read it; a page with fewer rows than the paginator announces (the
    real app's flaky last page) is left and read again. Returns (page, re-reads)."""
    rereads = 0
    page = list_page_from_state(goto_page(driver, target, waits))
    while page.expected_rows is not None and len(page.rows) != page.expected_rows and rereads < attempts:
        rereads += 1
        logger.info("PGC page %d showed %d rows of %d; reading it again", target, len(page.rows), page.expected_rows)
        state = goto_page(driver, target - 1 if target > 1 else target + 1, waits)
        page = list_page_from_state(goto_page(driver, target, waits, state))
    return page, rereads


def open_dfd_detail(driver: WebDriver, dfd: str, waits: Waits) -> dict[str, str | None]:
    """Open the detail modal of the row whose DFD column is `dfd`, read it, close it."""
    row = S.table_row(dfd)
    button = wait_until(
        driver,
        lambda d: d.find_element(By.XPATH, row).find_element(By.XPATH, S.ROW_DETAIL_BUTTON),
        waits,
        f"the detail button of DFD {dfd}",
    )
    driver.execute_script("arguments[0].click();", button)
    wait_visible(driver, S.DETAIL_TITLE, waits, "the DFD detail modal")
    app_idle(driver, waits)
    conclusao = texts(driver, S.DETAIL_CONCLUSAO)
    editor = texts(driver, S.DETAIL_EDITOR)
    detail: dict[str, str | None] = {
        "data_conclusao": conclusao[0] if conclusao else None,
        "editor": editor[0] if editor else None,
    }
    click(driver, S.DETAIL_CLOSE, waits, "the 'Fechar' button")
    wait_gone(driver, S.DETAIL_TITLE, waits, "the detail modal to close")
    return detail
