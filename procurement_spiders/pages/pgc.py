"""Page objects of PGC (Compras.gov.br planning app): the ONE place where its selectors live.

Selectors follow the XPaths a legacy macro used for years on the real logged-in app (reference
`pgc-dom/`), preferring ids, placeholders, aria-labels and texts over Angular classes that change.

Every function takes a WebDriver and runs blocking WebDriver calls: call them from the browser
layer's worker threads, e.g. as `meta["selenium_actions"]` callables (see `PgcActions`). Waits
poll at `Waits.poll` (POLL_TIME) with one script round-trip per poll, and raise:

- `PgcLoginError` (reason `wrong_credentials`, `password_expired`, `password_revoked`,
  `account_blocked`, `login_timeout`): the run must end, never retry a login in a loop;
- `PgcSessionExpired`: the app's session ended (log in again and resume);
- `PgcPageError`: the page is not what the collector expects (a changed DOM, a missing PCA).

Credentials are only typed into the login form; they are never logged, returned or put in an
exception message.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from selenium.common.exceptions import (
    ElementClickInterceptedException,
    JavascriptException,
    WebDriverException,
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

logger = logging.getLogger(__name__)

# -- selectors ------------------------------------------------------------------------------
# Paths (under COMPRASNET_BASE_URL and PGC_BASE_URL respectively)
LOGIN_PATH = "/seguro/loginPortal.asp"
AREA_TRABALHO_PATH = "/comprasnet-area-trabalho-web/seguro/governo/area-trabalho"
APP_PATH_MARK = "/comprasnet-artefatos-web/"

# Legacy login ("Governo" panel)
BTN_EXPAND_GOVERNO = "//button[contains(@class,'expand') and contains(@class,'governo')]"
INPUT_LOGIN_ID = "txtLogin"
INPUT_SENHA_ID = "txtSenha"
BTN_LOGIN_SUBMIT = ("//button[@onclick='frmLoginGoverno_submit(); return false;']"
                    " | //form[@id='frmLoginGoverno']//button[contains(.,'Entrar')]")
TEXT_PROCESSANDO = "//div[@class='texto']/div[2][normalize-space(text())='Estamos processando a sua solicitação.']"
LOGIN_MESSAGE = "//*[@id='mensagem-erro'] | //div[contains(@class,'br-message') and contains(@class,'danger')]"
# Área de trabalho
SPAN_PGC_TITLE = "//span[text()='Planejamento e Gerenciamento de Contratações']"
DIV_PGC_ACCESS = "//div/p[2][text()='PGC']"
WINDOW_TITLE = "Compras.gov.br - Fase Interna"
# The app
# Anchored paths: these are evaluated on every DOM mutation during waits, and a `//` search over a
# list of a thousand cards costs milliseconds each time. (The macro's XPath for the spinner was
# `//body/app-root/ng-http-loader/div[@id='spinner']`, with `//div[@id='spinner']` as fallback.)
SPINNER = "/html/body/app-root/ng-http-loader/div[@id='spinner']"
SESSION_EXPIRED = "/html/body/div[@id='sessao-expirada']"
DROPDOWN_PCA = "//p-dropdown[@placeholder='Selecione PCA']"
DROPDOWN_PCA_LABEL = DROPDOWN_PCA + "//span[contains(@class,'p-dropdown-label')]"
# what a script click must hit (a click on the p-dropdown host element does not reach PrimeNG's handler)
DROPDOWN_PCA_TOGGLE = DROPDOWN_PCA + "//div[contains(@class,'p-dropdown-trigger')]"
LI_PCA_TEMPLATE = "//li[starts-with(@aria-label,'PCA {ano} -')]"
LI_PCA_ANY = "//li[starts-with(@aria-label,'PCA ')]"
RADIO_MINHA_UASG_ID = "minha-uasg"
RESULTS_UASG = "//div[@id='minhauasg']/app-artefato-list-resultado"
TABLE_ROWS = RESULTS_UASG + "//p-table//div[contains(@class,'p-datatable-wrapper')]/table/tbody/tr"
TABLE_HEADERS = RESULTS_UASG + "//p-table//div[contains(@class,'p-datatable-wrapper')]/table/thead/tr/th"
PAGINATOR = RESULTS_UASG + "//p-table//p-paginator"
PAGINATOR_CURRENT_PAGE = PAGINATOR + "//button[contains(@class,'p-paginator-page') and contains(@class,'p-highlight')]"
PAGINATOR_PAGES = PAGINATOR + "//span[contains(@class,'p-paginator-pages')]/button"
PAGINATOR_LAST = PAGINATOR + "//button[contains(@class,'p-paginator-last')]"
PAGINATOR_NEXT = PAGINATOR + "//button[contains(@class,'p-paginator-next')]"
PAGINATOR_REPORT = PAGINATOR + "//span[contains(@class,'p-paginator-current')]"
# Columns (1-based, as the macro read them: data(r, 4)=DFD, 6=Requisitante, 7=Descrição, 8=Valor, 9=Situação)
COL_DFD, COL_REQUISITANTE, COL_DESCRICAO, COL_VALOR, COL_SITUACAO = 4, 6, 7, 8, 9
COL_UASG = 3  # not read by the macro; used only when its header says "UASG"
REQUIRED_HEADERS = ("DFD", "Requisitante", "Valor")
ROW_DETAIL_BUTTON = ".//button[@title='Visualizar DFD' or @aria-label='Visualizar DFD']"
# DFD detail modal
DETAIL_TITLE = "//p[normalize-space(text())='Detalhar Documento de Formalização da Demanda']"
DETAIL_CONCLUSAO = "//div[contains(@class,'conteudo-modal-rolante')]/etp-fieldset/div/div[2]/div[1]/div[2]/p"
DETAIL_EDITOR = "//div[contains(@class,'conteudo-modal-rolante')]/etp-fieldset/div/div[2]/div[1]/div[4]/p"
DETAIL_JUSTIFICATIVA = "//div[contains(@class,'conteudo-modal-rolante')]/etp-fieldset/div/div[3]"
DETAIL_CLOSE = "//span/button[normalize-space(text())='Fechar']"
# Formação do PCA
BTN_FORMACAO_PCA = "//button[span[normalize-space(text())='Formação do PCA']]"
ABAS = ("reprovadas", "aprovadas", "pendentes")
STATUS_DA_ABA = {"reprovadas": "REPROVADA", "aprovadas": "APROVADA", "pendentes": "PENDENTE"}
TAB_TEMPLATE = "//a[@id='contratacoes-{aba}']"
TAB_PANEL_TEMPLATE = "//div[@aria-labelledby='contratacoes-{aba}']"
TAB_TOTAL_LABEL = "./div[@class='search-results']/div/p-table/div/div/table/thead/div/div/div/div/div[2]/label"
# relative to the tab panel (exact paths, as the macro's `tbody_template`)
TAB_CARDS = "./div[@class='search-results']/div/p-table/div/div/table/tbody[contains(@class,'p-datatable-tbody')]/div"
TAB_SCROLL_ANCHOR = "./div[@class='search-results']/div/p-table/div/div/table/tbody"
CARD_BASE = "./p-card/div/div[@class='p-card-body']/div[@class='p-card-content']/div[1]/div"
CARD_FIELDS = {
    "contratacao": "/div[1]/div/div[2]/a",
    "descricao": "/div[2]/p",
    "categoria": "/div[3]/p",
    "requisitante": "/div[4]/p",
    "valor": "/div[5]/p",
    "inicio": "/div[6]/p",
    "fim": "/div[7]/p",
    "situacao": "/div[8]/p",
    "badge": "/div[1]/div/div[2]/div/span",
}

# Messages of the login pages, classified (texts as the portal words them; see reference §2.1).
# Matched case-insensitively on whitespace-normalised text ("a senha será bloqueada" is a warning
# that comes with a wrong password, not a blocked account).
LOGIN_REASONS = (
    ("senha expirada", "password_expired"),
    ("senha revogada", "password_revoked"),
    ("senha bloqueada", "account_blocked"),
    ("usuário bloqueado", "account_blocked"),
    ("conta bloqueada", "account_blocked"),
    ("erl0000900", "captcha_failed"),
)


# -- errors ------------------------------------------------------------------------------------
class PgcError(Exception):
    """Base of the PGC page errors."""


class PgcLoginError(PgcError):
    def __init__(self, reason: str, message: str):
        self.reason = reason
        self.portal_message = message
        super().__init__(f"PGC login failed ({reason}): {message}")


class PgcSessionExpired(PgcError):
    pass


class PgcPageError(PgcError):
    pass


class PgcTimeout(PgcPageError):
    pass


@dataclass(frozen=True)
class Waits:
    poll: float = 0.1  # POLL_TIME
    timeout: float = 30.0  # SELENIUM_TIMEOUT: one wait for one page condition
    settle: float = 0.0  # extra pause after the spinner goes (0: none)

    @classmethod
    def from_config(cls, config) -> "Waits":
        return cls(poll=float(config.poll_time), timeout=float(config.selenium_timeout))


# -- low-level helpers -------------------------------------------------------------------------
# One round-trip: for each XPath, how many nodes match and how many are displayed.
_JS_PROBE = """
var out = [];
for (var i = 0; i < arguments[0].length; i++) {
  var r = document.evaluate(arguments[0][i], document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
  var shown = 0;
  for (var j = 0; j < r.snapshotLength; j++) {
    var n = r.snapshotItem(j);
    if (n.nodeType === 1 && (n.offsetWidth || n.offsetHeight || n.getClientRects().length)) shown++;
  }
  out.push([r.snapshotLength, shown]);
}
return out;
"""
_JS_TEXTS = """
var r = document.evaluate(arguments[0], document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
var out = [];
for (var j = 0; j < r.snapshotLength; j++) out.push((r.snapshotItem(j).textContent || '').trim());
return out;
"""
# Shared JS: table and card readers, evaluated in the page (no eval: the real app may have a CSP).
_JS_LIB = """
function all(x) { var r = document.evaluate(x, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
  var o = []; for (var i = 0; i < r.snapshotLength; i++) o.push(r.snapshotItem(i)); return o; }
function one(ctx, x) { return document.evaluate(x, ctx, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue; }
function count(x) { return document.evaluate(x, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null).snapshotLength; }
function txt(n) { return n ? (n.textContent || '').replace(/\\s+/g, ' ').trim() : null; }
function shown(x) { return all(x).filter(function (n) { return n.nodeType === 1 && (n.offsetWidth || n.offsetHeight || n.getClientRects().length); }).length; }
function expired(a) { return count(a.expired) > 0 || a.login_marks.some(function (m) { return location.href.indexOf(m) >= 0; }); }
function tableState(a) {
  var rows = all(a.rows).map(function (tr) {
    return Array.prototype.map.call(tr.querySelectorAll(':scope > td'), function (td) { return txt(td); });
  });
  var cur = all(a.current)[0], last = all(a.last)[0];
  return {
    headers: all(a.headers).map(txt), rows: rows, current: cur ? txt(cur) : null,
    pages: all(a.pages).map(function (b) { return txt(b); }), report: txt(all(a.report)[0]),
    last_disabled: last ? (last.disabled || last.className.indexOf('p-disabled') >= 0) : null,
    spinner: count(a.spinner), expired: expired(a)
  };
}
function panelOf(a) { if (!a._panel || !a._panel.isConnected) a._panel = one(document, a.panel); return a._panel; }
function within(ctx, x) { var r = document.evaluate(x, ctx, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
  var o = []; for (var i = 0; i < r.snapshotLength; i++) o.push(r.snapshotItem(i)); return o; }
function cardCount(a) { var p = panelOf(a); return p ? document.evaluate('count(' + a.cards + ')', p, null, XPathResult.NUMBER_TYPE, null).numberValue : 0; }
function cardsState(a) {
  var p = panelOf(a);
  var r = p ? within(p, a.cards) : [], out = [];
  for (var i = a.start; i < r.length; i++) {
    var base = one(r[i], a.base);
    if (!base) { out.push(null); continue; }
    var card = {};
    for (var k in a.fields) { var n = one(base, '.' + a.fields[k]); card[k] = n ? txt(n) : null; }
    out.push(card);
  }
  return {count: r.length, cards: out, total: p ? txt(one(p, a.total)) : null, spinner: count(a.spinner), expired: expired(a)};
}
function clickXPath(x) { var n = one(document, x); if (!n) return false; n.scrollIntoView({block: 'center'}); n.click(); return true; }
"""
_JS_TABLE = _JS_LIB + "return tableState(arguments[0]);"
_JS_CARDS = _JS_LIB + "return cardsState(arguments[0]);"
# Event-driven wait in the browser: ACTION runs once, then CHECK runs on every DOM mutation and at
# least every `poll_ms` (POLL_TIME), and the script returns as soon as CHECK returns a value (or
# null after `slice_ms`, kept below the WebDriver script timeout). One round-trip per wait.
_JS_WAIT = _JS_LIB + """
var done = arguments[arguments.length - 1], a = arguments[0];
var finished = false, obs = null, timer = null, limit = null;
function finish(v) { if (finished) return; finished = true; if (obs) obs.disconnect(); clearInterval(timer); clearTimeout(limit); done(v); }
function tick() { var v; try { v = (function () { /*CHECK*/ })(); } catch (e) { v = {error: String(e)}; } if (v) finish(v); }
try { (function () { /*ACTION*/ })(); } catch (e) { finish({error: 'action: ' + String(e)}); }
if (!finished) {
  obs = new MutationObserver(tick);
  obs.observe(document.documentElement, {subtree: true, childList: true, attributes: true, characterData: true});
  timer = setInterval(tick, a.poll_ms);
  limit = setTimeout(function () { finish(null); }, a.slice_ms);
  tick();
}
"""
_CHECK_IDLE = "if (expired(a)) return {expired: true}; return count(a.spinner) === 0 ? {idle: true} : null;"
_CHECK_TABLE_MOVED = """
var s = tableState(a);
if (s.expired) return {expired: true};
if (s.spinner || !s.headers.length || s.current === null || s.current === a.prev) return null;
return {state: s};
"""
_CHECK_TABLE_READY = """
var s = tableState(a);
if (s.expired) return {expired: true};
if (s.spinner || !s.headers.length || s.current === null) return null;
return {state: s};
"""
_CHECK_CARDS_GROWN = """
if (expired(a)) return {expired: true};
if (count(a.spinner) || cardCount(a) <= a.before) return null;
return {state: cardsState(a)};
"""
_CHECK_VISIBLE = "if (expired(a)) return {expired: true}; return shown(a.xpath) > 0 ? {shown: true} : null;"
_CHECK_GONE = "if (expired(a)) return {expired: true}; return count(a.xpath) === 0 ? {gone: true} : null;"
_CHECK_OPTION = """
if (expired(a)) return {expired: true};
if (shown(a.option)) return {ok: true};
var any = all(a.any);
return any.length ? {missing: any.map(txt)} : null;
"""
_ACTION_CLICK = "if (!clickXPath(a.click)) throw new Error('nothing to click at ' + a.click);"

# Scroll the list's own scroll container (the nearest ancestor with overflow-y auto|scroll) to its end.
_ACTION_SCROLL_END = """
var n = a.panel ? one(panelOf(a), a.anchor) : one(document, a.anchor);
while (n && n !== document.body) {
  var st = getComputedStyle(n);
  if ((st.overflowY === 'auto' || st.overflowY === 'scroll') && n.scrollHeight > n.clientHeight) break;
  n = n.parentElement;
}
if (!n || n === document.body) { window.scrollTo(0, document.body.scrollHeight); }
else { n.scrollTop = n.scrollHeight; n.dispatchEvent(new Event('scroll')); }
"""
_JS_SCROLL_END = _JS_LIB + "var a = {anchor: arguments[0]};" + _ACTION_SCROLL_END


def probe(driver: WebDriver, *xpaths: str) -> list[tuple[int, int]]:
    """(matches, displayed) per XPath, in one round-trip."""
    return [tuple(x) for x in driver.execute_script(_JS_PROBE, list(xpaths))]


def texts(driver: WebDriver, xpath: str) -> list[str]:
    return driver.execute_script(_JS_TEXTS, xpath)


def wait_until(driver: WebDriver, check: Callable[[], Any], waits: Waits, what: str, timeout: float | None = None) -> Any:
    """Poll `check` every `waits.poll` s until it returns a truthy value; PgcTimeout after the timeout."""
    deadline = time.monotonic() + (waits.timeout if timeout is None else timeout)
    while True:
        try:
            value = check()
        except (StaleElementReferenceException, NoSuchElementException):
            value = None
        if value:
            return value
        if time.monotonic() >= deadline:
            raise PgcTimeout(f"timed out after {waits.timeout if timeout is None else timeout:g}s waiting for {what}")
        time.sleep(waits.poll)


def _click(driver: WebDriver, xpath: str, waits: Waits, what: str, timeout: float | None = None) -> None:
    def attempt():
        elements = [e for e in driver.find_elements(By.XPATH, xpath) if e.is_displayed()]
        if not elements:
            return False
        try:
            elements[0].click()
        except ElementClickInterceptedException:
            driver.execute_script("arguments[0].click();", elements[0])
        return True

    wait_until(driver, attempt, waits, what, timeout)


LOGIN_MARKS = (LOGIN_PATH, "/sso/")  # URL parts that mean the app sent us back to a login
_NAVIGATION_MARKS = ("document unloaded", "execution context", "frame detached", "target frame")
_SCRIPT_SLICE = 5.0  # seconds per in-browser wait call, well below the WebDriver script timeout


def _common_args() -> dict[str, Any]:
    return {"spinner": SPINNER, "expired": SESSION_EXPIRED, "login_marks": list(LOGIN_MARKS)}


def _table_args() -> dict[str, Any]:
    return {"rows": TABLE_ROWS, "headers": TABLE_HEADERS, "current": PAGINATOR_CURRENT_PAGE,
            "pages": PAGINATOR_PAGES, "last": PAGINATOR_LAST, "report": PAGINATOR_REPORT, **_common_args()}


def wait_js(driver: WebDriver, check_js: str, args: dict[str, Any], waits: Waits, what: str,
            action_js: str = "", timeout: float | None = None) -> dict:
    """Run `action_js` once in the page, then wait there until `check_js` returns a value: woken by
    every DOM mutation and polled at least every POLL_TIME, so it returns as soon as the page is
    ready, in one round-trip. Raises PgcSessionExpired / PgcPageError / PgcTimeout."""
    limit = waits.timeout if timeout is None else timeout
    deadline = time.monotonic() + limit
    action = action_js
    while True:
        remaining = max(0.05, deadline - time.monotonic())
        payload = dict(args, poll_ms=max(10, int(waits.poll * 1000)), slice_ms=int(min(remaining, _SCRIPT_SLICE) * 1000))
        script = _JS_WAIT.replace("/*CHECK*/", check_js).replace("/*ACTION*/", action)
        try:
            value = driver.execute_async_script(script, payload)
        except JavascriptException:  # the document was replaced (a navigation): look again
            value = None
        except WebDriverException as exc:
            if not any(m in (exc.msg or "").lower() for m in _NAVIGATION_MARKS):
                raise
            value = None
        action = ""
        if value:
            if value.get("expired"):
                raise PgcSessionExpired("the PGC session expired")
            if value.get("error"):
                raise PgcPageError(f"{what}: {value['error']}")
            return value
        if time.monotonic() >= deadline:
            raise PgcTimeout(f"timed out after {limit:g}s waiting for {what}")


def wait_visible(driver: WebDriver, xpath: str, waits: Waits, what: str) -> None:
    """Until an element at `xpath` is displayed (in-browser, woken by DOM mutations)."""
    wait_js(driver, _CHECK_VISIBLE, dict(_common_args(), xpath=xpath), waits, what)


def wait_gone(driver: WebDriver, xpath: str, waits: Waits, what: str) -> None:
    wait_js(driver, _CHECK_GONE, dict(_common_args(), xpath=xpath), waits, what)


def app_idle(driver: WebDriver, waits: Waits, what: str = "the PGC spinner to go away") -> None:
    """Wait out the ng-http-loader spinner; raise PgcSessionExpired when the app says so."""
    wait_js(driver, _CHECK_IDLE, _common_args(), waits, what)
    if waits.settle:
        time.sleep(waits.settle)


def _on_login_page(driver: WebDriver) -> bool:
    url = driver.current_url
    return LOGIN_PATH in url or "/sso/" in url


def check_session(driver: WebDriver) -> None:
    (expired, _), = probe(driver, SESSION_EXPIRED)
    if expired or _on_login_page(driver):
        raise PgcSessionExpired("the PGC session expired")


# -- login -----------------------------------------------------------------------------------
def classify_login_message(message: str) -> str:
    text = " ".join(message.lower().split())
    for mark, reason in LOGIN_REASONS:
        if mark in text:
            return reason
    return "wrong_credentials"


def _login_outcome(driver: WebDriver) -> str | None:
    """'ok' on the área de trabalho, the portal's message on an error, None while undecided."""
    (tile, tile_shown), (msg, _) = probe(driver, SPAN_PGC_TITLE, LOGIN_MESSAGE)
    if tile_shown:
        return "ok"
    if msg:
        found = texts(driver, LOGIN_MESSAGE)
        return "msg:" + (found[0] if found else "")
    return None


def _login_args(**extra: Any) -> dict[str, Any]:
    # On the login pages "expired" makes no sense: no session marks, no login-URL marks.
    return {"spinner": SPINNER, "expired": SESSION_EXPIRED, "login_marks": [], **extra}


def login_legacy(driver: WebDriver, comprasnet_base_url: str, cpf: str, senha: str, waits: Waits,
                 navigate: bool = True) -> None:
    """The legacy Comprasnet form: Governo panel, CPF + senha, submit, wait for the área de trabalho."""
    if navigate:
        driver.get(comprasnet_base_url.rstrip("/") + LOGIN_PATH)
    field = f"//*[@id='{INPUT_LOGIN_ID}']"
    (_, inp_shown), = probe(driver, field)
    if not inp_shown:
        wait_js(driver, _CHECK_VISIBLE, _login_args(xpath=field, click=BTN_EXPAND_GOVERNO), waits,
                "the 'Governo' login panel", action_js=_ACTION_CLICK)
    field_login = driver.find_element(By.ID, INPUT_LOGIN_ID)
    field_login.clear()
    field_login.send_keys(cpf)
    field_senha = driver.find_element(By.ID, INPUT_SENHA_ID)
    field_senha.clear()
    field_senha.send_keys(senha)
    # The submit navigates: wait from Python (an in-page wait must never span a navigation, which
    # WebDriver reports as a script timeout).
    _click(driver, BTN_LOGIN_SUBMIT, waits, "the login button")
    outcome = wait_until(driver, lambda: _login_outcome(driver), waits, "the área de trabalho after login")
    if outcome != "ok":
        message = outcome[4:]
        raise PgcLoginError(classify_login_message(message), message)


def wait_attended_login(driver: WebDriver, waits: Waits, timeout: float) -> None:
    """Attended mode: a person logs in (gov.br, human check) in this browser; wait for the área de
    trabalho. Messages that a person cannot fix by trying again (expired, revoked, blocked) end the
    wait at once; a wrong password is left to the person to retry."""

    def check():
        outcome = _login_outcome(driver)
        if outcome and outcome.startswith("msg:"):
            reason = classify_login_message(outcome)
            if reason in ("password_expired", "password_revoked", "account_blocked"):
                raise PgcLoginError(reason, outcome[4:])
            return None
        return outcome

    try:
        wait_until(driver, check, Waits(poll=max(waits.poll, 0.5), timeout=timeout), "a person to finish the login",
                   timeout=timeout)
    except PgcTimeout:
        raise PgcLoginError("login_timeout", f"nobody finished the login within {timeout:g}s") from None


def _displayed(driver: WebDriver, by: str, value: str):
    for element in driver.find_elements(by, value):
        if element.is_displayed():
            return element
    return None


def open_pgc(driver: WebDriver, waits: Waits) -> None:
    """From the área de trabalho: click the PGC tile, switch to the new window `Compras.gov.br - Fase
    Interna`, close the other windows, and wait for the app's first load."""
    before = set(driver.window_handles)
    wait_visible(driver, DIV_PGC_ACCESS, waits, "the PGC tile")
    _click(driver, DIV_PGC_ACCESS, waits, "the PGC tile")

    def switched():
        for handle in driver.window_handles:
            if handle in before:
                continue
            driver.switch_to.window(handle)
            if driver.title == WINDOW_TITLE:
                return handle
        return None

    handle = wait_until(driver, switched, waits, f"the window '{WINDOW_TITLE}'")
    for other in list(driver.window_handles):
        if other != handle:
            driver.switch_to.window(other)
            driver.close()
    driver.switch_to.window(handle)
    wait_visible(driver, DROPDOWN_PCA, waits, "the PGC app")
    app_idle(driver, waits)


# -- DFD list ------------------------------------------------------------------------------------
@dataclass
class ListPage:
    page: int
    pages: int
    total: int | None
    first: int | None
    last: int | None
    rows: list[dict[str, str]] = field(default_factory=list)

    @property
    def expected_rows(self) -> int | None:
        if self.first is None or self.last is None:
            return None
        return 0 if self.total == 0 else self.last - self.first + 1

    def as_dict(self) -> dict:
        return {"page": self.page, "pages": self.pages, "total": self.total, "first": self.first,
                "last": self.last, "rows": self.rows}


def select_pca(driver: WebDriver, ano: int, waits: Waits) -> None:
    """Open `p-dropdown[placeholder="Selecione PCA"]` and pick `li[aria-label^="PCA {ano} -"]`."""
    app_idle(driver, waits)
    option = LI_PCA_TEMPLATE.format(ano=int(ano))
    label = texts(driver, DROPDOWN_PCA_LABEL)
    if label and label[0].startswith(f"PCA {int(ano)} -"):
        return
    found = wait_js(driver, _CHECK_OPTION, dict(_common_args(), option=option, any=LI_PCA_ANY, click=DROPDOWN_PCA_TOGGLE),
                    waits, f"the option 'PCA {ano}'", action_js=_ACTION_CLICK)
    if found.get("missing") is not None:
        raise PgcPageError(f"PCA {ano} is not offered; options: {found['missing']}")
    wait_js(driver, _CHECK_IDLE, dict(_common_args(), click=option), waits, f"the data of PCA {ano}",
            action_js=_ACTION_CLICK)


def select_uasg_tab(driver: WebDriver, waits: Waits) -> None:
    """'DFDs da minha UASG' (`#minha-uasg`); its results live in `#minhauasg`."""
    app_idle(driver, waits)
    element = wait_until(driver, lambda: driver.find_element(By.ID, RADIO_MINHA_UASG_ID), waits, "the 'minha UASG' tab")
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
    return read_page(driver, waits)


def _parse_report(report: str | None) -> tuple[int | None, int | None, int | None]:
    """'Mostrando 21 a 40 de 237 registros' -> (21, 40, 237)."""
    if not report:
        return None, None, None
    report = re.sub(r"(?<=\d)\.(?=\d{3}\b)", "", report)  # pt-BR thousands: 1.020 -> 1020
    numbers = [int(n) for n in "".join(ch if ch.isdigit() else " " for ch in report).split()]
    if len(numbers) >= 3:
        return numbers[0], numbers[1], numbers[2]
    return None, None, None


def _table_state(driver: WebDriver) -> dict:
    return driver.execute_script(_JS_TABLE, _table_args())


def _ready_table(driver: WebDriver, waits: Waits) -> dict:
    return wait_js(driver, _CHECK_TABLE_READY, _table_args(), waits, "the DFD table of 'minha UASG'")["state"]


def read_page(driver: WebDriver, waits: Waits, state: dict | None = None) -> ListPage:
    """The rows of the page on screen (DFD, Requisitante, Descrição, Valor, Situação), read in one
    round-trip (or taken from `state`, a table state a wait already returned)."""
    if state is None:
        state = _ready_table(driver, waits)
    headers = state["headers"]
    if len(headers) < COL_SITUACAO or headers[COL_DFD - 1] != "DFD" or any(h not in headers for h in REQUIRED_HEADERS):
        raise PgcPageError(f"unexpected DFD table headers: {headers}")
    first, last, total = _parse_report(state["report"])
    page = int(state["current"])
    numbered = [int(p) for p in state["pages"] if p.isdigit()]
    pages = max(numbered) if numbered else page
    if total is not None and last is not None:
        size = last - first + 1 if page == 1 else (first - 1) // (page - 1)
        if size > 0:
            pages = max(pages, -(-total // size))
    rows = []
    for cells in state["rows"]:
        if len(cells) < COL_SITUACAO:
            continue  # "Nenhum registro encontrado"
        rows.append({
            "dfd": cells[COL_DFD - 1],
            "requisitante": cells[COL_REQUISITANTE - 1],
            "descricao": cells[COL_DESCRICAO - 1],
            "valor": cells[COL_VALOR - 1],
            "situacao": cells[COL_SITUACAO - 1],
            "uasg": cells[COL_UASG - 1] if headers[COL_UASG - 1] == "UASG" else None,
        })
    return ListPage(page=page, pages=pages, total=total, first=first, last=last, rows=rows)


def goto_page(driver: WebDriver, target: int, waits: Waits, state: dict | None = None) -> dict:
    """Click through the paginator until page `target` is highlighted (only ~5 page buttons show
    at a time: jump to the visible one nearest the target). Each click and the wait for the new
    page is one round-trip; returns the table state of page `target`."""
    if state is None:
        state = _ready_table(driver, waits)
    for _ in range(10_000):
        current = int(state["current"])
        if current == target:
            return state
        visible = [int(p) for p in state["pages"] if p.isdigit()]
        step = target if target in visible else min(visible, key=lambda p: abs(p - target))
        if step == current:
            raise PgcPageError(f"page {target} cannot be reached from page {current} (pages {visible})")
        args = dict(_table_args(), prev=str(current), click=f"{PAGINATOR_PAGES}[normalize-space(text())='{step}']")
        state = wait_js(driver, _CHECK_TABLE_MOVED, args, waits, f"page {step} of the DFD table",
                        action_js=_ACTION_CLICK)["state"]
    raise PgcPageError(f"page {target} not reached")


def read_list_page(driver: WebDriver, target: int, waits: Waits, attempts: int = 3) -> tuple[ListPage, int]:
    """Go to page `target` and read it; a page with fewer rows than the paginator announces (the
    real app's flaky last page) is left and read again. Returns (page, re-reads)."""
    rereads = 0
    page = read_page(driver, waits, goto_page(driver, target, waits))
    while page.expected_rows is not None and len(page.rows) != page.expected_rows and rereads < attempts:
        rereads += 1
        logger.info("PGC page %d showed %d rows of %d; reading it again", target, len(page.rows), page.expected_rows)
        state = goto_page(driver, target - 1 if target > 1 else target + 1, waits)
        page = read_page(driver, waits, goto_page(driver, target, waits, state))
    return page, rereads


def open_dfd_detail(driver: WebDriver, dfd: str, waits: Waits) -> dict[str, str | None]:
    """Open the detail modal of the row whose DFD column is `dfd`, read it, close it."""
    row_xpath = f"{TABLE_ROWS}[td[{COL_DFD}][normalize-space(text())='{dfd}']]"
    button = wait_until(driver, lambda: driver.find_element(By.XPATH, row_xpath).find_element(By.XPATH, ROW_DETAIL_BUTTON),
                        waits, f"the detail button of DFD {dfd}")
    driver.execute_script("arguments[0].click();", button)
    wait_visible(driver, DETAIL_TITLE, waits, "the DFD detail modal")
    app_idle(driver, waits)
    detail = {
        "data_conclusao": (texts(driver, DETAIL_CONCLUSAO) or [None])[0],
        "editor": (texts(driver, DETAIL_EDITOR) or [None])[0],
    }
    _click(driver, DETAIL_CLOSE, waits, "the 'Fechar' button")
    wait_gone(driver, DETAIL_TITLE, waits, "the detail modal to close")
    return detail


# -- Formação do PCA --------------------------------------------------------------------------
def open_formacao(driver: WebDriver, ano: int, waits: Waits) -> None:
    app_idle(driver, waits)
    _click(driver, BTN_FORMACAO_PCA, waits, "the 'Formação do PCA' button")
    wait_visible(driver, DROPDOWN_PCA, waits, "the Formação do PCA screen")
    app_idle(driver, waits)
    select_pca(driver, ano, waits)
    wait_until(driver, lambda: probe(driver, TAB_TEMPLATE.format(aba=ABAS[0]))[0][1], waits, "the contratações tabs")


@dataclass
class TabRead:
    aba: str
    total: int | None
    cards: list[dict[str, str | None]]
    rounds: int
    complete: bool


def _digits(text: str | None) -> int | None:
    digits = "".join(ch for ch in (text or "") if ch.isdigit())
    return int(digits) if digits else None


def read_tab(driver: WebDriver, aba: str, waits: Waits, budget: float = 180.0, stale_rounds: int = 10) -> TabRead:
    """Open tab `aba`, then scroll its list's own container to the end until the cards rendered
    reach the tab's total label (the list grows only when scrolled). Stops after `budget` seconds
    or `stale_rounds` scrolls without growth, returning what was read with complete=False."""
    panel = TAB_PANEL_TEMPLATE.format(aba=aba)
    _click(driver, TAB_TEMPLATE.format(aba=aba), waits, f"the tab {aba}")
    wait_visible(driver, panel, waits, f"the panel of tab {aba}")
    app_idle(driver, waits)
    args = {"panel": panel, "cards": TAB_CARDS, "base": CARD_BASE, "fields": CARD_FIELDS, "total": TAB_TOTAL_LABEL,
            "start": 0, **_common_args()}
    cards: list[dict] = []
    total: int | None = None
    stale = rounds = 0
    deadline = time.monotonic() + budget
    state = driver.execute_script(_JS_CARDS, args)
    while True:
        if state["expired"]:
            raise PgcSessionExpired("the PGC session expired")
        total = _digits(state["total"])
        new = [c for c in state["cards"] if c and c.get("contratacao")]
        if new and len(new) == len(state["cards"]):
            cards.extend(new)
            stale = 0
        if total is not None and len(cards) >= total:
            return TabRead(aba, total, cards, rounds, True)
        if stale >= stale_rounds or time.monotonic() > deadline:
            return TabRead(aba, total, cards, rounds, False)
        # scroll the list's own container to its end, then wait for more cards (one round-trip)
        args["start"] = len(cards)
        wait_args = dict(args, before=state["count"], anchor=TAB_SCROLL_ANCHOR)
        rounds += 1
        stale += 1
        try:
            state = wait_js(driver, _CHECK_CARDS_GROWN, wait_args, waits, f"more cards in tab {aba}",
                            action_js=_ACTION_SCROLL_END, timeout=min(waits.timeout, 5.0))["state"]
        except PgcTimeout:
            state = driver.execute_script(_JS_CARDS, args)


# -- actions for the browser layer -------------------------------------------------------------
class Credentials:
    """CPF and senha, kept out of every repr, log line and exception."""

    __slots__ = ("_cpf", "_senha")

    def __init__(self, cpf: str | None, senha: str | None):
        self._cpf = cpf or ""
        self._senha = senha or ""

    def __bool__(self) -> bool:
        return bool(self._cpf and self._senha)

    def __repr__(self) -> str:
        return "Credentials(***)"

    __str__ = __repr__

    def __reduce__(self):  # never pickled (e.g. into a JOBDIR request queue)
        raise TypeError("Credentials are not serialisable")


@dataclass
class PgcActions:
    """Builds `selenium_actions` callables. Each returns a plain dict: {"ok": True, ...} or
    {"ok": False, "erro": "sessao_expirada" | "login", "motivo": reason, "mensagem": text}; any
    other failure raises (the browser layer hands it to the errback)."""

    comprasnet_base_url: str
    pgc_base_url: str
    waits: Waits
    login_mode: str = "auto"
    credentials: Credentials = field(default_factory=lambda: Credentials(None, None), repr=False)
    login_timeout: float = 300.0
    on_attended_wait: Callable[[], None] | None = field(default=None, repr=False)

    @property
    def login_url(self) -> str:
        return self.comprasnet_base_url.rstrip("/") + LOGIN_PATH

    @property
    def attended_url(self) -> str:
        return self.pgc_base_url.rstrip("/") + AREA_TRABALHO_PATH

    @property
    def start_url(self) -> str:
        """The URL the first request of a login navigates to."""
        return self.login_url if self.login_mode == "auto" else self.attended_url

    def _guard(self, func: Callable[[WebDriver], dict]) -> Callable[[WebDriver], dict]:
        def run(driver: WebDriver) -> dict:
            try:
                return func(driver)
            except PgcSessionExpired:
                return {"ok": False, "erro": "sessao_expirada"}
            except PgcLoginError as exc:
                return {"ok": False, "erro": "login", "motivo": exc.reason, "mensagem": exc.portal_message}
        run.__name__ = getattr(func, "__name__", "pgc_action")
        run.__qualname__ = run.__name__
        return run

    def login(self, driver: WebDriver) -> None:
        if self.login_mode == "attended":
            if self.on_attended_wait is not None:
                self.on_attended_wait()
            wait_attended_login(driver, self.waits, self.login_timeout)
        else:
            login_legacy(driver, self.comprasnet_base_url, self.credentials._cpf, self.credentials._senha,
                         self.waits, navigate=False)
        open_pgc(driver, self.waits)

    def _page_result(self, driver: WebDriver, page: int, detail_skip: set[str] | None) -> dict:
        read, rereads = read_list_page(driver, page, self.waits)
        result = {"ok": True, "page": read.as_dict(), "rereads": rereads}
        if detail_skip is not None:
            result["details"] = {
                row["dfd"]: open_dfd_detail(driver, row["dfd"], self.waits)
                for row in read.rows if row["dfd"] not in detail_skip
            }
        return result

    def login_and_list_page(self, ano: int, page: int, detail_skip: set[str] | None = None) -> Callable[[WebDriver], dict]:
        """After navigating to `start_url`: log in, open PGC, the UASG tab and PCA, then page `page`
        (and, with `detail_skip`, the detail of each row whose DFD is not in it)."""

        def login_and_list_page(driver: WebDriver) -> dict:
            self.login(driver)
            open_dfd_list(driver, ano, self.waits)
            return self._page_result(driver, page, detail_skip)

        return self._guard(login_and_list_page)

    def list_page(self, page: int, detail_skip: set[str] | None = None) -> Callable[[WebDriver], dict]:
        def list_page(driver: WebDriver) -> dict:
            return self._page_result(driver, page, detail_skip)

        return self._guard(list_page)

    def _pages_result(self, driver: WebDriver, pages: list[int], detail_skip: set[str] | None) -> dict:
        """Several pages in one step (fewer browser-layer round-trips). When the session expires
        midway, the pages read so far come back with the error, so nothing read is lost."""
        done: list[dict] = []
        try:
            for page in pages:
                done.append(self._page_result(driver, page, detail_skip))
        except PgcSessionExpired:
            return {"ok": False, "erro": "sessao_expirada", "pages": done}
        return {"ok": True, "pages": done}

    def login_and_list_pages(self, ano: int, pages: list[int], detail_skip: set[str] | None = None) -> Callable[[WebDriver], dict]:
        def login_and_list_pages(driver: WebDriver) -> dict:
            self.login(driver)
            open_dfd_list(driver, ano, self.waits)
            return self._pages_result(driver, pages, detail_skip)

        return self._guard(login_and_list_pages)

    def list_pages(self, pages: list[int], detail_skip: set[str] | None = None) -> Callable[[WebDriver], dict]:
        def list_pages(driver: WebDriver) -> dict:
            return self._pages_result(driver, pages, detail_skip)

        return self._guard(list_pages)

    def login_and_formacao(self, ano: int) -> Callable[[WebDriver], dict]:
        def login_and_formacao(driver: WebDriver) -> dict:
            self.login(driver)
            open_formacao(driver, ano, self.waits)
            return {"ok": True}

        return self._guard(login_and_formacao)

    def tab(self, aba: str, budget: float = 180.0) -> Callable[[WebDriver], dict]:
        def tab(driver: WebDriver) -> dict:
            read = read_tab(driver, aba, self.waits, budget=budget)
            return {"ok": True, "aba": aba, "total": read.total, "cards": read.cards, "complete": read.complete,
                    "rounds": read.rounds}

        return self._guard(tab)
