"""Response shapes the real portals use for errors and empty results (pncp.md §1.2, §1.9)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from aiohttp import web

BRT = timezone(timedelta(hours=-3))

RATE_LIMIT_HTML = (
    "<html><head><title>Limite de Requisições Excedido</title></head><body>"
    "<h1>Limite de Requisições Excedido</h1>"
    "<p>O número de requisições permitido foi excedido. Tente novamente mais tarde.</p>"
    "<p>Your support ID is: 1234567890123456789</p></body></html>"
)
GATEWAY_HTML = {
    502: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
    "<hr><center>nginx</center></body></html>",
    503: "<html><head><title>503 Service Temporarily Unavailable</title></head><body><center>"
    "<h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>",
    504: "<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1>"
    "</center><hr><center>nginx</center></body></html>",
}


def dumps(payload) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def json_response(payload, status: int = 200) -> web.Response:
    return web.Response(text=dumps(payload), status=status, content_type="application/json")


def _utc_stamp() -> str:
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+00:00"


def spring_error(request: web.Request, status: int, error: str, message: str) -> web.Response:
    """Spring Boot default error body, e.g. the 400 for a missing request parameter."""
    return json_response(
        {"timestamp": _utc_stamp(), "status": status, "error": error, "message": message, "path": request.path}, status
    )


def bad_request(request: web.Request, message: str) -> web.Response:
    return spring_error(request, 400, "Bad Request", message)


def unprocessable(request: web.Request, message: str) -> web.Response:
    """The consulta 422 shape: status as a string and a -03:00 timestamp."""
    stamp = datetime.now(BRT).isoformat(timespec="milliseconds")
    return json_response(
        {
            "path": request.path,
            "message": message,
            "error": "422 UNPROCESSABLE_ENTITY",
            "timestamp": stamp,
            "status": "422",
        },
        422,
    )


def missing_param(request: web.Request, name: str, java_type: str) -> web.Response:
    return bad_request(
        request, f"Required request parameter '{name}' for method parameter type {java_type} is not present"
    )


def type_mismatch(request: web.Request, value: str, java_type: str) -> web.Response:
    return bad_request(
        request,
        "Failed to convert value of type 'java.lang.String' to required type "
        f"'java.lang.{java_type}'; For input string: \"{value}\"",
    )


NO_ROWS_MARK = web.ResponseKey("sandbox_no_rows", bool)


def no_rows(request: web.Request, mode: str) -> web.Response:
    """'No matching data' in one of the three ways PNCP answers it (fault `no_rows`)."""
    if mode == "empty200":
        response = web.Response(status=200, body=b"", content_type="application/json")
    elif mode == "404":
        response = spring_error(request, 404, "Not Found", "Nenhum registro encontrado.")
    else:
        response = web.Response(status=204)
    response[NO_ROWS_MARK] = True
    return response


def html(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text, content_type="text/html", charset="utf-8")


def rate_limited() -> web.Response:
    return html(429, RATE_LIMIT_HTML)


def server_error(request: web.Request, status: int) -> web.Response:
    if status == 500:
        return spring_error(request, 500, "Internal Server Error", "Erro ao processar a consulta.")
    return html(status, GATEWAY_HTML[status])


class ParamError(Exception):
    """A query parameter problem, carrying the finished error response."""

    def __init__(self, response: web.Response):
        super().__init__(response.status)
        self.response = response


def int_param(
    request: web.Request,
    name: str,
    *,
    required: bool,
    default: int | None = None,
    minimum: int | None = None,
    java_type: str = "Integer",
) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        if required:
            raise ParamError(missing_param(request, name, java_type))
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ParamError(type_mismatch(request, raw, java_type)) from None
    if minimum is not None and value < minimum:
        raise ParamError(bad_request(request, f"{name}: deve ser maior que ou igual à {minimum}"))
    return value


def str_param(request: web.Request, name: str, *, required: bool) -> str | None:
    raw = request.query.get(name)
    if raw is None:
        if required:
            raise ParamError(missing_param(request, name, "String"))
        return None
    return raw
