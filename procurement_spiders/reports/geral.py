"""The reconciliation (Geral): every DFD lined up across PGC, the Formação do PCA and PNCP.

One row per DFD, plus one per demanda without a DFD (keyed by its contratação), from one coleta
per source. Each row carries its findings as stable codes (FINDINGS: code -> pt-BR label); all
of it is one composable select(), so an analyst can run the same SQL.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Integer,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by, array

from procurement_spiders.reports.tables import demandas

DEFAULT_TOLERANCE = Decimal("0.01")

FINDINGS: dict[str, str] = {
    "SO_NO_PGC": "Só no PGC: não está na Formação do PCA nem no PNCP",
    "APROVADA_NAO_PUBLICADA": "Aprovada na Formação do PCA, não publicada no PNCP",
    "PNCP_SEM_DFD_NO_PGC": "Publicada no PNCP sem DFD no PGC",
    "CANCELADO_NO_PLANO": "Cancelado ou devolvido no PGC, mas presente no plano",
    "VALOR_DIVERGENTE": "Valor diferente entre as fontes",
    "DATAS_DIVERGENTES": "Datas de início/fim diferentes entre Formação do PCA e PNCP",
    "DFD_DUPLICADO": "DFD repetido numa fonte",
}


def _key():
    """A DFD, or the contratação (the PNCP chave when there is none) of a demanda without one."""
    return func.coalesce(demandas.c.dfd, literal("sem DFD: ") + func.coalesce(demandas.c.contratacao, demandas.c.chave))


def _uasg_filter(query, uasg: str | None):
    # PGC lists the logged-in user's own UASG: its DFDs may carry no UASG, and are kept.
    if uasg is None:
        return query
    return query.where(or_(demandas.c.uasg == uasg, demandas.c.uasg.is_(None)))


def _joined(column):
    """string_agg(DISTINCT column, ', ' ORDER BY column): every value, once, in a stable order."""
    return func.string_agg(column.distinct(), aggregate_order_by(literal(", "), column))


def source_select(coleta_id: int | None, uasg: str | None, prefix: str):
    """One source's demandas of one coleta, aggregated per reconciliation key."""
    key = _key().label("chave")
    contratacoes = _joined(demandas.c.contratacao)
    status = _joined(demandas.c.status)
    cols = [
        key,
        func.min(demandas.c.dfd).label(f"{prefix}_dfd"),
        func.count().label(f"{prefix}_n"),
        func.sum(demandas.c.valor).label(f"{prefix}_valor"),
        status.label(f"{prefix}_status"),
        contratacoes.label(f"{prefix}_contratacao"),
        func.min(demandas.c.descricao).label(f"{prefix}_descricao"),
        func.min(demandas.c.data_inicio).label(f"{prefix}_inicio"),
        func.max(demandas.c.data_fim).label(f"{prefix}_fim"),
        func.min(demandas.c.data_desejada).label(f"{prefix}_data_desejada"),
        func.bool_or(demandas.c.status == "APROVADA").label(f"{prefix}_aprovada"),
        func.bool_or(or_(demandas.c.status.ilike("cancel%"), demandas.c.status.ilike("devolvid%"))).label(
            f"{prefix}_cancelado"
        ),
    ]
    query = select(*cols).where(demandas.c.coleta_id == (coleta_id if coleta_id is not None else -1))
    return _uasg_filter(query, uasg).group_by(key).subquery(prefix)


