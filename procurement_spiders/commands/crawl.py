"""`scrapy crawl` (and `scrapy runspider`), with the project's promises kept before and after:

- a bad spider argument is one clear line and exit status 2, before any request;
- a spider alias (`pncp -a fonte=pgc` is `pgc_formacao`, see `alias_for` on the spider class) runs
  the spider that serves it, so the coleta records its real source;
- LOG_FORMAT=json applies from the very first log line;
- exit 0 iff the coleta is `success` (extensions/coleta.py decides it: finished cleanly, nothing
  lost on the way, stored and recorded); anything else exits non-zero, so cron, scrapyd and CI see it.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from procurement_spiders.config import config_or_exit
from procurement_spiders.extensions.coleta import coleta_succeeded
from procurement_spiders.logging import configure_project_logging
from procurement_spiders.spiders.base import SpiderArgumentError


def crawl_succeeded(stats) -> bool:
    return coleta_succeeded(stats)


if TYPE_CHECKING:
    from scrapy.commands import ScrapyCommand

    _Command = ScrapyCommand
else:
    # At run time a plain mixin: a ScrapyCommand subclass in this module would be listed as a command.
    _Command = object


class ProjectRunMixin(_Command):
    """Shared by crawl and runspider: configuration checked and logging set up before the
    crawler process exists; the exit status says whether the crawl really succeeded."""

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        config = config_or_exit(self.settings)
        self.check_arguments(args, config, opts.spargs)
        configure_project_logging(self.settings)

    def check_arguments(self, args: list[str], config, spargs: dict) -> None:
        pass

    def spider_for(self, args: list[str]):
        """The spider class or name `run` crawls."""
        raise NotImplementedError

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        """Scrapy's crawl/runspider `run`, through the public `create_crawler`, keeping the crawler
        to read its stats."""
        if len(args) != 1:
            raise UsageError("one spider, please (scrapy crawl <spider> / scrapy runspider <file>)")
        process = self.crawler_process
        assert process is not None
        crawler = process.create_crawler(self.spider_for(args))
        process.crawl(crawler, **opts.spargs)
        process.start()
        if process.bootstrap_failed or not crawl_succeeded(crawler.stats):
            self.exitcode = 1


class Command(ProjectRunMixin, ScrapyCrawlCommand):
    def spider_for(self, args: list[str]):
        return args[0]

    def check_arguments(self, args: list[str], config, spargs: dict) -> None:
        if not args:
            return
        from scrapy.spiderloader import get_spider_loader

        assert self.settings is not None  # Scrapy sets them before process_options
        loader = get_spider_loader(self.settings)
        try:
            spidercls = loader.load(args[0])
        except KeyError:
            raise UsageError(f"Spider not found: {args[0]}") from None
        try:
            alias = getattr(spidercls, "alias_for", None)
            target = alias(spargs) if alias is not None else None
            if target is not None:
                args[0], kept = target
                spargs.clear()
                spargs.update(kept)
                spidercls = loader.load(args[0])
            validate = getattr(spidercls, "validate_arguments", None)
            if validate is not None:
                validate(config, spargs)
        except SpiderArgumentError as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
