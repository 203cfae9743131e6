"""Scrapy settings. Values that depend on the environment come from `config.py`, read once here."""

import sys

from procurement_spiders.config import ConfigError, config_to_settings, load_config

try:
    CONFIG = load_config()
except ConfigError as exc:  # one clear line and a non-zero exit, before anything runs
    sys.exit(f"configuration error: {exc}")

globals().update(config_to_settings(CONFIG))

BOT_NAME = "procurement_spiders"
SPIDER_MODULES = ["procurement_spiders.spiders"]
NEWSPIDER_MODULE = "procurement_spiders.spiders"
COMMANDS_MODULE = "procurement_spiders.commands"

# Scrapy core -------------------------------------------------------------------------------
ROBOTSTXT_OBEY = False  # public APIs, not pages for crawlers; the portals publish no robots rules for them
USER_AGENT = "procurement_spiders/1.0 (+https://github.com/procurement-spiders; dados abertos PCA)"
# PNCP's WAF limits concurrency per source IP to about 3 in-flight requests (reference pncp.md §1.9).
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 3
DOWNLOAD_TIMEOUT = 180  # PCA cold pages take 40-57 s; the server cuts off at about 50 s
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORTERS = {"xlsx": "procurement_spiders.exporters.XlsxItemExporter"}  # -O demandas.xlsx
LOG_LEVEL = CONFIG.log_level
TELNETCONSOLE_ENABLED = False

# Retries: 5xx and timeouts RETRY_COUNT times; 429 is handled apart (never dropped).
RETRY_ENABLED = True
RETRY_TIMES = CONFIG.retry_count
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
RATE_LIMIT_MAX_DELAY = 60.0  # seconds, cap of the 429 backoff
RATE_LIMIT_BASE_DELAY = 2.0

DOWNLOADER_MIDDLEWARES = {
    "procurement_spiders.middlewares.rate_limit.RateLimitMiddleware": 545,
    # After CookiesMiddleware (700): the jar's cookies reach the browser; browser pages skip the downloader.
    "procurement_spiders.middlewares.selenium.SeleniumMiddleware": 800,
    # Next to the download handler: holds a request until its host has a free place.
    "procurement_spiders.middlewares.host_concurrency.HostConcurrencyMiddleware": 990,
}

SPIDER_MIDDLEWARES = {}

ITEM_PIPELINES = {
    "procurement_spiders.pipelines.validation.ValidationPipeline": 100,
    "procurement_spiders.pipelines.postgres.PostgresPipeline": 800,
}

EXTENSIONS = {
    # progress line every PROGRESS_INTERVAL seconds (from the configuration; 0 disables it)
    "procurement_spiders.extensions.progress.ProgressExtension": 500,
}

# Project ---------------------------------------------------------------------------------
PNCP_PAGE_SIZE = 500  # itens: no documented max (2000 measured); plans: a few per órgão
DADOS_ABERTOS_PAGE_SIZE = 500  # documented max of the module
POSTGRES_BATCH_SIZE = 2000  # rows per COPY and commit
COLETA_MAX_RECORDED_DROPS = 1000  # dropped items kept verbatim in coletas.dados (all are counted)
