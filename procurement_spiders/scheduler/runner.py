"""Fire the schedule: APScheduler cron triggers that call scrapyd's `schedule.json`.

A firing is skipped when a run with the same spider, arguments and settings is still pending or
running in scrapyd (scrapyd itself does no de-duplication). Running jobs are recognised by their
job id, which the scheduler builds as `<spider>-<run key>-<UTC time>`; pending jobs also by their
arguments, so a pending job queued by hand with the same arguments is recognised too.
"""

from __future__ import annotations

import base64
import json
import logging
import signal
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from procurement_spiders.scheduler.schedule import Entry, Schedule, ScheduleError, load_schedule, run_key

logger = logging.getLogger("procurement_spiders.scheduler")


class ScrapydError(RuntimeError):
    """scrapyd refused or could not be reached; the message never carries credentials."""


@dataclass(frozen=True)
class ScrapydClient:
    url: str
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0

    def _request(self, method: str, path: str, params: list[tuple[str, str]]) -> dict:
        query = urllib.parse.urlencode(params)
        url = f"{self.url.rstrip('/')}/{path}"
        data = None
        if method == "GET":
            url = f"{url}?{query}" if query else url
        else:
            data = query.encode()
        req = urllib.request.Request(url, data=data, method=method)
        if self.username and self.password:
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            req.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - configured URL
                body = resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            hint = " (check SCRAPYD_USERNAME / SCRAPYD_PASSWORD)" if exc.code == 401 else ""
            raise ScrapydError(f"{path}: HTTP {exc.code}{hint}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise ScrapydError(f"{path}: scrapyd unreachable at {self.url}: {getattr(exc, 'reason', exc)}") from None
        try:
            payload = json.loads(body)
        except ValueError:
            raise ScrapydError(f"{path}: not a JSON answer") from None
        if payload.get("status") != "ok":
            raise ScrapydError(f"{path}: {payload.get('message', 'error')}")
        return payload

    def list_jobs(self, project: str) -> dict:
        return self._request("GET", "listjobs.json", [("project", project)])

    def schedule(self, project: str, spider: str, jobid: str, args: dict[str, str],
                 settings: dict[str, str]) -> str:
        params = [("project", project), ("spider", spider), ("jobid", jobid)]
        params += [("setting", f"{k}={v}") for k, v in sorted(settings.items())]
        params += sorted(args.items())
        return self._request("POST", "schedule.json", params)["jobid"]


def job_id(spider: str, key: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S")
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
        active = find_active(client.list_jobs(schedule.project), entry.spider, key, args)
        if active is not None:
            logger.info("schedule %s: skipped, %s job %s of the same run is still %s", entry.name,
                        entry.spider, active.get("id"), active["state"],
                        extra={**fields, "outcome": "skipped", "job_id": active.get("id")})
            return {"outcome": "skipped", "job_id": active.get("id"), "state": active["state"]}
        jid = client.schedule(schedule.project, entry.spider, job_id(entry.spider, key), args, settings)
    except ScrapydError as exc:
        logger.error("schedule %s: not started: %s", entry.name, exc, extra={**fields, "outcome": "error"})
        return {"outcome": "error", "error": str(exc)}
    logger.info("schedule %s: started %s job %s", entry.name, entry.spider, jid,
                extra={**fields, "outcome": "scheduled", "job_id": jid})
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
            self.scheduler.add_job(self._fire, trigger, args=[entry], id=entry.name, name=entry.name,
                                   replace_existing=True)
            next_run = trigger.get_next_fire_time(None, datetime.now(schedule.timezone))
            logger.info("schedule %s: %s %s at cron %r (%s), next %s", entry.name, schedule.project, entry.spider,
                        entry.cron, schedule.timezone.key, next_run.isoformat() if next_run else None,
                        extra={"schedule": entry.name, "spider": entry.spider, "cron": entry.cron,
                               "next_run": next_run.isoformat() if next_run else None})
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
        logger.info("scheduler started: %s -> %s", self.path, self.client.url)
        try:
            while not self._stop.wait(min(self.watch_interval, 1.0)):
                if self._reload.is_set() or self._changed():
                    self._reload.clear()
                    if self.load():
                        logger.info("schedule file reloaded")
        finally:
            self.scheduler.shutdown(wait=False)
            logger.info("scheduler stopped")
