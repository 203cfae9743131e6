"""Run the sandbox in-process for tests: `serve(scenario, itens=…, seed=…)`.

The scenario is an async function receiving an aiohttp TestClient bound to 127.0.0.1:<free port>.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Awaitable, Callable

from aiohttp.test_utils import TestClient, TestServer

from sandbox.app import create_app


def serve(scenario: Callable[[TestClient], Awaitable[Any]], **options) -> Any:
    async def main():
        async with TestClient(TestServer(create_app(**options), host="127.0.0.1")) as client:
            return await scenario(client)

    return asyncio.run(main())


async def fetch(client: TestClient, path: str, method: str = "GET", body: Any = None) -> tuple[int, Any, str]:
    """(status, parsed JSON or None for an empty body, content type)."""
    kwargs = {"json": body} if body is not None else {}
    async with client.request(method, path, **kwargs) as response:
        raw = await response.read()
        ctype = response.headers.get("Content-Type", "")
        if not raw:
            return response.status, None, ctype
        if "json" in ctype:
            return response.status, json.loads(raw), ctype
        return response.status, raw.decode(), ctype
