"""JSON for PostgreSQL's `jsonb`: exact decimals, ISO dates, and never a value jsonb refuses.

Whatever a portal sent ends up, verbatim, in a coleta's `dados` (dropped items, anomaly details)
or in a demanda's `detalhes`. jsonb refuses NaN and Infinity, the NUL character (`\\u0000`) and
lone surrogates; Python's JSON writers produce all three. A coleta must never fail to close
because of one odd value, so such values are written as text: "NaN", "Infinity", "-Infinity",
NUL as U+FFFD, and anything without a JSON form as its `repr`-like text.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import simplejson
from psycopg.types.json import Jsonb

_MAX_DEPTH = 64  # deeper structures (or cycles) are cut, not followed


def dumps_json(value: Any) -> str:
    """JSON with exact decimals (36900.00 stays 36900.00) and ISO dates, always valid for jsonb."""
    try:
        text = simplejson.dumps(value, use_decimal=True, default=_json_default, ensure_ascii=False, allow_nan=False)
    except (ValueError, TypeError, RecursionError):
        text = None
    if text is None or "\\u0000" in text or not _encodable(text):
        text = simplejson.dumps(json_safe(value), use_decimal=True, ensure_ascii=False, allow_nan=False)
    return text


def jsonb(value: Any) -> Jsonb | None:
    return None if value is None else Jsonb(value, dumps=dumps_json)


def json_safe(value: Any, _depth: int = 0) -> Any:
    """`value` with only what jsonb accepts: dicts with text keys, lists, finite numbers, clean text."""
    if _depth > _MAX_DEPTH:
        return "…"
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _non_finite_text(value)
    if isinstance(value, Decimal):
        return value if value.is_finite() else _non_finite_text(value)
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, dict):
        return {_clean_text(str(k)): json_safe(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v, _depth + 1) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return _clean_text(bytes(value).decode("utf-8", "replace"))
    return _clean_text(str(_json_default(value)))


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def _non_finite_text(value: float | Decimal) -> str:
    if (isinstance(value, float) and math.isnan(value)) or (isinstance(value, Decimal) and value.is_nan()):
        return "NaN"
    return "-Infinity" if value < 0 else "Infinity"


def _clean_text(text: str) -> str:
    text = text.replace("\x00", "\ufffd")
    return text if _encodable(text) else text.encode("utf-8", "replace").decode("utf-8")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
