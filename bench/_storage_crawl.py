"""The crawl half of bench/storage.py: the demandas through a whole Scrapy crawl, in its own
process (a fresh reactor). `python bench/_storage_crawl.py ROOT ROWS` prints JSON timings."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import scrapy  # noqa: E402
from scrapy import signals  # noqa: E402
from scrapy.crawler import CrawlerProcess  # noqa: E402
from scrapy.utils.project import get_project_settings  # noqa: E402

from procurement_spiders.logging import configure_project_logging  # noqa: E402
from procurement_spiders.spiders.base import ColetaSpider  # noqa: E402

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
        from bench.storage import make_demanda

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
    process.crawl(crawler, rows=sys.argv[2])
    process.start()
    print(json.dumps({"seconds": marks["end"] - marks["first"],
                      "stored": crawler.stats.get_value("postgres/demandas_stored")}))


if __name__ == "__main__":
    main()
