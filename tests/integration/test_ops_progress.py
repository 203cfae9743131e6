"""Progress lines: a real crawl (local HTTP server, slow pages) logs them at PROGRESS_INTERVAL, text and JSON."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from procurement_spiders.extensions.progress import format_duration
from tests.support import ROOT

CRAWL = textwrap.dedent(
    """
    import asyncio, json, logging, sys, threading, time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import scrapy
    from scrapy.crawler import CrawlerProcess

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(0.05)
            body = b"{}"
            self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
            self.wfile.write(body)
        def log_message(self, *a): pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    class Pages(scrapy.Spider):
        name = "pages"
        custom_settings = {"CONCURRENT_REQUESTS": 1}
        async def start(self):
            self.crawler.stats.set_value("progress/total_items", 40)
            for i in range(30):
                yield scrapy.Request(f"{base}/{i}", dont_filter=True)
        def parse(self, response):
            yield {"url": response.url}

    settings = {
        "EXTENSIONS": {"procurement_spiders.extensions.progress.ProgressExtension": 500,
                       "scrapy.extensions.logstats.LogStats": None},
        "PROGRESS_INTERVAL": 0.4, "LOG_LEVEL": "INFO", "TELNETCONSOLE_ENABLED": False,
    }
    json_mode = sys.argv[1] == "json"
    if json_mode:
        from procurement_spiders.logging import JsonFormatter
        settings["LOG_ENABLED"] = False
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        logging.getLogger("procurement_spiders.extensions.progress").addHandler(handler)
        logging.getLogger("procurement_spiders.extensions.progress").setLevel(logging.INFO)
    process = CrawlerProcess(settings, install_root_handler=not json_mode)
    process.crawl(Pages)
    process.start()
    """
)


def run_crawl(mode: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CRAWL, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_text_lines_report_pages_items_rate_remaining_and_eta():
    done = run_crawl("text")
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if "progress" in line and "pages," in line]
    periodic = [line for line in lines if "(final)" not in line]
    assert periodic, done.stderr[-2000:]
    assert all(part in periodic[0] for part in ("items/s", "/40 done", "remaining", "ETA")), periodic[0]
    assert "progress (final): 30 pages, 30 items" in lines[-1] and "30/40 done (75%), 10 remaining" in lines[-1]


def test_json_lines_carry_the_numbers_as_fields():
    done = run_crawl("json")
    assert done.returncode == 0, done.stderr[-2000:]
    records = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    periodic = [r for r in records if not r["progress_final"]]
    assert periodic
    first = periodic[0]
    assert first["logger"] == "procurement_spiders.extensions.progress"
    assert first["progress_total_items"] == 40 and first["progress_items"] > 0
    assert first["progress_remaining"] == 40 - first["progress_items"]
    assert first["progress_items_per_second"] > 0 and first["progress_eta_seconds"] > 0
    final = records[-1]
    assert final["progress_final"] is True and final["progress_items"] == 30 and final["progress_pages"] == 30
    assert final["progress_done"] == 30 and final["progress_remaining"] == 10


def test_work_counted_in_other_units():
    """A spider whose total counts source rows (several per item) reports them as progress/done_items."""
    from types import SimpleNamespace

    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector

    from procurement_spiders.extensions.progress import ProgressExtension

    clock = iter([10.0, 20.0])
    crawler = SimpleNamespace(stats=MemoryStatsCollector(SimpleNamespace(settings=Settings())))
    ext = ProgressExtension(crawler, 10.0, clock=lambda: next(clock))
    ext.started, ext._last = 0.0, (0.0, 0, 0)
    crawler.stats.set_value("progress/total_items", 300)
    crawler.stats.set_value("progress/done_items", 100)
    crawler.stats.set_value("item_scraped_count", 20)
    first = ext.snapshot()
    assert (first["progress_items"], first["progress_done"], first["progress_remaining"]) == (20, 100, 200)
    assert first["progress_eta_seconds"] == 20.0  # 10 rows/s
    crawler.stats.set_value("progress/done_items", 250)
    second = ext.snapshot()
    assert second["progress_remaining"] == 50 and second["progress_eta_seconds"] == round(50 / 15, 1)


@pytest.mark.parametrize(("seconds", "text"), [(5, "5s"), (65, "1m05s"), (3700, "1h01m")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
