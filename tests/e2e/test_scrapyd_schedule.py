"""The unattended path: scrapyd with auth, `scrapyd-deploy` of the egg, the scheduler firing `pncp`
against the sandbox, a `success` coleta in PostgreSQL; a firing while the run is active is skipped."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
from pathlib import Path

import psycopg

from tests.ops_support import Scrapyd, copy_project
from tests.support import MAIN_CNPJ, ROOT, wait_for

PROJECT = "procurement_spiders"
SCHEDULE = """\
project  = "procurement_spiders"
timezone = "America/Sao_Paulo"

[[schedule]]
name   = "pncp-fast"
cron   = "*/2 * * * * *"
spider = "pncp"
args   = {{ ano = "2025" }}
paused = {paused}
"""


class SchedulerProcess:
    """`python -m procurement_spiders.scheduler` with JSON logs collected line by line."""

    def __init__(self, schedule: Path, env: dict[str, str]):
        self.records: list[dict] = []
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "procurement_spiders.scheduler",
                "--schedule",
                str(schedule),
                "--watch-interval",
                "0.3",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            try:
                self.records.append(json.loads(line))
            except ValueError:
                self.records.append({"message": line.rstrip(), "outcome": None})

    def outcomes(self, outcome: str) -> list[dict]:
        return [r for r in list(self.records) if r.get("outcome") == outcome]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def test_scheduler_fires_pncp_through_scrapyd(tmp_path, database_url, sandbox):
    sandbox.faults(latency_ms=2000)  # keeps the run busy for a few seconds: later firings meet it running
    crawl_env = {
        "DATABASE_URL": database_url,
        "SANDBOX_URL": sandbox.url,
        "PNCP_REAL_ENABLED": "false",
        "PGC_REAL_ENABLED": "false",
        "ORGAO_CNPJ": MAIN_CNPJ,
        "LOG_LEVEL": "INFO",
    }
    password = secrets.token_urlsafe(16)
    sd = Scrapyd(tmp_path, username="ops", password=password, env=crawl_env).start()
    scheduler = None
    try:
        # Unauthenticated calls are refused.
        assert sd.get("daemonstatus.json", auth=False)[0] == 401
        assert sd.post("schedule.json", {"project": PROJECT, "spider": "pncp"}, auth=False)[0] == 401
        assert sd.get("daemonstatus.json", auth=("ops", "wrong"))[0] == 401

        # Deploy the egg the way operators do: scrapyd-deploy with the project's scrapy.cfg and setup.py,
        # from a copy of the tree (its build/ folder stays out of the shared working tree).
        project_copy = copy_project(tmp_path / "project")
        client_env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY", "SCRAPYD"))}
        client_env.update(
            SCRAPYD_URL=sd.url,
            SCRAPYD_USERNAME="ops",
            SCRAPYD_PASSWORD=password,
            PROCUREMENT_ENV_FILE="/nonexistent/.env",
        )
        deploy = subprocess.run(
            [str(Path(sys.executable).parent / "scrapyd-deploy"), "env", "-p", PROJECT, "--version", "e2e-1"],
            cwd=project_copy,
            env=client_env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert deploy.returncode == 0, deploy.stderr[-2000:]
        assert password not in deploy.stdout + deploy.stderr
        assert "pncp" in sd.get("listspiders.json", project=PROJECT)[1]["spiders"]

        schedule = tmp_path / "schedules.toml"
        schedule.write_text(SCHEDULE.format(paused="false"))
        # A wrong password: scrapyd_client's call fails as one error line naming the setting, not the value.
        refused = subprocess.run(
            [sys.executable, "-m", "procurement_spiders.scheduler", "--schedule", str(schedule), "--once", "pncp-fast"],
            cwd=ROOT,
            env={**client_env, "SCRAPYD_PASSWORD": "wrong-Pa55", "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert refused.returncode == 1
        assert json.loads(refused.stdout.splitlines()[-1]) == {
            "outcome": "error",
            "error": "listjobs.json: HTTP 401 (check SCRAPYD_USERNAME / SCRAPYD_PASSWORD)",
        }
        assert "wrong-Pa55" not in refused.stdout + refused.stderr
        scheduler = SchedulerProcess(schedule, {**client_env, "LOG_FORMAT": "json", "PYTHONPATH": str(ROOT)})

        first = wait_for(lambda: scheduler.outcomes("scheduled"), 30, what="a first firing")[0]
        job = first["job_id"]
        skipped = wait_for(lambda: scheduler.outcomes("skipped"), 30, what="a skipped firing")[0]
        assert skipped["job_id"] == job  # the firing met the first run still pending/running

        # Pause by editing the file: the scheduler reloads it and stops firing.
        schedule.write_text(SCHEDULE.format(paused="true"))
        wait_for(lambda: [r for r in scheduler.records if r.get("paused")], 15, what="the pause to apply")
        fired = len(scheduler.outcomes("scheduled"))
        jobs = wait_for(
            lambda: (lambda j: j if not j["pending"] and not j["running"] else None)(
                sd.get("listjobs.json", project=PROJECT)[1]
            ),
            180,
            interval=0.5,
            what="the jobs to finish",
        )
        finished = {j["id"] for j in jobs["finished"]}
        assert job in finished
        assert len(scheduler.outcomes("scheduled")) == fired  # nothing fired while paused
        assert not scheduler.outcomes("error")

        log = sd.workdir / "logs" / PROJECT / "pncp" / f"{job}.log"
        text = log.read_text(errors="replace")
        assert "Spider closed (finished)" in text, text[-3000:]
        assert password not in text
    finally:
        sandbox.reset()
        if scheduler is not None:
            scheduler.stop()
            (tmp_path / "scheduler-records.json").write_text(json.dumps(scheduler.records, indent=1))
        sd.stop()

    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT status, spider, ano_referencia FROM coletas ORDER BY id").fetchall()
        demandas = conn.execute("SELECT count(*) FROM demandas").fetchone()[0]
    assert rows and rows[0] == ("success", "pncp", 2025)
    assert all(status == "success" for status, _, _ in rows)
    assert len(rows) == fired  # one coleta per started run, none for the skipped firings
    assert demandas > 0
