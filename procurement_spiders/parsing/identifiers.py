"""Brazilian identifiers as the portals write them: CNPJ, UASG and DFD numbers."""

from __future__ import annotations

import re

from procurement_spiders.parsing.messages import clip


class InvalidIdentifier(ValueError):
    """The text is not a well-formed identifier; the message says why."""


_CNPJ_WEIGHTS_1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_WEIGHTS_2 = (6,) + _CNPJ_WEIGHTS_1
# ASCII digits only ([0-9], not \d): full-width "１２０６４５" is not what the portals write.
_DFD = re.compile(r"\s*0*([0-9]{1,6})\s*/\s*([0-9]{4})\s*")
_DIGITS = re.compile(r"[0-9]+")


def _check_digit(digits: str, weights: tuple[int, ...]) -> str:
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "0" if remainder < 2 else str(11 - remainder)


def cnpj_check_digits(base12: str) -> str:
    first = _check_digit(base12, _CNPJ_WEIGHTS_1)
    return first + _check_digit(base12 + first, _CNPJ_WEIGHTS_2)


def normalize_cnpj(text: str) -> str:
    """14 digits, mask removed; wrong length or check digits raise InvalidIdentifier."""
    digits = re.sub(r"[.\-/\s]", "", str(text))
    if len(digits) != 14 or not _DIGITS.fullmatch(digits):
        raise InvalidIdentifier(f"CNPJ {clip(text)} must have 14 digits")
    if digits == digits[0] * 14 or cnpj_check_digits(digits[:12]) != digits[12:]:
        raise InvalidIdentifier(f"CNPJ {clip(text)} has wrong check digits")
    return digits


def normalize_uasg(text: str | int) -> str:
    """UASG as 6 digits; some APIs send it as an int and lose leading zeros."""
    digits = str(text).strip()
    if len(digits) > 6 or not _DIGITS.fullmatch(digits):
        raise InvalidIdentifier(f"UASG {clip(text)} must have up to 6 digits")
    return digits.zfill(6)


def normalize_dfd(text: str) -> str:
    """DFD number as `N/AAAA`, not zero-padded (the way PGC shows it)."""
    match = _DFD.fullmatch(str(text))
    if not match:
        raise InvalidIdentifier(f"DFD {clip(text)} is not of the form N/AAAA")
    number, year = match.groups()
    if int(number) == 0 or not 2000 <= int(year) <= 2100:
        raise InvalidIdentifier(f"DFD {clip(text)} has an impossible number or year")
    return f"{int(number)}/{year}"
