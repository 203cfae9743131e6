"""Fire the schedule: APScheduler cron triggers that call scrapyd's `schedule.json`.

A firing is skipped when a run with the same spider, arguments and settings is still pending or
running in scrapyd (scrapyd itself does no de-duplication). Running jobs are recognised by their
job id, which the scheduler builds as `<spider>-<run key>-<UTC time>`; pending jobs also by their
arguments, so a pending job queued by hand with the same arguments is recognised too.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path

import requests
import scrapyd_client
from apscheduler.schedulers.background import BackgroundScheduler
from scrapyd_client.exceptions import ErrorResponse, MalformedResponse
from scrapyd_client.pyclient import HEADERS, _process_response

from procurement_spiders.redaction import redact_url
from procurement_spiders.scheduler.schedule import Entry, Schedule, ScheduleError, load_schedule, run_key

logger = logging.getLogger("procurement_spiders.scheduler")


class ScrapydError(RuntimeError):
    """scrapyd refused or could not be reached; the message never carries credentials."""


class ScrapydClient(scrapyd_client.ScrapydClient):
    """scrapyd-client's API client (auth, `jobs`, `schedule`, response checks), plus what a process
    that runs for months needs: a timeout on every call (the library passes none, so a stalled
    scrapyd would hang a firing for good) and one exception type, ScrapydError, whose message
    names the endpoint and never a credential.

    The library sends every call through `_get`/`_post` (scrapyd-client 2.0.3, pinned); they are
    overridden here, in this one place, and tests/unit/test_ops_schedule.py pins that routing.
    """

    def __init__(self, url: str, username: str | None = None, password: str | None = None, timeout: float = 30.0):
        super().__init__(url.rstrip("/"), username or None, password)
        self.timeout = timeout

    def _get(self, basename: str, params=None):
        return self._call("GET", basename, params=params or {})

    def _post(self, basename: str, data):
        return self._call("POST", basename, data=data)

    def _call(self, method: str, basename: str, **kwargs) -> dict:
        endpoint = f"{basename}.json"
        try:
            response = requests.request(
                method, f"{self.url}/{endpoint}", headers=HEADERS, auth=self.auth, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise ScrapydError(
                f"{endpoint}: scrapyd unreachable at {redact_url(self.url)} ({type(exc).__name__})"
            ) from None
        if response.status_code == 401:
            raise ScrapydError(f"{endpoint}: HTTP 401 (check SCRAPYD_USERNAME / SCRAPYD_PASSWORD)")
        try:
            return _process_response(response)
        except MalformedResponse:
            raise ScrapydError(f"{endpoint}: HTTP {response.status_code}, not a JSON answer") from None
        except (ErrorResponse, RuntimeError, KeyError) as exc:
            raise ScrapydError(f"{endpoint}: {exc}") from None


def job_id(spider: str, key: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{spider}-{key}-{stamp}"


def find_active(jobs: dict, spider: str, key: str, args: dict[str, str]) -> dict | None:
    """The pending or running job that is the same run, if any."""
    prefix = f"{spider}-{key}-"
    for state in ("pending", "running"):
        for job in jobs.get(state, []):
            if str(job.get("id", "")).startswith(prefix):
                return {"state": state, **job}
            if state == "pending" and job.get("spider") == spider:
                pending_args = {k: v for k, v in (job.get("args") or {}).items() if not k.startswith("_")}
                if pending_args == args:
                    return {"state": state, **job}
    return None


def fire(client: ScrapydClient, schedule: Schedule, entry: Entry, now: datetime | None = None) -> dict:
    """One firing of `entry`: returns {"outcome": "scheduled"|"skipped"|"error", ...}; never raises."""
    now = now or datetime.now(schedule.timezone)
    args, settings = entry.resolved(now.astimezone(schedule.timezone))
    key = run_key(entry.spider, args, settings)
    fields = {"schedule": entry.name, "spider": entry.spider, "spider_args": args, "run_key": key}
    try:
        active = find_active(client.jobs(schedule.project), entry.spider, key, args)
        if active is not None:
            logger.info(
                "schedule %s: skipped, %s job %s of the same run is still %s",
                entry.name,
                entry.spider,
                active.get("id"),
                active["state"],
                extra={**fields, "outcome": "skipped", "job_id": active.get("id")},
            )
            return {"outcome": "skipped", "job_id": active.get("id"), "state": active["state"]}
        params = [("jobid", job_id(entry.spider, key)), *sorted(args.items())]
        params += [("setting", f"{k}={v}") for k, v in sorted(settings.items())]
        jid = client.schedule(schedule.project, entry.spider, params)
    except ScrapydError as exc:
        logger.error("schedule %s: not started: %s", entry.name, exc, extra={**fields, "outcome": "error"})
        return {"outcome": "error", "error": str(exc)}
    logger.info(
        "schedule %s: started %s job %s",
        entry.name,
        entry.spider,
        jid,
        extra={**fields, "outcome": "scheduled", "job_id": jid},
    )
    return {"outcome": "scheduled", "job_id": jid}


class Runner:
    """Keeps APScheduler's jobs in step with the schedule file (reloaded on change or SIGHUP)."""

    def __init__(self, path: Path, client: ScrapydClient, *, watch_interval: float = 5.0):
        self.path = path
        self.client = client
        self.watch_interval = watch_interval
        self.scheduler = BackgroundScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}
        )
        self.schedule: Schedule | None = None
        self._mtime: float | None = None
        self._stop = threading.Event()
        self._reload = threading.Event()
        self.outcomes: list[dict] = []  # the last firings, for tests and `--once`

    def _fire(self, entry: Entry) -> None:
        assert self.schedule is not None
        outcome = fire(self.client, self.schedule, entry)
        self.outcomes = (self.outcomes + [{"schedule": entry.name, **outcome}])[-100:]

    def load(self) -> bool:
        """(Re)load the file; on error keep the current jobs and log why. Returns True when applied."""
        try:
            self._mtime = self.path.stat().st_mtime
        except OSError:
            self._mtime = None
        try:
            schedule = load_schedule(self.path)
        except ScheduleError as exc:
            logger.error("schedule file not applied: %s", exc, extra={"outcome": "invalid-schedule"})
            return False
        self.schedule = schedule
        self.scheduler.remove_all_jobs()
        for entry in schedule.entries:
            if entry.paused:
                logger.info("schedule %s: paused", entry.name, extra={"schedule": entry.name, "paused": True})
                continue
            trigger = schedule.trigger(entry)
            self.scheduler.add_job(
                self._fire, trigger, args=[entry], id=entry.name, name=entry.name, replace_existing=True
            )
            next_run = trigger.get_next_fire_time(None, datetime.now(schedule.timezone))
            logger.info(
                "schedule %s: %s %s at cron %r (%s), next %s",
                entry.name,
                schedule.project,
                entry.spider,
                entry.cron,
                schedule.timezone.key,
                next_run.isoformat() if next_run else None,
                extra={
                    "schedule": entry.name,
                    "spider": entry.spider,
                    "cron": entry.cron,
                    "next_run": next_run.isoformat() if next_run else None,
                },
            )
        return True

    def _changed(self) -> bool:
        try:
            return self.path.stat().st_mtime != self._mtime
        except OSError:
            return False

    def run(self) -> None:
        signal.signal(signal.SIGHUP, lambda *_: self._reload.set())
        signal.signal(signal.SIGTERM, lambda *_: self._stop.set())
        signal.signal(signal.SIGINT, lambda *_: self._stop.set())
        if not self.load():
            raise SystemExit(f"schedule file {self.path} is invalid")
        self.scheduler.start()
        logger.info("scheduler started: %s -> %s", self.path, redact_url(self.client.url))
        try:
            while not self._stop.wait(min(self.watch_interval, 1.0)):
                if self._reload.is_set() or self._changed():
                    self._reload.clear()
                    if self.load():
                        logger.info("schedule file reloaded")
        finally:
            self.scheduler.shutdown(wait=False)
            logger.info("scheduler stopped")
