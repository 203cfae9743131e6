"""Shared fixtures: a real PostgreSQL (a fresh database per test) and the real sandbox server
(`python -m sandbox`, a separate program). Helpers are in tests/support.py."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid

import psycopg
import pytest

# Helpers live in tests/support.py; the names are re-exported here for older imports.
from tests.support import (  # noqa: F401
    MAIN_CNPJ,
    ROOT,
    SCRAPY,
    Sandbox,
    free_port,
    project_env,
    run_scrapy,
    wait_http,
    with_dbname,
)

# -- PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A server where tests may create databases: TEST_DATABASE_URL, or the project's .data/ cluster."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    out = subprocess.run([str(ROOT / "scripts" / "pg.sh"), "start"], check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture
def empty_database_url(pg_admin_url: str):
    """A new, empty database, dropped after the test."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_dbname(pg_admin_url, name)
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    """A new database with every migration applied."""
    from procurement_spiders.storage.migrations import apply_migrations

    apply_migrations(empty_database_url)
    return empty_database_url


# -- sandbox ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sandbox_server():
    port = free_port()
    with contextlib.ExitStack() as stack:
        log_path = ROOT / ".data" / f"sandbox-test-{port}.log"
        log = stack.enter_context(log_path.open("w")) if (ROOT / ".data").is_dir() else subprocess.DEVNULL
        proc = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--port", str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_http(url + "/__sandbox__/health")
            yield Sandbox(url)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture
def sandbox(sandbox_server: Sandbox) -> Sandbox:
    """The sandbox with no faults and the default data set."""
    sandbox_server.reset()
    sandbox_server.dataset()
    return sandbox_server


@pytest.fixture
def sandbox_url(sandbox: Sandbox) -> str:
    return sandbox.url
