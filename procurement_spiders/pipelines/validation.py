"""Turn what the portal wrote into typed values, or drop the item with a reason.

Each reason is its own DropItem subclass, so Scrapy counts drops per reason
(`item_dropped_reasons_count/<Reason>`) and the storage pipeline records them in the coleta.
"""

from __future__ import annotations

from decimal import Decimal, Inexact, localcontext
from functools import lru_cache

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from procurement_spiders.items import Demanda
from procurement_spiders.parsing.identifiers import (
    InvalidIdentifier,
    normalize_cnpj,
    normalize_dfd,
    normalize_uasg,
)
from procurement_spiders.parsing.values import InvalidValue, parse_amount, parse_date, parse_money, to_centavos

FONTES = ("PGC", "PNCP", "FORMACAO")


class InvalidDemanda(DropItem):
    """Base of every validation drop."""


class MissingField(InvalidDemanda):
    pass


class InvalidValor(InvalidDemanda):
    pass


class InvalidData(InvalidDemanda):
    pass


class InvalidDfd(InvalidDemanda):
    pass


class InvalidIdentificador(InvalidDemanda):
    pass


class DuplicateDemanda(InvalidDemanda):
    pass


def _text(value: object) -> str | None:
    """Trimmed, inner runs of white space folded to one space; empty is None."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


# Identifiers repeat across a coleta's demandas (one órgão, a few UASGs): check each once.
_cnpj = lru_cache(maxsize=4096)(normalize_cnpj)
_uasg = lru_cache(maxsize=4096)(normalize_uasg)
_dfd = lru_cache(maxsize=65536)(normalize_dfd)
_date = lru_cache(maxsize=65536)(parse_date)


def _valor(raw: object) -> Decimal | None:
    """One amount (screen text or a number), or a list of parts to add up (PNCP: the valorTotal
    of each item of the contratação, each a required number >= 0); rounded once, at the end."""
    if isinstance(raw, (list, tuple)):
        total = Decimal(0)
        with localcontext() as exact:  # the sum is exact or an error, never silently rounded
            exact.prec, exact.traps[Inexact] = 100, True
            for position, part in enumerate(raw, 1):
                try:
                    total += parse_amount(part)
                except InvalidValue as exc:
                    raise InvalidValue(f"part {position} of {len(raw)}: {exc}") from None
        return to_centavos(total)
    valor = parse_money(raw)
    if valor is None:
        return None
    if valor < 0:
        raise InvalidValue(f"valor {valor} is negative")
    return to_centavos(valor)


def validate(item: Demanda) -> Demanda:
    """`item` with typed values (changed in place), or a reason-specific InvalidDemanda.

    Nothing is changed when the item is dropped, so the coleta records what the portal wrote.
    """
    if item.fonte not in FONTES:
        raise MissingField(f"fonte {item.fonte!r} is not one of {FONTES}")
    chave = _text(item.chave)
    if not chave:
        raise MissingField("chave is empty")
    status = _text(item.status)
    if not status:
        raise MissingField("status is empty")
    try:
        valor = _valor(item.valor)
    except (InvalidValue, ArithmeticError) as exc:  # decimal errors never escape: a counted drop
        raise InvalidValor(str(exc)) from None
    dates = {}
    for name in ("data_inicio", "data_fim", "data_desejada", "data_conclusao"):
        try:
            dates[name] = _date(getattr(item, name))
        except InvalidValue as exc:
            raise InvalidData(f"{name}: {exc}") from None
    if dates["data_inicio"] and dates["data_fim"] and dates["data_fim"] < dates["data_inicio"]:
        raise InvalidData(f"data_fim {dates['data_fim']} is before data_inicio {dates['data_inicio']}")
    dfd = _text(item.dfd)
    if dfd is not None:
        try:
            dfd = _dfd(dfd)
        except InvalidIdentifier as exc:
            raise InvalidDfd(str(exc)) from None
    try:
        orgao_cnpj = _cnpj(item.orgao_cnpj) if item.orgao_cnpj else None
        uasg = _uasg(str(item.uasg)) if item.uasg not in (None, "") else None
    except InvalidIdentifier as exc:
        raise InvalidIdentificador(str(exc)) from None
    item.chave, item.status, item.valor, item.dfd = chave, status, valor, dfd
    item.orgao_cnpj, item.uasg = orgao_cnpj, uasg
    item.descricao = _text(item.descricao)
    item.categoria = _text(item.categoria)
    item.requisitante = _text(item.requisitante)
    item.contratacao = _text(item.contratacao)
    item.data_inicio, item.data_fim = dates["data_inicio"], dates["data_fim"]
    item.data_desejada, item.data_conclusao = dates["data_desejada"], dates["data_conclusao"]
    return item


class ValidationPipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidationPipeline:
        return cls(crawler)

    def process_item(self, item):
        if not isinstance(item, Demanda):
            return item
        typed = validate(item)
        if typed.chave in self.seen:
            raise DuplicateDemanda(f"demanda {typed.chave!r} was already stored in this coleta")
        self.seen.add(typed.chave)
        return typed
