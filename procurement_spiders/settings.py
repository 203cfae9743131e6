"""Scrapy settings. Values that depend on the environment come from `config.py`, read once here.

A bad environment does not exit at import (scrapyd, tests and tools import this module): the
error is kept in PROJECT_CONFIG_ERROR, with the defaults in place, and every command reports it
as one line with exit status 1 (`config.config_or_exit`).
"""

from procurement_spiders.config import CONFIG_ERROR_SETTING, Config, ConfigError, config_to_settings, load_config

try:
    CONFIG = load_config()
except ConfigError as exc:
    CONFIG = Config()
    globals()[CONFIG_ERROR_SETTING] = str(exc)

# Every project setting (and the Scrapy numbers the project relies on: RETRY_TIMES,
# CONCURRENT_REQUESTS*, DOWNLOAD_TIMEOUT), typed and range-checked, defaults in config.py.
globals().update(config_to_settings(CONFIG))

BOT_NAME = "procurement_spiders"
SPIDER_MODULES = ["procurement_spiders.spiders"]
NEWSPIDER_MODULE = "procurement_spiders.spiders"
COMMANDS_MODULE = "procurement_spiders.commands"

# Scrapy core -------------------------------------------------------------------------------
ROBOTSTXT_OBEY = False  # public APIs, not pages for crawlers; the portals publish no robots rules for them
USER_AGENT = "procurement_spiders/1.0 (+https://github.com/procurement-spiders; dados abertos PCA)"
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORTERS = {"xlsx": "procurement_spiders.exporters.XlsxItemExporter"}  # -O demandas.xlsx
TELNETCONSOLE_ENABLED = False

# Retries: 5xx and timeouts RETRY_COUNT times, with the same jittered backoff as 429;
# 429 is handled apart (never dropped).
RETRY_ENABLED = True
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]

DOWNLOADER_MIDDLEWARES = {
    "procurement_spiders.middlewares.rate_limit.RateLimitMiddleware": 545,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "procurement_spiders.middlewares.rate_limit.BackoffRetryMiddleware": 550,
    # Before RedirectMiddleware (600) sees the 3xx: a portal may not send us to another host.
    "procurement_spiders.middlewares.redirect.OffHostRedirectMiddleware": 650,
    # After CookiesMiddleware (700): the jar's cookies reach the browser; browser pages skip the downloader.
    "procurement_spiders.middlewares.selenium.SeleniumMiddleware": 800,
    # Next to the download handler: holds a request until its host has a free place.
    "procurement_spiders.middlewares.host_concurrency.HostConcurrencyMiddleware": 990,
}

SPIDER_MIDDLEWARES: dict[str, int] = {}

ITEM_PIPELINES = {
    "procurement_spiders.pipelines.validation.ValidationPipeline": 100,
    "procurement_spiders.pipelines.postgres.PostgresPipeline": 800,
}

EXTENSIONS = {
    # Scrapy 2.19's remote control: an HTTP server in every crawl process that runs Python code sent to
    # it (off for the reason the telnet console is), and importing aiohttp for it is ~7% of a worker's
    # start-up CPU (python -X importtime), which bench/national.py pays once per worker
    "scrapy.extensions.remote_control.RemoteControl": None,
    # the coleta's record: arguments, anomalies, drops, counts and the final status
    "procurement_spiders.extensions.coleta.ColetaRecorder": 100,
    # progress line every PROGRESS_INTERVAL seconds (from the configuration; 0 disables it)
    "procurement_spiders.extensions.progress.ProgressExtension": 500,
}
