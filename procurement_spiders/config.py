"""The one place where the environment (and an optional `.env`) is read, typed and range-checked.

`settings.py` turns the Config into Scrapy settings; `-s NAME=value` overrides come back through
`config_from_settings`, checked the same way. A crawl parses its Config once (`crawler_config`)
and every component reads it from there. Defaults are written once: in the Config fields.
"""

from __future__ import annotations

import ipaddress
import os
import re
import sys
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings

from procurement_spiders.config_reader import ConfigError, Reader, check_url, env_file_values
from procurement_spiders.parsing.identifiers import InvalidIdentifier, normalize_cnpj
from procurement_spiders.parsing.web_users import UsersError, parse_users
from procurement_spiders.redaction import redact_url

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
LOG_FORMATS = ("text", "json")
PGC_LOGIN_MODES = ("auto", "attended")


def _int(default: int, lo: int, hi: int) -> Any:
    return field(default=default, metadata={"kind": "int", "min": lo, "max": hi})


def _num(default: float, lo: float, hi: float) -> Any:
    return field(default=default, metadata={"kind": "number", "min": lo, "max": hi})


def _secret() -> Any:
    return field(default=None, repr=False, metadata={"secret": True})


@dataclass(frozen=True)
class Config:
    # Storage
    database_url: str | None = field(default=None, repr=False)  # may carry the database password
    sqlalchemy_echo: bool = False  # name kept from the legacy system: echo SQL statements to the log
    postgres_batch_size: int = _int(2000, 1, 100_000)  # rows per COPY and commit
    coleta_max_recorded_drops: int = _int(1000, 0, 1_000_000)  # drops kept verbatim (all are counted)
    coleta_heartbeat_interval: float = _num(30.0, 0.1, 3600)  # seconds between a running coleta's heartbeats
    coleta_heartbeat_timeout: float = _num(300.0, 1, 86_400)  # a running coleta silent this long is reaped
    # Browser (Selenium Grid or local Chromium)
    selenium_url: str | None = None
    selenium_headless: bool = True
    selenium_implicit_wait: float = _num(0.0, 0, 60)
    selenium_timeout: float = _num(30.0, 0.1, 3600)
    selenium_max_sessions: int = _int(2, 1, 32)
    selenium_debug_dir: str = "debug/selenium"  # screenshots + page sources of failed browser pages
    poll_time: float = _num(0.1, 0.01, 10)
    # HTTP: retries of 5xx/timeouts (RETRY_TIMES is Scrapy's name for it), 429 backoff, concurrency
    retry_count: int = _int(3, 0, 50)
    rate_limit_base_delay: float = _num(2.0, 0, 600)  # seconds, first wait after a 429 or a 5xx
    rate_limit_max_delay: float = _num(60.0, 0, 3600)  # seconds, cap of that backoff
    rate_limit_max_retries: int = _int(30, 0, 1000)  # 429s in a row before the crawl stops as rate_limited
    concurrent_requests: int = _int(8, 1, 64)
    concurrent_requests_per_domain: int = _int(3, 1, 32)  # PNCP's WAF allows about 3 in flight
    download_timeout: float = _num(180.0, 1, 3600)  # PCA cold pages take 40-57 s
    # Logging
    log_level: str = "INFO"
    log_format: str = "text"
    # Portals
    pncp_real_enabled: bool = True
    pgc_real_enabled: bool = True
    orgao_cnpj: str | None = None
    pncp_base_url: str = "https://pncp.gov.br"
    dados_abertos_base_url: str = "https://dadosabertos.compras.gov.br"
    comprasnet_base_url: str = "https://www.comprasnet.gov.br"
    pgc_base_url: str = "https://cnetmobile.estaleiro.serpro.gov.br"
    sandbox_url: str = "http://127.0.0.1:8800"
    # Paging and its bounds: what a portal declares is believed only up to these caps
    pncp_page_size: int = _int(500, 1, 5000)  # itens: no documented max (2000 measured)
    dados_abertos_page_size: int = _int(500, 1, 500)  # documented max of the module
    pncp_max_plans: int = _int(2000, 1, 100_000)  # plans (UASGs) of one órgão and year
    pncp_max_items_per_plan: int = _int(200_000, 1, 10_000_000)
    dados_abertos_max_pages: int = _int(2000, 1, 100_000)  # x DADOS_ABERTOS_PAGE_SIZE rows
    # PGC login (secrets: never logged, never stored)
    pgc_login_mode: str = "auto"
    pgc_cpf: str | None = _secret()
    pgc_senha: str | None = _secret()
    pgc_login_timeout: float = _num(300.0, 1, 86_400)
    pgc_novnc_url: str | None = None  # where a person opens the Grid's browser; default <grid host>:7900
    pgc_pages_per_step: int = _int(5, 1, 50)  # DFD list pages read per browser step (fewer round-trips)
    # Operations
    api_host: str = "127.0.0.1"  # the web app's address (issue 11); scrapyd keeps its own (SCRAPYD_URL)
    api_port: int = _int(8000, 1, 65535)
    scrapyd_url: str = "http://127.0.0.1:6800"
    scrapyd_username: str | None = None
    scrapyd_password: str | None = _secret()
    progress_interval: float = _num(60.0, 0, 86_400)  # seconds between progress lines; 0 disables them
    # Web app (issue 11): WEB_USERS "name:role:hash" entries (parsing/web_users.py), cookie signing key
    web_users: str | None = _secret()
    web_session_secret: str | None = _secret()
    metrics_public: bool = False
    # National crawl (pncp_nacional): shared queue, key prefix, this worker's source address
    redis_url: str | None = field(default=None, repr=False)  # unset: one process, no Redis
    redis_key_prefix: str = "procurement"
    bind_address: str | None = None  # an IP of this machine the worker's requests leave from

    def public_dict(self) -> dict[str, object]:
        """The configuration without secrets, safe for logs and coleta records."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.metadata.get("secret"):
                value = "***" if value else None
            elif f.name in ("database_url", "redis_url") and value:
                value = redact_url(value)
            out[f.name] = value
        return out


def load_config(environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Config:
    """Read the configuration from `environ` (default: the process environment) over `.env`.

    The process environment wins over `.env`, as with docker-compose and scrapyd.
    """
    if env_file is None:
        env_file = Path(os.environ.get("PROCUREMENT_ENV_FILE", ".env"))
    merged: dict[str, str] = dict(env_file_values(env_file))
    merged.update(os.environ if environ is None else environ)
    r = Reader(merged)

    values: dict[str, Any] = {}
    for f in fields(Config):  # every number: typed and range-checked the same way
        if f.metadata.get("kind"):
            name = f.name.upper()
            if f.name == "retry_count" and "RETRY_TIMES" in merged:
                name = "RETRY_TIMES"  # Scrapy's name, when a -s override used it
            meta = f.metadata
            values[f.name] = r.ranged(name, cast(float, f.default), meta["kind"], meta["min"], meta["max"])

    pncp_real = r.flag("PNCP_REAL_ENABLED", True)
    pgc_real = r.flag("PGC_REAL_ENABLED", True)
    sandbox = r.url("SANDBOX_URL", Config.sandbox_url)
    assert sandbox is not None

    def portal_url(name: str, real_default: str, real_enabled: bool) -> str:
        value = r.url(name, None)
        if value is not None:
            return value
        return real_default if real_enabled else sandbox

    cnpj = r.text("ORGAO_CNPJ", None)
    if cnpj is not None:
        try:
            cnpj = normalize_cnpj(cnpj)
        except InvalidIdentifier as exc:
            raise ConfigError(f"ORGAO_CNPJ: {exc}") from None

    database_url = r.text("DATABASE_URL", None)
    if database_url is not None:
        check_url("DATABASE_URL", database_url, ("postgresql", "postgres"))

    cpf = r.text("PGC_CPF", None)
    if cpf is not None and not re.fullmatch(r"[0-9.\-]+", cpf):
        raise ConfigError("PGC_CPF must contain only digits (and optional . and - separators)")

    if values["rate_limit_max_delay"] < values["rate_limit_base_delay"]:
        raise ConfigError("RATE_LIMIT_MAX_DELAY must be at least RATE_LIMIT_BASE_DELAY")
    if values["coleta_heartbeat_timeout"] < 2 * values["coleta_heartbeat_interval"]:
        raise ConfigError("COLETA_HEARTBEAT_TIMEOUT must be at least twice COLETA_HEARTBEAT_INTERVAL")

    return Config(
        **values,
        database_url=database_url,
        sqlalchemy_echo=r.flag("SQLALCHEMY_ECHO", False),
        selenium_url=r.url("SELENIUM_URL", None),
        selenium_headless=r.flag("SELENIUM_HEADLESS", True),
        selenium_debug_dir=r.text("SELENIUM_DEBUG_DIR", Config.selenium_debug_dir) or Config.selenium_debug_dir,
        log_level=r.choice("LOG_LEVEL", Config.log_level, LOG_LEVELS, upper=True),
        log_format=r.choice("LOG_FORMAT", Config.log_format, LOG_FORMATS),
        pncp_real_enabled=pncp_real,
        pgc_real_enabled=pgc_real,
        orgao_cnpj=cnpj,
        pncp_base_url=portal_url("PNCP_BASE_URL", Config.pncp_base_url, pncp_real),
        dados_abertos_base_url=portal_url("DADOS_ABERTOS_BASE_URL", Config.dados_abertos_base_url, pncp_real),
        comprasnet_base_url=portal_url("COMPRASNET_BASE_URL", Config.comprasnet_base_url, pgc_real),
        pgc_base_url=portal_url("PGC_BASE_URL", Config.pgc_base_url, pgc_real),
        sandbox_url=sandbox,
        pgc_login_mode=r.choice("PGC_LOGIN_MODE", Config.pgc_login_mode, PGC_LOGIN_MODES),
        pgc_cpf=cpf,
        pgc_senha=r.text("PGC_SENHA", None),
        pgc_novnc_url=r.url("PGC_NOVNC_URL", None),
        api_host=r.text("API_HOST", Config.api_host) or Config.api_host,
        scrapyd_url=r.url("SCRAPYD_URL", Config.scrapyd_url) or Config.scrapyd_url,
        scrapyd_username=r.text("SCRAPYD_USERNAME", None),
        scrapyd_password=r.text("SCRAPYD_PASSWORD", None),
        **_web_fields(r),
        **national_settings(r),
    )


def national_settings(r: Reader) -> dict[str, Any]:
    """REDIS_URL (redis:// or rediss://, a database number at most 15), REDIS_KEY_PREFIX, BIND_ADDRESS."""
    redis_url = r.text("REDIS_URL", None)
    if redis_url is not None:
        check_url("REDIS_URL", redis_url, ("redis", "rediss"))
        db = urlsplit(redis_url).path.strip("/")
        if db and (not db.isdigit() or int(db) > 15):
            raise ConfigError(f"REDIS_URL={redact_url(redis_url)} names database {db[:20]!r}; use 0..15")
    prefix = r.text("REDIS_KEY_PREFIX", Config.redis_key_prefix) or Config.redis_key_prefix
    if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", prefix):
        raise ConfigError("REDIS_KEY_PREFIX must be 1-64 characters of letters, digits, _ . : -")
    bind = r.text("BIND_ADDRESS", None)
    if bind is not None:
        try:
            bind = str(ipaddress.ip_address(bind))
        except ValueError:
            raise ConfigError(f"BIND_ADDRESS={bind[:64]!r} is not an IP address") from None
    return {"redis_url": redis_url, "redis_key_prefix": prefix, "bind_address": bind}


def _web_fields(r: Reader) -> dict[str, Any]:
    """WEB_USERS is checked here (a bad entry stops the start, naming the entry, never the hash)."""
    users = r.text("WEB_USERS", None)
    try:
        parse_users(users)
    except UsersError as exc:
        raise ConfigError(f"WEB_USERS: {exc}") from None
    secret = r.text("WEB_SESSION_SECRET", None)
    if secret is not None and len(secret) < 32:
        raise ConfigError("WEB_SESSION_SECRET must be at least 32 characters")
    return {"web_users": users, "web_session_secret": secret, "metrics_public": r.flag("METRICS_PUBLIC", False)}


# Scrapy setting name for each Config field. They match the environment names, except where
# Scrapy already uses the name for something else (its LOG_FORMAT is a %-format string).
SETTING_NAMES: dict[str, str] = {f.name: f.name.upper() for f in fields(Config)}
SETTING_NAMES["log_format"] = "PROJECT_LOG_FORMAT"
# settings.py records a bad environment here instead of exiting at import; commands report it.
CONFIG_ERROR_SETTING = "PROJECT_CONFIG_ERROR"


def config_to_settings(config: Config) -> dict[str, object]:
    out: dict[str, object] = {SETTING_NAMES[f.name]: getattr(config, f.name) for f in fields(config)}
    out["RETRY_TIMES"] = config.retry_count
    return out


def config_from_settings(settings) -> Config:
    """The typed Config behind Scrapy settings, `-s NAME=value` overrides included and checked."""
    if settings.get(CONFIG_ERROR_SETTING):
        raise ConfigError(settings.get(CONFIG_ERROR_SETTING))
    environ: dict[str, str] = {}
    for f in fields(Config):
        value = settings.get(SETTING_NAMES[f.name])
        if value is None:
            continue
        environ[f.name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    priority = getattr(settings, "getpriority", lambda name: None)  # plain mappings have no priorities
    if (priority("RETRY_TIMES") or 0) > (priority("RETRY_COUNT") or 0):
        environ["RETRY_TIMES"] = str(settings.get("RETRY_TIMES"))
    # Resolved portal URLs are explicit here, so the *_REAL_ENABLED switches do not move them again.
    return load_config(environ=environ, env_file=Path("/nonexistent/.env"))


_BY_CRAWLER: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def crawler_config(crawler) -> Config:
    """The crawler's Config: parsed once from its (frozen) settings, then shared by every component."""
    config = _BY_CRAWLER.get(crawler)
    if config is None:
        config = config_from_settings(crawler.settings)
        if crawler.settings.frozen:
            _BY_CRAWLER[crawler] = config
    return config


def config_or_exit(settings: BaseSettings | None, *, need_database: bool = False) -> Config:
    """The typed configuration for a command, or one clear line and exit status 1."""
    assert settings is not None  # Scrapy sets a command's settings before it runs it
    try:
        config = config_from_settings(settings)
    except ConfigError as exc:
        sys.exit(f"configuration error: {exc}")
    if need_database and not config.database_url:
        sys.exit("configuration error: DATABASE_URL is not set")
    return config
