"""Turn what the portal wrote into typed values, or drop the item with a reason.

Each reason is its own DropItem subclass, so Scrapy counts drops per reason
(`item_dropped_reasons_count/<Reason>`) and the storage pipeline records them in the coleta.
"""

from __future__ import annotations

import re
from dataclasses import replace

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from procurement_spiders.items import Demanda
from procurement_spiders.parsing.identifiers import (
    InvalidIdentifier,
    normalize_cnpj,
    normalize_dfd,
    normalize_uasg,
)
from procurement_spiders.parsing.values import InvalidValue, parse_date, parse_money, to_centavos

FONTES = ("PGC", "PNCP")
_SPACES = re.compile(r"\s+")


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
    if value is None:
        return None
    text = _SPACES.sub(" ", str(value)).strip()
    return text or None


def validate(item: Demanda) -> Demanda:
    """A typed copy of `item`, or a reason-specific InvalidDemanda."""
    if item.fonte not in FONTES:
        raise MissingField(f"fonte {item.fonte!r} is not one of {FONTES}")
    chave = _text(item.chave)
    if not chave:
        raise MissingField("chave is empty")
    status = _text(item.status)
    if not status:
        raise MissingField("status is empty")
    try:
        valor = parse_money(item.valor)
        if valor is not None:
            valor = to_centavos(valor)
    except InvalidValue as exc:
        raise InvalidValor(str(exc)) from None
    dates = {}
    for name in ("data_inicio", "data_fim", "data_desejada", "data_conclusao"):
        try:
            dates[name] = parse_date(getattr(item, name))
        except InvalidValue as exc:
            raise InvalidData(f"{name}: {exc}") from None
    if dates["data_inicio"] and dates["data_fim"] and dates["data_fim"] < dates["data_inicio"]:
        raise InvalidData(f"data_fim {dates['data_fim']} is before data_inicio {dates['data_inicio']}")
    dfd = _text(item.dfd)
    if dfd is not None:
        try:
            dfd = normalize_dfd(dfd)
        except InvalidIdentifier as exc:
            raise InvalidDfd(str(exc)) from None
    try:
        orgao_cnpj = normalize_cnpj(item.orgao_cnpj) if item.orgao_cnpj else None
        uasg = normalize_uasg(item.uasg) if item.uasg not in (None, "") else None
    except InvalidIdentifier as exc:
        raise InvalidIdentificador(str(exc)) from None
    return replace(
        item,
        chave=chave,
        status=status,
        valor=valor,
        dfd=dfd,
        orgao_cnpj=orgao_cnpj,
        uasg=uasg,
        descricao=_text(item.descricao),
        categoria=_text(item.categoria),
        requisitante=_text(item.requisitante),
        contratacao=_text(item.contratacao),
        **dates,
    )


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
