"""The one test-support module: helpers every test (and bench/) imports from here, never from
the sandbox package, which is a separate program the tests talk to over HTTP.

- loopback: `free_port`, `wait_http`, `wait_for`;
- the sandbox: `Sandbox` (client of a running server's control API), `serve`/`fetch` (the
  sandbox's aiohttp app in-process, for its own unit tests);
- running scrapy as users do: `project_env`, `run_scrapy`; databases: `with_dbname`;
- the rule every crawl keeps, read from `coletas.dados`: `run_checked`, `assert_coleta_rules`.
Fixtures live in tests/conftest.py; operations helpers (clusters, scrapyd) in tests/ops_support.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCRAPY = str(ROOT / ".venv" / "bin" / "scrapy")
FIXTURES = ROOT / "tests" / "fixtures"  # everything a test reads lives in the repository
# The órgão the sandbox's main data set belongs to (valid check digits).
MAIN_CNPJ = "00394452000103"


# -- loopback ----------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0) -> None:
    """Until `url` answers (any status), or raise after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def wait_for(predicate, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Until `predicate()` is truthy (its value is returned), or AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except Exception as exc:  # noqa: BLE001
            last = exc
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


# -- the sandbox ---------------------------------------------------------------------------------


@dataclass
class Sandbox:
    """A running sandbox server, driven through its control API."""

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


def serve(scenario: Callable[[Any], Awaitable[Any]], **options) -> Any:
    """Run the sandbox app in-process on 127.0.0.1:<free port>; `scenario` gets an aiohttp TestClient."""
    from aiohttp.test_utils import TestClient, TestServer

    from sandbox.app import create_app

    async def main():
        async with TestClient(TestServer(create_app(**options), host="127.0.0.1")) as client:
            return await scenario(client)

    return asyncio.run(main())


async def fetch(client, path: str, method: str = "GET", body: Any = None) -> tuple[int, Any, str]:
    """(status, parsed JSON or None for an empty body, content type)."""
    kwargs = {"json": body} if body is not None else {}
    async with client.request(method, path, **kwargs) as response:
        raw = await response.read()
        ctype = response.headers.get("Content-Type", "")
        if not raw:
            return response.status, None, ctype
        if "json" in ctype:
            return response.status, json.loads(raw), ctype
        return response.status, raw.decode(), ctype


# -- running scrapy as users do -------------------------------------------------------------------


def with_dbname(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


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


def run_scrapy(
    args: list[str], env: dict[str, str], timeout: float = 600, cwd: Path = ROOT
) -> subprocess.CompletedProcess:
    return subprocess.run([SCRAPY, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


# -- the rule every crawl keeps ---------------------------------------------------------------------
# Checked from the database (`coletas.dados`), never from log text: when a crawl ends its coleta is
# not `running`; exit 0 iff the coleta is `success` (a crawl that opened no coleta never exits 0);
# stored + dropped (by reason) = read, "stored" being what the `demandas` table holds.


def last_coleta_id(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as conn:
        if conn.execute("SELECT to_regclass('coletas')").fetchone() == (None,):
            return 0  # not migrated yet: the crawl applies the migrations itself
        return conn.execute("SELECT coalesce(max(id), 0) FROM coletas").fetchone()[0]


def assert_coleta_rules(
    database_url: str, result: subprocess.CompletedProcess, *, after_id: int = 0
) -> dict[str, Any] | None:
    """Check the coleta opened after `after_id` by the crawl that gave `result`; return its dados."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        if conn.execute("SELECT to_regclass('coletas')").fetchone() == (None,):
            rows = []
        else:
            rows = conn.execute(
                """SELECT c.id, c.status, c.dados, (SELECT count(*) FROM demandas d WHERE d.coleta_id = c.id)
                     FROM coletas c WHERE c.id > %s ORDER BY c.id""",
                (after_id,),
            ).fetchall()
    if not rows:
        assert result.returncode != 0, "a crawl that opened no coleta exited 0"
        return None
    assert len(rows) == 1, f"one crawl opened {len(rows)} coletas"
    [(coleta_id, status, dados, in_table)] = rows
    assert status != "running", f"coleta {coleta_id} is still running after its crawl ended"
    assert (result.returncode == 0) == (status == "success"), (
        f"exit {result.returncode} but coleta {coleta_id} is {status}: {dados.get('finish_reason')}"
    )
    lidas, armazenadas = dados["demandas_lidas"], dados["demandas_armazenadas"]
    por_motivo = dados["descartes"]["por_motivo"]
    assert armazenadas == in_table, f"coleta {coleta_id} says {armazenadas} stored, the table has {in_table}"
    assert dados["descartes"]["total"] == sum(por_motivo.values())
    assert armazenadas + sum(por_motivo.values()) == lidas, (
        f"coleta {coleta_id}: {armazenadas} stored + {por_motivo} dropped != {lidas} read"
    )
    return dados


def run_checked(database_url: str, run: Callable[[], subprocess.CompletedProcess]) -> subprocess.CompletedProcess:
    """Run one crawl and check the rule on the coleta it opened."""
    before = last_coleta_id(database_url)
    result = run()
    assert_coleta_rules(database_url, result, after_id=before)
    return result
