"""`scrapy health`: print the health JSON (same body as scrapyd's /health.json); exit 1 when unhealthy.

With the database up it also closes the coletas whose crawl died (the reaper), listed on stderr."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from procurement_spiders.config import ConfigError, config_from_settings
from procurement_spiders.health import CONNECTED, DEFAULT_TIMEOUT, check_health, reap_interrupted


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--timeout SECONDS]"

    def short_desc(self) -> str:
        return "Check PostgreSQL and the Selenium Grid; print JSON, exit non-zero when unhealthy"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--timeout",
            type=float,
            default=DEFAULT_TIMEOUT,
            help=f"seconds allowed for each check (default {DEFAULT_TIMEOUT:g})",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError("health takes no arguments")
        assert self.settings is not None
        try:
            config = config_from_settings(self.settings)
        except ConfigError as exc:
            # The body may be served unauthenticated (/health.json): the setting's name, never its value.
            setting = re.match(r"[A-Z][A-Z0-9_]+", str(exc))
            print(json.dumps({"status": "error", "config": f"error: invalid {setting[0] if setting else 'setting'}"}))
            self.exitcode = 2
            return
        ok, body = check_health(config, timeout=opts.timeout)
        if body["database"] == CONNECTED:
            reaped, error = reap_interrupted(config, timeout=opts.timeout)
            for coleta in reaped:  # on stderr: stdout keeps the health body alone
                print(
                    f"coleta {coleta.id} ({coleta.spider}) had no heartbeat since "
                    f"{coleta.last_heartbeat.isoformat(timespec='seconds')}: closed as error",
                    file=sys.stderr,
                )
            if error:
                print(f"reaper: {error}", file=sys.stderr)
        print(json.dumps(body, ensure_ascii=False))
        self.exitcode = 0 if ok else 1
