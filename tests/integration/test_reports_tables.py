"""The MetaData of procurement_spiders/reports/tables.py agrees with the migrations: columns, types,
nullability and foreign keys of a freshly migrated database, reflected, for every table it holds."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.dialects import postgresql

from procurement_spiders.reports.engine import report_engine
from procurement_spiders.reports.tables import metadata

_DIALECT = postgresql.dialect()


def _describe(table) -> dict[str, tuple[str, bool]]:
    return {c.name: (c.type.compile(dialect=_DIALECT), c.nullable) for c in table.columns}


def test_metadata_matches_the_migrated_database(database_url):
    engine = report_engine(database_url)
    reflected = MetaData()
    reflected.reflect(engine, only=list(metadata.tables))
    engine.dispose()
    assert {"coletas", "demandas", "execucoes", "execucao_passos"} <= set(metadata.tables)
    for name in metadata.tables:
        assert _describe(metadata.tables[name]) == _describe(reflected.tables[name]), name
        ours = {fk.target_fullname for fk in metadata.tables[name].foreign_keys}
        theirs = {fk.target_fullname for fk in reflected.tables[name].foreign_keys}
        assert ours == theirs, name
