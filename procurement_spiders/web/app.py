"""The app factory: settings, database engine (migrated at start), sessions, templates, routes, the
execução driver."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from procurement_spiders.config import Config
from procurement_spiders.parsing.web_users import parse_users
from procurement_spiders.reports.engine import report_engine
from procurement_spiders.scheduler.runner import ScrapydClient
from procurement_spiders.storage.migrations import apply_migrations
from procurement_spiders.web import formats
from procurement_spiders.web.demandas_page import FinishedCache
from procurement_spiders.web.jobs import Coletor
from procurement_spiders.web.security import LoginLimiter, LoginRequired, SecureCookieMiddleware, csrf_token

HERE = Path(__file__).parent
logger = logging.getLogger(__name__)
SESSION_COOKIE = "procurement_session"
SESSION_MAX_AGE = 12 * 3600  # one working day
# Threads running the sync routes (AnyIO's default is 40). One process runs Python one thread at a
# time: 20 clients on 40 threads fought over the interpreter lock, each page slower; 8 queue them
# in order, still overlapping each page's waits on PostgreSQL (bench/web.py: p95 about 300 ms down
# to about 220 ms). The database pool keeps a connection for each, and two for the async routes.
WORKER_THREADS = 8


def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(HERE / "templates"))
    t.env.filters.update(formats.FILTERS)
    t.env.globals["csrf_token"] = csrf_token
    return t


def create_app(config: Config, *, poll_interval: float = 2.0) -> FastAPI:
    async def drive() -> None:
        # The web app may be the first to reach a new database, and it writes the execuções
        # (migration 007): pending migrations first, retried while the database is down.
        while config.database_url:
            try:
                await asyncio.to_thread(apply_migrations, config.database_url)
                break
            except Exception as exc:  # noqa: BLE001 - /health reports the database; keep trying
                logger.warning("migrations not applied yet (%s); retrying", type(exc).__name__)
                await asyncio.sleep(min(poll_interval, 30.0))
        await app.state.coletor.run_forever(poll_interval)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
        driver = asyncio.create_task(drive())
        try:
            yield
        finally:
            driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await driver
            if app.state.engine is not None:
                app.state.engine.dispose()

    app = FastAPI(title="procurement_spiders", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.config = config
    app.state.users = parse_users(config.web_users)
    app.state.engine = report_engine(config.database_url, pool_size=WORKER_THREADS + 2) if config.database_url else None
    app.state.templates = templates()
    app.state.limiter = LoginLimiter()
    app.state.scrapyd = ScrapydClient(
        config.scrapyd_url, config.scrapyd_username, config.scrapyd_password, timeout=30.0
    )  # listspiders loads the egg: seconds on a busy host
    app.state.coletor = Coletor(app.state.scrapyd, app.state.engine)  # the execução lives in the database
    app.state.counts = FinishedCache()  # per app: one database

    # Without WEB_SESSION_SECRET each start signs with a new key: logins end on restart, nothing leaks.
    secret = config.web_session_secret or secrets.token_urlsafe(48)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=False,
    )
    app.add_middleware(SecureCookieMiddleware)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "login necessário"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?proximo={_quote(target)}", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if request.url.path.startswith("/api/") or exc.status_code == 405:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        user = request.app.state.users.get(request.session.get("user") or "")
        return app.state.templates.TemplateResponse(
            request,
            "erro.html",
            {"user": user, "status": exc.status_code, "mensagem": exc.detail},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    from procurement_spiders.web.routes import auth, coletas, iniciar, ops, relatorios

    for module in (ops, auth, iniciar, coletas, relatorios):
        app.include_router(module.router)
    return app


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="")
