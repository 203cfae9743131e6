"""`scrapy coletas [--reap] [--stale-after SECONDS]`: the running coletas, and closing dead ones.

Without `--reap` it lists each running coleta with the age of its heartbeat. With `--reap`
it closes as `error` (reason in `dados.interrupcao`) every running coleta whose heartbeat is
older than `--stale-after` seconds (default COLETA_HEARTBEAT_TIMEOUT): its crawl was killed or
lost its database. See storage/reaper.py.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from procurement_spiders.config import config_or_exit
from procurement_spiders.storage.reaper import reap, running_coletas


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--reap] [--stale-after SECONDS]"

    def short_desc(self) -> str:
        return "List running coletas; --reap closes those whose crawl stopped beating as interrupted"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--reap", action="store_true", help="close stale running coletas as error")
        parser.add_argument(
            "--stale-after",
            type=float,
            default=None,
            help="seconds without a heartbeat (default COLETA_HEARTBEAT_TIMEOUT)",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        import psycopg

        if args:
            raise UsageError("coletas takes no arguments")
        config = config_or_exit(self.settings, need_database=True)
        assert config.database_url is not None  # need_database
        stale_after = config.coleta_heartbeat_timeout if opts.stale_after is None else opts.stale_after
        if stale_after <= 0:
            raise UsageError("--stale-after must be positive")
        try:
            if opts.reap:
                reaped = reap(config.database_url, stale_after)
                for coleta in reaped:
                    print(
                        f"coleta {coleta.id} ({coleta.spider}): interrompida, último sinal "
                        f"{coleta.last_heartbeat:%d/%m/%Y %H:%M:%S %Z}"
                    )
                print(f"{len(reaped)} coleta(s) interrompida(s) marcada(s) como error")
                return
            running = running_coletas(config.database_url)
            for coleta_id, spider, job_id, age in running:
                state = "sem sinal" if age > stale_after else "ativa"
                print(
                    f"coleta {coleta_id} ({spider}{', job ' + job_id if job_id else ''}): "
                    f"último sinal há {age:.0f} s ({state})"
                )
            if not running:
                print("nenhuma coleta em andamento")
        except psycopg.Error as exc:
            sys.exit(f"database error: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc}")
