"""scrapyd as the Docker image runs it: the project pip-installed (no egg), known to scrapyd through
deploy/scrapyd/scrapy.cfg's [settings]; health and a pncp run work without any deploy."""

from __future__ import annotations

import configparser
import secrets
import subprocess
import sys

import psycopg

from tests.ops_support import Scrapyd, copy_project
from tests.support import MAIN_CNPJ, ROOT, wait_for

PROJECT = "procurement_spiders"


def pip_install_project(target, tmp_path):
    """`pip install --no-deps .` as in the Dockerfile, from a clean copy, into `target`."""
    src = copy_project(tmp_path / "src")
    # No build isolation: the build backend comes from the venv (pinned), not from the network.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            ".",
        ],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in (target / "procurement_spiders" / "migrations").glob("*.sql")) == sorted(
        p.name for p in (ROOT / "procurement_spiders" / "migrations").glob("*.sql")
    )


def test_installed_project_without_egg(tmp_path, database_url, sandbox):
    site = tmp_path / "site"
    pip_install_project(site, tmp_path)
    image_cfg = configparser.ConfigParser()
    image_cfg.read(ROOT / "deploy" / "scrapyd" / "scrapy.cfg")
    assert dict(image_cfg["settings"]) == {PROJECT: "procurement_spiders.settings"}
    # The image's scrapy.cfg in scrapyd's working folder (its [scrapyd] folders are the image's volume).
    (tmp_path / "scrapyd").mkdir()
    with open(tmp_path / "scrapyd" / "scrapy.cfg", "w") as fh:
        only_settings = configparser.ConfigParser()
        only_settings["settings"] = dict(image_cfg["settings"])
        only_settings.write(fh)
    env = {
        "DATABASE_URL": database_url,
        "SANDBOX_URL": sandbox.url,
        "PNCP_REAL_ENABLED": "false",
        "PGC_REAL_ENABLED": "false",
        "ORGAO_CNPJ": MAIN_CNPJ,
    }
    sd = Scrapyd(tmp_path, username="ops", password=secrets.token_urlsafe(12), env=env, pythonpath=[site])
    sd.start()
    try:
        assert PROJECT in sd.get("listprojects.json")[1]["projects"]
        code, body = sd.get("health.json", auth=False)
        assert code == 200 and body["database"] == "connected", body
        code, answer = sd.post("schedule.json", {"project": PROJECT, "spider": "pncp", "ano": "2025"})
        assert answer["status"] == "ok", answer
        wait_for(
            lambda: any(j["id"] == answer["jobid"] for j in sd.get("listjobs.json", project=PROJECT)[1]["finished"]),
            120,
            interval=0.5,
            what="the job to finish",
        )
    finally:
        sd.stop()
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT status FROM coletas").fetchall() == [("success",)]
