"""scrapyd's GET /health.json on a real scrapyd with the deployed egg, a throwaway PostgreSQL and a real Grid."""

from __future__ import annotations

import json
import secrets

import pytest
import requests

from tests.ops_support import PgCluster, RealGrid, Scrapyd, build_egg
from tests.support import wait_for

PROJECT = "procurement_spiders"
NO_CACHE = {"scrapyd": {"health_cache_seconds": "0"}}  # every request checks anew


def deploy(sd: Scrapyd, egg) -> None:
    with open(egg, "rb") as fh:
        answer = requests.post(
            f"{sd.url}/addversion.json",
            auth=sd.auth,
            timeout=60,
            data={"project": PROJECT, "version": "1"},
            files={"egg": fh},
        ).json()
    assert answer["status"] == "ok", answer


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    base = tmp_path_factory.mktemp("scrapyd-health")
    pg = PgCluster().init()
    pg.start()
    grid = RealGrid(base).start()
    sd = Scrapyd(
        base,
        username="monitor",
        password=secrets.token_urlsafe(16),
        env={"DATABASE_URL": pg.url(), "SELENIUM_URL": grid.url},
        extra_conf=NO_CACHE,
    )
    try:
        sd.start()
        yield sd, pg, grid, base
    finally:
        sd.stop()
        grid.stop()
        pg.remove()


def health(sd: Scrapyd) -> tuple[int, dict]:
    return sd.get("health.json", auth=False)


def test_health_json(stack):
    sd, pg, grid, base = stack

    # Before any deploy the project cannot answer: unhealthy, and the reason says so.
    code, body = health(sd)
    assert code == 503 and body["down"] == ["project"] and "not deployed" in body["project"]

    deploy(sd, build_egg(base / "egg"))

    code, body = health(sd)
    assert code == 200, body
    assert body["status"] == "ok" and body["database"] == "connected" and body["selenium"] == "connected"
    assert set(body) == {"status", "database", "selenium", "timestamp"}

    # The rest of the API stays behind basic auth; /health.json does not need it.
    assert sd.get("listjobs.json", auth=False, project=PROJECT)[0] == 401
    assert sd.get("health.json", auth=True)[0] == 200

    pg.stop()
    try:
        code, body = health(sd)
        assert code == 503, body
        assert body["status"] == "error" and body["down"] == ["database"]
        assert body["database"].startswith("error:") and body["selenium"] == "connected"
    finally:
        pg.start()
    code, body = wait_for(lambda: (lambda r: r if r[0] == 200 else None)(health(sd)), 30, what="health back to 200")
    assert body["status"] == "ok"

    grid.stop()
    try:
        code, body = health(sd)
        assert code == 503 and body["down"] == ["selenium"] and body["database"] == "connected"
        assert body["selenium"] == "error: connection refused"
    finally:
        grid.start()
    assert health(sd)[0] == 200


def test_health_json_reuses_an_answer_within_its_cache_time(stack, tmp_path):
    """health_cache_seconds: an answer is reused while fresh, so the database going down is not
    seen until it expires (an hour here: the test needs no clock)."""
    _, pg, grid, base = stack
    sd = Scrapyd(
        tmp_path,
        username="m",
        password=secrets.token_urlsafe(16),
        env={"DATABASE_URL": pg.url(), "SELENIUM_URL": grid.url},
        extra_conf={"scrapyd": {"health_cache_seconds": "3600"}},
    )
    try:
        sd.start()
        deploy(sd, next((base / "egg" / "dist").glob("*.egg")))
        first = health(sd)
        assert first[0] == 200, first
        pg.stop()
        try:
            assert health(sd) == first  # same code, same body, same timestamp
        finally:
            pg.start()
    finally:
        sd.stop()


def test_health_json_never_shows_a_url_or_host(stack, tmp_path):
    """Issue 8 defect 10: a malformed DATABASE_URL was quoted whole, password included, by the
    unauthenticated /health.json. (That URL also stops scrapyd from listing the egg's spiders,
    so these daemons read the eggs test_health_json deployed.)"""
    first, pg, grid, base = stack
    eggs = {"eggs_dir": str(first.workdir / "eggs")}
    for n, (database_url, reason) in enumerate(
        [
            ("postgresql://app:Sup3r@Secret@127.0.0.1:notaport/x", None),
            (
                pg.url("no_such_db").replace("postgres@", "postgres:Sup3rSecret@"),
                "error: database or role does not exist",
            ),
        ]
    ):
        sd = Scrapyd(
            tmp_path / str(n),
            username="m",
            password=secrets.token_urlsafe(16),
            extra_conf={"scrapyd": {**NO_CACHE["scrapyd"], **eggs}},
            env={"DATABASE_URL": database_url, "SELENIUM_URL": grid.url},
        )
        try:
            sd.start()
            code, body = health(sd)
        finally:
            sd.stop()
        assert code == 503 and body["status"] == "error", body
        text = json.dumps(body)
        assert "Secret" not in text and "127.0.0.1" not in text and "://" not in text, body
        if reason:
            assert body["database"] == reason


def test_scrapyd_refuses_to_listen_beyond_loopback_without_auth(tmp_path):
    import configparser
    import os
    import subprocess
    import sys

    from tests.support import ROOT, free_port

    conf = configparser.ConfigParser()
    conf.read(ROOT / "scrapyd.conf")
    with open(tmp_path / "scrapyd.conf", "w") as fh:
        conf.write(fh)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPYD_", "API_"))}
    env.update(
        PYTHONPATH=str(ROOT / "deploy" / "scrapyd"), SCRAPYD_BIND_ADDRESS="0.0.0.0", SCRAPYD_HTTP_PORT=str(free_port())
    )
    done = subprocess.run(
        [sys.executable, "-m", "scrapyd"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "refusing to listen on 0.0.0.0 without authentication" in done.stdout + done.stderr


def test_scrapyd_keeps_its_own_address_whatever_api_host_and_api_port_say(tmp_path):
    """API_HOST / API_PORT are the web app's (issue 11): scrapyd, started with them set to
    0.0.0.0 and another port and without auth, still listens where its own scrapyd.conf says
    (127.0.0.1 and its http_port). Before, it copied them into its bind address and refused to start."""
    import configparser
    import os
    import socket
    import subprocess
    import sys

    from tests.support import ROOT, free_port

    own_port, web_port = free_port(), free_port()
    conf = configparser.ConfigParser()
    conf.read(ROOT / "scrapyd.conf")
    conf["scrapyd"]["http_port"] = str(own_port)
    with open(tmp_path / "scrapyd.conf", "w") as fh:
        conf.write(fh)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPYD_", "API_"))}
    env.update(PYTHONPATH=str(ROOT / "deploy" / "scrapyd"), API_HOST="0.0.0.0", API_PORT=str(web_port))
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrapyd", "--pidfile="],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(
            lambda: (
                proc.poll() is not None
                or requests.get(f"http://127.0.0.1:{own_port}/daemonstatus.json", timeout=2).status_code == 200
            ),
            60,
            what="scrapyd on its own port",
        )
        assert proc.poll() is None, proc.communicate()[0]
        assert requests.get(f"http://127.0.0.1:{own_port}/daemonstatus.json", timeout=5).json()["status"] == "ok"
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", web_port), timeout=2).close()
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert "refusing to listen" not in out
