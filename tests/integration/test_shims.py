"""Pins the private Scrapy internals of procurement_spiders/shims.py against the pinned Scrapy: if
an upgrade moves them, this fails instead of the browser layer silently starting pages while a
crawl stops, or national workers silently waiting on the engine's heartbeat."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, project_env


def run_probe(name: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "fixtures" / "spiders" / name), *args],
        cwd=ROOT,
        env=project_env(PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_crawl_stopping_is_false_while_running_and_true_once_the_spider_closes():
    seen = run_probe("shim_probe.py")
    assert seen == {"running": False, "closed": True, "reason": "probe_done"}


def test_wake_engine_makes_an_idle_engine_take_what_another_process_queued():
    # The national workers' shared queue fills from other processes; without the wake an idle
    # engine (its heartbeat switched off in the probe) never takes the request, with it it does.
    assert run_probe("wake_probe.py", "nowake") == {"wake": False, "idle": 1, "downloaded": False}
    assert run_probe("wake_probe.py", "wake")["downloaded"] is True
