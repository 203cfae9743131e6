"""The one place where the environment (and an optional `.env`) is read and typed.

Every other module takes its values from `load_config()` (through Scrapy settings built in
`settings.py`), so a bad value is reported once, by name, before any request is made.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from dotenv import dotenv_values

from procurement_spiders.parsing.identifiers import InvalidIdentifier, normalize_cnpj
from procurement_spiders.redaction import redact_url

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
LOG_FORMATS = ("text", "json")
PGC_LOGIN_MODES = ("auto", "attended")
_TRUE = {"1", "true", "yes", "on", "sim"}
_FALSE = {"0", "false", "no", "off", "nao", "não", ""}


class ConfigError(ValueError):
    """A setting has a value the project cannot use; the message names the setting."""


@dataclass(frozen=True)
class Config:
    # Storage
    database_url: str | None = None
    sqlalchemy_echo: bool = False  # name kept from the legacy system: echo SQL statements to the log
    # Browser (Selenium Grid or local Chromium)
    selenium_url: str | None = None
    selenium_headless: bool = True
    selenium_implicit_wait: float = 0.0
    selenium_timeout: float = 30.0
    selenium_max_sessions: int = 2
    selenium_debug_dir: str = "debug/selenium"  # screenshots + page sources of failed browser pages
    poll_time: float = 0.1
    retry_count: int = 3
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
    # PGC login (secrets: never logged, never stored)
    pgc_login_mode: str = "auto"
    pgc_cpf: str | None = None
    pgc_senha: str | None = None
    pgc_login_timeout: float = 300.0
    pgc_novnc_url: str | None = None  # where a person opens the Grid's browser; default <grid host>:7900
    pgc_pages_per_step: int = 5  # DFD list pages read per browser step (fewer round-trips)
    # Operations
    api_host: str = "127.0.0.1"
    api_port: int = 6800
    scrapyd_url: str = "http://127.0.0.1:6800"
    scrapyd_username: str | None = None
    scrapyd_password: str | None = None
    progress_interval: float = 60.0  # seconds between progress lines of a crawl; 0 disables them

    def public_dict(self) -> dict[str, object]:
        """The configuration without secrets, safe for logs and coleta records."""
        hidden = {"pgc_cpf", "pgc_senha", "scrapyd_password"}
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in hidden:
                value = "***" if value else None
            elif f.name == "database_url" and value:
                value = redact_url(value)
            out[f.name] = value
        return out


def _env_file_values(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


class _Reader:
    def __init__(self, env: Mapping[str, str]):
        self.env = env

    def raw(self, name: str) -> str | None:
        value = self.env.get(name)
        if value is None:
            return None
        value = value.strip()
        return value if value != "" else None

    def str(self, name: str, default: str | None) -> str | None:
        value = self.raw(name)
        return default if value is None else value

    def bool(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        low = value.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ConfigError(f"{name}={value!r} is not a boolean (use true or false)")

    def number(self, name: str, default: float, *, minimum: float = 0.0) -> float:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(f"{name}={value!r} is not a number") from None
        if number < minimum:
            raise ConfigError(f"{name}={value!r} must be at least {minimum:g}")
        return number

    def integer(self, name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"{name}={value!r} is not a whole number") from None
        if number < minimum or (maximum is not None and number > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise ConfigError(f"{name}={value!r} must be {bound}")
        return number

    def choice(self, name: str, default: str, choices: tuple[str, ...], *, upper: bool = False) -> str:
        value = self.raw(name)
        if value is None:
            return default
        value = value.upper() if upper else value.lower()
        if value not in choices:
            raise ConfigError(f"{name}={value!r} must be one of: {', '.join(choices)}")
        return value

    def url(self, name: str, default: str | None, *, schemes: tuple[str, ...] = ("http", "https")) -> str | None:
        value = self.raw(name)
        if value is None:
            return default
        check_url(name, value, schemes)
        return value.rstrip("/")


def check_url(name: str, value: str, schemes: tuple[str, ...] = ("http", "https")) -> None:
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        raise ConfigError(f"{name}={redact_url(value)!r} is not a valid URL") from None
    if parts.scheme not in schemes or not parts.hostname or not port_ok or " " in value:
        raise ConfigError(
            f"{name}={redact_url(value)!r} is not a valid URL (expected {'|'.join(schemes)}://host[:port])"
        )


def load_config(environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Config:
    """Read the configuration from `environ` (default: the process environment) over `.env`.

    The process environment wins over `.env`, as with docker-compose and scrapyd.
    """
    if env_file is None:
        env_file = Path(os.environ.get("PROCUREMENT_ENV_FILE", ".env"))
    merged: dict[str, str] = dict(_env_file_values(env_file))
    merged.update(os.environ if environ is None else environ)
    r = _Reader(merged)

    pncp_real = r.bool("PNCP_REAL_ENABLED", True)
    pgc_real = r.bool("PGC_REAL_ENABLED", True)
    sandbox = r.url("SANDBOX_URL", Config.sandbox_url)
    assert sandbox is not None

    def portal_url(name: str, real_default: str, real_enabled: bool) -> str:
        value = r.url(name, None)
        if value is not None:
            return value
        return real_default if real_enabled else sandbox

    cnpj = r.str("ORGAO_CNPJ", None)
    if cnpj is not None:
        try:
            cnpj = normalize_cnpj(cnpj)
        except InvalidIdentifier as exc:
            raise ConfigError(f"ORGAO_CNPJ: {exc}") from None

    database_url = r.str("DATABASE_URL", None)
    if database_url is not None:
        check_url("DATABASE_URL", database_url, ("postgresql", "postgres"))

    cpf = r.str("PGC_CPF", None)
    if cpf is not None and not (cpf.replace(".", "").replace("-", "").isdigit()):
        raise ConfigError("PGC_CPF must contain only digits (and optional . and - separators)")

    return Config(
        database_url=database_url,
        sqlalchemy_echo=r.bool("SQLALCHEMY_ECHO", False),
        selenium_url=r.url("SELENIUM_URL", None),
        selenium_headless=r.bool("SELENIUM_HEADLESS", True),
        selenium_implicit_wait=r.number("SELENIUM_IMPLICIT_WAIT", 0.0),
        selenium_timeout=r.number("SELENIUM_TIMEOUT", 30.0, minimum=0.1),
        selenium_max_sessions=r.integer("SELENIUM_MAX_SESSIONS", 2, minimum=1, maximum=32),
        selenium_debug_dir=r.str("SELENIUM_DEBUG_DIR", Config.selenium_debug_dir) or Config.selenium_debug_dir,
        poll_time=r.number("POLL_TIME", 0.1, minimum=0.01),
        retry_count=r.integer("RETRY_COUNT", 3, minimum=0, maximum=50),
        log_level=r.choice("LOG_LEVEL", "INFO", LOG_LEVELS, upper=True),
        log_format=r.choice("LOG_FORMAT", "text", LOG_FORMATS),
        pncp_real_enabled=pncp_real,
        pgc_real_enabled=pgc_real,
        orgao_cnpj=cnpj,
        pncp_base_url=portal_url("PNCP_BASE_URL", Config.pncp_base_url, pncp_real),
        dados_abertos_base_url=portal_url("DADOS_ABERTOS_BASE_URL", Config.dados_abertos_base_url, pncp_real),
        comprasnet_base_url=portal_url("COMPRASNET_BASE_URL", Config.comprasnet_base_url, pgc_real),
        pgc_base_url=portal_url("PGC_BASE_URL", Config.pgc_base_url, pgc_real),
        sandbox_url=sandbox,
        pgc_login_mode=r.choice("PGC_LOGIN_MODE", "auto", PGC_LOGIN_MODES),
        pgc_cpf=cpf,
        pgc_senha=r.str("PGC_SENHA", None),
        pgc_login_timeout=r.number("PGC_LOGIN_TIMEOUT", 300.0, minimum=1.0),
        pgc_novnc_url=r.url("PGC_NOVNC_URL", None),
        pgc_pages_per_step=r.integer("PGC_PAGES_PER_STEP", 5, minimum=1, maximum=50),
        api_host=r.str("API_HOST", Config.api_host) or Config.api_host,
        api_port=r.integer("API_PORT", Config.api_port, minimum=1, maximum=65535),
        scrapyd_url=r.url("SCRAPYD_URL", Config.scrapyd_url) or Config.scrapyd_url,
        scrapyd_username=r.str("SCRAPYD_USERNAME", None),
        scrapyd_password=r.str("SCRAPYD_PASSWORD", None),
        progress_interval=r.number("PROGRESS_INTERVAL", Config.progress_interval),
    )


# Scrapy setting name for each Config field. They match the environment names, except where
# Scrapy already uses the name for something else (its LOG_FORMAT is a %-format string).
SETTING_NAMES: dict[str, str] = {f.name: f.name.upper() for f in fields(Config)}
SETTING_NAMES["log_format"] = "PROJECT_LOG_FORMAT"


def config_to_settings(config: Config) -> dict[str, object]:
    return {SETTING_NAMES[f.name]: getattr(config, f.name) for f in fields(config)}


def config_from_settings(settings) -> Config:
    """The typed Config behind Scrapy settings, `-s NAME=value` overrides included and checked."""
    environ: dict[str, str] = {}
    for f in fields(Config):
        value = settings.get(SETTING_NAMES[f.name])
        if value is None:
            continue
        environ[f.name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    # Resolved portal URLs are explicit here, so the *_REAL_ENABLED switches do not move them again.
    return load_config(environ=environ, env_file=Path("/nonexistent/.env"))
