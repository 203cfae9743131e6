"""`scrapy crawl`, with the project's promises kept before and after the crawl:

- a bad spider argument is one clear line and exit status 2, before any request;
- LOG_FORMAT=json applies from the very first log line;
- a crawl that did not finish cleanly (`finish_reason` other than `finished`) exits non-zero,
  so cron, scrapyd and CI see it.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from procurement_spiders.commands import config_or_exit
from procurement_spiders.logging import configure_project_logging
from procurement_spiders.spiders.base import SpiderArgumentError


class Command(ScrapyCrawlCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        config = config_or_exit(self.settings)
        if args:
            self._check_arguments(args[0], config, opts.spargs)
        configure_project_logging(self.settings)

    def _check_arguments(self, spider_name: str, config, spargs: dict) -> None:
        from scrapy.spiderloader import get_spider_loader

        try:
            spidercls = get_spider_loader(self.settings).load(spider_name)
        except KeyError:
            raise UsageError(f"Spider not found: {spider_name}") from None
        validate = getattr(spidercls, "validate_arguments", None)
        if validate is None:
            return
        try:
            validate(config, spargs)
        except SpiderArgumentError as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process is not None
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif crawler.stats.get_value("finish_reason") != "finished":
            self.exitcode = 1
