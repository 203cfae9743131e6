"""One SQLAlchemy engine per DATABASE_URL, on the psycopg 3 driver; SQLALCHEMY_ECHO=true logs
every statement through SQLAlchemy's own echo (logger `sqlalchemy.engine`)."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url


def sqlalchemy_url(database_url: str):
    """`postgresql://…` (libpq style, as the project's DATABASE_URL) → the psycopg 3 dialect."""
    url = make_url(database_url)
    return url.set(drivername="postgresql+psycopg")


def report_engine(database_url: str, *, echo: bool = False, pool_size: int = 5) -> Engine:
    """JIT is off for report sessions: the planner's estimates for full joins on expressions are
    crude (millions of rows for thousands), and PostgreSQL then spent ~7 s compiling a query that
    runs in 0.3 s (bench/reports.py). `pool_size` connections stay open (a server's threads)."""
    return create_engine(
        sqlalchemy_url(database_url), echo=echo, pool_size=pool_size, connect_args={"options": "-c jit=off"}
    )
