"""Health: `check_health`, `scrapy health` against a real, throwaway PostgreSQL and real Grids in
the states that matter: ready, busy (its one slot held by a session), not ready (a hub without a
node), down."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from procurement_spiders.browser.health import selenium_status
from procurement_spiders.config import Config
from procurement_spiders.health import check_health, unhealthy_parts
from tests.ops_support import PYTHON, GridHub, PgCluster, RealGrid
from tests.support import ROOT, free_port


@pytest.fixture(scope="module")
def pg():
    cluster = PgCluster().init()
    cluster.start()
    yield cluster
    cluster.remove()


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    g = RealGrid(tmp_path_factory.mktemp("grid")).start()
    yield g
    g.stop()


@pytest.fixture
def hub(tmp_path):
    h = GridHub(tmp_path).start()
    yield h
    h.stop()


def test_healthy_body_has_the_legacy_shape(pg, grid):
    ok, body = check_health(Config(database_url=pg.url(), selenium_url=grid.url))
    assert ok
    assert set(body) == {"status", "database", "selenium", "timestamp"}
    assert body["status"] == "ok" and body["database"] == "connected" and body["selenium"] == "connected"
    assert body["timestamp"].endswith("Z")


def test_grid_states(pg, grid, hub):
    config = Config(database_url=pg.url(), selenium_url=grid.url)
    with grid.held_session():  # its one slot busy: crawls wait, not an outage
        status = selenium_status(config)
        assert status["busy"] and not status["ready"] and status["free_slots"] == 0
        assert check_health(config)[1]["selenium"] == "connected"
    ok, body = check_health(Config(database_url=pg.url(), selenium_url=hub.url))  # no live node
    assert not ok and body["selenium"] == "not ready: no live slot" and unhealthy_parts(body) == ["selenium"]
    ok, body = check_health(Config(database_url=pg.url(), selenium_url=f"http://127.0.0.1:{free_port()}"))
    assert not ok and body["selenium"].startswith("error:") and body["database"] == "connected"


def test_grid_not_configured_does_not_fail(pg):
    ok, body = check_health(Config(database_url=pg.url(), selenium_url=None))
    assert ok and body["selenium"] == "not configured"


def test_missing_database_url_fails():
    ok, body = check_health(Config(database_url=None))
    assert not ok and body["database"] == "error: DATABASE_URL is not set"


def test_password_is_never_echoed():
    url = f"postgresql://app:Sup3rSecret@127.0.0.1:{free_port()}/x"
    ok, body = check_health(Config(database_url=url), timeout=2)
    assert not ok and "Sup3rSecret" not in json.dumps(body)


def _run_health(database_url: str, selenium_url: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY_", "SELENIUM_"))}
    env.update({"DATABASE_URL": database_url, "PROCUREMENT_ENV_FILE": "/nonexistent/.env", "PYTHONPATH": str(ROOT)})
    if selenium_url:
        env["SELENIUM_URL"] = selenium_url
    done = subprocess.run(
        [PYTHON, "-m", "scrapy", "health", "--timeout", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done


def _scrapy_health(database_url: str, selenium_url: str | None = None) -> tuple[int, dict]:
    done = _run_health(database_url, selenium_url)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stderr
    return done.returncode, json.loads(lines[-1])


def test_scrapy_health_follows_postgres_down_and_up(pg, grid):
    code, body = _scrapy_health(pg.url(), grid.url)
    assert code == 0 and body["status"] == "ok" and body["database"] == "connected"
    pg.stop()
    try:
        code, body = _scrapy_health(pg.url(), grid.url)
        assert code != 0 and body["status"] == "error"
        assert body["database"].startswith("error:") and body["selenium"] == "connected"
    finally:
        pg.start()
    code, body = _scrapy_health(pg.url(), grid.url)
    assert code == 0 and body["status"] == "ok"


SECRET = "Sup3r@Secret"  # an unescaped "@": the URL is malformed and urlsplit cannot parse its port


def test_malformed_database_url_is_never_quoted():
    """Issue 8 defect 10: the malformed URL used to come back whole, password included."""
    url = f"postgresql://app:{SECRET}@127.0.0.1:notaport/x"
    done = _run_health(url)
    assert done.returncode != 0
    assert "Secret" not in done.stdout + done.stderr
    bodies = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert all(json.loads(b) == {"status": "error", "config": "error: invalid DATABASE_URL"} for b in bodies)
    # The crawl's one-line refusal names the setting and shows the URL with its password masked.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY_", "SELENIUM_"))}
    env.update({"DATABASE_URL": url, "PROCUREMENT_ENV_FILE": "/nonexistent/.env", "PYTHONPATH": str(ROOT)})
    done = subprocess.run(
        [PYTHON, "-m", "scrapy", "crawl", "pncp", "-a", "ano=2025"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Secret" not in done.stdout + done.stderr
    assert "postgresql://app:***@127.0.0.1:notaport/x" in done.stderr


def test_health_body_names_no_host_and_no_url(pg):
    port = free_port()
    ok, body = check_health(
        Config(
            database_url=f"postgresql://app:Sup3rSecret@127.0.0.1:{port}/x",
            selenium_url=f"http://127.0.0.1:{free_port()}",
        ),
        timeout=2,
    )
    assert not ok
    assert body["database"] == "error: connection refused" and body["selenium"] == "error: connection refused"
    text = json.dumps(body)
    assert "127.0.0.1" not in text and "Secret" not in text and "://" not in text
    ok, body = check_health(Config(database_url=pg.url("no_such_db")))
    assert body["database"] == "error: database or role does not exist"
