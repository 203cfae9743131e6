"""GET/POST /login and POST /logout."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from procurement_spiders.parsing.web_users import verify_password
from procurement_spiders.web.security import check_csrf

router = APIRouter()
# Checked when the name is unknown, so an unknown name costs the same time as a wrong password.
_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def _safe_next(target: str | None) -> str:
    """Only a path of this site (never `//host` or a full URL): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _page(request: Request, *, erro: str | None = None, proximo: str = "/", status: int = 200, headers=None):
    return request.app.state.templates.TemplateResponse(
        request, "login.html", {"user": None, "erro": erro, "proximo": proximo}, status_code=status, headers=headers
    )


@router.get("/login")
def login_form(request: Request, proximo: str | None = None):
    return _page(request, proximo=_safe_next(proximo))


@router.post("/login", dependencies=[Depends(check_csrf)])
async def login(
    request: Request,
    usuario: Annotated[str, Form()] = "",
    senha: Annotated[str, Form()] = "",
    proximo: Annotated[str, Form()] = "/",
):
    state = request.app.state
    client = request.client.host if request.client else "?"
    keys = (f"ip:{client}", f"user:{usuario.lower()[:64]}")
    wait = state.limiter.retry_after(*keys)
    if wait:
        return _page(
            request,
            erro=f"Muitas tentativas. Tente de novo em {wait} s.",
            proximo=_safe_next(proximo),
            status=429,
            headers={"Retry-After": str(wait)},
        )
    user = state.users.get(usuario)
    ok = await asyncio.to_thread(verify_password, senha, user.password_hash if user else _DUMMY_HASH)
    if not (user and ok):
        state.limiter.failed(*keys)
        return _page(request, erro="Usuário ou senha incorretos.", proximo=_safe_next(proximo), status=401)
    state.limiter.succeeded(*keys)
    request.session.clear()  # a new session (and CSRF token) at login: no fixation
    request.session["user"] = user.name
    return RedirectResponse(_safe_next(proximo), status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request):
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
