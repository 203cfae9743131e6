"""Backups: scripts/backup.sh then scripts/restore.sh on the real PostgreSQL give back every table
with the same row count and the same checksum, into a new database and over a changed one."""

from __future__ import annotations

import gzip
import os
import subprocess
import uuid

import psycopg
import pytest

from tests.conftest import MAIN_CNPJ, _with_dbname, project_env, run_scrapy
from tests.ops_support import ROOT


def table_fingerprints(url: str) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent md5 of every row of every table (schema public)."""
    out: dict[str, tuple[int, str]] = {}
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").fetchall()]
        for table in tables:
            count, digest = conn.execute(
                f'SELECT count(*), coalesce(md5(string_agg(md5(t::text), \'\' ORDER BY md5(t::text))), \'\') '
                f'FROM public."{table}" t').fetchone()
            out[table] = (count, digest)
        for seq, last in conn.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname='public'"):
            out[f"sequence:{seq}"] = (int(last or 0), "")
    return out


def script(name: str, *args: str, database_url: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    full_env.update(DATABASE_URL=database_url, PROCUREMENT_ENV_FILE="/nonexistent/.env", **env)
    return subprocess.run([str(ROOT / "scripts" / name), *args], cwd=ROOT, env=full_env, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)


@pytest.fixture
def second_database(pg_admin_url):
    name = f"test_restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _with_dbname(pg_admin_url, name)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_restore_round_trip(tmp_path, database_url, sandbox_url, second_database):
    # Real data: a pncp crawl against the sandbox, plus values that trip naive dumps.
    done = run_scrapy(["crawl", "pncp", "-a", "ano=2025"],
                      project_env(DATABASE_URL=database_url, SANDBOX_URL=sandbox_url, ORGAO_CNPJ=MAIN_CNPJ))
    assert done.returncode == 0, done.stderr[-3000:]
    with psycopg.connect(database_url) as conn:
        # demandas of a finished coleta are frozen by trigger: the odd values go into a running one
        coleta = conn.execute("INSERT INTO coletas (fonte, ano_referencia, spider, dados) "
                              "VALUES ('PNCP', 2025, 'edge', '{\"nota\": \"é\"}') RETURNING id").fetchone()[0]
        conn.execute(
            "INSERT INTO demandas (coleta_id, chave, descricao, valor, detalhes) VALUES (%s, %s, %s, %s, %s::jsonb)",
            (coleta, "edge-1", "Aquisição de café; \"aspas\"\ttab\nnova linha \\ barra", "1234567.89",
             '{"ação": "ç", "lista": [1, 2.50, null]}'),
        )
    before = table_fingerprints(database_url)
    assert before["coletas"][0] >= 1 and before["demandas"][0] > 1

    dump = tmp_path / "procurement.sql.gz"
    made = script("backup.sh", str(dump), database_url=database_url)
    assert made.returncode == 0, made.stderr
    assert "backup written" in made.stdout
    with gzip.open(dump, "rt", encoding="utf-8") as fh:
        assert "PostgreSQL database dump complete" in fh.read()

    # Into a new, empty database.
    restored = script("restore.sh", str(dump), "--yes", database_url=second_database)
    assert restored.returncode == 0, restored.stderr
    assert table_fingerprints(second_database) == before

    # Over the original, after it changed: back to the backup's state exactly.
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE demandas SET descricao = 'changed' WHERE chave = 'edge-1'")
        conn.execute("INSERT INTO coletas (fonte, ano_referencia, spider) VALUES ('PGC', 2026, 'later')")
    assert table_fingerprints(database_url) != before
    restored = script("restore.sh", str(dump), "--yes", database_url=database_url)
    assert restored.returncode == 0, restored.stderr
    assert table_fingerprints(database_url) == before


def test_restore_refuses_without_confirmation_and_keeps_data(tmp_path, database_url):
    dump = tmp_path / "d.sql.gz"
    assert script("backup.sh", str(dump), database_url=database_url).returncode == 0
    refused = script("restore.sh", str(dump), database_url=database_url)
    assert refused.returncode == 2 and "--yes" in refused.stderr


def test_failed_restore_changes_nothing(tmp_path, database_url):
    before = table_fingerprints(database_url)
    bad = tmp_path / "bad.sql"
    bad.write_text('DROP TABLE "public"."demandas" CASCADE;\nTHIS IS NOT SQL;\n')
    failed = script("restore.sh", str(bad), "--yes", database_url=database_url)
    assert failed.returncode != 0
    assert table_fingerprints(database_url) == before  # one transaction: the DROP was rolled back


def test_backup_keeps_the_newest_dumps_and_hides_the_password(tmp_path, pg_admin_url, database_url):
    backups = tmp_path / "backups"
    for _ in range(3):
        done = script("backup.sh", database_url=database_url, BACKUP_DIR=str(backups), BACKUP_KEEP="2")
        assert done.returncode == 0, done.stderr
        subprocess.run(["sleep", "1.1"], check=True)  # distinct names (second resolution)
    assert len(list(backups.glob("procurement-*.sql.gz"))) == 2
    # A URL with a password: the password is passed through PGPASSWORD, never printed.
    with_password = database_url.replace("postgresql://postgres@", "postgresql://postgres:N0tPr1nted%21@")
    done = script("backup.sh", str(tmp_path / "p.sql.gz"), database_url=with_password)
    assert done.returncode == 0, done.stderr  # trust auth: the password is ignored by the server
    assert "N0tPr1nted" not in done.stdout + done.stderr
