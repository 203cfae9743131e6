"""Backups: scripts/backup.sh then scripts/restore.sh on the real PostgreSQL give back every table
with the same row count and the same checksum, into a new database and over a changed one."""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import uuid

import psycopg
import pytest

from tests.support import MAIN_CNPJ, ROOT, project_env, run_scrapy, with_dbname


def table_fingerprints(url: str) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent md5 of every row of every table (schema public)."""
    out: dict[str, tuple[int, str]] = {}
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        for table in tables:
            count, digest = conn.execute(
                f"SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') "
                f'FROM public."{table}" t'
            ).fetchone()
            out[table] = (count, digest)
        for seq, last in conn.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname='public'"):
            out[f"sequence:{seq}"] = (int(last or 0), "")
    return out


def with_end_marker(sql: str) -> bytes:
    """SQL followed by the end marker scripts/backup.sh writes (so restore.sh gets past verification)."""
    data = sql.encode()
    marker = f"-- procurement_spiders backup end sha256={hashlib.sha256(data).hexdigest()} bytes={len(data)}\n"
    return data + marker.encode()


def public_tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]


def script(name: str, *args: str, database_url: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    full_env.update(DATABASE_URL=database_url, PROCUREMENT_ENV_FILE="/nonexistent/.env", **env)
    return subprocess.run(
        [str(ROOT / "scripts" / name), *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def second_database(pg_admin_url):
    name = f"test_restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield with_dbname(pg_admin_url, name)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_restore_round_trip(tmp_path, database_url, sandbox_url, second_database):
    # Real data: a pncp crawl against the sandbox, plus values that trip naive dumps.
    done = run_scrapy(
        ["crawl", "pncp", "-a", "ano=2025"],
        project_env(DATABASE_URL=database_url, SANDBOX_URL=sandbox_url, ORGAO_CNPJ=MAIN_CNPJ),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with psycopg.connect(database_url) as conn:
        # demandas of a finished coleta are frozen by trigger: the odd values go into a running one
        coleta = conn.execute(
            "INSERT INTO coletas (fonte, ano_referencia, spider, dados) "
            "VALUES ('PNCP', 2025, 'edge', '{\"nota\": \"é\"}') RETURNING id"
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO demandas (coleta_id, chave, descricao, valor, detalhes) VALUES (%s, %s, %s, %s, %s::jsonb)",
            (
                coleta,
                "edge-1",
                'Aquisição de café; "aspas"\ttab\nnova linha \\ barra',
                "1234567.89",
                '{"ação": "ç", "lista": [1, 2.50, null]}',
            ),
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
    bad.write_bytes(with_end_marker('DROP TABLE "public"."demandas" CASCADE;\nTHIS IS NOT SQL;\n'))
    failed = script("restore.sh", str(bad), "--yes", database_url=database_url)
    assert failed.returncode != 0
    assert table_fingerprints(database_url) == before  # one transaction: the DROP was rolled back


def test_backup_keeps_the_newest_dumps_and_hides_the_password(tmp_path, pg_admin_url, database_url):
    backups = tmp_path / "backups"
    backups.mkdir()
    # Two earlier dumps (real ones, named and dated as older runs), then a scheduled run with KEEP=2.
    older = [backups / "procurement-20260101T020000Z.sql.gz", backups / "procurement-20260102T020000Z.sql.gz"]
    for day, path in enumerate(older, start=1):
        assert script("backup.sh", str(path), database_url=database_url).returncode == 0
        os.utime(path, (1767225600 + day * 86400, 1767225600 + day * 86400))
    done = script("backup.sh", database_url=database_url, BACKUP_DIR=str(backups), BACKUP_KEEP="2")
    assert done.returncode == 0, done.stderr
    kept = sorted(p.name for p in backups.glob("procurement-*.sql.gz"))
    assert len(kept) == 2 and older[1].name in kept and older[0].name not in kept
    assert f"removed old backup: {older[0]}" in done.stdout
    # A URL with a password: the password is passed through PGPASSWORD, never printed.
    with_password = database_url.replace("postgresql://postgres@", "postgresql://postgres:N0tPr1nted%21@")
    done = script("backup.sh", str(tmp_path / "p.sql.gz"), database_url=with_password)
    assert done.returncode == 0, done.stderr  # trust auth: the password is ignored by the server
    assert "N0tPr1nted" not in done.stdout + done.stderr


@pytest.fixture
def crawled_dump(tmp_path, database_url, sandbox_url):
    """A backup (and the database it came from) holding a real pncp coleta: many demandas rows."""
    done = run_scrapy(
        ["crawl", "pncp", "-a", "ano=2025"],
        project_env(DATABASE_URL=database_url, SANDBOX_URL=sandbox_url, ORGAO_CNPJ=MAIN_CNPJ),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    dump = tmp_path / "full.sql.gz"
    made = script("backup.sh", str(dump), database_url=database_url)
    assert made.returncode == 0, made.stderr
    return dump


def test_backup_ends_with_a_checksum_marker(crawled_dump):
    lines = gzip.decompress(crawled_dump.read_bytes()).split(b"\n")
    assert lines[-1] == b""
    body = b"\n".join(lines[:-2]) + b"\n"
    assert (
        lines[-2]
        == (f"-- procurement_spiders backup end sha256={hashlib.sha256(body).hexdigest()} bytes={len(body)}").encode()
    )


def test_backup_cut_inside_the_demandas_data_is_refused_whole(tmp_path, crawled_dump, database_url, second_database):
    """The issue's case: a .gz cut at a line boundary inside COPY demandas is a valid gzip stream,
    and psql used to commit the rows before the cut (no keys, no schema_migrations)."""
    lines = gzip.decompress(crawled_dump.read_bytes()).decode().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith('COPY "public"."demandas"'))
    end = lines.index("\\.\n", start)
    assert end - start > 2, "the crawl should have stored several demandas"
    cut = tmp_path / "cut.sql.gz"
    cut.write_bytes(gzip.compress("".join(lines[: (start + end) // 2]).encode()))
    assert subprocess.run(["gzip", "-t", str(cut)]).returncode == 0  # nothing but the marker tells

    refused = script("restore.sh", str(cut), "--yes", database_url=second_database)
    assert refused.returncode == 3, refused.stderr
    assert "no end marker" in refused.stderr and "nothing loaded" in refused.stderr
    assert public_tables(second_database) == []

    before = table_fingerprints(database_url)
    refused = script("restore.sh", str(cut), "--yes", database_url=database_url)
    assert refused.returncode == 3
    assert table_fingerprints(database_url) == before


def test_damaged_backups_are_refused(tmp_path, crawled_dump, second_database):
    raw = crawled_dump.read_bytes()
    cases = {
        "bytes.sql.gz": (raw[: len(raw) // 2], "gzip integrity"),  # cut mid-stream
        "empty.sql": (b"", "empty"),
        "empty.sql.gz": (b"", "empty"),
        "nothing.sql.gz": (gzip.compress(b""), "no end marker"),
    }
    plain = gzip.decompress(raw)
    changed = plain.replace(b"COPY", b"COPX", 1)  # same size, marker kept: the checksum catches it
    cases["changed.sql"] = (changed, "checksum differs")
    dropped_line = plain.replace(b"SET client_encoding = 'UTF8';\n", b"", 1)
    cases["shorter.sql.gz"] = (gzip.compress(dropped_line), "differs from the")
    for name, (content, reason) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        refused = script("restore.sh", str(path), "--yes", database_url=second_database)
        assert refused.returncode == 3, (name, refused.stderr)
        assert reason in refused.stderr, (name, refused.stderr)
    assert public_tables(second_database) == []


def test_restore_checks_the_schema_it_leaves(tmp_path, second_database, empty_database_url):
    """A complete, well-marked dump without the project's schema (no migrations recorded, no keys)
    is rolled back whole by the check that runs in the restore's transaction."""
    with psycopg.connect(second_database) as conn:
        conn.execute("CREATE TABLE notes (id int)")
        conn.execute("INSERT INTO notes VALUES (1)")
    dump = tmp_path / "foreign.sql.gz"
    assert script("backup.sh", str(dump), database_url=second_database).returncode == 0
    failed = script("restore.sh", str(dump), "--yes", database_url=empty_database_url)
    assert failed.returncode != 0
    assert "restore check: the dump has no schema_migrations table" in failed.stderr
    assert public_tables(empty_database_url) == []


def test_restore_check_names_missing_keys_and_triggers(tmp_path, database_url, second_database):
    """A dump that is whole but of a damaged schema (the halfway state the issue saw: data without
    keys or triggers) is refused by the check inside the restore's transaction."""
    with psycopg.connect(database_url) as conn:
        conn.execute("ALTER TABLE demandas DROP CONSTRAINT demandas_coleta_id_fkey")
        conn.execute("DROP TRIGGER demandas_insert_into_running_coleta ON demandas")
    dump = tmp_path / "damaged-schema.sql.gz"
    assert script("backup.sh", str(dump), database_url=database_url).returncode == 0
    failed = script("restore.sh", str(dump), "--yes", database_url=second_database)
    assert failed.returncode != 0
    assert "missing after restore: demandas -> coletas foreign key, demandas triggers" in failed.stderr
    assert public_tables(second_database) == []
