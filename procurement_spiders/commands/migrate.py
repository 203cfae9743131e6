"""`scrapy migrate`: apply pending SQL migrations to DATABASE_URL and list what ran."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands import ScrapyCommand

from procurement_spiders.config import config_or_exit
from procurement_spiders.storage.migrations import MigrationError, apply_migrations


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def short_desc(self) -> str:
        return "Apply pending database migrations (procurement_spiders/migrations/NNN_*.sql)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        import psycopg

        config = config_or_exit(self.settings, need_database=True)
        assert config.database_url is not None  # need_database=True: config_or_exit has exited otherwise
        try:
            applied = apply_migrations(config.database_url)
        except (MigrationError, psycopg.Error) as exc:
            sys.exit(f"migration error: {exc}")
        print(f"applied: {', '.join(applied)}" if applied else "database is up to date")
