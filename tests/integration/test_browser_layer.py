"""The browser layer end to end: real Chromium through a real Selenium Grid against sandbox pages.

The Grid is `SELENIUM_URL` when set; otherwise `scripts/grid.sh` starts one on a free port for this
session (and stops it). Each crawl runs in its own process (tests/integration/browser_harness.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from procurement_spiders.browser.health import selenium_status
from procurement_spiders.config import load_config
from tests.support import free_port, project_env, wait_http

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ["-m", "tests.integration.browser_harness"]  # run from ROOT
GRID_SH = str(ROOT / "scripts" / "grid.sh")

pytestmark = pytest.mark.skipif(
    not (Path("/usr/bin/chromium").exists() and Path("/usr/bin/chromedriver").exists()),
    reason="chromium/chromedriver not installed (scripts/install_browser.sh)",
)


# -- fixtures ---------------------------------------------------------------------------------


class Grid:
    def __init__(self, url: str, pid: int | None):
        self.url = url
        self.pid = pid  # set when this session started the Grid: its process group holds the browsers

    def browser_processes(self) -> list[str]:
        """chromium/chromedriver processes of the Grid we started (its process group)."""
        if self.pid is None:
            return []
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue
            comm = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()
            if int(fields[2]) == self.pid and ("chrom" in comm) and fields[0] != "Z":
                found.append(f"{stat.parent.name}:{comm}")
        return found

    def free_slots(self) -> int | None:
        return selenium_status(replace(load_config({}), selenium_url=self.url))["free_slots"]

    def sessions(self) -> set[str]:
        """The sessions the Grid holds now (its /status, any Grid: ours or SELENIUM_URL's)."""
        with urllib.request.urlopen(self.url + "/status", timeout=10) as response:
            nodes = json.load(response)["value"].get("nodes") or []
        slots = [slot for node in nodes for slot in node.get("slots") or []]
        return {slot["session"]["sessionId"] for slot in slots if slot.get("session")}


@pytest.fixture(scope="session")
def grid():
    url = os.environ.get("SELENIUM_URL")
    if url:
        yield Grid(url.rstrip("/"), None)
        return
    port = free_port()
    env = {**os.environ, "GRID_PORT": str(port)}
    subprocess.run([GRID_SH, "start"], check=True, env=env, capture_output=True, text=True, timeout=120)
    pid = int((ROOT / ".data" / f"grid-{port}" / "grid.pid").read_text())
    try:
        yield Grid(f"http://127.0.0.1:{port}", pid)
    finally:
        subprocess.run([GRID_SH, "stop"], env=env, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def pages_url():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox.browser_pages", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/__browser__/counter")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def crawl_env(grid: Grid, tmp_path: Path, **overrides: str) -> dict[str, str]:
    return project_env(SELENIUM_URL=grid.url, SELENIUM_DEBUG_DIR=str(tmp_path / "debug"), **overrides)


def run_crawl(scenario: str, pages_url: str, env: dict[str, str], *, pages: int = 12, timeout: float = 180) -> dict:
    done = subprocess.run(
        [sys.executable, *HARNESS, scenario, pages_url, "--pages", str(pages)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["log"] = done.stderr
    return report


def pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def assert_no_browser_left(grid: Grid, pids: set[int], within: float = 15.0) -> None:
    """No browser of the crawl outlives it: no session left on the Grid (checked on any Grid, also
    when SELENIUM_URL names one; the suite runs one test at a time and holds no session between
    tests), no browser process of the crawl alive and, on a Grid this session started, no Chromium
    in its process group. The Grid tears sessions down asynchronously: a few seconds, then insist."""
    deadline = time.monotonic() + within
    while True:
        alive = sorted(p for p in pids if pid_alive(p))
        left = grid.browser_processes()
        sessions = grid.sessions()
        if not alive and not left and not sessions:
            break
        assert time.monotonic() < deadline, f"browser left: pids {alive}, grid group {left}, grid sessions {sessions}"
        time.sleep(0.25)


def by_label(report: dict) -> dict:
    return {r["label"]: r for r in report["records"]}


# -- tests ------------------------------------------------------------------------------------


def test_render_wait_script_screenshot_actions(grid, pages_url, tmp_path):
    report = run_crawl("render", pages_url, crawl_env(grid, tmp_path))
    got = by_label(report)
    assert report["errors"] == []
    # wait_until (with and without wait_time) waits for the JS-rendered node.
    assert got["wait"]["content"] == "Página 1 renderizada"
    assert got["wait_no_time"]["content"] == "Página 2 renderizada"
    # Without a wait the DOM is the one at load time: the 3 s node is not there yet.
    assert got["no_wait"]["content"] is None
    assert got["script_screenshot"]["script_attr"] == "ran" and got["script_screenshot"]["screenshot_png"]
    # Page actions ran in the worker thread; their result and the resulting DOM both arrive.
    assert got["actions"]["result"]["count"] == 3 and got["actions"]["count"] == "3"
    # Final URL after a redirect; UTF-8 HtmlResponse flagged as a browser page.
    assert got["redirect"]["url"].endswith("/__browser__/delayed/5?delay=0")
    for label in ("wait", "wait_no_time", "no_wait", "script_screenshot", "actions", "redirect"):
        assert got[label]["flags"] == ["selenium"] and got[label]["encoding"] == "utf-8"
        assert got[label]["is_html"] == "HtmlResponse"
    # A request without the flag goes through Scrapy's downloader: no JS ran.
    assert got["plain"]["flags"] == [] and got["plain"]["content"] is None
    stats = report["stats"]
    assert stats["selenium/requests"] == 6
    assert 1 <= stats["selenium/sessions_created"] <= 2
    assert stats["selenium/page_load_seconds"] > 0
    assert_no_browser_left(grid, {got["actions"]["result"]["pid"]})


def test_sticky_session_serves_in_order_beside_shared_ones(grid, pages_url, tmp_path):
    report = run_crawl("sticky", pages_url, crawl_env(grid, tmp_path), pages=8)
    assert report["errors"] == []
    walk = sorted((r for r in report["records"] if isinstance(r["label"], int)), key=lambda r: r["label"])
    # Each step clicked once more on the same page: count == step + 1 only if served in order, one at a time,
    # always by the same browser (a single pid).
    assert [r["result"]["count"] for r in walk] == list(range(1, 9))
    assert len({r["result"]["pid"] for r in walk}) == 1
    shared = [r for r in report["records"] if str(r["label"]).startswith("shared")]
    assert len(shared) == 7 and all(r["content"] for r in shared)
    assert report["stats"]["selenium/sessions_created"] == 2  # never more than SELENIUM_MAX_SESSIONS
    assert_no_browser_left(grid, {walk[0]["result"]["pid"]})


def test_cookies_both_ways(grid, pages_url, tmp_path):
    report = run_crawl("cookies", pages_url, crawl_env(grid, tmp_path))
    got = by_label(report)
    assert report["errors"] == []
    # Scrapy -> browser on the first load: the jar's cookie (set by a plain HTTP response) and request.cookies.
    assert got["browser_echo"]["cookies"] == {"plain": "p1", "token": "t1"}
    # Browser -> Scrapy: a server cookie and a JS cookie from the browser page reach a plain HTTP request,
    # bound to the host of the final page (the browser was redirected there from another host name).
    assert got["browser_set"]["url"].startswith(pages_url + "/__browser__/set-cookie")
    assert got["plain_echo"]["cookies"]["browser"] == "b1"
    assert got["plain_echo"]["cookies"]["js_browser"] == "b1"
    assert got["plain_echo"]["flags"] == []
    assert "browser" not in got["plain_echo_other_host"]["cookies"]
    assert report["stats"]["selenium/cookies_copied"] >= 2
    assert_no_browser_left(grid, set())


def test_killed_browser_is_replaced_and_every_page_arrives_once(grid, pages_url, tmp_path):
    report = run_crawl("crash", pages_url, crawl_env(grid, tmp_path, RETRY_COUNT="3"), pages=12)
    assert report["killed"], "the spider did not kill a browser"
    labels = sorted(r["label"] for r in report["records"])
    assert labels == list(range(12)), labels  # every page, exactly once
    assert all(r["content"] == f"Página {r['label']} renderizada" for r in report["records"])
    assert report["errors"] == []
    stats = report["stats"]
    assert stats["selenium/crashes"] >= 1 and stats["selenium/retries"] >= 1
    assert stats["selenium/sessions_created"] >= 3  # the dead one was replaced
    # No page after the kill came from the dead browser.
    pids = {r["pid"] for r in report["records"]}
    assert "screenshot and source saved as" in report["log"]
    assert list((tmp_path / "debug").glob("*-crash-*.txt"))
    assert_no_browser_left(grid, pids | set(report["killed"]))


def test_pinned_session_death_is_reported_not_replaced(grid, pages_url, tmp_path):
    report = run_crawl("pinned_lost", pages_url, crawl_env(grid, tmp_path))
    got = by_label(report)
    errors = {e["label"]: e for e in report["errors"]}
    # Both requests pinned to the dead session fail with SeleniumSessionLost; neither ran in a fresh browser.
    assert set(errors) == {"after0", "after1"}
    assert {e["type"] for e in errors.values()} == {"SeleniumSessionLost"}
    assert "after0" not in got and "after1" not in got
    # An explicit restart (selenium_session_new) gets a new browser, with fresh state.
    assert got["relogin"]["result"]["count"] == 1
    assert got["relogin"]["result"]["pid"] != got["login"]["result"]["pid"]
    assert_no_browser_left(grid, {got["login"]["result"]["pid"], got["relogin"]["result"]["pid"]})


def test_never_finishing_page_fails_after_timeout_and_crawl_goes_on(grid, pages_url, tmp_path):
    env = crawl_env(grid, tmp_path, SELENIUM_TIMEOUT="3", RETRY_COUNT="1")
    report = run_crawl("never", pages_url, env)
    [error] = report["errors"]
    assert error["label"] == "never" and error["type"] == "TimeoutException"
    # Two attempts, each ended by SELENIUM_TIMEOUT (not the browser's 300 s default), then the crawl went on.
    assert sorted(r["label"] for r in report["records"]) == [0, 1, 2, 3]
    assert report["stats"]["selenium/timeouts"] == 2 and report["stats"]["selenium/retries"] == 1
    saved = sorted((tmp_path / "debug").glob("*-never-*"))
    assert {p.suffix for p in saved} == {".png", ".html", ".txt"}
    assert all("?" not in p.name and "never" in p.name for p in saved)
    assert_no_browser_left(grid, set())


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_cancelled_crawl_leaves_no_browser(grid, pages_url, tmp_path, signum):
    env = crawl_env(grid, tmp_path)
    proc = subprocess.Popen(
        [sys.executable, *HARNESS, "slow", pages_url, "--pages", "30"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    pids = set()
    try:
        line = proc.stdout.readline()  # the first delivered page
        pids.add(json.loads(line)["pid"])
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err[-2000:]
    report = json.loads(out.strip().splitlines()[-1])
    assert report["stats"]["finish_reason"] == "shutdown"
    assert len(report["records"]) < 30
    assert report["stats"].get("selenium/dropped_on_shutdown", 0) > 0  # queued pages dropped, not rendered
    pids |= {r["pid"] for r in report["records"]}
    assert "quit 2 browser session(s)" in err
    assert_no_browser_left(grid, pids)


def test_grid_restart_mid_crawl_loses_no_page(pages_url, tmp_path):
    """A private Grid (restarting a shared one would break other tests) restarted under a crawl."""
    port = free_port()
    grid_env = {**os.environ, "GRID_PORT": str(port)}
    subprocess.run([GRID_SH, "start"], check=True, env=grid_env, capture_output=True, timeout=120)
    try:
        env = crawl_env(Grid(f"http://127.0.0.1:{port}", None), tmp_path, RETRY_COUNT="5")
        proc = subprocess.Popen(
            [sys.executable, *HARNESS, "slow", pages_url, "--pages", "10"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            json.loads(proc.stdout.readline())  # first page delivered: sessions are busy
            subprocess.run([GRID_SH, "restart"], check=True, env=grid_env, capture_output=True, timeout=120)
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    finally:
        subprocess.run([GRID_SH, "stop"], env=grid_env, capture_output=True, timeout=60)
    assert proc.returncode == 0, err[-2000:]
    report = json.loads(out.strip().splitlines()[-1])
    assert sorted(r["label"] for r in report["records"]) == list(range(10)), report["errors"]
    assert report["errors"] == []
    assert report["stats"]["selenium/retries"] >= 1
    assert report["stats"]["selenium/sessions_created"] >= 3


def test_local_chromium_without_selenium_url(pages_url, tmp_path):
    env = project_env(SELENIUM_DEBUG_DIR=str(tmp_path / "debug"))
    report = run_crawl("render", pages_url, env)
    got = by_label(report)
    assert report["errors"] == []
    assert got["wait"]["content"] == "Página 1 renderizada"
    assert got["actions"]["result"]["count"] == 3
    assert "local chromium + chromedriver" in report["log"]
    deadline = time.monotonic() + 10
    while pid_alive(got["actions"]["result"]["pid"]):
        assert time.monotonic() < deadline, "local chromium left running"
        time.sleep(0.2)


def test_health_reads_grid_status(grid):
    status = selenium_status(replace(load_config({}), selenium_url=grid.url))
    assert status["ok"] is True and status["mode"] == "remote"
    if grid.pid is not None:
        assert status["slots"] == 2 and status["free_slots"] == 2 and status["ready"] is True
    down = selenium_status(replace(load_config({}), selenium_url=f"http://127.0.0.1:{free_port()}"), timeout=2)
    assert down["ok"] is False and "error" in down


def test_wait_wakes_on_the_dom_change_not_on_the_next_poll(grid, pages_url):
    """With a 5 s poll, content added 1.5 s after load (well after the first check, even on a loaded
    machine) is seen by the second check, woken by the DOM change; and a condition that never holds
    still ends in TimeoutException."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    from procurement_spiders.browser.session import create_driver, quit_quietly
    from procurement_spiders.browser.waits import wait_until
    from procurement_spiders.config import load_config

    driver = create_driver(load_config(environ={"SELENIUM_URL": grid.url}, env_file=ROOT / "nonexistent.env"))
    try:
        checks = []

        def content_present(d):
            checks.append(1)
            return EC.presence_of_element_located((By.ID, "content"))(d)

        driver.get(f"{pages_url}/__browser__/delayed/7?delay=1500")
        element = wait_until(driver, content_present, timeout=20, poll=5)
        assert element.get_attribute("data-n") == "7"
        assert len(checks) == 2  # the first check, then one woken by the appended #content
        with pytest.raises(TimeoutException):
            wait_until(driver, EC.presence_of_element_located((By.ID, "absent")), timeout=0.5, poll=0.1)
    finally:
        quit_quietly(driver)
