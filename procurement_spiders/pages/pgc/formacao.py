"""The "Formação do PCA" screen: the PCA year, then each tab's lazily rendered list of contratação
cards, scrolled in its own container until the cards reach the tab's total label.

An empty tab may show only a "no records" message, with or without a total label (reference §3.3):
both are a complete, empty tab. `tab_progress` is the pure decision of the scroll loop."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from selenium.webdriver.remote.webdriver import WebDriver

from procurement_spiders.exceptions import PgcSessionExpired, PgcTimeout
from procurement_spiders.pages.pgc import selectors as S
from procurement_spiders.pages.pgc.dfd_list import select_pca
from procurement_spiders.pages.pgc.dom import (
    Waits,
    app_idle,
    click,
    probe,
    read,
    session_args,
    wait,
    wait_until,
    wait_visible,
)

SCROLL_WAIT = 5.0  # seconds one scroll waits for more cards before looking again


@dataclass
class TabRead:
    aba: str
    total: int | None
    cards: list[dict[str, str | None]]
    rounds: int
    complete: bool


def digits(text: str | None) -> int | None:
    found = "".join(ch for ch in (text or "") if ch.isdigit())
    return int(found) if found else None


def tab_progress(state: dict[str, Any], cards: list[dict]) -> tuple[list[dict], int | None, bool]:
    """From one READERS.cards state (cards from index len(cards) on): the new complete cards (none
    when some are still half-rendered), the tab's total and whether the tab is read to its end."""
    total = digits(state.get("total"))
    rendered = state.get("cards") or []
    new = [c for c in rendered if c and c.get("contratacao")]
    if len(new) != len(rendered):
        new = []
    if total is None and state.get("empty") and not cards and not new:
        return [], 0, True  # only the "no records" message: an empty tab
    done = total is not None and len(cards) + len(new) >= total
    return new, total, done


def open_formacao(driver: WebDriver, ano: int, waits: Waits) -> None:
    app_idle(driver, waits)
    click(driver, S.BTN_FORMACAO_PCA, waits, "the 'Formação do PCA' button")
    wait_visible(driver, S.DROPDOWN_PCA, waits, "the Formação do PCA screen")
    app_idle(driver, waits)
    select_pca(driver, ano, waits)
    wait_until(driver, lambda d: probe(d, S.tab(S.ABAS[0]))[0][1], waits, "the contratações tabs")


def read_tab(driver: WebDriver, aba: str, waits: Waits, budget: float = 180.0, stale_rounds: int = 10) -> TabRead:
    """Open tab `aba`, then scroll its list's own container to the end until the cards rendered
    reach the tab's total label (the list grows only when scrolled). Stops after `budget` seconds
    or `stale_rounds` scrolls without growth, returning what was read with complete=False."""
    panel = S.tab_panel(aba)
    click(driver, S.tab(aba), waits, f"the tab {aba}")
    wait_visible(driver, panel, waits, f"the panel of tab {aba}")
    app_idle(driver, waits)
    args = session_args(
        panel=panel,
        cards=S.TAB_CARDS,
        base=S.CARD_BASE,
        fields=S.CARD_FIELDS,
        total=S.TAB_TOTAL_LABEL,
        empty=S.TAB_EMPTY_MESSAGE,
        start=0,
    )
    cards: list[dict] = []
    stale = rounds = 0
    deadline = time.monotonic() + budget
    state = read(driver, "cards", args)
    while True:
        if state["expired"]:
            raise PgcSessionExpired("the PGC session expired")
        new, total, done = tab_progress(state, cards)
        if new:
            cards.extend(new)
            stale = 0
        if done:
            return TabRead(aba, total, cards, rounds, True)
        if stale >= stale_rounds or time.monotonic() > deadline:
            return TabRead(aba, total, cards, rounds, False)
        args["start"] = len(cards)
        rounds += 1
        stale += 1
        try:
            grown = wait(
                driver,
                "cards",
                dict(args, before=state["count"], anchor=S.TAB_SCROLL_ANCHOR),
                waits,
                f"more cards in tab {aba}",
                action="scroll_end",
                timeout=min(waits.timeout, SCROLL_WAIT),
            )
            state = grown["state"]
        except PgcTimeout:
            state = read(driver, "cards", args)
