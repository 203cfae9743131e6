"""The base of the PGC crawls (`pgc`: DFD list; `pgc_formacao`: Formação do PCA): one pinned
browser session, the login (auto or attended), fatal login errors that end the run at once,
logging in again when the session expires, and the unit (UASG, órgão) the app shows, recorded in
the coleta. All browser work goes through the browser layer (`meta["selenium"]`), with the
page-object callables of `procurement_spiders.pages.pgc`. The PGC screens are the logged-in
unit's: no crawl here needs `cnpj`/ORGAO_CNPJ.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import CloseSpider
from twisted.python.failure import Failure

from procurement_spiders.config import Config
from procurement_spiders.exceptions import PgcError, SeleniumSessionLost, SpiderArgumentError
from procurement_spiders.pages.pgc import Credentials, PgcActions, Waits
from procurement_spiders.redaction import redact_text
from procurement_spiders.spiders.base import ColetaSpider, failed_request

SESSION_NAME = "pgc"
MAX_RELOGINS = 5  # session expiries/losses tolerated in one run (each one is a new login)
LOGIN_MESSAGES = {
    "wrong_credentials": "PGC refused the CPF/senha (wrong credentials); check PGC_CPF/PGC_SENHA. "
    "Not retrying: repeated attempts block the account.",
    "password_expired": "the PGC password has EXPIRED (SIASG passwords expire every 30 days); "
    "change it in SIASG and update PGC_SENHA.",
    "password_revoked": "the PGC password was REVOKED; ask the órgão's cadastrador.",
    "account_blocked": "the PGC account is BLOCKED after too many attempts; ask the órgão's cadastrador.",
    "captcha_failed": "the gov.br human check failed; log in again by hand (attended mode).",
    "login_timeout": "nobody finished the attended login within PGC_LOGIN_TIMEOUT.",
}


class PgcBrowserSpider(ColetaSpider):
    """A coleta read from the PGC app through the browser layer; subclasses implement `pgc_resume`
    and call `pgc_init()` at the start of `start()` (once `self.config` exists)."""

    pgc_actions: PgcActions
    pgc_relogins: int = 0
    _pgc_attended_announced: bool = False
    # The unit the app showed after the last login: uasg, nome_uasg, orgao_cnpj (recorded in the coleta).
    unidade: dict[str, str | None] | None = None

    def portal_urls(self) -> dict[str, str]:
        return {"comprasnet": self.config.comprasnet_base_url, "pgc": self.config.pgc_base_url}

    def pgc_init(self) -> None:
        config = self.config
        self.pgc_actions = PgcActions(
            comprasnet_base_url=config.comprasnet_base_url,
            pgc_base_url=config.pgc_base_url,
            waits=Waits.from_config(config),
            login_mode=config.pgc_login_mode,
            credentials=Credentials(config.pgc_cpf, config.pgc_senha),
            login_timeout=config.pgc_login_timeout,
            on_attended_wait=self._pgc_announce_attended,
            on_attended_done=lambda: self._pgc_publish_wait(False),
        )

    @staticmethod
    def check_pgc_login_config(config: Config) -> None:
        """Auto mode needs PGC_CPF and PGC_SENHA (from the environment only)."""
        if config.pgc_login_mode == "auto" and not (config.pgc_cpf and config.pgc_senha):
            raise SpiderArgumentError(
                "PGC_LOGIN_MODE=auto needs PGC_CPF and PGC_SENHA in the environment "
                "(or use PGC_LOGIN_MODE=attended to log in by hand)"
            )

    # -- attended login ---------------------------------------------------------------------
    def novnc_url(self) -> str:
        if self.config.pgc_novnc_url:
            return self.config.pgc_novnc_url
        host = urlsplit(self.config.selenium_url).hostname if self.config.selenium_url else None
        return f"http://{host or '127.0.0.1'}:7900/?autoconnect=1&resize=scale"

    def _pgc_publish_wait(self, waiting: bool) -> None:
        """The web app shows the wait from the coleta row (dados.aguardando_login); worker thread."""
        from procurement_spiders.extensions.coleta import ColetaRecorder
        from procurement_spiders.storage.login_wait import publish_login_wait

        coleta_id = getattr(ColetaRecorder.of(self.crawler).storage, "coleta_id", None)  # the pipeline's
        publish_login_wait(
            self.config.database_url,
            coleta_id,
            waiting=waiting,
            timeout=self.config.pgc_login_timeout,
            novnc_url=self.novnc_url(),
        )

    def _pgc_announce_attended(self) -> None:
        # Runs in the browser worker thread right before the wait: logging is thread-safe.
        self._pgc_publish_wait(True)
        if not self._pgc_attended_announced:
            self._pgc_attended_announced = True
            self.logger.warning(
                "PGC attended login: open %s and log in to Compras.gov.br in the browser shown there "
                "(waiting up to %.0fs)",
                redact_text(self.novnc_url()),
                self.config.pgc_login_timeout,
            )
        else:
            self.logger.warning("PGC attended login needed again (session expired): use the same noVNC page")

    # -- requests -----------------------------------------------------------------------------
    def pgc_request(
        self,
        actions: Callable,
        callback: Callable,
        *,
        navigate: bool,
        label: str,
        new_session: bool = False,
        cb_kwargs: dict[str, Any] | None = None,
    ) -> scrapy.Request:
        """A step in the pinned browser session. `navigate=True` (a login) opens the login URL first;
        otherwise the URL is only a label and the step continues on the current page."""
        url = self.pgc_actions.start_url if navigate else f"{self.config.pgc_base_url}/#pgc/{label}"
        meta = {
            "selenium": True,
            "selenium_session": SESSION_NAME,
            "selenium_actions": actions,
            "selenium_navigate": navigate,
            "pgc_label": label,
        }
        if new_session:
            meta["selenium_session_new"] = True
        return scrapy.Request(
            url, callback=callback, errback=self.pgc_failed, meta=meta, dont_filter=True, cb_kwargs=cb_kwargs or {}
        )

    def pgc_result(self, response) -> dict | None:
        """The step's result; None when the session expired (the caller logs in again and resumes).
        A login failure ends the run at once."""
        result = response.meta.get("selenium_result") or {}
        self.note_unidade(result.get("unidade"))
        if result.get("ok"):
            return result
        if result.get("erro") == "login":
            self.pgc_login_failed(result.get("motivo") or "wrong_credentials", result.get("mensagem") or "")
        if result.get("erro") == "sessao_expirada":
            self.crawler.stats.inc_value("pgc/session_expired")
            return None
        raise CloseSpider("pgc_unexpected_result")

    def note_unidade(self, unidade: dict[str, str | None] | None) -> None:
        """Keep the unit the app showed at login; a different unit after a new login is an anomaly."""
        if not unidade or not unidade.get("uasg"):
            return
        if self.unidade is None:
            self.unidade = {**unidade, "origem": "cabecalho"}
            self.logger.info("PGC: session of UASG %s (%s)", unidade["uasg"], unidade.get("nome_uasg") or "?")
            self.crawler.stats.set_value("pgc/uasg", unidade["uasg"])
        elif unidade.get("uasg") != self.unidade.get("uasg"):
            self.record_anomaly(
                "pgc_uasg_mudou",
                f"the new login is of UASG {unidade['uasg']}, the first was of UASG {self.unidade['uasg']}",
                incompleta=True,
                primeira=self.unidade["uasg"],
                nova=unidade["uasg"],
            )

    def demanda_orgao_cnpj(self) -> str | None:
        """The órgão of the demandas: the CNPJ the app shows, else ORGAO_CNPJ when set (optional: the
        reports attribute a PGC coleta to an órgão through its demandas)."""
        return (self.unidade or {}).get("orgao_cnpj") or self.config.orgao_cnpj

    def unidade_from_data(self, uasg: str | None) -> None:
        """When the header named no unit, the UASG the data shows (the DFD list's UASG column, the
        `UASG-número/ano` of a contratação) is the coleta's; never compared with the header's."""
        if self.unidade is None and uasg:
            self.unidade = {"uasg": uasg, "nome_uasg": None, "orgao_cnpj": None, "origem": "dados"}

    def pgc_login_failed(self, motivo: str, portal_message: str) -> None:
        reason = f"pgc_login_{motivo}"
        self.crawler.stats.set_value("pgc/login_failure", motivo)
        self.logger.error(
            "PGC login failed: %s Portal said: %r. Ending the run (reason %s).",
            LOGIN_MESSAGES.get(motivo, motivo),
            portal_message,
            reason,
        )
        raise CloseSpider(reason)

    def pgc_relogin_allowed(self, why: str) -> None:
        self.pgc_relogins += 1
        self.crawler.stats.inc_value("pgc/relogins")
        if self.pgc_relogins > MAX_RELOGINS:
            self.logger.error("PGC: %s again after %d new logins; giving up", why, MAX_RELOGINS)
            raise CloseSpider("pgc_session_lost")
        self.logger.warning("PGC: %s; logging in again and resuming (%d/%d)", why, self.pgc_relogins, MAX_RELOGINS)

    def pgc_failed(self, failure: Failure):
        """Errback of every PGC step: a lost browser session or a page that did not behave means
        a fresh login that resumes at the same step (bounded by MAX_RELOGINS)."""
        request = failed_request(failure)
        exc_name = type(failure.value).__name__  # Failure.type is the value's class
        label = request.meta.get("pgc_label", "?")
        if failure.check(CloseSpider):
            failure.raiseException()
        if failure.check(SeleniumSessionLost):
            why = f"the browser session was lost at step {label}"
            new_session = True
        elif failure.check(PgcError):
            why = f"the page misbehaved at step {label} ({type(failure.value).__name__}: {failure.value})"
            new_session = False
        else:
            why = f"step {label} failed ({exc_name}: {str(failure.value)[:200]})"
            new_session = True
        self.crawler.stats.inc_value(f"pgc/step_failures/{exc_name}")
        self.pgc_relogin_allowed(why)
        yield from self.pgc_resume(request, new_session=new_session)

    def pgc_resume(self, failed_request: scrapy.Request, *, new_session: bool):
        """Log in again and continue from the step of `failed_request` (implemented by each crawl)."""
        raise NotImplementedError
