"""The sandbox web application: one aiohttp app serving every portal replica under its real paths.

Each replica is a module with `setup(app)` that adds its routes; list it in ROUTE_MODULES.
"""

from __future__ import annotations

import importlib

from aiohttp import web

ROUTE_MODULES: tuple[str, ...] = (
    "sandbox.control",
    "sandbox.pncp",
    "sandbox.dadosabertos",
    "sandbox.browser_pages",
    "sandbox.pgc",
    "sandbox.story_routes",
)


# The CLI / create_app options (`itens`, `seed`), read by the replicas when they build their state.
OPTIONS = web.AppKey("options", dict)


def create_app(**options) -> web.Application:
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app[OPTIONS] = options
    for name in ROUTE_MODULES:
        importlib.import_module(name).setup(app)
    return app
