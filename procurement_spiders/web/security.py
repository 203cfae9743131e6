"""Who may see and do what: the logged-in user from the signed session cookie, roles, CSRF tokens,
the login rate limit, and the `Secure` cookie flag behind HTTPS."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from procurement_spiders.parsing.web_users import WebUser

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """Raised by `current_user`; the app answers with a redirect to /login (JSON: 401)."""


def current_user(request: Request) -> WebUser:
    name = request.session.get("user")
    user = request.app.state.users.get(name) if isinstance(name, str) else None
    if user is None:
        request.session.pop("user", None)
        raise LoginRequired()
    return user


def operador(request: Request) -> WebUser:
    user = current_user(request)
    if not user.operador:
        raise HTTPException(403, "Somente usuários com o papel operador podem iniciar ou cancelar coletas.")
    return user


async def _current_user(request: Request) -> WebUser:
    return current_user(request)


async def _operador(request: Request) -> WebUser:
    return operador(request)


# Route parameters (FastAPI's Annotated form): the logged-in user, or an operador (else 403).
# Async: FastAPI runs a sync dependency on a worker thread, a second wait for a free thread
# (app.WORKER_THREADS) before each page's own, for a check that never blocks.
User = Annotated[WebUser, Depends(_current_user)]
Operador = Annotated[WebUser, Depends(_operador)]


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Every POST carries the session's token (form field or header); otherwise 403."""
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not (isinstance(expected, str) and sent and hmac.compare_digest(expected, sent)):
        raise HTTPException(403, "Formulário expirado ou inválido (CSRF). Recarregue a página e tente de novo.")


class LoginLimiter:
    """At most `attempts` failed logins per client address and per user name in `window` seconds."""

    def __init__(self, attempts: int = 5, window: float = 300.0, clock=time.monotonic):
        self.attempts = attempts
        self.window = window
        self.clock = clock
        self.failures: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        times = self.failures[key]
        while times and times[0] <= self.clock() - self.window:
            times.popleft()
        return times

    def retry_after(self, *keys: str) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        with self.lock:
            waits = [
                self._recent(k)[0] + self.window - self.clock() for k in keys if len(self._recent(k)) >= self.attempts
            ]
        return int(max(waits)) + 1 if waits else 0

    def failed(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                self._recent(key).append(self.clock())
            if len(self.failures) > 10_000:  # bounded memory under a spray of names
                for key in [k for k, v in self.failures.items() if not v]:
                    del self.failures[key]

    def succeeded(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                self.failures.pop(key, None)


class SecureCookieMiddleware:
    """Adds `Secure` to the session cookie when the request came over HTTPS (directly, or from a
    proxy uvicorn trusts through X-Forwarded-Proto, see FORWARDED_ALLOW_IPS)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("scheme") != "https":
            return await self.app(scope, receive, send)

        async def secure_send(message):
            if message["type"] == "http.response.start":
                headers = []
                for name, value in message.get("headers", []):
                    if name.lower() == b"set-cookie" and b"secure" not in value.lower():
                        value += b"; Secure"
                    headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, secure_send)
