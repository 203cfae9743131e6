"""Pins the private Scrapy internals of procurement_spiders/shims.py against the pinned Scrapy: if
an upgrade moves them, this fails instead of the browser layer silently starting pages while a
crawl stops."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, project_env


def test_crawl_stopping_is_false_while_running_and_true_once_the_spider_closes():
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "fixtures" / "spiders" / "shim_probe.py")],
        cwd=ROOT,
        env=project_env(PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"running": False, "closed": True, "reason": "probe_done"}
