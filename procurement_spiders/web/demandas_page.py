"""One coleta's demandas a page at a time (the coleta page): search, situação filter, sort and
paging over 100,000 rows and more, on migration 005's trigram index and 008's sort indexes."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field

from sqlalchemy import Connection, Integer, Row, Select, bindparam, func, literal_column, select
from sqlalchemy.sql.elements import ColumnClause

from procurement_spiders.reports.tables import demandas

PAGE_SIZE = 50
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
# What the page shows of each demanda (not the JSONB detalhes: the downloads carry everything),
# in the order coleta.html unpacks each row.
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


def order_by(ordem: str, desc: bool) -> tuple:
    """Empty values are the smallest, the id breaks ties: one index (migration 008) read
    forward or backward gives the whole order, no sort step."""
    column = SORTS.get(ordem, demandas.c.chave)
    if desc:
        return (column.desc() if column is demandas.c.chave else column.desc().nulls_last(), demandas.c.id.desc())
    return (column.asc() if column is demandas.c.chave else column.asc().nulls_first(), demandas.c.id.asc())


@functools.lru_cache(maxsize=128)
def _page_statement(ordem: str, desc: bool, inner_desc: bool, filtered: bool, searched: bool) -> Select:
    """A page in two steps: its ids, skipping OFFSET entries in an index-only scan of the sort
    column's index (which INCLUDEs the situação filtered on), then those rows by id; a deep page
    no longer reads every skipped row from the table. One statement per shape, the values bound
    at execution: building it took twice as long as running it."""
    ids = select(demandas.c.id).where(demandas.c.coleta_id == bindparam("coleta_id"))
    if filtered:
        ids = ids.where(demandas.c.status == bindparam("status"))
    if searched:
        ids = ids.where(SEARCH_TEXT.ilike(bindparam("busca")))
    page = (
        ids.order_by(*order_by(ordem, inner_desc))
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("pagina")
    )
    return select(*PAGE_COLUMNS).join_from(demandas, page, demandas.c.id == page.c.id).order_by(*order_by(ordem, desc))


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

    def like(self) -> str:
        return "%" + (self.busca or "").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    def where(self, query, coleta_id: int):
        query = query.where(demandas.c.coleta_id == coleta_id)
        if self.status:
            query = query.where(demandas.c.status == self.status)
        if self.busca:
            query = query.where(SEARCH_TEXT.ilike(self.like()))
        return query

    def page_statement(self, coleta_id: int, total: int | None = None) -> tuple[Select, dict]:
        """The page's statement and its values. Given the total (the page counts first), a page
        past the middle is counted from the end, the index read the other way: page 1,500 of
        2,000 skips 25,000 entries, not 75,000."""
        offset = (max(self.pagina, 1) - 1) * self.page_size
        limit, backward = self.page_size, False
        end = min(offset + limit, total if total is not None else offset + limit)
        if total is not None and offset < total and total - end < offset:  # fewer entries to skip
            offset, limit, backward = total - end, end - offset, True
        ordem = self.ordem if self.ordem in SORTS else "chave"
        stmt = _page_statement(ordem, self.desc, self.desc != backward, bool(self.status), bool(self.busca))
        values = {"coleta_id": coleta_id, "status": self.status, "busca": self.like(), "limit": limit, "offset": offset}
        return stmt, values

    def page_select(self, coleta_id: int, total: int | None = None) -> Select:
        """The same statement with its values in it (for EXPLAIN)."""
        stmt, values = self.page_statement(coleta_id, total)
        return stmt.params(values)

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
    return list(conn.execute(*query.page_statement(coleta_id, total)).all()), total


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
