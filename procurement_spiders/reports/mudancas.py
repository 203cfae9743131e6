"""Change tracking (Mudanças) between two coletas of one source, computed in SQL.

Demandas are matched on `chave`, the natural key each spider writes:
- PGC: the DFD number (`N/AAAA`), PGC's own identity of a DFD within the UASG;
- Formação do PCA: the contratação id (`UASG-N/AAAA`), the card's identity (one DFD may move
  between contratações; the contratação is what the planner approves);
- PNCP: `UASG/sequencialPca|contratação|DFD`, one demanda per plan, contratação futura and DFD,
  as the spider groups the published items.
A demanda whose key is only in `para` was added, only in `de` removed; one in both with any
compared field different is changed, one output row per field with before and after (as text).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, case, cast, func, literal, null, select, union_all
from sqlalchemy.dialects.postgresql import array

from procurement_spiders.reports.tables import demandas

COMPARED_FIELDS: tuple[str, ...] = (
    "dfd",
    "contratacao",
    "descricao",
    "valor",
    "status",
    "data_inicio",
    "data_fim",
    "data_desejada",
    "data_conclusao",
    "categoria",
    "requisitante",
    "uasg",
)
TIPOS = {"incluida": "incluída", "removida": "removida", "alterada": "alterada"}


def _as_text(column):
    return cast(column, Text)


def mudancas_select(de: int, para: int):
    """select() of the changes from coleta `de` to coleta `para`, ordered by key."""
    a = demandas.alias("antes")
    b = demandas.alias("depois")
    a_rows = select(a).where(a.c.coleta_id == de).subquery("a")
    b_rows = select(b).where(b.c.coleta_id == para).subquery("b")

    added = (
        select(
            literal("incluida").label("tipo"),
            b_rows.c.chave,
            b_rows.c.dfd,
            b_rows.c.contratacao,
            b_rows.c.descricao,
            b_rows.c.valor,
            null().label("campo"),
            null().label("antes"),
            null().label("depois"),
        )
        .select_from(b_rows.outerjoin(a_rows, a_rows.c.chave == b_rows.c.chave))
        .where(a_rows.c.chave.is_(None))
    )
    removed = (
        select(
            literal("removida").label("tipo"),
            a_rows.c.chave,
            a_rows.c.dfd,
            a_rows.c.contratacao,
            a_rows.c.descricao,
            a_rows.c.valor,
            null(),
            null(),
            null(),
        )
        .select_from(a_rows.outerjoin(b_rows, a_rows.c.chave == b_rows.c.chave))
        .where(b_rows.c.chave.is_(None))
    )
    fields = (
        func.unnest(
            # array[Any]: SQLAlchemy types array's items as their Python value, not as SQL expressions
            array[Any]([literal(f) for f in COMPARED_FIELDS], type_=Text),
            array([_as_text(a_rows.c[f]) for f in COMPARED_FIELDS], type_=Text),
            array([_as_text(b_rows.c[f]) for f in COMPARED_FIELDS], type_=Text),
        )
        .table_valued("campo", "antes", "depois")
        .render_derived()
        .lateral("campos")
    )
    changed = (
        select(
            literal("alterada").label("tipo"),
            b_rows.c.chave,
            b_rows.c.dfd,
            b_rows.c.contratacao,
            b_rows.c.descricao,
            b_rows.c.valor,
            fields.c.campo,
            fields.c.antes,
            fields.c.depois,
        )
        .select_from(a_rows.join(b_rows, a_rows.c.chave == b_rows.c.chave).join(fields, literal(True)))
        .where(fields.c.antes.is_distinct_from(fields.c.depois))
    )
    every = union_all(added, removed, changed).subquery("mudancas")
    order = case({"removida": 0, "incluida": 1, "alterada": 2}, value=every.c.tipo)
    return select(every).order_by(every.c.chave, order, every.c.campo)


def summary_select(mudancas):
    """How many demandas were added, removed and changed (a changed one counts once)."""
    rows = mudancas.subquery("m")
    return (
        select(rows.c.tipo, func.count(rows.c.chave.distinct()).label("quantidade"))
        .group_by(rows.c.tipo)
        .order_by(rows.c.tipo)
    )
