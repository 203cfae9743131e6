"""aiohttp routes of the PGC replica: logins, área de trabalho, the app shell and its JSON backend,
faults, dataset knob, stats and ground truth. See the package docstring for the paths."""

from __future__ import annotations

import asyncio
import html
import json
import secrets
import time
from pathlib import Path

from aiohttp import web

from sandbox.app import OPTIONS
from sandbox.pgc.data import MAIN_PCA, NOME_UASG, UASG, Dataset

STATIC = Path(__file__).parent / "static"
PGC_STATE = web.AppKey("pgc_state", object)

# Demo accounts: fake, sandbox-only CPFs (999.999.99x-xx are not issued to people).
DEMO_CPF = "99999999999"
DEMO_SENHA = "sandbox-demo"
EXPIRED_CPF = "99999999888"
BLOCKED_CPF = "99999999777"
MAX_ATTEMPTS = 5

SESSION_COOKIE = "SESSAO_COMPRASNET"
CHALLENGE_COOKIE = "SSO_DESAFIO"
AREA_PATH = "/comprasnet-area-trabalho-web/seguro/governo/area-trabalho"
APP_PATH = "/comprasnet-artefatos-web/artefatos/lista/DFD"
API = "/comprasnet-artefatos/api/v1/sandbox"

MSG_WRONG = "CPF e/ou senha inválidos. Após {n} tentativas sem sucesso a senha será bloqueada."
MSG_EXPIRED = "Atenção: senha EXPIRADA. Altere a sua senha no SIASG antes de acessar o sistema."
MSG_REVOKED = "Atenção: senha REVOGADA. Procure o cadastrador do seu órgão."
MSG_BLOCKED = "Senha BLOQUEADA por excesso de tentativas inválidas. Procure o cadastrador do seu órgão."

FAULT_DEFAULTS: dict[str, object] = {
    # mandatory delays (the real app's minimum): the sum of these is the bench's lower bound
    "spinner_ms": 120,  # server time of every app request, while the ng-http-loader spinner shows
    "render_ms": 120,  # time of each lazily rendered batch of Formação do PCA cards
    "processing_ms": 300,  # "Estamos processando a sua solicitação." of the legacy login
    "area_ms": 200,  # the área de trabalho renders its tiles this long after loading
    "page_size": 20,
    "card_batch": 20,
    # misbehaviour
    "slow_spinner_ms": 0,  # extra time added to every app request
    "unstable_pages": False,  # first visit of some pages: rows shifted by one (repeated/skipped)
    "flaky_last_page": False,  # first visit of the last page: its last rows are missing
    "session_ttl_s": None,  # sessions expire this many seconds after login
    "session_max_api_calls": None,  # sessions expire at their (N+1)th app API call: "mid-crawl", whatever the speed
    "session_expire_max": None,  # only this many sessions get the TTL / call limit (None: all)
    "login_outcome": None,  # force wrong|expired|revoked|blocked for any CPF
    # An empty Formação do PCA tab shows its total label ("Total de registros: 0") beside the "no records"
    # message; False: only the message, no label and no cards (both occur: reference pgc.md §3.3).
    "empty_tab_total": True,
}


