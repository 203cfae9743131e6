"""The web app's reads, on the reports' SQLAlchemy Core tables: coletas and one coleta's demandas."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, Integer, Row, String, cast, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnClause

from procurement_spiders.reports.fontes import FONTE_LABELS, fonte_condition, fonte_of_row
from procurement_spiders.reports.tables import coletas, demandas

PAGE_SIZE = 50
STATUSES = ("running", "success", "error")
STATUS_LABELS = {"running": "em andamento", "success": "sucesso", "error": "erro"}
# Sortable columns of a coleta's demandas (whitelist: the sort key never reaches SQL as text),
# each the key of one of migration 008's indexes; descrição by its first 200 characters (its
# index's expression, the constant inlined so every plan can match it).
SORTS = {
    "chave": demandas.c.chave,
    "dfd": demandas.c.dfd,
    "descricao": func.left(demandas.c.descricao, literal_column("200")),
    "valor": demandas.c.valor,
    "status": demandas.c.status,
    "data_inicio": demandas.c.data_inicio,
    "data_fim": demandas.c.data_fim,
    "categoria": demandas.c.categoria,
}
# What the page shows of each demanda (not the JSONB detalhes: the downloads carry everything).
PAGE_COLUMNS = tuple(
    demandas.c[name]
    for name in ("id", "chave", "dfd", "descricao", "categoria", "status", "valor", "data_inicio", "data_fim")
)


def _search_text():
    """The text the search box looks in; identical to the expression of migration 005's trigram
    index (constants inlined, not bound, so every plan can match the index). Built once
    (SEARCH_TEXT): SQLAlchemy expressions are immutable, and building this one cost a millisecond."""
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


SEARCH_TEXT = _search_text()


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
            query = query.where(SEARCH_TEXT.ilike(like))
        return query

    def order(self, desc: bool | None = None):
        """Empty values are the smallest, the id breaks ties: one index (migration 008) read
        forward or backward gives the whole order, no sort step."""
        column = SORTS.get(self.ordem, demandas.c.chave)
        if self.desc if desc is None else desc:
            return (column.desc() if column is demandas.c.chave else column.desc().nulls_last(), demandas.c.id.desc())
        return (column.asc() if column is demandas.c.chave else column.asc().nulls_first(), demandas.c.id.asc())

    def page_select(self, coleta_id: int, total: int | None = None):
        """The page in two steps: its ids, skipping OFFSET entries in an index-only scan of the
        sort column's index (which INCLUDEs the situação filtered on), then those rows by id;
        a deep page no longer reads every skipped row from the table. Given the total (the
        page counts first), a page past the middle is counted from the end, the index read the
        other way: page 1,500 of 2,000 skips 25,000 entries, not 75,000."""
        offset = (max(self.pagina, 1) - 1) * self.page_size
        limit, inner = self.page_size, self.order()
        if total is not None and offset < total and total - (offset + limit) < offset:
            end = min(offset + limit, total)
            offset, limit, inner = total - end, end - offset, self.order(desc=not self.desc)
        ids = self.where(select(demandas.c.id), coleta_id).order_by(*inner).limit(limit).offset(offset)
        page = ids.subquery("pagina")
        return select(*PAGE_COLUMNS).join_from(demandas, page, demandas.c.id == page.c.id).order_by(*self.order())

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


def demandas_page(conn: Connection, coleta: dict, query: DemandasQuery, cache: FinishedCache) -> tuple[list[Row], int]:
    """The page's rows (attribute access, as the template reads them) and how many match."""
    coleta_id, finished = coleta["id"], coleta["status"] != "running"
    total = cache.get(
        finished,
        ("count", coleta_id, query.busca, query.status),
        lambda: conn.execute(query.count_select(coleta_id)).scalar_one(),
    )
    return list(conn.execute(query.page_select(coleta_id, total)).all()), total


def demandas_statuses(conn: Connection, coleta: dict, cache: FinishedCache) -> list[tuple[str, int]]:
    def compute():
        query = (
            select(demandas.c.status, func.count())
            .where(demandas.c.coleta_id == coleta["id"], demandas.c.status.isnot(None))
            .group_by(demandas.c.status)
            .order_by(func.count().desc())
            .limit(30)
        )
        return [(s, n) for s, n in conn.execute(query)]

    return cache.get(coleta["status"] != "running", ("statuses", coleta["id"]), compute)


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
