"""`coletas` and `demandas` described once for the read side (SQLAlchemy Core).

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
    Table,
    Text,
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