class State:
    def __init__(self, options: dict):
        counts = {}
        if options.get("pgc_dfds") is not None:
            counts[MAIN_PCA] = int(options["pgc_dfds"])
        self.dataset = Dataset(seed=int(options.get("pgc_seed", 20250)), dfds=counts)
        self.faults: dict[str, object] = dict(FAULT_DEFAULTS)
        self.sessions: dict[str, dict] = {}
        self.challenges: dict[str, dict] = {}
        self.attempts: dict[str, int] = {}
        self.expiring_left: int | None = None
        self.reset_stats()

    def reset_stats(self) -> None:
        self.stats = {"logins": 0, "login_failures": 0, "requests": {}, "mandatory_ms": 0, "fault_ms": 0}

    # -- sessions ---------------------------------------------------------------------------
    def new_session(self, cpf: str) -> str:
        token = secrets.token_urlsafe(24)
        now = time.monotonic()
        ttl = self.faults.get("session_ttl_s")
        max_calls = self.faults.get("session_max_api_calls")
        expires = call_limit = None
        if (ttl is not None or max_calls is not None) and (self.expiring_left is None or self.expiring_left > 0):
            expires = now + float(ttl) if ttl is not None else None
            call_limit = int(max_calls) if max_calls is not None else None
            if self.expiring_left is not None:
                self.expiring_left -= 1
        self.sessions[token] = {
            "cpf": cpf,
            "created": now,
            "expires": expires,
            "visits": {},
            "call_limit": call_limit,
            "api_calls": 0,
        }
        self.stats["logins"] += 1
        return token

    def session(self, request: web.Request) -> dict | None:
        token = request.cookies.get(SESSION_COOKIE)
        sess = self.sessions.get(token or "")
        if sess is None:
            return None
        if sess["expires"] is not None and time.monotonic() >= sess["expires"]:
            return None
        return sess

    # -- credentials ------------------------------------------------------------------------
    def check_credentials(self, cpf: str, senha: str) -> str | None:
        """None when the login succeeds, else the portal's message."""
        cpf = "".join(ch for ch in cpf if ch.isdigit())
        forced = self.faults.get("login_outcome")
        if forced == "expired" or cpf == EXPIRED_CPF:
            return MSG_EXPIRED
        if forced == "revoked":
            return MSG_REVOKED
        if forced == "blocked" or cpf == BLOCKED_CPF or self.attempts.get(cpf, 0) >= MAX_ATTEMPTS:
            return MSG_BLOCKED
        if forced == "wrong" or cpf != DEMO_CPF or senha != DEMO_SENHA:
            self.attempts[cpf] = self.attempts.get(cpf, 0) + 1
            self.stats["login_failures"] += 1
            if self.attempts[cpf] >= MAX_ATTEMPTS:
                return MSG_BLOCKED
            return MSG_WRONG.format(n=MAX_ATTEMPTS)
        self.attempts.pop(cpf, None)
        return None

    async def delay(self, kind: str, mandatory_ms: float, extra_ms: float = 0.0) -> None:
        req = self.stats["requests"]
        req[kind] = req.get(kind, 0) + 1
        self.stats["mandatory_ms"] += mandatory_ms
        self.stats["fault_ms"] += extra_ms
        total = (mandatory_ms + extra_ms) / 1000.0
        if total > 0:
            await asyncio.sleep(total)


def _state(request: web.Request) -> State:
    return request.app[PGC_STATE]


def _page(name: str, **values: str) -> str:
    text = (STATIC / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(
        text=text, status=status, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-store"}
    )


def _set_session(response: web.StreamResponse, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, path="/", httponly=True, samesite="Lax")


# -- legacy login -------------------------------------------------------------------------
def _login_page(erro: str = "", aberto: bool = False) -> str:
    box = ""
    if erro:
        box = f'<div class="br-message danger" id="mensagem-erro" role="alert"><p>{html.escape(erro)}</p></div>'
    return _page("login.html", erro=box, aberto="true" if aberto else "false")


async def login_get(request: web.Request) -> web.Response:
    return _html(_login_page())


async def login_post(request: web.Request) -> web.Response:
    state = _state(request)
    form = await request.post()
    cpf = str(form.get("txtLogin", ""))
    senha = str(form.get("txtSenha", ""))
    await state.delay("login", float(state.faults["processing_ms"]))
    erro = state.check_credentials(cpf, senha)
    if erro:
        return _html(_login_page(erro, aberto=True))
    token = state.new_session("".join(ch for ch in cpf if ch.isdigit()))
    response = web.HTTPFound(AREA_PATH)
    _set_session(response, token)
    raise response


# -- gov.br-style login (attended) ------------------------------------------------------------
async def sso_get(request: web.Request) -> web.Response:
    state = _state(request)
    challenge_id = secrets.token_urlsafe(12)
    code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(5))
    state.challenges[challenge_id] = {
        "code": code,
        "status": "pendente",
        "token": None,
        "erro": None,
        "created": time.monotonic(),
    }
    # The code is drawn on a canvas from scrambled strokes; it is never in the DOM as text.
    strokes = [[ord(ch) ^ 0x5A, i] for i, ch in enumerate(code)]
    response = _html(_page("sso.html", desafio=challenge_id, tracos=json.dumps(strokes)))
    response.set_cookie(CHALLENGE_COOKIE, challenge_id, path="/sso", httponly=True, samesite="Lax")
    return response


