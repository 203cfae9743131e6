"""The steps the PGC spiders send to the browser layer as `meta["selenium_actions"]`: plain
callables `f(driver) -> dict` run in its worker threads. Each returns {"ok": True, ...} or
{"ok": False, "erro": "sessao_expirada" | "login", "motivo": reason, "mensagem": text}; any other
failure raises (the browser layer hands it to the errback)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from selenium.webdriver.remote.webdriver import WebDriver

from procurement_spiders.exceptions import PgcLoginError, PgcSessionExpired
from procurement_spiders.pages.pgc.dfd_list import open_dfd_detail, open_dfd_list, read_list_page
from procurement_spiders.pages.pgc.dom import Waits
from procurement_spiders.pages.pgc.formacao import open_formacao, read_tab
from procurement_spiders.pages.pgc.login import login_legacy, open_pgc, wait_attended_login
from procurement_spiders.pages.pgc.selectors import AREA_TRABALHO_PATH, LOGIN_PATH
from procurement_spiders.pages.pgc.unidade import read_unidade


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
    """Builds the `selenium_actions` callables of the PGC crawls."""

    comprasnet_base_url: str
    pgc_base_url: str
    waits: Waits
    login_mode: str = "auto"
    credentials: Credentials = field(default_factory=lambda: Credentials(None, None), repr=False)
    login_timeout: float = 300.0
    on_attended_wait: Callable[[], None] | None = field(default=None, repr=False)
    on_attended_done: Callable[[], None] | None = field(default=None, repr=False)  # the wait ended, either way

    @property
    def start_url(self) -> str:
        """The URL the first request of a login navigates to."""
        if self.login_mode == "auto":
            return self.comprasnet_base_url.rstrip("/") + LOGIN_PATH
        return self.pgc_base_url.rstrip("/") + AREA_TRABALHO_PATH

    def _guard(self, func: Callable[[WebDriver], dict]) -> Callable[[WebDriver], dict]:
        def run(driver: WebDriver) -> dict:
            try:
                return func(driver)
            except PgcSessionExpired:
                return {"ok": False, "erro": "sessao_expirada"}
            except PgcLoginError as exc:
                return {"ok": False, "erro": "login", "motivo": exc.reason, "mensagem": exc.portal_message}

        run.__name__ = run.__qualname__ = getattr(func, "__name__", "pgc_action")
        return run

    def login(self, driver: WebDriver) -> dict[str, str | None]:
        """Log in, open PGC; returns the unit the app shows (uasg, nome_uasg, orgao_cnpj)."""
        if self.login_mode == "attended":
            if self.on_attended_wait is not None:
                self.on_attended_wait()
            try:
                wait_attended_login(driver, self.waits, self.login_timeout)
            finally:
                if self.on_attended_done is not None:
                    self.on_attended_done()
        else:
            login_legacy(driver, self.credentials._cpf, self.credentials._senha, self.waits)
        open_pgc(driver, self.waits)
        return read_unidade(driver)

    def _page_result(self, driver: WebDriver, page: int, detail_skip: set[str] | None) -> dict:
        read, rereads = read_list_page(driver, page, self.waits)
        result = {"ok": True, "page": read.as_dict(), "rereads": rereads}
        if detail_skip is not None:
            details: dict[str, dict[str, str | None]] = {}
            for row in read.rows:
                dfd = row["dfd"]
                assert dfd is not None  # the DFD column is always read (only `uasg` may be None)
                if dfd not in detail_skip:
                    details[dfd] = open_dfd_detail(driver, dfd, self.waits)
            result["details"] = details
        return result

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

    def login_and_list_pages(
        self, ano: int, pages: list[int], detail_skip: set[str] | None = None
    ) -> Callable[[WebDriver], dict]:
        """After navigating to `start_url`: log in, open PGC, the UASG tab and PCA, then `pages`
        (and, with `detail_skip`, the detail of each row whose DFD is not in it)."""

        def login_and_list_pages(driver: WebDriver) -> dict:
            unidade = self.login(driver)
            open_dfd_list(driver, ano, self.waits)
            return {**self._pages_result(driver, pages, detail_skip), "unidade": unidade}

        return self._guard(login_and_list_pages)

    def list_pages(self, pages: list[int], detail_skip: set[str] | None = None) -> Callable[[WebDriver], dict]:
        def list_pages(driver: WebDriver) -> dict:
            return self._pages_result(driver, pages, detail_skip)

        return self._guard(list_pages)

    def login_and_formacao(self, ano: int) -> Callable[[WebDriver], dict]:
        def login_and_formacao(driver: WebDriver) -> dict:
            unidade = self.login(driver)
            open_formacao(driver, ano, self.waits)
            return {"ok": True, "unidade": unidade}

        return self._guard(login_and_formacao)

    def tab(self, aba: str, budget: float = 180.0) -> Callable[[WebDriver], dict]:
        def tab(driver: WebDriver) -> dict:
            read = read_tab(driver, aba, self.waits, budget=budget)
            return {
                "ok": True,
                "aba": aba,
                "total": read.total,
                "cards": read.cards,
                "complete": read.complete,
                "rounds": read.rounds,
            }

        return self._guard(tab)
