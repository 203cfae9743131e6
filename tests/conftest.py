"""Shared fixtures: a real PostgreSQL (a fresh database per test), the real sandbox server, and
a way to run `scrapy` as users do (a subprocess in the project root)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from sandbox.local import free_port, wait_http  # noqa: F401  (re-exported to the tests)

ROOT = Path(__file__).resolve().parents[1]
SCRAPY = str(ROOT / ".venv" / "bin" / "scrapy")
# The órgão the sandbox's main data set belongs to (valid check digits).
MAIN_CNPJ = "00394452000103"




# -- PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A server where tests may create databases: TEST_DATABASE_URL, or the project's .data/ cluster."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    out = subprocess.run([str(ROOT / "scripts" / "pg.sh"), "start"], check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def _with_dbname(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture
def empty_database_url(pg_admin_url: str):
    """A new, empty database, dropped after the test."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_dbname(pg_admin_url, name)
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


@dataclass
class Sandbox:
    url: str

    def _call(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def faults(self, **faults) -> None:
        self._call("POST", "/__sandbox__/faults", faults)

    def reset(self) -> None:
        self._call("DELETE", "/__sandbox__/faults")

    def dataset(self, **options) -> None:
        self._call("POST", "/__sandbox__/dataset", options)

    def requests(self) -> dict:
        return self._call("GET", "/__sandbox__/requests")

    def truth(self, dataset: str, **query) -> dict:
        qs = "&".join(f"{k}={v}" for k, v in query.items())
        return self._call("GET", f"/__sandbox__/truth/{dataset}?{qs}")


@pytest.fixture(scope="session")
def sandbox_server():
    port = free_port()
    log = open(ROOT / ".data" / f"sandbox-test-{port}.log", "w") if (ROOT / ".data").is_dir() else subprocess.DEVNULL
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


# -- running scrapy as users do -------------------------------------------------------------


def project_env(**overrides: str | None) -> dict[str, str]:
    """The environment of a crawl: nothing from the developer's .env, the sandbox, no real portals."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SELENIUM_", "PNCP_", "PGC_", "DADOS_", "ORGAO_"))}
    env.pop("DATABASE_URL", None)
    env.update(PROCUREMENT_ENV_FILE="/nonexistent/.env", PNCP_REAL_ENABLED="false", PGC_REAL_ENABLED="false")
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_scrapy(args: list[str], env: dict[str, str], timeout: float = 600, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([SCRAPY, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
