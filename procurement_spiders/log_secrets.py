"""Keep secrets out of every log line, at every level, whoever writes it.

Two layers, installed once per process by `logging.configure_project_logging`:

1. Third-party loggers that echo WebDriver payloads are held at INFO whatever LOG_LEVEL says:
   Selenium's `remote_connection` logs each command's JSON body at DEBUG, and the body of
   `send_keys` is `{'text': '<the PGC CPF or password>', 'value': [<one character each>]}`, a
   form no value-matching filter can catch. (urllib3 logs method, path and status
   only, never bodies, so it keeps LOG_LEVEL.)
2. A log-record factory masks the configured secret values (PGC_CPF in its digit and dotted
   forms, PGC_SENHA, SCRAPYD_PASSWORD, DATABASE_URL's password) in the message and in a
   formatted exception of any record, from any logger, before any handler sees it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import unquote

from procurement_spiders.redaction import MASK

# Loggers that print request/response bodies of the browser protocol at DEBUG.
PAYLOAD_LOGGERS = ("selenium.webdriver.remote.remote_connection",)
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary text and protect nothing

_installed: dict[str, object] = {}


def secret_values(config) -> list[str]:
    """The values to mask, from the typed Config (empty or short ones skipped)."""
    values: list[str] = []
    cpf = config.pgc_cpf or ""
    digits = re.sub(r"\D", "", cpf)
    values += [cpf, digits]
    if len(digits) == 11:
        values.append(f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}")
    values += [config.pgc_senha or "", config.scrapyd_password or ""]
    match = re.match(r"^[A-Za-z][\w+.-]*://[^:/@]*:(.*)@", config.database_url or "")
    if match:
        values += [match.group(1), unquote(match.group(1))]  # as written and percent-decoded
    return sorted({v for v in values if len(v) >= MIN_SECRET_LENGTH}, key=len, reverse=True)


def _masker(secrets: Iterable[str]) -> re.Pattern[str] | None:
    parts = []
    for secret in secrets:
        # digits are masked only as a whole number, so 7.1999999999 is not taken for CPF 99999999999
        guard = (r"(?<!\d)", r"(?!\d)") if secret[0].isdigit() or secret[-1].isdigit() else ("", "")
        parts.append(guard[0] + re.escape(secret) + guard[1])
    return re.compile("|".join(parts)) if parts else None


def install(settings) -> None:
    """Apply both layers for the configuration behind `settings`. Safe to call again."""
    from procurement_spiders.config import ConfigError, config_from_settings

    for name in PAYLOAD_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
    try:
        config = config_from_settings(settings)
    except ConfigError:
        return  # the command reports the bad setting; there is nothing to mask yet
    install_masking(secret_values(config))


def install_masking(secrets: Iterable[str]) -> None:
    pattern = _masker(secrets)
    _installed["pattern"] = pattern
    if "factory" in _installed or pattern is None:
        return
    base = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = base(*args, **kwargs)
        current = _installed.get("pattern")
        if current is not None:
            _mask_record(record, current)  # type: ignore[arg-type]
        return record

    _installed["factory"] = factory
    logging.setLogRecordFactory(factory)


def _mask_record(record: logging.LogRecord, pattern: re.Pattern[str]) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string is the handler's to report
        return
    masked = pattern.sub(MASK, message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and record.exc_info[1] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        if pattern.search(text):
            record.exc_info, record.exc_text = None, pattern.sub(MASK, text)
