"""PGC test support: the sandbox's PGC control API and a real Selenium Grid for the e2e tests.

Fixtures here are imported by the PGC test modules (`from tests.pgc_support import *`).
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import MAIN_CNPJ, ROOT, Sandbox, free_port, project_env

DEMO_CPF = "99999999999"  # sandbox-only demo account (see sandbox/pgc/__init__.py)
DEMO_SENHA = "sandbox-demo"
EXPIRED_CPF = "99999999888"
BLOCKED_CPF = "99999999777"


def pgc_crawl_env(sandbox_url: str, grid_url: str, database_url: str, **extra: str | None) -> dict[str, str]:
    """The environment of a PGC crawl against the sandbox with its demo account (fast polling)."""
    return project_env(
        **{
            "SELENIUM_URL": grid_url,
            "DATABASE_URL": database_url,
            "SANDBOX_URL": sandbox_url,
            "ORGAO_CNPJ": MAIN_CNPJ,
            "PGC_CPF": DEMO_CPF,
            "PGC_SENHA": DEMO_SENHA,
            "POLL_TIME": "0.05",
            "SELENIUM_TIMEOUT": "20",
            **extra,
        }
    )


@dataclass
class PgcSandbox:
    url: str

    def _call(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def reset(self) -> None:
        self._call("DELETE", "/__sandbox__/pgc/faults")
        self._call("DELETE", "/__sandbox__/pgc/sessions")
        self._call("DELETE", "/__sandbox__/pgc/stats")
        self._call("POST", "/__sandbox__/pgc/dataset", {"ano": 2025, "dfds": 237, "contratacoes": 57, "seed": 20250})

    def faults(self, **faults) -> dict:
        return self._call("POST", "/__sandbox__/pgc/faults", faults)

    def dataset(self, **options) -> dict:
        return self._call("POST", "/__sandbox__/pgc/dataset", options)

    def stats(self) -> dict:
        return self._call("GET", "/__sandbox__/pgc/stats")

    def truth_dfds(self, ano: int = 2025) -> list[dict]:
        return self._call("GET", f"/__sandbox__/truth/pgc-dfds?ano={ano}")["registros"]

    def truth_contratacoes(self, ano: int = 2025) -> list[dict]:
        return self._call("GET", f"/__sandbox__/truth/pgc-contratacoes?ano={ano}")["registros"]

    def complete_attended_login(self, cpf: str = DEMO_CPF, senha: str = DEMO_SENHA) -> dict:
        return self._call("POST", "/__sandbox__/pgc/attended/complete", {"cpf": cpf, "senha": senha})


@pytest.fixture
def pgc(sandbox_server: Sandbox) -> PgcSandbox:
    helper = PgcSandbox(sandbox_server.url)
    helper.reset()
    yield helper
    helper.reset()


@pytest.fixture(scope="session")
def grid_url():
    """SELENIUM_URL when set (CI starts a Grid), else a Grid of our own on a free port."""
    url = os.environ.get("SELENIUM_URL")
    if url:
        yield url
        return
    port = free_port()
    env = dict(os.environ, GRID_PORT=str(port), GRID_MAX_SESSIONS="2")
    script = str(ROOT / "scripts" / "grid.sh")
    subprocess.run([script, "start"], check=True, env=env, capture_output=True, text=True, timeout=120)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        subprocess.run([script, "stop"], env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def driver(grid_url: str):
    from procurement_spiders.browser.session import create_driver, quit_quietly
    from procurement_spiders.config import load_config

    config = load_config(
        environ={"SELENIUM_URL": grid_url, "SELENIUM_TIMEOUT": "30"}, env_file=Path("/nonexistent/.env")
    )
    drv = create_driver(config)
    try:
        yield drv
    finally:
        quit_quietly(drv)
