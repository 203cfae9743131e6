"""Migrations on a real PostgreSQL: applied once, in order, recorded, and guarded by checksum."""

import shutil
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from procurement_spiders.storage.migrations import MigrationError, apply_migrations, default_migrations_dir

SHIPPED = sorted(m.name for m in default_migrations_dir().iterdir() if m.name.endswith(".sql"))


def test_applied_once_and_recorded(empty_database_url):
    first = apply_migrations(empty_database_url)
    assert first[:2] == ["000_init.sql", "001_triggers.sql"] and first == SHIPPED
    assert apply_migrations(empty_database_url) == []
    with psycopg.connect(empty_database_url) as conn:
        rows = conn.execute("SELECT name, length(checksum) FROM schema_migrations ORDER BY name").fetchall()
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert rows == [(name, 64) for name in SHIPPED]
    assert {"coletas", "demandas", "schema_migrations"} <= tables


def test_concurrent_runners_apply_each_file_once(empty_database_url):
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: apply_migrations(empty_database_url), range(4)))
    assert sorted(len(r) for r in results) == [0, 0, 0, len(SHIPPED)]


def test_edited_applied_file_is_an_error_not_a_rerun(empty_database_url, tmp_path):
    folder = tmp_path / "migrations"
    shutil.copytree(default_migrations_dir(), folder)
    apply_migrations(empty_database_url, folder)
    (folder / "000_init.sql").write_text((folder / "000_init.sql").read_text() + "\n-- edited\n")
    with pytest.raises(MigrationError, match="000_init.sql was changed after it was applied"):
        apply_migrations(empty_database_url, folder)


def test_new_file_is_applied_and_a_failing_one_leaves_no_trace(empty_database_url, tmp_path):
    folder = tmp_path / "migrations"
    shutil.copytree(default_migrations_dir(), folder)
    apply_migrations(empty_database_url, folder)
    (folder / "900_bad.sql").write_text("CREATE TABLE half_done (id int); SELECT no_such_function();")
    with pytest.raises(psycopg.Error):
        apply_migrations(empty_database_url, folder)
    with psycopg.connect(empty_database_url) as conn:
        assert conn.execute("SELECT to_regclass('half_done')").fetchone() == (None,)
        assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone() == (len(SHIPPED),)
    (folder / "900_bad.sql").write_text("CREATE TABLE extra (id int);")
    assert apply_migrations(empty_database_url, folder) == ["900_bad.sql"]


def test_002_gives_existing_coletas_a_heartbeat(empty_database_url, tmp_path):
    # A database from before 002, with a running and a finished coleta, then 002 applied.
    folder = tmp_path / "migrations"
    folder.mkdir()
    for name in ("000_init.sql", "001_triggers.sql"):
        (folder / name).write_text((default_migrations_dir() / name).read_text())
    apply_migrations(empty_database_url, folder)
    with psycopg.connect(empty_database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO coletas (fonte, ano_referencia, spider) VALUES ('PNCP', 2025, 'pncp')")
        conn.execute("INSERT INTO coletas (fonte, ano_referencia, spider) VALUES ('PGC', 2025, 'pgc')")
        conn.execute("UPDATE coletas SET status = 'success' WHERE spider = 'pgc'")
    assert apply_migrations(empty_database_url)[0] == "002_coleta_heartbeat.sql"
    with psycopg.connect(empty_database_url) as conn:
        rows = conn.execute("""SELECT spider, heartbeat_at = coalesce(finished_at, data_coleta)
                                 FROM coletas ORDER BY id""").fetchall()
    assert rows == [("pncp", True), ("pgc", True)]


def test_misnamed_file_is_refused(empty_database_url, tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "init.sql").write_text("SELECT 1")
    with pytest.raises(MigrationError, match="name must be NNN_words.sql"):
        apply_migrations(empty_database_url, folder)