async def sso_post(request: web.Request) -> web.Response:
    state = _state(request)
    form = await request.post()
    challenge = state.challenges.get(str(form.get("desafio", "")))
    if challenge is None or challenge["status"] != "pendente":
        raise web.HTTPFound("/sso/login")
    if str(form.get("captcha", "")).strip().upper() != challenge["code"]:
        challenge["status"] = "usado"
        return _html(_page("sso_erro.html", erro="Captcha inválido (ERL0000900). Tente novamente."), status=400)
    await state.delay("login", float(state.faults["processing_ms"]))
    erro = state.check_credentials(str(form.get("accountId", "")), str(form.get("password", "")))
    if erro:
        challenge["status"] = "usado"
        return _html(_page("sso_erro.html", erro=html.escape(erro)), status=400)
    challenge["status"] = "usado"
    response = web.HTTPFound(AREA_PATH)
    _set_session(response, state.new_session(str(form.get("accountId", ""))))
    raise response


async def sso_status(request: web.Request) -> web.Response:
    challenge = _state(request).challenges.get(request.query.get("desafio", ""))
    if challenge is None:
        return web.json_response({"status": "desconhecido"})
    return web.json_response({"status": challenge["status"], "erro": challenge["erro"]})


async def sso_finish(request: web.Request) -> web.Response:
    state = _state(request)
    challenge = state.challenges.get(request.query.get("desafio", ""))
    if challenge is None or challenge["status"] != "concluido" or not challenge["token"]:
        raise web.HTTPFound("/sso/login")
    challenge["status"] = "usado"
    response = web.HTTPFound(AREA_PATH)
    _set_session(response, challenge["token"])
    raise response


async def attended_complete(request: web.Request) -> web.Response:
    """Sandbox-only: what a person does on noVNC — type CPF and senha, solve the human check —
    applied to the gov.br page(s) waiting in a browser. The page notices and finishes the login in
    that same browser session. Body: {"cpf": ..., "senha": ...}."""
    state = _state(request)
    body = await request.json()
    pending = [c for c in state.challenges.values() if c["status"] == "pendente"]
    if not pending:
        return web.json_response({"completed": 0, "detail": "no gov.br login page is waiting"}, status=409)
    for challenge in pending:
        erro = state.check_credentials(str(body.get("cpf", "")), str(body.get("senha", "")))
        if erro:
            challenge["status"] = "erro"
            challenge["erro"] = erro
        else:
            challenge["status"] = "concluido"
            challenge["token"] = state.new_session("".join(ch for ch in str(body.get("cpf")) if ch.isdigit()))
    return web.json_response({"completed": len(pending), "status": pending[-1]["status"], "erro": pending[-1]["erro"]})


# -- área de trabalho and app shell ------------------------------------------------------------
async def area(request: web.Request) -> web.Response:
    state = _state(request)
    if state.session(request) is None:
        raise web.HTTPFound("/sso/login")
    return _html(_page("area.html", area_ms=str(int(state.faults["area_ms"]))))


async def app_shell(request: web.Request) -> web.Response:
    state = _state(request)
    if state.session(request) is None:
        raise web.HTTPFound(AREA_PATH)
    return _html(_page("app.html", uasg=UASG, nome_uasg=html.escape(NOME_UASG)))


async def static_file(request: web.Request) -> web.FileResponse:
    name = request.match_info["name"]
    path = STATIC / name
    if "/" in name or not path.is_file() or path.suffix not in (".js", ".css"):
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": "no-store"})


# -- JSON backend -----------------------------------------------------------------------------
def _api_session(request: web.Request) -> dict:
    sess = _state(request).session(request)
    if sess is not None and sess["call_limit"] is not None:
        sess["api_calls"] += 1
        if sess["api_calls"] > sess["call_limit"]:
            sess["expires"] = 0.0  # expired from now on, pages included
            sess = None
    if sess is None:
        raise web.HTTPUnauthorized(
            text=json.dumps({"erro": "sessao_expirada", "mensagem": "Sessão expirada."}),
            content_type="application/json",
        )
    return sess


async def _spin(request: web.Request, kind: str) -> None:
    state = _state(request)
    await state.delay(kind, float(state.faults["spinner_ms"]), float(state.faults["slow_spinner_ms"]))


def _int(request: web.Request, name: str, default: int | None = None) -> int:
    try:
        return int(request.query.get(name, default))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise web.HTTPBadRequest(text=f"{name} must be an integer") from None


async def api_pcas(request: web.Request) -> web.Response:
    _api_session(request)
    await _spin(request, "pcas")
    return web.json_response(_state(request).dataset.pcas())


