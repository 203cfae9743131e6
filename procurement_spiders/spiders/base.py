"""What every collecting spider shares: typed arguments checked before any request, the coleta
bookkeeping (arguments, anomalies) the storage pipeline records, and JSON page reading."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from procurement_spiders.config import Config, crawler_config
from procurement_spiders.exceptions import InvalidPortalResponse, SpiderArgumentError  # noqa: F401 - re-exported
from procurement_spiders.extensions.coleta import ColetaRecorder
from procurement_spiders.logging import start_log_context
from procurement_spiders.parsing.identifiers import InvalidIdentifier, normalize_cnpj, normalize_uasg
from procurement_spiders.parsing.messages import clip

FIRST_PCA_YEAR = 2021  # PCAs exist since Lei 14.133/2021 (PNCP rejects dates before 2021-04)

# Arguments scrapyd adds to every job (`-a _job=<id>`); no other name may start with `_`.
SCRAPYD_ARGUMENTS = ("_job",)

# "No rows", as PNCP answers it: 204, a 200 with a zero-length body, or a 404 with a message.
NO_ROWS_STATUSES = (204, 404)


def failed_request(failure: Failure) -> scrapy.Request:
    """The request an errback's failure is about: Scrapy sets `failure.request`, Twisted's types do not declare it."""
    request: scrapy.Request = failure.request  # type: ignore[attr-defined]  # set by Scrapy on errback failures
    return request


def parse_ano(raw: object) -> int:
    text = str(raw).strip() if raw is not None else ""
    if not text:
        raise SpiderArgumentError("argument ano is required (e.g. -a ano=2025)")
    if not re.fullmatch(r"[0-9]{1,4}", text):  # ASCII digits: "２０２５" is not a year here
        raise SpiderArgumentError(f"argument ano={clip(raw)} is not a year")
    ano = int(text)
    last = date.today().year + 1
    if not FIRST_PCA_YEAR <= ano <= last:
        raise SpiderArgumentError(f"argument ano={ano} is out of range ({FIRST_PCA_YEAR}..{last}): PCAs start in 2021")
    return ano


def parse_cnpj_argument(raw: object, default: str | None) -> str:
    if raw in (None, ""):
        if default is None:
            raise SpiderArgumentError("argument cnpj is required (-a cnpj=…) when ORGAO_CNPJ is not set")
        return default
    try:
        return normalize_cnpj(str(raw))
    except InvalidIdentifier as exc:
        raise SpiderArgumentError(f"argument cnpj: {exc}") from None


def parse_uasg_argument(raw: object) -> str | None:
    if raw in (None, ""):
        return None
    try:
        return normalize_uasg(str(raw))
    except InvalidIdentifier as exc:
        raise SpiderArgumentError(f"argument uasg: {exc}") from None


def parse_choice(name: str, raw: object, choices: tuple[str, ...], default: str) -> str:
    if raw in (None, ""):
        return default
    value = str(raw).strip().lower()
    if value not in choices:
        raise SpiderArgumentError(f"argument {name}={clip(raw)} must be one of: {', '.join(choices)}")
    return value


def parse_flag(name: str, raw: object) -> bool:
    if raw in (None, "", "0", "false", "no", "nao", "não"):
        return False
    if str(raw).lower() in ("1", "true", "yes", "sim"):
        return True
    raise SpiderArgumentError(f"argument {name}={clip(raw)} must be 0 or 1")


def check_argument_names(spider: str, accepted: tuple[str, ...], raw: dict[str, Any]) -> None:
    """Unknown names are an error (a typo must not run a different crawl); of the names starting
    with `_` only scrapyd's own are accepted (`-a _set_crawler=x` would replace a method)."""
    for name, value in raw.items():
        if name in SCRAPYD_ARGUMENTS:
            if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,200}", str(value)):
                raise SpiderArgumentError(f"argument {name}={clip(value)} is not a scrapyd job id")
        elif name not in accepted:
            raise SpiderArgumentError(
                f"unknown argument {clip(name)} for spider {spider} (accepted: {', '.join(accepted)})"
            )


class ColetaSpider(scrapy.Spider):
    """Base of the spiders that produce one coleta.

    Subclasses set `fonte` and implement `parse_arguments(config, raw)`, returning the typed
    arguments; unknown arguments are an error (a typo must not run a different crawl).
    """

    fonte: str = ""
    argument_names: tuple[str, ...] = ()

    ano: int
    config: Config
    coleta_argumentos: dict[str, Any]
    coleta: ColetaRecorder

    @classmethod
    def parse_arguments(cls, config: Config, raw: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def validate_arguments(cls, config: Config, raw: dict[str, Any]) -> dict[str, Any]:
        check_argument_names(cls.name, cls.argument_names, raw)
        return cls.parse_arguments(config, raw)

    @classmethod
    def update_settings(cls, settings) -> None:
        super().update_settings(settings)
        # RETRY_COUNT is the project's name for Scrapy's RETRY_TIMES; `-s RETRY_COUNT=N` moves both.
        if "RETRY_COUNT" in settings:
            settings.set("RETRY_TIMES", settings.getint("RETRY_COUNT"), priority=settings.getpriority("RETRY_COUNT"))

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any):
        config = crawler_config(crawler)
        typed = cls.validate_arguments(config, kwargs)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.config = config
        spider.coleta_argumentos = {
            k: (v if isinstance(v, (int, str, bool)) or v is None else str(v)) for k, v in typed.items()
        }
        for key, value in typed.items():
            setattr(spider, key, value)
        spider.coleta = ColetaRecorder.of(crawler)
        spider.coleta.argumentos = spider.coleta_argumentos
        start_log_context(ano_ref=spider.ano, portal=spider.fonte)
        return spider

    def portal_urls(self) -> dict[str, str]:
        return {}

    # -- coleta bookkeeping -------------------------------------------------------------

    def record_anomaly(self, tipo: str, message: str, *, incompleta: bool = False, **details: Any) -> None:
        """Something the coleta must say (never hidden): logged, counted and stored in `dados`.

        Kept by the ColetaRecorder extension; `incompleta=True`: data was lost, no success.
        """
        self.coleta.record_anomaly(tipo, message, incompleta=incompleta, **details)

    # -- JSON pages -----------------------------------------------------------------------

    @staticmethod
    def json_body(response: Response) -> Any | None:
        """The decoded body, None for "no rows"; numbers as Decimal, never float (NaN and
        Infinity, which are not JSON but which Python's parser takes, become Decimal too)."""
        if response.status in NO_ROWS_STATUSES or not response.body.strip():
            return None
        try:
            return json.loads(response.text, parse_float=Decimal, parse_constant=Decimal)
        except (ValueError, AttributeError) as exc:
            kind = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or "no content type"
            raise InvalidPortalResponse(
                f"{response.url} answered HTTP {response.status} with {kind}, not JSON ({exc})"
            ) from None

    @classmethod
    def json_rows(cls, response: Response, envelope_key: str | None = None) -> list[dict[str, Any]]:
        body = cls.json_body(response)
        if body is None:
            return []
        rows = body.get(envelope_key) if envelope_key and isinstance(body, dict) else body
        if rows is None:
            return []
        if not isinstance(rows, list):
            raise InvalidPortalResponse(f"{response.url} answered a {type(rows).__name__}, not a list of rows")
        return rows
