"""The web app's reads, on the reports' SQLAlchemy Core tables: coletas, one coleta, its jobs' coletas
(one coleta's demandas a page at a time: demandas_page.py)."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, Integer, String, cast, func, select, text
from sqlalchemy.dialects.postgresql import JSONB

from procurement_spiders.reports.fontes import FONTE_LABELS, fonte_condition, fonte_of_row
from procurement_spiders.reports.tables import coletas, demandas

STATUSES = ("running", "success", "error")
STATUS_LABELS = {"running": "em andamento", "success": "sucesso", "error": "erro"}


def _dados_count(path: str):
    return func.coalesce(cast(coletas.c.dados.op("#>>")(text(f"'{path}'")), Integer), 0)


def coletas_select(*, ano: int | None = None, fonte: str | None = None, status: str | None = None, limit: int = 100):
    """Newest first, with per-coleta counts (a LATERAL aggregate: only the listed coletas are summed)."""
    totals = (
        select(func.count().label("demandas"), func.sum(demandas.c.valor).label("valor_total"))
        .where(demandas.c.coleta_id == coletas.c.id)
        .lateral("totais")
    )
    anomalias = func.coalesce(
        func.jsonb_array_length(func.coalesce(coletas.c.dados["anomalias"], cast(text("'[]'"), JSONB))), 0
    )
    query = (
        select(
            coletas.c.id,
            coletas.c.fonte,
            coletas.c.spider,
            coletas.c.ano_referencia,
            coletas.c.orgao_cnpj,
            coletas.c.uasg,
            coletas.c.data_coleta,
            coletas.c.finished_at,
            coletas.c.status,
            coletas.c.job_id,
            coletas.c.dados["argumentos"].label("argumentos"),
            (coletas.c.finished_at - coletas.c.data_coleta).label("duracao"),
            totals.c.demandas,
            totals.c.valor_total,
            _dados_count("{descartes,total}").label("descartes"),
            anomalias.label("anomalias"),
        )
        .select_from(coletas.join(totals, text("true")))
        .order_by(coletas.c.data_coleta.desc(), coletas.c.id.desc())
        .limit(limit)
    )
    if ano is not None:
        query = query.where(coletas.c.ano_referencia == ano)
    if fonte is not None:  # PGC | FORMACAO | PNCP as the reports count them (old Formação rows included)
        query = query.where(fonte_condition(fonte))
    if status is not None:
        query = query.where(coletas.c.status == status)
    return query


def coleta_rows(conn: Connection, **filters) -> list[dict]:
    out = []
    for row in conn.execute(coletas_select(**filters)).mappings():
        item = dict(row)
        item["fonte_relatorio"] = fonte_of_row(row["fonte"], {"argumentos": row["argumentos"]})
        item["fonte_label"] = FONTE_LABELS.get(item["fonte_relatorio"], row["fonte"])
        out.append(item)
    return out


def reading(engine: Engine) -> Connection:
    """A connection for a page's reads, outside any transaction: at READ COMMITTED each statement
    sees its own snapshot either way, and BEGIN and ROLLBACK were two of the coleta page's four
    round trips to the server."""
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def coleta_detail(conn: Connection, coleta_id: int) -> dict | None:
    row = conn.execute(select(coletas).where(coletas.c.id == coleta_id)).mappings().first()
    if row is None:
        return None
    item = dict(row)
    item["fonte_relatorio"] = fonte_of_row(row["fonte"], row["dados"])
    item["fonte_label"] = FONTE_LABELS.get(item["fonte_relatorio"], row["fonte"])
    item["duracao"] = row["finished_at"] - row["data_coleta"] if row["finished_at"] else None
    return item


def anos_com_coletas(conn: Connection) -> list[int]:
    query = select(coletas.c.ano_referencia).distinct().order_by(coletas.c.ano_referencia.desc())
    return [a for (a,) in conn.execute(query)]


def coletas_of_jobs(conn: Connection, job_ids: list[str]) -> dict[str, dict]:
    """The coleta each scrapyd job created (by `coletas.job_id`), with its live demandas count."""
    if not job_ids:
        return {}
    count = select(func.count()).where(demandas.c.coleta_id == coletas.c.id).scalar_subquery()
    query = select(
        coletas.c.id,
        coletas.c.job_id,
        coletas.c.status,
        coletas.c.dados["aguardando_login"].label("aguardando_login"),
        cast(coletas.c.dados["finish_reason"].astext, String).label("finish_reason"),
        count.label("demandas"),
    ).where(coletas.c.job_id.in_(job_ids))
    return {r["job_id"]: dict(r) for r in conn.execute(query).mappings()}
