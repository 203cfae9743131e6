"""`scrapy crawl` (and `scrapy runspider`), with the project's promises kept before and after:

- a bad spider argument is one clear line and exit status 2, before any request;
- LOG_FORMAT=json applies from the very first log line;
- exit 0 iff the coleta is `success` (extensions/coleta.py decides it: finished cleanly, nothing
  lost on the way, stored and recorded); anything else exits non-zero, so cron, scrapyd and CI see it.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from procurement_spiders.commands import config_or_exit
from procurement_spiders.extensions.coleta import coleta_succeeded
from procurement_spiders.logging import configure_project_logging
from procurement_spiders.spiders.base import SpiderArgumentError


def crawl_succeeded(stats) -> bool:
    return coleta_succeeded(stats)


class ProjectRunMixin:
    """Shared by crawl and runspider: configuration checked and logging set up before the
    crawler process exists; the exit status says whether the crawl really succeeded."""

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        config = config_or_exit(self.settings)
        self.check_arguments(args, config, opts.spargs)
        configure_project_logging(self.settings)

    def check_arguments(self, args: list[str], config, spargs: dict) -> None:
        pass

    def _create_crawler(self, spidercls):
        self._crawler = super()._create_crawler(spidercls)
        return self._crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        crawler = getattr(self, "_crawler", None)
        if not self.exitcode and crawler is not None and not crawl_succeeded(crawler.stats):
            self.exitcode = 1


class Command(ProjectRunMixin, ScrapyCrawlCommand):
    def check_arguments(self, args: list[str], config, spargs: dict) -> None:
        if not args:
            return
        from scrapy.spiderloader import get_spider_loader

        try:
            spidercls = get_spider_loader(self.settings).load(args[0])
        except KeyError:
            raise UsageError(f"Spider not found: {args[0]}") from None
        validate = getattr(spidercls, "validate_arguments", None)
        if validate is None:
            return
        try:
            validate(config, spargs)
        except SpiderArgumentError as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
