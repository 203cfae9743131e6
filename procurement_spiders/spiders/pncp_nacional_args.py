"""The arguments of `scrapy crawl pncp_nacional`, checked before anything runs: a bad one is one
line and exit 2, with nothing queued or stored (the Redis check included: another year's run
under the same prefix, or no Redis at all)."""

from __future__ import annotations

import os
import re
import socket
from typing import Any

from procurement_spiders.config import Config
from procurement_spiders.national import queue as rq
from procurement_spiders.spiders.base import SpiderArgumentError, parse_ano


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)


def parse_national_arguments(config: Config, raw: dict[str, Any]) -> dict[str, Any]:
    """ano, orgaos=todos, worker (default host-pid), esperar (1: join a running run, never open one)."""
    ano = parse_ano(raw.get("ano"))
    if str(raw.get("orgaos") or "todos").strip().lower() != "todos":
        raise SpiderArgumentError("argument orgaos must be 'todos' (one órgão: scrapy crawl pncp -a cnpj=…)")
    worker = str(raw.get("worker") or f"{socket.gethostname()}-{os.getpid()}").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", worker):
        raise SpiderArgumentError(f"argument worker={worker[:40]!r}: 1-40 letters, digits, _ . -")
    esperar = {"0": False, "1": True}.get(str(raw.get("esperar") or "0").strip())
    if esperar is None:
        raise SpiderArgumentError("argument esperar must be 1 (join a running run, never open one) or 0")
    if not config.database_url:
        raise SpiderArgumentError("the national crawl needs DATABASE_URL (its ledger and its one coleta)")
    if config.redis_url:
        check_redis(config, ano)
    return {"ano": ano, "orgaos": "todos", "worker": worker, "esperar": esperar}


def check_redis(config: Config, ano: int) -> None:
    """Redis reachable, and not serving another year's run under the same prefix."""
    import redis

    keys = rq.run_keys(config.redis_key_prefix, ano)
    try:
        running = redis_client(config.redis_url or "").get(keys["ano"])
    except redis.RedisError as exc:
        raise SpiderArgumentError(f"Redis (REDIS_URL) is unreachable: {type(exc).__name__}") from None
    if running is not None and int(running) != ano:
        raise SpiderArgumentError(
            f"argument ano={ano}: Redis prefix {config.redis_key_prefix!r} is running the national crawl of "
            f"{int(running)}; join it with -a ano={int(running)} or use another REDIS_KEY_PREFIX"
        )
