"""The unit the PGC session works for: the UASG (and its name) the app's header shows, and the
órgão's CNPJ when the header shows one. Reference §2.1: a session is bound to one UASG."""

from __future__ import annotations

import contextlib
import re

from selenium.webdriver.remote.webdriver import WebDriver

from procurement_spiders.pages.pgc.dom import texts
from procurement_spiders.pages.pgc.selectors import HEADER_UASG
from procurement_spiders.parsing.identifiers import InvalidIdentifier, normalize_cnpj

_UASG = re.compile(r"^UASG\s*:?\s*(\d{6})\b\s*[-–—:]?\s*(.*)$")
_CNPJ = re.compile(r"\b\d{2}\.?\d{3}\.?\d{3}/?\d{4}-?\d{2}\b")


def parse_unidade(text: str | None) -> dict[str, str | None]:
    """'UASG 110511 — COORDENAÇÃO… (CNPJ 00.394.544/0001-85)' -> uasg, nome_uasg, orgao_cnpj
    (each None when the text does not show it; a CNPJ with wrong check digits is not one)."""
    out: dict[str, str | None] = {"uasg": None, "nome_uasg": None, "orgao_cnpj": None}
    match = _UASG.match(" ".join((text or "").split()))
    if not match:
        return out
    out["uasg"] = match.group(1)
    rest = match.group(2)
    found = _CNPJ.search(rest)
    if found:
        with contextlib.suppress(InvalidIdentifier):  # a malformed CNPJ leaves orgao_cnpj unset
            out["orgao_cnpj"] = normalize_cnpj(found.group(0))
        rest = _CNPJ.sub("", rest).replace("(CNPJ )", "").replace("CNPJ", "")
    out["nome_uasg"] = rest.strip(" -–—()") or None
    return out


def read_unidade(driver: WebDriver) -> dict[str, str | None]:
    shown = texts(driver, HEADER_UASG)
    return parse_unidade(shown[0] if shown else None)
