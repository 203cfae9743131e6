"""Which coletas feed a report: the latest successful coleta of each source for a PCA year and órgão.

Only `status = 'success'` coletas count (a coleta that failed or was interrupted may hold half a
crawl). The three sources are 'PGC' (spider pgc), 'FORMACAO' (PGC's Formação do PCA) and 'PNCP'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, exists, func, not_, or_, select

from procurement_spiders.reports.tables import coletas, demandas

FONTES: tuple[str, ...] = ("PGC", "FORMACAO", "PNCP")
FONTE_LABELS = {"PGC": "PGC", "FORMACAO": "Formação do PCA", "PNCP": "PNCP"}
FONTE_ARGUMENTS = {"pgc": "PGC", "formacao": "FORMACAO", "pncp": "PNCP"}


def fonte_condition(fonte: str):
    """The one place that knows how a source's coletas are recognised.

    Formação coletas are fonte='FORMACAO' (migration 003); before it they were stored as
    fonte='PNCP' by `pncp -a fonte=pgc`, recognisable by the argument recorded in `dados`.
    """
    legacy_formacao = and_(
        coletas.c.fonte == "PNCP",
        coletas.c.dados["argumentos"]["fonte_dados"].astext == "pgc",
    )
    if fonte == "FORMACAO":
        return or_(coletas.c.fonte == "FORMACAO", legacy_formacao)
    if fonte == "PNCP":
        return and_(coletas.c.fonte == "PNCP", not_(func.coalesce(legacy_formacao, False)))
    return coletas.c.fonte == fonte


def orgao_condition(cnpj: str):
    """The coleta is of the órgão. A PGC coleta records no órgão (the app shows the user's UASG):
    it is the órgão's when its demandas are (they carry ORGAO_CNPJ)."""
    of_orgao = exists().where(demandas.c.coleta_id == coletas.c.id, demandas.c.orgao_cnpj == cnpj)
    return or_(coletas.c.orgao_cnpj == cnpj, and_(coletas.c.orgao_cnpj.is_(None), of_orgao))


def fonte_of_row(fonte: str, dados: dict | None) -> str:
    """The report source of a coleta row (see fonte_condition)."""
    if fonte == "PNCP" and ((dados or {}).get("argumentos") or {}).get("fonte_dados") == "pgc":
        return "FORMACAO"
    return fonte


@dataclass(frozen=True)
class Coleta:
    id: int
    fonte: str  # report source: PGC | FORMACAO | PNCP
    spider: str
    ano: int
    orgao_cnpj: str | None
    status: str
    data_coleta: datetime
    finished_at: datetime | None

    @property
    def label(self) -> str:
        return FONTE_LABELS[self.fonte]


def _coleta(row) -> Coleta:
    return Coleta(
        row.id,
        fonte_of_row(row.fonte, row.dados),
        row.spider,
        row.ano_referencia,
        row.orgao_cnpj,
        row.status,
        row.data_coleta,
        row.finished_at,
    )


def successful_coletas(fonte: str, ano: int | None = None, cnpj: str | None = None):
    """select() of a source's successful coletas, newest first."""
    query = select(coletas).where(fonte_condition(fonte), coletas.c.status == "success")
    if ano is not None:
        query = query.where(coletas.c.ano_referencia == ano)
    if cnpj is not None:
        query = query.where(orgao_condition(cnpj))
    return query.order_by(coletas.c.data_coleta.desc(), coletas.c.id.desc())


def latest_coletas(conn: Connection, fonte: str, ano: int, cnpj: str | None, count: int = 1) -> list[Coleta]:
    return [_coleta(r) for r in conn.execute(successful_coletas(fonte, ano, cnpj).limit(count))]


def coleta_by_id(conn: Connection, coleta_id: int) -> Coleta | None:
    row = conn.execute(select(coletas).where(coletas.c.id == coleta_id)).first()
    return _coleta(row) if row is not None else None


def latest_per_fonte(conn: Connection, ano: int, cnpj: str | None) -> dict[str, Coleta | None]:
    """The latest successful coleta of each source (None: that source is missing for the year)."""
    out: dict[str, Coleta | None] = {}
    for fonte in FONTES:
        found = latest_coletas(conn, fonte, ano, cnpj)
        out[fonte] = found[0] if found else None
    return out
