"""The item every spider yields: one demanda of a PCA, as PGC or PNCP shows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass
class Demanda:
    """A DFD (PGC) or a published contratação of a plan (PNCP).

    Spiders fill it with what the portal wrote (pt-BR money and dates are fine; `valor` may be
    the list of amounts it adds up, e.g. a contratação's items); the validation pipeline turns
    the text into `Decimal`, `date` and normalised identifiers before storage. `chave` identifies
    the demanda within its coleta.
    """

    fonte: str  # 'PGC' | 'PNCP' | 'FORMACAO' (the coleta's)
    chave: str
    ano_referencia: int
    orgao_cnpj: str | None = None
    uasg: str | None = None
    dfd: str | None = None
    contratacao: str | None = None
    descricao: str | None = None
    categoria: str | None = None
    requisitante: str | None = None
    valor: Decimal | str | list[Any] | None = None
    data_inicio: date | str | None = None
    data_fim: date | str | None = None
    data_desejada: date | str | None = None
    data_conclusao: date | str | None = None
    status: str | None = None
    detalhes: dict[str, Any] | None = field(default=None)


# Column order of `demandas` written by the storage pipeline (coleta_id comes first).
DEMANDA_COLUMNS: tuple[str, ...] = (
    "chave",
    "dfd",
    "contratacao",
    "descricao",
    "valor",
    "data_inicio",
    "data_fim",
    "data_desejada",
    "data_conclusao",
    "status",
    "categoria",
    "requisitante",
    "uasg",
    "orgao_cnpj",
    "detalhes",
)
