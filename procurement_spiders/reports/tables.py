"""`coletas` and `demandas` described once for the read side (SQLAlchemy Core); the web app's
`execucoes` and their passos (migration 007), which the web app also writes.

They must match migrations/: tests/integration/test_reports_tables.py reflects a migrated database
and compares columns, types and nullability with these.
"""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    TIMESTAMP,
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

coletas = Table(
    "coletas",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("fonte", Text, nullable=False),
    Column("data_coleta", TIMESTAMP(timezone=True), nullable=False),
    Column("ano_referencia", Integer, nullable=False),
    Column("dados", JSONB, nullable=False),
    Column("status", Text, nullable=False),
    Column("spider", Text, nullable=False),
    Column("job_id", Text),
    Column("orgao_cnpj", CHAR(14)),
    Column("finished_at", TIMESTAMP(timezone=True)),
    Column("heartbeat_at", TIMESTAMP(timezone=True), nullable=False),  # migration 002
    Column("uasg", CHAR(6)),  # migration 003
)

demandas = Table(
    "demandas",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("coleta_id", BigInteger, ForeignKey("coletas.id", ondelete="CASCADE"), nullable=False),
    Column("chave", Text, nullable=False),
    Column("dfd", Text),
    Column("contratacao", Text),
    Column("descricao", Text),
    Column("valor", Numeric(15, 2)),
    Column("data_inicio", Date),
    Column("data_fim", Date),
    Column("data_desejada", Date),
    Column("data_conclusao", Date),
    Column("status", Text),
    Column("categoria", Text),
    Column("requisitante", Text),
    Column("uasg", CHAR(6)),
    Column("orgao_cnpj", CHAR(14)),
    Column("detalhes", JSONB),
)

execucoes = Table(
    "execucoes",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("ano", Integer, nullable=False),
    Column("orgao_cnpj", CHAR(14)),
    Column("uasg", CHAR(6)),
    Column("usuario", Text, nullable=False),
    Column("iniciada_em", TIMESTAMP(timezone=True), nullable=False, server_default=func.now()),
    Column("cancelada_em", TIMESTAMP(timezone=True)),
    Column("cancelada_por", Text),
    Column("terminada_em", TIMESTAMP(timezone=True)),
)

execucao_passos = Table(
    "execucao_passos",
    metadata,
    Column("execucao_id", BigInteger, ForeignKey("execucoes.id", ondelete="CASCADE"), primary_key=True),
    Column("ordem", SmallInteger, primary_key=True),
    Column("fonte", Text, nullable=False),
    Column("spider", Text, nullable=False),
    Column("args", JSONB, nullable=False),
    Column("job_id", Text, unique=True),
    Column("estado", Text, nullable=False, server_default="aguardando"),
    Column("erro", Text),
    Column("atualizado_em", TIMESTAMP(timezone=True), nullable=False, server_default=func.now()),
)
