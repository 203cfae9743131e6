"""Getting into PGC: the legacy Comprasnet form (auto), a person's login (attended), the PGC tile
of the área de trabalho and the app's window. Credentials are only typed into the form: never
logged, returned or put in an exception message."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from procurement_spiders.exceptions import PgcLoginError, PgcTimeout
from procurement_spiders.pages.pgc import selectors as S
from procurement_spiders.pages.pgc.dom import (
    Waits,
    app_idle,
    click,
    login_page_args,
    probe,
    texts,
    wait,
    wait_until,
    wait_visible,
)

# Messages a person cannot fix by trying again: they end an attended login at once.
FINAL_REASONS = ("password_expired", "password_revoked", "account_blocked")


def classify_login_message(message: str) -> str:
    text = " ".join(message.lower().split())
    for mark, reason in S.LOGIN_REASONS:
        if mark in text:
            return reason
    return "wrong_credentials"


def login_outcome(tile_shown: bool, message: str | None) -> str | None:
    """'ok' on the área de trabalho, 'msg:<text>' on an error message, None while undecided."""
    if tile_shown:
        return "ok"
    if message is not None:
        return "msg:" + message
    return None


def _outcome(driver: WebDriver) -> str | None:
    (_, tile_shown), (msg, _) = probe(driver, S.SPAN_PGC_TITLE, S.LOGIN_MESSAGE)
    if tile_shown or not msg:
        return login_outcome(bool(tile_shown), None)
    found = texts(driver, S.LOGIN_MESSAGE)
    return login_outcome(False, found[0] if found else "")


def login_legacy(driver: WebDriver, cpf: str, senha: str, waits: Waits) -> None:
    """On the legacy Comprasnet login page: Governo panel, CPF + senha, submit, wait for the área
    de trabalho."""
    ((_, inp_shown),) = probe(driver, S.INPUT_LOGIN)
    if not inp_shown:
        wait(
            driver,
            "visible",
            login_page_args(xpath=S.INPUT_LOGIN, click=S.BTN_EXPAND_GOVERNO),
            waits,
            "the 'Governo' login panel",
            action="click",
        )
    for field_id, value in ((S.INPUT_LOGIN_ID, cpf), (S.INPUT_SENHA_ID, senha)):
        element = driver.find_element(By.ID, field_id)
        element.clear()
        element.send_keys(value)
    # The submit navigates: wait from Python (an in-page wait must never span a navigation).
    click(driver, S.BTN_LOGIN_SUBMIT, waits, "the login button")
    outcome = wait_until(driver, _outcome, waits, "the área de trabalho after login")
    if outcome != "ok":
        message = outcome[4:]
        raise PgcLoginError(classify_login_message(message), message)


def wait_attended_login(driver: WebDriver, waits: Waits, timeout: float) -> None:
    """Attended mode: a person logs in (gov.br, human check) in this browser; wait for the área de
    trabalho. A wrong password is left to the person to retry."""

    def check(d: WebDriver) -> str | None:
        outcome = _outcome(d)
        if outcome and outcome.startswith("msg:"):
            reason = classify_login_message(outcome)
            if reason in FINAL_REASONS:
                raise PgcLoginError(reason, outcome[4:])
            return None
        return outcome

    try:
        wait_until(driver, check, Waits(poll=max(waits.poll, 0.5), timeout=timeout), "a person to finish the login")
    except PgcTimeout:
        raise PgcLoginError("login_timeout", f"nobody finished the login within {timeout:g}s") from None


def open_pgc(driver: WebDriver, waits: Waits) -> None:
    """From the área de trabalho: click the PGC tile, switch to the new window `Compras.gov.br - Fase
    Interna`, close the other windows, and wait for the app's first load."""
    before = set(driver.window_handles)
    wait_visible(driver, S.DIV_PGC_ACCESS, waits, "the PGC tile")
    click(driver, S.DIV_PGC_ACCESS, waits, "the PGC tile")

    def switched(d: WebDriver) -> str | None:
        for handle in d.window_handles:
            if handle in before:
                continue
            d.switch_to.window(handle)
            if d.title == S.WINDOW_TITLE:
                return handle
        return None

    handle = wait_until(driver, switched, waits, f"the window '{S.WINDOW_TITLE}'")
    for other in list(driver.window_handles):
        if other != handle:
            driver.switch_to.window(other)
            driver.close()
    driver.switch_to.window(handle)
    wait_visible(driver, S.DROPDOWN_PCA, waits, "the PGC app")
    app_idle(driver, waits)
