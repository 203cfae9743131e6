"""`LOG_FORMAT=json`: every log line one JSON object, with the run's context in each line.

Scrapy has no JSON output of its own; its documented route is to install our own root
handler and tell Scrapy not to install one (LOG_INSTALL_ROOT_HANDLER = False). The project's
commands do that in `process_options`, before the crawler process (and its first log lines)
exists.

The run's context (ano_ref, portal, coleta_id, total_items, …) lives in a `ContextVar`, not in a
module global: `start_log_context()` gives each crawl its own mapping when the spider is built,
and every task and thread the crawl starts afterwards inherits it (asyncio copies the context
into each task; `asyncio.to_thread` into each thread). `bind_log_context()` adds keys to it.
"""

from __future__ import annotations

import json
import logging
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from procurement_spiders import log_secrets

# The context of the crawl the code runs in; it appears in every JSON line. The value is the
# crawl's own dict, so keys bound later (coleta_id, when the coleta opens) reach every task of it.
_crawl_context: ContextVar[dict[str, Any] | None] = ContextVar("procurement_crawl_log_context", default=None)


def start_log_context(**values: Any) -> dict[str, Any]:
    """A new context for one crawl, seen by the tasks and threads it starts from here on."""
    context = dict(values)
    _crawl_context.set(context)
    return context


def bind_log_context(**values: Any) -> None:
    """Add keys to the current crawl's context (a context is started when there is none)."""
    context = _crawl_context.get()
    if context is None:
        start_log_context(**values)
    else:
        context.update(values)


def current_log_context() -> dict[str, Any]:
    """A copy of the current crawl's context ({} outside a crawl)."""
    return dict(_crawl_context.get() or {})


_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "spider", "crawler"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(current_log_context())
        spider = getattr(record, "spider", None)
        if spider is not None:
            entry["spider"] = getattr(spider, "name", str(spider))
        for key, value in record.__dict__.items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(entry, ensure_ascii=False, default=str)


def install_json_logging(settings) -> None:
    """Replace Scrapy's root handler with one that writes JSON lines (to LOG_FILE or stderr)."""
    filename = settings.get("LOG_FILE")
    handler: logging.Handler
    if filename:
        mode = "a" if settings.getbool("LOG_FILE_APPEND") else "w"
        handler = logging.FileHandler(filename, mode=mode, encoding=settings.get("LOG_ENCODING") or "utf-8")
    elif settings.getbool("LOG_ENABLED"):
        handler = logging.StreamHandler()
    else:
        handler = logging.NullHandler()
    handler.setFormatter(JsonFormatter())
    handler.setLevel(settings.get("LOG_LEVEL"))
    for old in [h for h in logging.root.handlers if isinstance(h.formatter, JsonFormatter)]:
        logging.root.removeHandler(old)
    logging.root.addHandler(handler)
    logging.root.setLevel(logging.NOTSET)
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")


def configure_project_logging(settings) -> None:
    """Everything the project sets on logging before a crawl, one step per line."""
    log_secrets.install(settings)  # before anything logs: no secret in any line, at any level
    if settings.get("PROJECT_LOG_FORMAT") == "json":
        install_json_logging(settings)
    # Scrapy logs every scraped item at DEBUG; below LOG_LEVEL those records are built and then
    # thrown away by the handler (a third of the per-item cost of a 100,000-item crawl).
    level = logging.getLevelName(str(settings.get("LOG_LEVEL") or "DEBUG").upper())
    if isinstance(level, int) and level > logging.DEBUG:
        logging.getLogger("scrapy").setLevel(level)
