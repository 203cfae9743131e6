"""The execuções of "Iniciar coleta" in PostgreSQL (migration 007): read and written here, through
SQLAlchemy Core, so that every web process, and the next one after a restart, shares one queue.

The database keeps "one active execução at a time" (a partial unique index); `ativa(lock=…)` locks
the active row so that only one process at a time advances or cancels it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from procurement_spiders.reports.tables import execucao_passos, execucoes

UMA_ATIVA = "execucoes_uma_ativa_idx"
CONCLUIDOS = ("finished", "cancelado", "erro")


@dataclass
class Passo:
    fonte: str
    spider: str
    args: dict[str, str]
    ordem: int = 0
    job_id: str | None = None
    estado: str = "aguardando"
    erro: str | None = None

    @property
    def concluido(self) -> bool:
        return self.estado in CONCLUIDOS


@dataclass
class Execucao:
    id: int
    ano: int
    usuario: str
    iniciada_em: datetime
    orgao_cnpj: str | None = None
    uasg: str | None = None
    cancelada_em: datetime | None = None
    cancelada_por: str | None = None
    terminada_em: datetime | None = None
    passos: list[Passo] = field(default_factory=list)

    @property
    def ativa(self) -> bool:
        return self.terminada_em is None

    @property
    def cancelada(self) -> bool:
        return self.cancelada_em is not None


class OutraAtiva(Exception):
    """The database refused a second active execução (another click, maybe in another process)."""


def ativa(conn: Connection, lock: Literal["no", "wait", "skip"] = "no") -> Execucao | None:
    """The active execução; `wait` locks its row (FOR UPDATE), `skip` gives None when another
    transaction holds it (FOR UPDATE SKIP LOCKED: another process is advancing it right now)."""
    query = select(execucoes).where(execucoes.c.terminada_em.is_(None))
    if lock != "no":
        query = query.with_for_update(skip_locked=lock == "skip")
    return _load(conn, conn.execute(query).mappings().first())


def ultima(conn: Connection) -> Execucao | None:
    """The latest execução, active or not: what the start page shows."""
    row = conn.execute(select(execucoes).order_by(execucoes.c.id.desc()).limit(1)).mappings().first()
    return _load(conn, row)


def criar(
    conn: Connection, ano: int, orgao_cnpj: str | None, uasg: str | None, usuario: str, passos: list[Passo]
) -> int:
    """Insert an active execução and its passos; OutraAtiva when one is already active."""
    try:
        with conn.begin_nested():
            new_id = conn.execute(
                insert(execucoes)
                .values(ano=ano, orgao_cnpj=orgao_cnpj, uasg=uasg, usuario=usuario)
                .returning(execucoes.c.id)
            ).scalar_one()
    except IntegrityError as exc:
        if getattr(getattr(exc.orig, "diag", None), "constraint_name", None) == UMA_ATIVA:
            raise OutraAtiva from None
        raise
    conn.execute(
        insert(execucao_passos),
        [
            {"execucao_id": new_id, "ordem": n, "fonte": p.fonte, "spider": p.spider, "args": p.args}
            for n, p in enumerate(passos)
        ],
    )
    return new_id


def gravar_passo(conn: Connection, execucao_id: int, passo: Passo) -> None:
    conn.execute(
        update(execucao_passos)
        .where(execucao_passos.c.execucao_id == execucao_id, execucao_passos.c.ordem == passo.ordem)
        .values(job_id=passo.job_id, estado=passo.estado, erro=passo.erro, atualizado_em=func.now())
    )


def cancelar(conn: Connection, execucao_id: int, usuario: str) -> None:
    conn.execute(
        update(execucoes).where(execucoes.c.id == execucao_id).values(cancelada_em=func.now(), cancelada_por=usuario)
    )


def terminar(conn: Connection, execucao_id: int) -> None:
    conn.execute(update(execucoes).where(execucoes.c.id == execucao_id).values(terminada_em=func.now()))


def _load(conn: Connection, row) -> Execucao | None:
    if row is None:
        return None
    passos = conn.execute(
        select(execucao_passos).where(execucao_passos.c.execucao_id == row["id"]).order_by(execucao_passos.c.ordem)
    ).mappings()
    return Execucao(
        id=row["id"],
        ano=row["ano"],
        usuario=row["usuario"],
        iniciada_em=row["iniciada_em"],
        orgao_cnpj=row["orgao_cnpj"],
        uasg=row["uasg"],
        cancelada_em=row["cancelada_em"],
        cancelada_por=row["cancelada_por"],
        terminada_em=row["terminada_em"],
        passos=[
            Passo(p["fonte"], p["spider"], dict(p["args"]), p["ordem"], p["job_id"], p["estado"], p["erro"])
            for p in passos
        ],
    )
