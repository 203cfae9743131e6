"""Report arguments checked and resolved to coletas before anything is read or written.

A wrong argument is a ReportArgumentError whose message is the one line the command prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection

from procurement_spiders.reports.fontes import (
    FONTE_ARGUMENTS,
    FONTE_LABELS,
    FONTES,
    Coleta,
    coleta_by_id,
    latest_coletas,
    latest_per_fonte,
)
from procurement_spiders.spiders.base import (
    SpiderArgumentError,
    parse_ano,
    parse_cnpj_argument,
    parse_uasg_argument,
)


class ReportArgumentError(ValueError):
    """A report argument is wrong (or names coletas that cannot be compared)."""


@dataclass
class GeralRequest:
    ano: int
    cnpj: str | None
    uasg: str | None
    tolerance: Decimal
    coletas: dict[str, Coleta | None]

    @property
    def coleta_ids(self) -> dict[str, int | None]:
        return {f: (c.id if c else None) for f, c in self.coletas.items()}

    @property
    def missing(self) -> list[str]:
        return [f for f, c in self.coletas.items() if c is None]


@dataclass
class MudancasRequest:
    fonte: str
    ano: int
    cnpj: str | None
    de: Coleta
    para: Coleta


def _check_names(raw: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(k for k in raw if k not in allowed)
    if unknown:
        raise ReportArgumentError(f"argumento desconhecido {unknown[0]!r} (aceitos: {', '.join(allowed)})")


def _common(raw: dict[str, Any], default_cnpj: str | None) -> tuple[int, str | None, str | None]:
    try:
        ano = parse_ano(raw.get("ano"))
        cnpj = parse_cnpj_argument(raw["cnpj"], None) if raw.get("cnpj") else default_cnpj
        uasg = parse_uasg_argument(raw.get("uasg"))
    except SpiderArgumentError as exc:
        raise ReportArgumentError(str(exc)) from None
    return ano, cnpj, uasg


def _coleta_id(name: str, raw: object) -> int:
    text = str(raw).strip()
    if not text.isdigit() or len(text) > 18:
        raise ReportArgumentError(f"argumento {name}={text[:40]!r} não é o número de uma coleta")
    return int(text)


def _named_coleta(conn: Connection, name: str, raw: object, fonte: str | None = None) -> Coleta:
    coleta = coleta_by_id(conn, _coleta_id(name, raw))
    if coleta is None:
        raise ReportArgumentError(f"coleta {raw} ({name}) não existe")
    if coleta.status != "success":
        raise ReportArgumentError(
            f"coleta {coleta.id} ({name}) terminou com status {coleta.status}: só coletas com sucesso contam"
        )
    if fonte is not None and coleta.fonte != fonte:
        raise ReportArgumentError(f"coleta {coleta.id} ({name}) é de {coleta.label}, não de {FONTE_LABELS[fonte]}")
    return coleta


def _orgao(cnpj: str | None, uasg: str | None) -> str:
    return f"órgão {cnpj}" if cnpj else (f"UASG {uasg}" if uasg else "qualquer órgão")


def resolve_geral(conn: Connection, raw: dict[str, Any], default_cnpj: str | None) -> GeralRequest:
    """`ano`, `cnpj` | `uasg`, `tolerancia`, and optionally `pgc`, `formacao`, `pncp` (coleta ids)."""
    _check_names(raw, ("ano", "cnpj", "uasg", "tolerancia", *FONTE_ARGUMENTS))
    ano, cnpj, uasg = _common(raw, default_cnpj)
    try:
        tolerance = Decimal(str(raw.get("tolerancia", "0.01")).replace(",", "."))
        if not tolerance.is_finite() or tolerance < 0:
            raise InvalidOperation
    except InvalidOperation:
        raise ReportArgumentError(f"argumento tolerancia={raw.get('tolerancia')!r} não é um valor em reais") from None
    coletas = latest_per_fonte(conn, ano, cnpj)
    for name, fonte in FONTE_ARGUMENTS.items():
        if raw.get(name):
            coleta = _named_coleta(conn, name, raw[name], fonte)
            if coleta.ano != ano:
                raise ReportArgumentError(f"coleta {coleta.id} ({name}) é do PCA {coleta.ano}, não do PCA {ano}")
            coletas[fonte] = coleta
    if all(c is None for c in coletas.values()):
        raise ReportArgumentError(f"nenhuma coleta com sucesso do PCA {ano} para {_orgao(cnpj, uasg)}")
    return GeralRequest(ano, cnpj, uasg, tolerance, {f: coletas[f] for f in FONTES})


def resolve_mudancas(conn: Connection, raw: dict[str, Any], default_cnpj: str | None) -> MudancasRequest:
    """`fonte`, `ano`, `cnpj`, and `de`/`para` (coleta ids; default: the latest two successful)."""
    _check_names(raw, ("fonte", "ano", "cnpj", "de", "para"))
    name = str(raw.get("fonte") or "").strip().lower()
    if name not in FONTE_ARGUMENTS:
        raise ReportArgumentError(f"argumento fonte={name[:40]!r}: use {', '.join(FONTE_ARGUMENTS)}")
    fonte = FONTE_ARGUMENTS[name]
    ano, cnpj, _ = _common(raw, default_cnpj)
    if bool(raw.get("de")) != bool(raw.get("para")):
        raise ReportArgumentError("dê os dois argumentos de e para, ou nenhum")
    if raw.get("de"):
        de, para = _named_coleta(conn, "de", raw["de"]), _named_coleta(conn, "para", raw["para"])
        if de.fonte != para.fonte:
            raise ReportArgumentError(
                f"as coletas {de.id} ({de.label}) e {para.id} ({para.label}) são de fontes diferentes"
            )
        if de.fonte != fonte:
            raise ReportArgumentError(f"as coletas {de.id} e {para.id} são de {de.label}, não de {FONTE_LABELS[fonte]}")
        if (de.ano, de.orgao_cnpj) != (para.ano, para.orgao_cnpj):
            raise ReportArgumentError(f"as coletas {de.id} e {para.id} são de anos ou órgãos diferentes")
        if de.ano != ano:
            raise ReportArgumentError(f"as coletas {de.id} e {para.id} são do PCA {de.ano}, não do PCA {ano}")
        return MudancasRequest(fonte, ano, cnpj, de, para)
    latest = latest_coletas(conn, fonte, ano, cnpj, count=2)
    if len(latest) < 2:
        raise ReportArgumentError(
            f"{FONTE_LABELS[fonte]}: {len(latest)} coleta(s) com sucesso do PCA {ano} para {_orgao(cnpj, None)}; "
            "são precisas duas"
        )
    return MudancasRequest(fonte, ano, cnpj, latest[1], latest[0])
