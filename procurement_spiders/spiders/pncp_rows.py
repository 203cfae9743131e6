"""PNCP and Dados Abertos rows → the small typed records the pncp spider keeps.

What the portal wrote is kept as it came when it is not a clean value (validation drops the
demanda with the reason, the coleta keeps the raw text), except that a non-finite number
(NaN, Infinity) is kept as its text: it never travels on as a float or a Decimal NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from procurement_spiders.parsing.identifiers import InvalidIdentifier, normalize_dfd
from procurement_spiders.parsing.messages import clip
from procurement_spiders.parsing.values import InvalidValue, parse_date


def as_read(raw: Any) -> Any:
    """A JSON value as read, safe to write as JSON again (NaN/Infinity become their text)."""
    if isinstance(raw, float | Decimal) and not Decimal(raw).is_finite():
        return str(raw)
    return raw


def read_count(body: Any) -> int:
    """A count the portal declared (a JSON integer >= 0; "no rows" is 0), or ValueError."""
    if body is None:
        return 0
    if isinstance(body, bool) or not isinstance(body, int) or body < 0:
        raise ValueError(f"{clip(body)} is not a count")
    return body


@dataclass(slots=True)
class PlanItem:
    """The part of a PNCP plan item a demanda needs (kept small: 100,000 of them may wait)."""

    numero: int
    descricao: str | None
    quantidade: Any
    valor_unitario: Any
    valor_total: Any  # as read: validation checks it (a required number >= 0, OpenAPI)
    unidade: str | None
    data_desejada: date | None
    categoria: str | None
    grupo_codigo: str | None
    grupo_nome: str | None
    codigo_item: str | None
    classificacao: str | None

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> PlanItem:
        unidade = row.get("unidadeFornecimento")
        numero = row["numeroItem"]
        if isinstance(numero, bool) or not isinstance(numero, int):
            raise ValueError(f"numeroItem {clip(numero)} is not an integer")
        return cls(
            numero=numero,
            descricao=row.get("descricao"),
            quantidade=as_read(row.get("quantidade")),
            valor_unitario=as_read(row.get("valorUnitario")),
            valor_total=as_read(row.get("valorTotal")),
            unidade=unidade.strip() if isinstance(unidade, str) else unidade,
            data_desejada=parse_date(row.get("dataDesejada")),
            categoria=row.get("categoriaItemPcaNome"),
            grupo_codigo=row.get("grupoContratacaoCodigo"),
            grupo_nome=row.get("grupoContratacaoNome"),
            codigo_item=row.get("codigoItem"),
            classificacao=row.get("classificacaoSuperiorCodigo"),
        )

    def detalhe(self) -> dict[str, Any]:
        return {
            "numeroItem": self.numero,
            "descricao": self.descricao,
            "quantidade": self.quantidade,
            "valorUnitario": self.valor_unitario,
            "valorTotal": self.valor_total,
            "unidadeFornecimento": self.unidade,
            "dataDesejada": self.data_desejada,
            "categoriaItemPcaNome": self.categoria,
            "codigoItem": self.codigo_item,
            "classificacaoSuperiorCodigo": self.classificacao,
        }


@dataclass(slots=True)
class Enrichment:
    dfd: str
    data_inicio: date | None
    data_fim: date | None


class UnreadableEnrichment(ValueError):
    """A Dados Abertos row that cannot enrich anything (its DFD is malformed)."""


def enrichment_from_row(row: dict[str, Any]) -> tuple[tuple[str, int] | None, Enrichment | None, list[str]]:
    """(join key, enrichment, problems) of a Dados Abertos row; key None for DFD items never
    published to PNCP. Dates that cannot be read (or end before they start) are left out and
    named in `problems`; a malformed DFD raises UnreadableEnrichment. Other errors: ValueError."""
    numero, uasg, dfd = row.get("numeroItemPncp"), row.get("codigoUasg"), row.get("descricaoArtefato")
    if numero is None or uasg is None or not dfd:
        return None, None, []
    if isinstance(numero, bool) or not isinstance(numero, int):
        raise ValueError(f"numeroItemPncp {clip(numero)} is not an integer")
    try:
        dfd = normalize_dfd(str(dfd))
    except InvalidIdentifier as exc:
        raise UnreadableEnrichment(str(exc)) from None
    problems: list[str] = []
    dates: dict[str, date | None] = {}
    for name in ("dataInicioProcessoCompra", "dataFimProcessoCompra"):
        try:
            dates[name] = parse_date(row.get(name))
        except InvalidValue as exc:
            dates[name], problems = None, [*problems, f"{name}: {exc}"]
    inicio, fim = dates["dataInicioProcessoCompra"], dates["dataFimProcessoCompra"]
    if inicio and fim and fim < inicio:
        problems.append(f"dataFimProcessoCompra {fim} is before dataInicioProcessoCompra {inicio}")
        inicio = fim = None
    return (str(uasg).zfill(6), numero), Enrichment(dfd=dfd, data_inicio=inicio, data_fim=fim), problems


@dataclass
class Plan:
    sequencial: int
    uasg: str
    numero_controle: str | None
    expected: int | None = None  # from /itens/quantidade, when it was readable and within the cap
    pages: int = 1  # pages announced by `expected` (the last one continues while it comes back full)
    next_page: int = 1  # next announced page to request (a few are in flight at a time)
    items: dict[int, PlanItem] = field(default_factory=dict)
    pending_pages: int = 0
    refetched: bool = False
    lost_pages: int = 0
