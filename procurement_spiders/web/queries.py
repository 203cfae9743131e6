"""The web app's reads, on the reports' SQLAlchemy Core tables: coletas and one coleta's demandas."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import Connection, Integer, String, cast, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnClause

from procurement_spiders.reports.fontes import FONTE_LABELS, fonte_condition, fonte_of_row
from procurement_spiders.reports.tables import coletas, demandas

PAGE_SIZE = 50
STATUSES = ("running", "success", "error")
STATUS_LABELS = {"running": "em andamento", "success": "sucesso", "error": "erro"}
# Sortable columns of a coleta's demandas (whitelist: the sort key never reaches SQL as text).
SORTS = {
    "chave": demandas.c.chave,
    "dfd": demandas.c.dfd,
    "descricao": demandas.c.descricao,
    "valor": demandas.c.valor,
    "status": demandas.c.status,
    "data_inicio": demandas.c.data_inicio,
    "data_fim": demandas.c.data_fim,
    "categoria": demandas.c.categoria,
}


def _search_text():
    """The text the search box looks in; identical to the expression of migration 005's trigram
    index (constants inlined, not bound, so every plan can match the index)."""
    blank: ColumnClause[str] = literal_column("''")
    space: ColumnClause[str] = literal_column("' '")
    d = demandas.c
    return (
        func.coalesce(d.descricao, blank)
        .op("||")(space)
        .op("||")(d.chave)
        .op("||")(space)
        .op("||")(func.coalesce(d.dfd, blank))
        .op("||")(space)
        .op("||")(func.coalesce(d.contratacao, blank))
        .op("||")(space)
        .op("||")(func.coalesce(d.requisitante, blank))
    )


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


def coleta_detail(conn: Connection, coleta_id: int) -> dict | None:
    row = conn.execute(select(coletas).where(coletas.c.id == coleta_id)).mappings().first()
    if row is None:
        return None
    item = dict(row)
    item["fonte_relatorio"] = fonte_of_row(row["fonte"], row["dados"])
    item["fonte_label"] = FONTE_LABELS.get(item["fonte_relatorio"], row["fonte"])
    item["duracao"] = row["finished_at"] - row["data_coleta"] if row["finished_at"] else None
    return item


@dataclass(frozen=True)
class DemandasQuery:
    """What the coleta page asks of its demandas: search, status filter, sort and page."""

    busca: str | None = None
    status: str | None = None
    ordem: str = "chave"
    desc: bool = False
    pagina: int = 1
    page_size: int = PAGE_SIZE
    extra: dict = field(default_factory=dict)

    def where(self, query, coleta_id: int):
        query = query.where(demandas.c.coleta_id == coleta_id)
        if self.status:
            query = query.where(demandas.c.status == self.status)
        if self.busca:
            like = "%" + self.busca.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(_search_text().ilike(like))
        return query

    def page_select(self, coleta_id: int):
        column = SORTS.get(self.ordem, demandas.c.chave)
        # empty values are the smallest: one index (migration 005) read forward or backward
        if not column.nullable:  # chave: its unique index (coleta_id, chave) as it is
            order = (column.desc(), demandas.c.id.desc()) if self.desc else (column.asc(), demandas.c.id.asc())
        else:
            order = (
                (column.desc().nulls_last(), demandas.c.id.desc())
                if self.desc
                else (column.asc().nulls_first(), demandas.c.id.asc())
            )
        return (
            self.where(select(demandas), coleta_id)
            .order_by(*order)
            .limit(self.page_size)
            .offset((max(self.pagina, 1) - 1) * self.page_size)
        )

    def count_select(self, coleta_id: int):
        return self.where(select(func.count()).select_from(demandas), coleta_id)


class FinishedCache:
    """Counts of finished coletas, kept in memory: a finished coleta's demandas never change
    (migration 001's triggers refuse it), so its counts are computed once, not on every page."""

    def __init__(self, size: int = 2048):
        self.size = size
        self.values: dict[tuple, object] = {}
        self.lock = threading.Lock()

    def get(self, finished: bool, key: tuple, compute):
        if not finished:
            return compute()
        with self.lock:
            if key in self.values:
                return self.values[key]
        value = compute()
        with self.lock:
            if len(self.values) >= self.size:
                self.values.pop(next(iter(self.values)))
            self.values[key] = value
        return value


def demandas_page(conn: Connection, coleta: dict, query: DemandasQuery, cache: FinishedCache) -> tuple[list[dict], int]:
    coleta_id, finished = coleta["id"], coleta["status"] != "running"
    rows = [dict(r) for r in conn.execute(query.page_select(coleta_id)).mappings()]
    total = cache.get(
        finished,
        ("count", coleta_id, query.busca, query.status),
        lambda: conn.execute(query.count_select(coleta_id)).scalar_one(),
    )
    return rows, total


def demandas_statuses(conn: Connection, coleta: dict, cache: FinishedCache) -> list[tuple[str, int]]:
    query = (
        select(demandas.c.status, func.count())
        .where(demandas.c.coleta_id == coleta["id"], demandas.c.status.isnot(None))
        .group_by(demandas.c.status)
        .order_by(func.count().desc())
        .limit(30)
    )
    return cache.get(
        coleta["status"] != "running", ("statuses", coleta["id"]), lambda: [(s, n) for s, n in conn.execute(query)]
    )


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
