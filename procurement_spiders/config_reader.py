"""Typed reading of setting values (environment strings): booleans, ranged numbers in ASCII
digits, choices and URLs, each refused with one line that names the setting (never a password)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import dotenv_values

from procurement_spiders.parsing.messages import clip
from procurement_spiders.redaction import redact_url

_TRUE = {"1", "true", "yes", "on", "sim"}
_FALSE = {"0", "false", "no", "off", "nao", "não", ""}
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")  # ASCII digits only: "１２" is not a setting value
_NUMBER = re.compile(r"[+-]?([0-9]{1,18}(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?")


class ConfigError(ValueError):
    """A setting has a value the project cannot use; the message names the setting."""


def env_file_values(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


class Reader:
    def __init__(self, env: Mapping[str, str]):
        self.env = env

    def raw(self, name: str) -> str | None:
        value = self.env.get(name)
        if value is None:
            return None
        value = value.strip()
        return value if value != "" else None

    def text(self, name: str, default: str | None) -> str | None:
        value = self.raw(name)
        return default if value is None else value

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        low = value.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ConfigError(f"{name}={clip(value)} is not a boolean (use true or false)")

    def ranged(self, name: str, default: float, kind: str, lo: float, hi: float) -> Any:
        """A whole number (kind "int") or a finite number within [lo, hi]."""
        value = self.raw(name)
        if value is None:
            return default
        pattern, what = (_INTEGER, "a whole number") if kind == "int" else (_NUMBER, "a number")
        if not pattern.fullmatch(value):
            raise ConfigError(f"{name}={clip(value)} is not {what}")
        number = int(value) if kind == "int" else float(value)
        if not (math.isfinite(number) and lo <= number <= hi):
            bounds = f"{lo} and {hi}" if kind == "int" else f"{lo:g} and {hi:g}"
            raise ConfigError(f"{name}={clip(value)} must be between {bounds}")
        return number

    def choice(self, name: str, default: str, choices: tuple[str, ...], *, upper: bool = False) -> str:
        value = self.raw(name)
        if value is None:
            return default
        value = value.upper() if upper else value.lower()
        if value not in choices:
            raise ConfigError(f"{name}={clip(value)} must be one of: {', '.join(choices)}")
        return value

    def url(self, name: str, default: str | None, *, schemes: tuple[str, ...] = ("http", "https")) -> str | None:
        value = self.raw(name)
        if value is None:
            return default
        check_url(name, value, schemes)
        return value.rstrip("/")


def check_url(name: str, value: str, schemes: tuple[str, ...] = ("http", "https")) -> None:
    shown = clip(redact_url(value))
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        raise ConfigError(f"{name}={shown} is not a valid URL") from None
    if parts.scheme not in schemes or not parts.hostname or not port_ok or " " in value:
        raise ConfigError(f"{name}={shown} is not a valid URL (expected {'|'.join(schemes)}://host[:port])")