async def api_dfds(request: web.Request) -> web.Response:
    sess = _api_session(request)
    state = _state(request)
    pca, pagina = _int(request, "pca"), _int(request, "pagina", 1)
    escopo = "meus" if request.query.get("escopo") == "meus" else "uasg"
    await _spin(request, "dfds")
    if state.session(request) is None:  # expired while the request was running
        _api_session(request)
    rows = state.dataset.list_dfds(pca, escopo)
    size = int(state.faults["page_size"])
    total = len(rows)
    pages = max(1, -(-total // size))
    pagina = min(max(1, pagina), pages)
    key = f"{pca}|{escopo}|{pagina}"
    visits = sess["visits"].get(key, 0)
    sess["visits"][key] = visits + 1
    start = (pagina - 1) * size
    if visits == 0 and state.faults["unstable_pages"] and 1 < pagina < pages:
        if pagina % 4 == 2:
            start -= 1  # repeats the previous page's last row, skips this page's last one
        elif pagina % 4 == 0:
            start += 1  # skips this page's first row, repeats the next page's first one
    page_rows = rows[start : start + size] if pagina < pages else rows[start:]
    if visits == 0 and state.faults["flaky_last_page"] and pagina == pages and pages > 1:
        page_rows = page_rows[: max(0, len(page_rows) - 3)]
    return web.json_response(
        {
            "pagina": pagina,
            "paginas": pages,
            "tamanho": size,
            "total": total,
            "registros": [
                {
                    k: getattr(d, k)
                    for k in ("identificador", "dfd", "requisitante", "descricao", "valor", "situacao", "prioridade")
                }
                for d in page_rows
            ],
        }
    )


async def api_dfd(request: web.Request) -> web.Response:
    _api_session(request)
    state = _state(request)
    await _spin(request, "dfd")
    d = state.dataset.by_identificador.get(request.match_info["identificador"])
    if d is None:
        raise web.HTTPNotFound()
    return web.json_response(d.row())


async def api_totais(request: web.Request) -> web.Response:
    _api_session(request)
    state = _state(request)
    pca = _int(request, "pca")
    await _spin(request, "totais")
    abas = state.dataset.contratacoes.get(pca, {})
    totals: dict[str, object] = {aba: len(abas.get(aba, [])) for aba in ("reprovadas", "aprovadas", "pendentes")}
    totals["total_em_aba_vazia"] = bool(state.faults["empty_tab_total"])
    return web.json_response(totals)


async def api_contratacoes(request: web.Request) -> web.Response:
    _api_session(request)
    state = _state(request)
    pca, offset = _int(request, "pca"), _int(request, "offset", 0)
    aba = request.query.get("aba", "aprovadas")
    await state.delay("cards", float(state.faults["render_ms"]), float(state.faults["slow_spinner_ms"]))
    if state.session(request) is None:
        _api_session(request)
    rows = state.dataset.contratacoes.get(pca, {}).get(aba, [])
    batch = int(state.faults["card_batch"])
    return web.json_response(
        {"total": len(rows), "offset": offset, "registros": [c.row() for c in rows[offset : offset + batch]]}
    )


# -- control: faults, dataset, stats, truth -------------------------------------------------
def check_faults(body: object) -> dict:
    """A checked PGC fault body; ValueError names the bad key."""
    if not isinstance(body, dict):
        raise ValueError("PGC faults must be a JSON object")
    unknown = sorted(set(body) - set(FAULT_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown PGC fault keys: {', '.join(unknown)}; known: {sorted(FAULT_DEFAULTS)}")
    if body.get("login_outcome") not in (None, "wrong", "expired", "revoked", "blocked"):
        raise ValueError("login_outcome must be wrong|expired|revoked|blocked|null")
    for key, value in body.items():
        if isinstance(FAULT_DEFAULTS[key], bool):
            if not isinstance(value, bool):
                raise ValueError(f"{key} must be a boolean")
        elif (
            key != "login_outcome"
            and value is not None
            and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0)
        ):
            raise ValueError(f"{key} must be a non-negative number")
    for key in ("page_size", "card_batch"):
        if key in body and (body[key] is None or body[key] < 1):
            raise ValueError(f"{key} must be at least 1")
    return dict(body)


def apply_faults(app: web.Application, body: dict, *, replace: bool) -> dict:
    state: State = app[PGC_STATE]
    state.faults = dict(FAULT_DEFAULTS) if replace else state.faults
    state.faults.update(body)
    if replace:
        state.attempts.clear()
    m = state.faults.get("session_expire_max")
    state.expiring_left = None if m is None else int(m)
    return state.faults


async def faults_post(request: web.Request) -> web.Response:
    """Merges into the active PGC faults (the shared /__sandbox__/faults {"pgc": {...}} replaces)."""
    try:
        body = check_faults(await request.json())
    except (ValueError, json.JSONDecodeError) as exc:
        return web.json_response({"error": str(exc), "keys": sorted(FAULT_DEFAULTS)}, status=400)
    return web.json_response(apply_faults(request.app, body, replace=False))


async def faults_delete(request: web.Request) -> web.Response:
    return web.json_response(apply_faults(request.app, {}, replace=True))


async def dataset_post(request: web.Request) -> web.Response:
    """Scale knob: {"ano": 2025, "dfds": 10000, "contratacoes": 1000, "seed": 1}."""
    state = _state(request)
    body = await request.json()
    try:
        state.dataset.resize(
            int(body.get("ano", MAIN_PCA)), body.get("dfds"), body.get("contratacoes"), body.get("seed")
        )
    except ValueError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    ds = state.dataset
    return web.json_response({"seed": ds.seed, "uasg": UASG, "dfds": ds.dfd_counts, "contratacoes": ds.ctr_counts})


async def stats_get(request: web.Request) -> web.Response:
    return web.json_response(_state(request).stats)


async def stats_delete(request: web.Request) -> web.Response:
    _state(request).reset_stats()
    return web.json_response(_state(request).stats)


async def reset_sessions(request: web.Request) -> web.Response:
    state = _state(request)
    state.sessions.clear()
    state.challenges.clear()
    state.attempts.clear()
    return web.json_response({"ok": True})


async def truth_dfds(request: web.Request) -> web.Response:
    ds = _state(request).dataset
    ano = _int(request, "ano", MAIN_PCA)
    escopo = "meus" if request.query.get("escopo") == "meus" else "uasg"
    return web.json_response({"ano": ano, "uasg": UASG, "escopo": escopo, "registros": ds.truth_dfds(ano, escopo)})


async def truth_contratacoes(request: web.Request) -> web.Response:
    ds = _state(request).dataset
    ano = _int(request, "ano", MAIN_PCA)
    return web.json_response({"ano": ano, "uasg": UASG, "registros": ds.truth_contratacoes(ano)})


TRUTH_PROVIDERS = {"pgc-dfds": truth_dfds, "pgc-contratacoes": truth_contratacoes}


def setup(app: web.Application) -> None:
    app[PGC_STATE] = State(app.get(OPTIONS) or {})
    r = app.router
    r.add_get("/seguro/loginPortal.asp", login_get)
    r.add_post("/seguro/loginPortal.asp", login_post)
    r.add_get("/sso/login", sso_get)
    r.add_post("/sso/login", sso_post)
    r.add_get("/sso/status", sso_status)
    r.add_get("/sso/finish", sso_finish)
    r.add_get(AREA_PATH, area)
    r.add_get(APP_PATH, app_shell)
    r.add_get("/comprasnet-artefatos-web/static/{name}", static_file)
    r.add_get("/comprasnet-sandbox-static/{name}", static_file)
    r.add_get(f"{API}/pcas", api_pcas)
    r.add_get(f"{API}/dfds", api_dfds)
    r.add_get(API + "/dfd/{identificador}", api_dfd)
    r.add_get(f"{API}/contratacoes/totais", api_totais)
    r.add_get(f"{API}/contratacoes", api_contratacoes)
    r.add_post("/__sandbox__/pgc/faults", faults_post)
    r.add_delete("/__sandbox__/pgc/faults", faults_delete)
    r.add_post("/__sandbox__/pgc/dataset", dataset_post)
    r.add_get("/__sandbox__/pgc/stats", stats_get)
    r.add_delete("/__sandbox__/pgc/stats", stats_delete)
    r.add_delete("/__sandbox__/pgc/sessions", reset_sessions)
    r.add_post("/__sandbox__/pgc/attended/complete", attended_complete)
    _register_truth(app)


def _register_truth(app: web.Application) -> None:
    """Use the shared control module's registries when it has them; else serve the paths directly."""
    try:
        from sandbox import control  # type: ignore
    except ImportError:
        control = None
    register_faults = getattr(control, "register_faults", None)
    if callable(register_faults):
        register_faults(
            "pgc",
            check_faults,
            lambda app, body: apply_faults(app, body, replace=True),
            lambda app: dict(app[PGC_STATE].faults),
        )
    register = getattr(control, "register_truth", None)
    if callable(register):
        for name, handler in TRUTH_PROVIDERS.items():
            register(app, name, handler)
        return
    for name, handler in TRUTH_PROVIDERS.items():
        app.router.add_get(f"/__sandbox__/truth/{name}", handler)
