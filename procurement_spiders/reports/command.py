"""What the report commands share, in the style of `scrapy resumo`: `-a NAME=VALUE` arguments,
`-o FILE` (CSV/JSON/XLSX by extension; `-O` is the same, named like crawl's overwrite), pt-BR
on screen, one clear line and exit status 2 for a wrong argument (nothing written), 1 for a
database error."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.conf import arglist_to_dict
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from procurement_spiders.config import Config, config_or_exit
from procurement_spiders.reports.arguments import ReportArgumentError
from procurement_spiders.reports.engine import report_engine
from procurement_spiders.reports.output import FORMATS, output_format


class ReportCommand(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    output_formats: tuple[str, ...] = FORMATS
    output_required = False

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-a",
            dest="reportargs",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="report argument (may be repeated)",
        )
        parser.add_argument("-o", "--output", metavar="FILE", help="also write the report to FILE")
        parser.add_argument("-O", "--overwrite-output", metavar="FILE", help="same as -o")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        try:
            opts.reportargs = arglist_to_dict(opts.reportargs)
        except ValueError:
            raise UsageError("invalid -a value, use -a NAME=VALUE", print_help=False) from None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"{self.__module__.rsplit('.', 1)[-1]} takes no positional arguments")
        config = config_or_exit(self.settings, need_database=True)
        assert config.database_url is not None  # need_database=True: config_or_exit has exited otherwise
        path = opts.output or opts.overwrite_output
        try:
            if path:
                output_format(path, self.output_formats)
            elif self.output_required:
                raise ReportArgumentError(f"diga o arquivo: -O arquivo.{self.output_formats[0]}")
            engine = report_engine(config.database_url, echo=config.sqlalchemy_echo)
            try:
                with engine.connect() as conn:
                    self.report(conn, opts.reportargs, config, path)
            finally:
                engine.dispose()
        except ReportArgumentError as exc:
            print(f"erro: {exc}", file=sys.stderr)
            self.exitcode = 2
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
            print(f"erro no banco de dados: {reason}", file=sys.stderr)
            self.exitcode = 1

    def report(self, conn: Connection, raw: dict, config: Config, path: str | None) -> None:
        raise NotImplementedError
