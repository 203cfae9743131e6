"""The crawl half of bench/storage.py: the demandas through a whole Scrapy crawl, in its own
process (a fresh reactor). `python -m bench._storage_crawl ROWS` (from the repository root)
prints JSON timings."""

from __future__ import annotations

import json
import sys
import time

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from bench.demandas import make_demanda
from procurement_spiders.logging import configure_project_logging
from procurement_spiders.spiders.base import ColetaSpider

marks: dict[str, float] = {}


class BenchSpider(ColetaSpider):
    name = "bench_storage"
    fonte = "PNCP"
    argument_names = ("ano", "rows")

    @classmethod
    def parse_arguments(cls, config, raw):
        return {"ano": 2025, "rows": int(raw.get("rows", 0))}

    async def start(self):
        yield scrapy.Request("data:,bench", callback=self.parse)

    def parse(self, response):
        marks["first"] = time.perf_counter()
        for i in range(self.rows):
            yield make_demanda(i)


def spider_closed(spider, reason) -> None:
    marks["end"] = time.perf_counter()


def main() -> None:
    settings = get_project_settings()
    settings.set("LOG_LEVEL", "WARNING")
    configure_project_logging(settings)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BenchSpider)
    crawler.signals.connect(spider_closed, signal=signals.spider_closed)
    process.crawl(crawler, rows=sys.argv[1])
    process.start()
    print(
        json.dumps({"seconds": marks["end"] - marks["first"], "stored": crawler.stats.get_value("coleta/armazenadas")})
    )


if __name__ == "__main__":
    main()
