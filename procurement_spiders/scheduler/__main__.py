"""`python -m procurement_spiders.scheduler --schedule schedules.toml [--check | --once NAME]`.

scrapyd's address and credentials come from the project's configuration (SCRAPYD_URL,
SCRAPYD_USERNAME, SCRAPYD_PASSWORD; environment over `.env`). LOG_FORMAT=json logs JSON lines.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime
from pathlib import Path

from procurement_spiders.config import ConfigError, load_config
from procurement_spiders.scheduler.runner import Runner, ScrapydClient, fire
from procurement_spiders.scheduler.schedule import ScheduleError, load_schedule


def _setup_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    if fmt == "json":
        from procurement_spiders.logging import JsonFormatter

        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("apscheduler").setLevel(max(logging.getLevelName(level), logging.WARNING))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m procurement_spiders.scheduler",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--schedule", type=Path, default=Path("schedules.toml"), help="schedule file (TOML)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="validate the file, print the next firings, exit")
    group.add_argument("--once", metavar="NAME", help="fire one schedule entry now (same skip rule), exit")
    parser.add_argument(
        "--watch-interval", type=float, default=5.0, help="seconds between checks of the file for changes (default 5)"
    )
    opts = parser.parse_args(argv)

    try:
        config = load_config()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    _setup_logging(config.log_level, config.log_format)
    try:
        schedule = load_schedule(opts.schedule)
    except ScheduleError as exc:
        print(f"schedule error: {exc}", file=sys.stderr)
        return 2

    if opts.check:
        for entry in schedule.entries:
            now = datetime.now(schedule.timezone)
            nxt = None if entry.paused else schedule.trigger(entry).get_next_fire_time(None, now)
            args, settings = entry.resolved(now)
            print(
                json.dumps(
                    {
                        "name": entry.name,
                        "spider": entry.spider,
                        "cron": entry.cron,
                        "args": args,
                        "settings": settings,
                        "paused": entry.paused,
                        "next": nxt.isoformat() if nxt else None,
                    },
                    ensure_ascii=False,
                )
            )
        return 0

    client = ScrapydClient(config.scrapyd_url, config.scrapyd_username, config.scrapyd_password)
    if opts.once:
        named = next((e for e in schedule.entries if e.name == opts.once), None)
        if named is None:
            print(f"no schedule named {opts.once!r} in {opts.schedule}", file=sys.stderr)
            return 2
        outcome = fire(client, schedule, named)
        print(json.dumps(outcome, ensure_ascii=False))
        return 1 if outcome["outcome"] == "error" else 0

    Runner(opts.schedule, client, watch_interval=opts.watch_interval).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