def geral_select(coleta_ids: dict[str, int | None], *, uasg: str | None = None, tolerance: Decimal = DEFAULT_TOLERANCE):
    """select() of the reconciliation; `coleta_ids` maps PGC/FORMACAO/PNCP to a coleta id or None
    (a missing source: its findings are not computed, rather than calling everything "only in PGC")."""
    pgc = source_select(coleta_ids.get("PGC"), uasg, "pgc")
    form = source_select(coleta_ids.get("FORMACAO"), uasg, "formacao")
    pncp = source_select(coleta_ids.get("PNCP"), uasg, "pncp")
    has = {f: coleta_ids.get(f) is not None for f in ("PGC", "FORMACAO", "PNCP")}
    chave = func.coalesce(pgc.c.chave, form.c.chave, pncp.c.chave)
    joined = pgc.outerjoin(form, form.c.chave == pgc.c.chave, full=True).outerjoin(
        pncp, pncp.c.chave == func.coalesce(pgc.c.chave, form.c.chave), full=True
    )
    in_pgc, in_form, in_pncp = pgc.c.chave.isnot(None), form.c.chave.isnot(None), pncp.c.chave.isnot(None)
    dfd = func.coalesce(pgc.c.pgc_dfd, form.c.formacao_dfd, pncp.c.pncp_dfd)

    checks = []
    if has["PGC"] and (has["FORMACAO"] or has["PNCP"]):
        checks.append(
            ("SO_NO_PGC", and_(in_pgc, *([~in_form] if has["FORMACAO"] else []), *([~in_pncp] if has["PNCP"] else [])))
        )
    if has["FORMACAO"] and has["PNCP"]:
        checks.append(("APROVADA_NAO_PUBLICADA", and_(form.c.formacao_aprovada, ~in_pncp)))
    if has["PGC"] and has["PNCP"]:
        checks.append(("PNCP_SEM_DFD_NO_PGC", and_(in_pncp, ~in_pgc)))
    if has["PGC"]:
        checks.append(("CANCELADO_NO_PLANO", and_(pgc.c.pgc_cancelado, or_(in_form, in_pncp))))
    valores = (pgc.c.pgc_valor, form.c.formacao_valor, pncp.c.pncp_valor)
    checks.append(("VALOR_DIVERGENTE", func.greatest(*valores) - func.least(*valores) > tolerance))
    checks.append(
        (
            "DATAS_DIVERGENTES",
            or_(
                form.c.formacao_inicio.is_distinct_from(pncp.c.pncp_inicio),
                form.c.formacao_fim.is_distinct_from(pncp.c.pncp_fim),
            )
            & in_form
            & in_pncp
            & form.c.formacao_inicio.isnot(None)
            & pncp.c.pncp_inicio.isnot(None),
        )
    )
    checks.append(
        (
            "DFD_DUPLICADO",
            and_(
                dfd.isnot(None),
                or_(
                    func.coalesce(pgc.c.pgc_n, 0) > 1,
                    func.coalesce(form.c.formacao_n, 0) > 1,
                    func.coalesce(pncp.c.pncp_n, 0) > 1,
                ),
            ),
        )
    )
    achados = func.array_remove(
        # array[Any]: SQLAlchemy types array's items as their Python value, not as SQL expressions
        array[Any]([case((cond, literal(code)), else_=null()) for code, cond in checks], type_=Text),
        null(),
    )
    dfd_ano = cast(func.split_part(dfd, "/", 2), Integer)
    dfd_numero = cast(func.split_part(dfd, "/", 1), Integer)
    return (
        select(
            chave.label("chave"),
            dfd.label("dfd"),
            pgc.c.pgc_status.label("pgc_situacao"),
            pgc.c.pgc_valor,
            pgc.c.pgc_descricao,
            form.c.formacao_contratacao,
            form.c.formacao_status,
            form.c.formacao_inicio,
            form.c.formacao_fim,
            form.c.formacao_valor,
            pncp.c.pncp_contratacao,
            pncp.c.pncp_valor,
            pncp.c.pncp_inicio,
            pncp.c.pncp_fim,
            pncp.c.pncp_data_desejada,
            func.coalesce(pgc.c.pgc_valor, form.c.formacao_valor, pncp.c.pncp_valor).label("valor_referencia"),
            type_coerce(achados, ARRAY(Text)).label("achados"),
        )
        .select_from(joined)
        .order_by(dfd.is_(None), dfd_ano, dfd_numero, chave)
    )


def summary_select(geral):
    """Per finding: how many rows carry it and the sum of their reference value."""
    rows = geral.subquery("geral")
    codigo = func.unnest(rows.c.achados).table_valued("codigo").render_derived()
    return (
        select(
            codigo.c.codigo,
            func.count().label("quantidade"),
            func.coalesce(func.sum(rows.c.valor_referencia), 0).label("valor"),
        )
        .select_from(rows.join(codigo, literal(True)))
        .group_by(codigo.c.codigo)
        .order_by(codigo.c.codigo)
    )
