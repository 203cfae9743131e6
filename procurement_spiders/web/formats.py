"""pt-BR formats for the pages: R$ 1.234,56, 1.234, dd/mm/aaaa and Brasília time."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from procurement_spiders.parsing.values import format_brl

BRASILIA = ZoneInfo("America/Sao_Paulo")


def _grouped(text: str) -> str:
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def brl(value: Decimal | int | float | None) -> str:
    return "—" if value is None else format_brl(Decimal(value))


def inteiro(value: int | None) -> str:
    return "—" if value is None else _grouped(f"{int(value):,d}")


def data(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(BRASILIA).date() if value.tzinfo else value.date()
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"  # twice strftime's speed, 100 a page


def data_hora(value: datetime | None) -> str:
    if value is None:
        return "—"
    if value.tzinfo:
        value = value.astimezone(BRASILIA)
    return value.strftime("%d/%m/%Y %H:%M:%S")


def data_hora_curta(value: datetime | None) -> str:
    return data_hora(value)[:16]


def duracao(value: timedelta | float | None) -> str:
    if value is None:
        return "—"
    seconds = int(value.total_seconds() if isinstance(value, timedelta) else value)
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}min"
    if minutes:
        return f"{minutes}min{secs:02d}s"
    return f"{secs}s"


def campo(value: str | None, nome: str | None) -> str:
    """A Mudanças before/after value (stored as text) in pt-BR when its field is money or a date."""
    if value is None:
        return ""
    try:
        if nome == "valor":
            return brl(Decimal(value))
        if nome and nome.startswith("data_"):
            return data(date.fromisoformat(value))
    except (ArithmeticError, ValueError):
        pass
    return value


def orgao(cnpj: str | None, uasg: str | None = None) -> str:
    """A coleta's órgão as people read it: the CNPJ with its dots, or the UASG a PGC crawl saw."""
    if cnpj and len(cnpj) == 14 and cnpj.isdigit():
        return f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}"
    if cnpj:
        return cnpj
    if uasg and uasg.strip():
        return f"UASG {uasg.strip()}"
    return "—"


FILTERS = {
    "orgao": orgao,
    "campo": campo,
    "data_hora_curta": data_hora_curta,
    "brl": brl,
    "inteiro": inteiro,
    "data": data,
    "data_hora": data_hora,
    "duracao": duracao,
}
