"""`make demo` leaves what it started running and `make stop` (scripts/stop.sh) stops exactly that.

Real processes on free ports: the sandbox and the web app are started by the functions
scripts/demo.sh uses (scripts/demo_services.sh), which record them in a state file; stop.sh
stops those, removes the state, says what it stopped, and leaves alone a service the demo found
running (reused, never recorded). A demo that fails midway stops what it started itself and
leaves the previous demo's record as it was. The whole demo (three crawls) is not run here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.ops_support import http
from tests.support import ROOT, free_port, project_env, wait_http

DEAD_PID = "4999999"  # above Linux's pid_max: the demo that wrote this run file is gone


def bash(script: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def listening(port: int) -> bool:
    out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout
    return bool(out.strip())


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


@pytest.fixture
def foreign_sandbox():
    """A sandbox the demo did not start (as a developer's `make sandbox` would be)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/__sandbox__/health")
        yield port
    finally:
        proc.terminate()
        proc.wait(15)


def test_stop_stops_what_the_demo_recorded_and_nothing_else(tmp_path, database_url, foreign_sandbox):
    sandbox_port, web_port = free_port(), free_port()
    state = tmp_path / "demo.started"
    env = project_env(
        DATABASE_URL=database_url,
        DEMO_STATE=str(state),
        SANDBOX_PORT=str(sandbox_port),
        API_HOST="127.0.0.1",
        API_PORT=str(web_port),
    )
    try:
        # A demo killed after starting the sandbox left its run file; a later one finished and
        # recorded the web app in the state file proper.
        started = bash(
            f'. scripts/demo_services.sh; DEMO_RUN_STATE="$DEMO_STATE.{DEAD_PID}" demo_start_sandbox '
            '&& DEMO_RUN_STATE="$DEMO_STATE" demo_start_web',
            env,
        )
        assert started.returncode == 0, started.stderr
        assert (tmp_path / f"demo.started.{DEAD_PID}").read_text() == f"sandbox SANDBOX_PORT={sandbox_port}\n"
        assert state.read_text() == f"web API_HOST=127.0.0.1 API_PORT={web_port}\n"

        # The web-start script serves /health on the port it was given, with the app's settings.
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/health", timeout=10) as resp:
            assert resp.status == 200
            assert b'"database":"connected"' in resp.read()
        sandbox_pid = int((ROOT / ".data" / f"sandbox-{sandbox_port}.pid").read_text())
        web_pid = int((ROOT / ".data" / f"web-{web_port}.pid").read_text())
        assert alive(sandbox_pid) and alive(web_pid)

        # Running services are reused, not started twice nor recorded: the web app just started,
        # and a sandbox the demo never started.
        again = bash(
            f'. scripts/demo_services.sh; DEMO_RUN_STATE="$DEMO_STATE" demo_start_web '
            f'&& SANDBOX_PORT={foreign_sandbox} DEMO_RUN_STATE="$DEMO_STATE" demo_start_sandbox',
            env,
        )
        assert again.returncode == 0, again.stderr
        assert "web app already answering" in again.stdout and "sandbox already answering" in again.stdout
        assert state.read_text() == f"web API_HOST=127.0.0.1 API_PORT={web_port}\n"

        stop = bash("scripts/stop.sh", env)
        assert stop.returncode == 0, stop.stderr
        assert f"web app stopped (pid {web_pid})" in stop.stdout
        assert f"sandbox stopped (pid {sandbox_pid}, port {sandbox_port})" in stop.stdout
        assert not alive(web_pid) and not alive(sandbox_pid)
        assert not listening(web_port) and not listening(sandbox_port)
        assert list(tmp_path.glob("demo.started*")) == []
        assert listening(foreign_sandbox)  # not the demo's: left alone

        second = bash("scripts/stop.sh", env)
        assert second.returncode == 0, second.stderr
        assert second.stdout.strip() == "nothing to stop: no service started by make demo is recorded"
    finally:
        bash("scripts/stop.sh", env)


def test_a_failed_demo_stops_what_it_started_and_keeps_the_earlier_record(tmp_path):
    """The demo's first crawl fails (no database there): the sandbox it had started is stopped,
    its run file removed, and the state of an earlier successful demo is untouched."""
    sandbox_port = free_port()
    state = tmp_path / "demo.started"
    earlier = "web API_HOST=127.0.0.1 API_PORT=1\n"
    state.write_text(earlier)
    env = project_env(
        DEMO_STATE=str(state),
        DEMO_OUTPUT_DIR=str(tmp_path / "saida"),  # the feeds it writes stay out of the checkout
        DEMO_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/nenhum",
        DEMO_SELENIUM_URL=f"http://127.0.0.1:{free_port()}",
        SANDBOX_URL=f"http://127.0.0.1:{sandbox_port}",
    )
    env.pop("SANDBOX_PORT", None)
    checkout_feed = ROOT / ".data" / "demandas-pncp-2025.json"
    feed_before = checkout_feed.stat().st_mtime_ns if checkout_feed.exists() else None
    demo = subprocess.run(
        [str(ROOT / "scripts" / "demo.sh")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert demo.returncode != 0
    assert "==> scrapy crawl pncp" in demo.stdout  # it got as far as the crawls, the sandbox running
    assert re.search(rf"^sandbox stopped \(pid \d+, port {sandbox_port}\)$", demo.stderr, re.M), demo.stderr
    assert not listening(sandbox_port)
    assert not (ROOT / ".data" / f"sandbox-{sandbox_port}.pid").exists()
    assert state.read_text() == earlier
    assert [p.name for p in tmp_path.glob("demo.started*")] == ["demo.started"]
    assert (checkout_feed.stat().st_mtime_ns if checkout_feed.exists() else None) == feed_before


def test_stop_leaves_the_run_file_of_a_demo_still_running(tmp_path):
    """`make stop` during a demo does not pull its services from under it: a run file whose pid is
    a live scripts/demo.sh is skipped (a stand-in process with that command line)."""
    state = tmp_path / "demo.started"
    stand_in = subprocess.Popen(["bash", "-c", "sleep 60; true", "scripts/demo.sh"])
    try:
        run_file = tmp_path / f"demo.started.{stand_in.pid}"
        run_file.write_text("sandbox SANDBOX_PORT=1\n")
        stop = bash("scripts/stop.sh", {**os.environ, "DEMO_STATE": str(state)})
        assert stop.returncode == 0, stop.stderr
        assert "nothing to stop" in stop.stdout
        assert run_file.exists()
    finally:
        stand_in.kill()
        stand_in.wait()


def test_scrapyd_script_runs_in_the_background_with_the_project_deployed(tmp_path):
    """What the page's Iniciar coleta needs from the demo's scrapyd: the project's spiders deployed
    (scripts/scrapyd.sh start + deploy), on SCRAPYD_HTTP_PORT even with the web app's API_PORT set;
    `stop` frees the port and a second `stop` says there is nothing to stop."""
    port = free_port()
    env = project_env(
        SCRAPYD_HTTP_PORT=str(port),
        SCRAPYD_WORKDIR=str(tmp_path / "scrapyd"),
        SCRAPYD_USERNAME="demo",
        SCRAPYD_PASSWORD="demo-only",
        API_PORT=str(free_port()),
    )
    script = str(ROOT / "scripts" / "scrapyd.sh")
    try:
        start = subprocess.run([script, "start"], env=env, capture_output=True, text=True, timeout=120, check=False)
        assert start.returncode == 0, start.stderr
        deploy = subprocess.run([script, "deploy"], env=env, capture_output=True, text=True, timeout=300, check=False)
        assert deploy.returncode == 0, deploy.stderr
        spiders = http(
            "GET",
            f"http://127.0.0.1:{port}/listspiders.json?project=procurement_spiders",
            auth=("demo", "demo-only"),
        )[1]
        assert isinstance(spiders, dict) and {"pgc", "pgc_formacao", "pncp"} <= set(spiders["spiders"])
        assert not list(ROOT.glob("build")) and not list(ROOT.glob("*.egg-info"))  # built from a copy
    finally:
        stop = subprocess.run([script, "stop"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert stop.stdout.startswith("scrapyd stopped (pid ")
    assert not listening(port)
    again = subprocess.run([script, "stop"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert again.returncode == 0 and again.stdout.startswith("scrapyd not running")
