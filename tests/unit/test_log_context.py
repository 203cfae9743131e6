"""The JSON log context is per crawl (a ContextVar), not a module global: two crawls in one
process keep their own keys, and a key bound later (coleta_id) reaches every task of its crawl."""

import asyncio
import contextvars
import json
import logging

from procurement_spiders.logging import JsonFormatter, bind_log_context, current_log_context, start_log_context


def line(message: str) -> dict:
    record = logging.makeLogRecord({"name": "t", "levelno": logging.INFO, "levelname": "INFO", "msg": message})
    return json.loads(JsonFormatter().format(record))


def test_each_crawl_has_its_own_context_seen_by_all_its_tasks():
    async def crawl(ano: int, coleta_id: int) -> list[dict]:
        start_log_context(ano_ref=ano)
        seen: list[dict] = []

        async def worker():  # started before coleta_id is known, like the downloader's tasks
            await asyncio.sleep(0.01)
            seen.append(line("from a worker"))

        task = asyncio.create_task(worker())
        bind_log_context(coleta_id=coleta_id)
        await task
        seen.append(line("from the crawl"))
        return seen

    async def both():
        return await asyncio.gather(crawl(2024, 1), crawl(2025, 2))

    first, second = contextvars.copy_context().run(asyncio.run, both())
    assert [(e["ano_ref"], e["coleta_id"]) for e in first] == [(2024, 1), (2024, 1)]
    assert [(e["ano_ref"], e["coleta_id"]) for e in second] == [(2025, 2), (2025, 2)]


def test_outside_a_crawl_the_context_is_empty():
    assert contextvars.Context().run(current_log_context) == {}
    entry = contextvars.Context().run(line, "no crawl")
    assert "coleta_id" not in entry and entry["message"] == "no crawl"
