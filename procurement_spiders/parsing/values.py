"""Money and dates, as the portals write them on screen (pt-BR) and in their APIs (ISO, dots)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from procurement_spiders.parsing.messages import clip

CENTAVO = Decimal("0.01")
MAX_VALOR = Decimal("9999999999999.99")  # NUMERIC(15,2)
_PT_BR_MONEY = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+(,\d+)?$")
_API_NUMBER = re.compile(r"^-?\d+(\.\d{1,4})?$")
_BR_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


class InvalidValue(ValueError):
    """The text is not a value the portals write; the message says which."""


def parse_money(raw: object) -> Decimal | None:
    """`R$ 1.234,56`, `1234,56`, JSON numbers with up to 4 decimals, or empty (None).

    Floats are taken through their shortest repr, so 36900.0 is exactly 36900.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise InvalidValue(f"valor {raw!r} is not money")
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
    else:
        text = str(raw).replace("\xa0", " ").strip()
        if text.upper().startswith("R$"):
            text = text[2:].strip()
        if text in ("", "-"):
            return None
        if _API_NUMBER.match(text) and "," not in text and text.count(".") <= 1 and not _looks_thousands(text):
            value = Decimal(text)
        elif _PT_BR_MONEY.match(text):
            value = Decimal(text.replace(".", "").replace(",", "."))
        else:
            raise InvalidValue(f"valor {clip(raw)} is not money (expected R$ 1.234,56 or 1234.56)")
    if not value.is_finite():
        raise InvalidValue(f"valor {clip(raw)} is not a finite number")
    return value


def parse_amount(raw: object, name: str = "valorTotal") -> Decimal:
    """A money amount of a JSON API, as PNCP's OpenAPI declares it: a number, required, >= 0.

    Anything else (missing, null, true, a string, NaN/Infinity, a negative, more than
    NUMERIC(15,2) holds, e.g. 1e30 or 400 digits) raises InvalidValue naming what came.
    """
    if raw is None:
        raise InvalidValue(f"{name} is missing")
    if isinstance(raw, bool) or not isinstance(raw, (int, float, Decimal)):
        raise InvalidValue(f"{name} {clip(raw)} is not a number")
    value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    if not value.is_finite():
        raise InvalidValue(f"{name} {clip(raw)} is not a finite number")
    if value < 0:
        raise InvalidValue(f"{name} {clip(raw)} is negative")
    if value > MAX_VALOR:
        raise InvalidValue(f"{name} {clip(raw)} does not fit NUMERIC(15,2)")
    return value if value else Decimal(0)  # -0.0 is 0


def _looks_thousands(text: str) -> bool:
    # "1.234" on a pt-BR screen is one thousand two hundred and thirty-four, not 1.234.
    head, _, tail = text.lstrip("-").partition(".")
    return len(tail) == 3 and len(head) <= 3 and head != "0"


def to_centavos(value: Decimal) -> Decimal:
    """Round once, at the end, half up as the portals display it; InvalidValue if it does not fit."""
    if not value.is_finite() or abs(value) > MAX_VALOR + 1:  # checked first: quantize would raise
        raise InvalidValue(f"valor {clip(value)} does not fit NUMERIC(15,2)")
    try:
        rounded = value.quantize(CENTAVO, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the context's precision
        raise InvalidValue(f"valor {clip(value)} does not fit NUMERIC(15,2)") from None
    if abs(rounded) > MAX_VALOR:
        raise InvalidValue(f"valor {clip(value)} does not fit NUMERIC(15,2)")
    return rounded


def parse_date(raw: object) -> date | None:
    """`dd/mm/aaaa`, ISO `aaaa-mm-dd`, or an ISO datetime (its date part); empty is None."""
    if raw is None:
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    if not text:
        return None
    try:
        match = _BR_DATE.match(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise InvalidValue(f"data {clip(raw)} is not a date (expected dd/mm/aaaa or aaaa-mm-dd)") from None


_BR_SEPARATORS = str.maketrans(",.", ".,")


def format_brl(value: Decimal) -> str:
    """`R$ 1.234,56`, for summaries shown to people: Python's grouping, the separators swapped
    (the coleta page formats 50 of these per request)."""
    sign = "-" if value < 0 else ""
    return f"{sign}R$ {abs(value):,.2f}".translate(_BR_SEPARATORS)


def format_br_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "-"
