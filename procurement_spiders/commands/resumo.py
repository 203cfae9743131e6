"""`scrapy resumo [--ultimas N] [--coleta ID]`: what the last coletas stored, for people."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands import ScrapyCommand

from procurement_spiders.config import config_or_exit
from procurement_spiders.storage.summary import coleta_summary, last_coleta_ids


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def short_desc(self) -> str:
        return "Print a summary of the last coletas (status, counts, a few demandas)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--ultimas", type=int, default=1, help="how many of the last coletas")
        parser.add_argument("--coleta", type=int, default=None, help="one coleta by id")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        import psycopg

        config = config_or_exit(self.settings, need_database=True)
        assert config.database_url is not None  # need_database=True: config_or_exit has exited otherwise
        try:
            ids = [opts.coleta] if opts.coleta else last_coleta_ids(config.database_url, opts.ultimas)
            if not ids:
                print("no coleta stored yet")
            for coleta_id in ids:
                print(coleta_summary(config.database_url, coleta_id))
                print()
        except psycopg.Error as exc:
            sys.exit(f"database error: {exc}")
