"""The schedule file and the scheduler's skip rule (no scrapyd needed here; see tests/e2e)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from procurement_spiders.scheduler.runner import ScrapydClient, ScrapydError, find_active, fire, job_id
from procurement_spiders.scheduler.schedule import (
    ScheduleError,
    _crontab_weekdays,
    cron_trigger,
    load_schedule,
    parse_schedule,
    run_key,
)

ROOT = Path(__file__).resolve().parents[2]
SP = ZoneInfo("America/Sao_Paulo")


def test_repository_schedule_is_valid_and_runs_pncp_daily_at_six():
    schedule = load_schedule(ROOT / "schedules.toml")
    entry = next(e for e in schedule.entries if e.spider == "pncp")
    assert not entry.paused and entry.cron == "0 6 * * *"
    fire_time = schedule.trigger(entry).get_next_fire_time(None, datetime(2026, 3, 10, 7, 0, tzinfo=schedule.timezone))
    assert (fire_time.day, fire_time.hour, fire_time.minute) == (11, 6, 0)
    assert entry.resolved(datetime(2027, 1, 2, tzinfo=SP))[0] == {"ano": "2027"}


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("*", "*"),
        ("0", "sun"),
        ("7", "sun"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("0,6", "sun,sat"),
        ("mon-wed", "mon,tue,wed"),
        ("*/2", "sun,tue,thu,sat"),
        ("1/3", "mon,thu"),
    ],
)
def test_weekdays_follow_crontab_not_apscheduler_numbering(field, expected):
    assert _crontab_weekdays(field) == expected


def test_sunday_zero_fires_on_sunday():
    trigger = cron_trigger("30 5 * * 0", SP)
    nxt = trigger.get_next_fire_time(None, datetime(2026, 11, 30, 12, 0, tzinfo=SP))  # a Monday
    assert nxt.weekday() == 6 and (nxt.hour, nxt.minute) == (5, 30)


def test_six_fields_have_seconds_first():
    trigger = cron_trigger("*/10 * * * * *", SP)
    start = datetime(2026, 1, 1, 0, 0, 1, tzinfo=SP)
    assert trigger.get_next_fire_time(None, start).second == 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[schedule]]\nname="a"\ncron="0 6 * *"\nspider="pncp"', "expected 5 fields"),
        ('[[schedule]]\nname="a"\ncron="0 25 * * *"\nspider="pncp"', "cron"),
        ('[[schedule]]\nname="a"\ncron="0 6 * * *"\nspider="pncp"\nargs={ano="{year}"}', "unknown placeholder"),
        (
            '[[schedule]]\nname="a"\ncron="0 6 * * *"\nspider="pncp"\n'
            '[[schedule]]\nname="a"\ncron="0 6 * * *"\nspider="pncp"',
            "used twice",
        ),
        ('timezone="Mars/Olympus"', "unknown timezone"),
        ('[[schedule]]\nname="a"\ncron="0 6 * * *"\nspider="pncp"\npaused="yes"', "paused"),
        ('[[schedule]]\nname="a"\ncron="0 6 * * *"\nspider="pncp"\nargs={_job="x"}', "reserved"),
        ('[[schedule]]\nname="a"\ncron="0 6 * * *"\nspider="pncp"\nevery="day"', "unknown keys"),
    ],
)
def test_invalid_files_are_rejected_with_the_reason(text, message):
    with pytest.raises(ScheduleError, match=message):
        parse_schedule(text)


def test_run_key_identifies_spider_args_and_settings():
    assert run_key("pncp", {"ano": "2026"}, {}) == run_key("pncp", {"ano": "2026"}, {})
    assert run_key("pncp", {"ano": "2026"}, {}) != run_key("pncp", {"ano": "2025"}, {})
    assert run_key("pncp", {"ano": "2026"}, {}) != run_key("pgc", {"ano": "2026"}, {})
    assert job_id("pncp", "abc", datetime(2026, 1, 2, 3, 4, 5, tzinfo=SP)) == "pncp-abc-20260102T060405"


def test_find_active_by_job_id_and_by_pending_arguments():
    key = run_key("pncp", {"ano": "2026"}, {})
    running = {"pending": [], "running": [{"id": f"pncp-{key}-20260101T090000", "spider": "pncp"}]}
    assert find_active(running, "pncp", key, {"ano": "2026"})["state"] == "running"
    other_year = {"pending": [], "running": [{"id": f"pncp-{run_key('pncp', {'ano': '2025'}, {})}-x"}]}
    assert find_active(other_year, "pncp", key, {"ano": "2026"}) is None
    by_hand = {"pending": [{"id": "manual1", "spider": "pncp", "args": {"ano": "2026"}}], "running": []}
    assert find_active(by_hand, "pncp", key, {"ano": "2026"})["id"] == "manual1"


class FakeClient:
    """The two calls `fire` makes, with scrapyd_client.ScrapydClient's signatures (the real client
    against a real scrapyd is in tests/e2e/test_scrapyd_schedule.py)."""

    url = "http://127.0.0.1:1"

    def __init__(self, jobs=None, fail=False):
        self.jobs_answer = jobs or {"pending": [], "running": []}
        self.fail = fail
        self.scheduled: list[tuple] = []

    def jobs(self, project):
        if self.fail:
            raise ScrapydError("listjobs.json: scrapyd unreachable")
        return self.jobs_answer

    def schedule(self, project, spider, args):
        params = dict(args)
        settings = dict(v.split("=", 1) for k, v in args if k == "setting")
        spider_args = {k: v for k, v in args if k not in ("setting", "jobid")}
        self.scheduled.append((project, spider, params["jobid"], spider_args, settings))
        return params["jobid"]


def test_fire_schedules_then_skips_the_same_run():
    schedule = parse_schedule(
        'timezone="America/Sao_Paulo"\n[[schedule]]\nname="d"\ncron="0 6 * * *"\n'
        'spider="pncp"\nargs={ano="{ano}"}\nsettings={LOG_LEVEL="INFO"}'
    )
    entry = schedule.entries[0]
    client = FakeClient()
    now = datetime(2026, 5, 1, 6, 0, tzinfo=SP)
    first = fire(client, schedule, entry, now)
    assert first["outcome"] == "scheduled"
    project, spider, jid, args, settings = client.scheduled[0]
    assert (project, spider, args, settings) == ("procurement_spiders", "pncp", {"ano": "2026"}, {"LOG_LEVEL": "INFO"})
    client.jobs_answer = {"pending": [], "running": [{"id": jid, "spider": "pncp"}]}
    second = fire(client, schedule, entry, now)
    assert second == {"outcome": "skipped", "job_id": jid, "state": "running"}
    assert len(client.scheduled) == 1


def test_fire_reports_an_unreachable_scrapyd_without_raising():
    schedule = parse_schedule('[[schedule]]\nname="d"\ncron="0 6 * * *"\nspider="pncp"')
    outcome = fire(FakeClient(fail=True), schedule, schedule.entries[0])
    assert outcome["outcome"] == "error" and "unreachable" in outcome["error"]


def test_runner_applies_edits_pauses_and_keeps_the_last_good_file(tmp_path):
    from procurement_spiders.scheduler.runner import Runner

    path = tmp_path / "schedules.toml"
    entry = '[[schedule]]\nname="{name}"\ncron="0 6 * * *"\nspider="pncp"\npaused={paused}\n'
    path.write_text(entry.format(name="a", paused="false") + entry.format(name="b", paused="true"))
    runner = Runner(path, FakeClient())
    assert runner.load()
    assert {job.id for job in runner.scheduler.get_jobs()} == {"a"}  # b is paused
    path.write_text("[[schedule]]\nname=")  # a broken edit
    assert not runner.load()
    assert {job.id for job in runner.scheduler.get_jobs()} == {"a"}  # the last good schedule stays
    path.write_text(entry.format(name="a", paused="true"))
    assert runner.load()
    assert runner.scheduler.get_jobs() == []


def test_client_is_scrapyd_clients_with_a_timeout_and_one_error_type():
    """A scrapyd that accepts the connection and never answers: the call fails after the timeout
    instead of hanging the firing (scrapyd_client alone has no timeout)."""
    import inspect
    import socket

    import scrapyd_client

    # The pinned library sends its calls through the two methods ScrapydClient overrides.
    assert "self._get(" in inspect.getsource(scrapyd_client.ScrapydClient.jobs)
    assert "self._post(" in inspect.getsource(scrapyd_client.ScrapydClient.schedule)
    assert issubclass(ScrapydClient, scrapyd_client.ScrapydClient)

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        client = ScrapydClient(f"http://u:{'pw' * 4}@127.0.0.1:{silent.getsockname()[1]}", "u", "pw" * 4, timeout=0.5)
        with pytest.raises(ScrapydError) as caught:
            client.jobs("procurement_spiders")
    assert "listjobs.json: scrapyd unreachable" in str(caught.value) and "Timeout" in str(caught.value)
    assert "pwpw" not in str(caught.value)
