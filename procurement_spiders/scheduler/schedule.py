"""The schedule file: which spider runs when, with which arguments.

`schedules.toml`::

    project  = "procurement_spiders"     # scrapyd project (default)
    timezone = "America/Sao_Paulo"       # of every cron expression (default UTC)

    [[schedule]]
    name   = "pncp-diario"               # unique; used in logs and job ids
    cron   = "0 6 * * *"                 # minute hour day month weekday (crontab: 0 or 7 = Sunday)
    spider = "pncp"
    args   = { ano = "{ano}" }           # spider arguments (-a); placeholders below
    settings = { LOG_LEVEL = "INFO" }    # optional Scrapy settings for the job
    paused = false                       # true: kept in the file, never fired

`cron` also takes six fields, seconds first (`*/10 * * * * *`), for tests and demos.
Placeholders in args and settings, resolved when the job fires, in the schedule's time zone:
`{ano}` (current year), `{ano_anterior}`, `{ano_seguinte}`.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

DEFAULT_PROJECT = "procurement_spiders"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SPIDER = re.compile(r"^[A-Za-z0-9_]+$")
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class ScheduleError(ValueError):
    """The schedule file is invalid; the message names the entry and the field."""


def _crontab_weekdays(expr: str) -> str:
    """Translate a crontab weekday field (0/7 = Sunday) to APScheduler names (its 0 is Monday)."""
    if expr == "*" or expr == "?":
        return "*"
    days: set[int] = set()

    def value(token: str) -> int:
        token = token.strip().lower()
        if token[:3] in _DAY_NAMES and not token.isdigit():
            return _DAY_NAMES.index(token[:3])
        number = int(token)
        if not 0 <= number <= 7:
            raise ValueError(f"weekday {number} out of range 0-7")
        return number

    for part in expr.split(","):
        rng, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError("step must be at least 1")
        if rng == "*":
            lo, hi = 0, 6
        elif "-" in rng:
            a, b = rng.split("-", 1)
            lo, hi = value(a), value(b)
        else:
            lo = value(rng)
            hi = 6 if step_text else lo
        if hi < lo:
            raise ValueError(f"range {rng} is reversed")
        days.update(d % 7 for d in range(lo, hi + 1, step))
    return ",".join(_DAY_NAMES[d] for d in sorted(days))


def cron_trigger(expr: str, tz: ZoneInfo) -> CronTrigger:
    fields_ = expr.split()
    if len(fields_) == 5:
        second, (minute, hour, day, month, dow) = "0", fields_
    elif len(fields_) == 6:
        second, minute, hour, day, month, dow = fields_
    else:
        raise ValueError(f"expected 5 fields (minute hour day month weekday) or 6 (seconds first), got {len(fields_)}")
    return CronTrigger(
        second=second, minute=minute, hour=hour, day=day, month=month, day_of_week=_crontab_weekdays(dow), timezone=tz
    )


def resolve(value: str, now: datetime) -> str:
    values = {"ano": now.year, "ano_anterior": now.year - 1, "ano_seguinte": now.year + 1}

    def sub(match: re.Match) -> str:
        if match.group(1) not in values:
            raise ScheduleError(f"unknown placeholder {{{match.group(1)}}} (known: {', '.join(values)})")
        return str(values[match.group(1)])

    return _PLACEHOLDER.sub(sub, value)


@dataclass(frozen=True)
class Entry:
    name: str
    cron: str
    spider: str
    args: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    paused: bool = False

    def resolved(self, now: datetime) -> tuple[dict[str, str], dict[str, str]]:
        args = {k: resolve(v, now) for k, v in self.args.items()}
        settings = {k: resolve(v, now) for k, v in self.settings.items()}
        return args, settings


@dataclass(frozen=True)
class Schedule:
    project: str
    timezone: ZoneInfo
    entries: tuple[Entry, ...]
    source: str = ""

    def trigger(self, entry: Entry) -> CronTrigger:
        return cron_trigger(entry.cron, self.timezone)


def run_key(spider: str, args: dict[str, str], settings: dict[str, str]) -> str:
    """Identity of a run: same spider, arguments and settings give the same key."""
    blob = json.dumps([spider, sorted(args.items()), sorted(settings.items())], separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def _str_map(raw: object, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ScheduleError(f"{where} must be a table of name = value")
    out: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        if not isinstance(value, (str, int, float)):
            raise ScheduleError(f"{where}.{key} must be a string or a number")
        if key.startswith("_"):
            raise ScheduleError(f"{where}.{key}: names starting with _ are reserved by scrapyd")
        out[str(key)] = str(value)
    return out


def parse_schedule(text: str, source: str = "<schedule>") -> Schedule:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleError(f"{source}: not valid TOML: {exc}") from None
    unknown = set(data) - {"project", "timezone", "schedule"}
    if unknown:
        raise ScheduleError(f"{source}: unknown top-level keys: {', '.join(sorted(unknown))}")
    project = data.get("project", DEFAULT_PROJECT)
    if not isinstance(project, str) or not _SPIDER.match(project):
        raise ScheduleError(f"{source}: project must be a scrapyd project name")
    tz_name = data.get("timezone", "UTC")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ScheduleError(f"{source}: unknown timezone {tz_name!r}") from None
    raw_entries = data.get("schedule", [])
    if not isinstance(raw_entries, list):
        raise ScheduleError(f"{source}: use [[schedule]] tables")
    entries: list[Entry] = []
    names: set[str] = set()
    allowed = {"name", "cron", "spider", "args", "settings", "paused"}
    for index, raw in enumerate(raw_entries):
        label = f"{source}: schedule #{index + 1}"
        if not isinstance(raw, dict):
            raise ScheduleError(f"{label} must be a table")
        name = raw.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ScheduleError(f"{label}: name must be letters, digits, '.', '_' or '-'")
        label = f"{source}: schedule {name!r}"
        if name in names:
            raise ScheduleError(f"{label}: name used twice")
        names.add(name)
        extra = set(raw) - allowed
        if extra:
            raise ScheduleError(f"{label}: unknown keys: {', '.join(sorted(extra))}")
        spider = raw.get("spider")
        if not isinstance(spider, str) or not _SPIDER.match(spider):
            raise ScheduleError(f"{label}: spider must be a spider name")
        cron = raw.get("cron")
        if not isinstance(cron, str):
            raise ScheduleError(f'{label}: cron must be a string such as "0 6 * * *"')
        try:
            cron_trigger(cron, tz)
        except ValueError as exc:
            raise ScheduleError(f"{label}: cron {cron!r}: {exc}") from None
        paused = raw.get("paused", False)
        if not isinstance(paused, bool):
            raise ScheduleError(f"{label}: paused must be true or false")
        entry = Entry(
            name=name,
            cron=cron,
            spider=spider,
            args=_str_map(raw.get("args"), f"{label} args"),
            settings=_str_map(raw.get("settings"), f"{label} settings"),
            paused=paused,
        )
        entry.resolved(datetime.now(tz))  # unknown placeholders fail now, not at 06:00
        entries.append(entry)
    return Schedule(project=project, timezone=tz, entries=tuple(entries), source=source)


def load_schedule(path: Path) -> Schedule:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScheduleError(f"cannot read schedule file {path}: {exc.strerror}") from None
    return parse_schedule(text, str(path))
