"""Hostile answers a broken or malicious portal could send, switched by faults (state.py):
money that is not money, Dados Abertos rows that cannot be read, counts and page totals that
lie, `pagina` ignored, redirects to another host. Each is counted in the request stats."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web

# valor_total fault -> what the first item of every plan carries as valorTotal (json.dumps writes
# NaN and Infinity as the bare words Python's and Java's lenient parsers accept).
VALOR_TOTAL: dict[str, object] = {
    "NaN": float("nan"),
    "Infinity": float("inf"),
    "-Infinity": float("-inf"),
    "1e30": 1e30,
    "400digits": 10**399,
    "null": None,
    "true": True,
    "-1": -1.0,
    "string": "36900.0",
}


def hostile_item(item: dict, faults: dict, stats) -> dict:
    kind = faults["valor_total"]
    if kind == "absent":
        del item["valorTotal"]
    else:
        item["valorTotal"] = VALOR_TOTAL[kind]
    stats.count_fault("valor_total")
    return item


def broken_da_row(row: dict, mode: str, stats) -> dict:
    """A published row with a malformed DFD, or with its process ending before it starts."""
    if row.get("numeroItemPncp") is None:
        return row
    if mode == "dfd":
        row["descricaoArtefato"] = f"DFD {row['descricaoArtefato']} (rascunho)"
    else:
        if not row.get("dataInicioProcessoCompra"):
            return row
        inicio = datetime.fromisoformat(row["dataInicioProcessoCompra"])
        row["dataFimProcessoCompra"] = (inicio - timedelta(days=30)).isoformat()
    stats.count_fault(f"dadosabertos_bad_rows_{mode}")
    return row


def page_asked(pagina: int, faults: dict, stats) -> int:
    """The page served: page 1 whatever was asked when the portal ignores `pagina`."""
    if faults["ignore_pagina"] and pagina != 1:
        stats.count_fault("ignore_pagina")
        return 1
    return pagina


def redirect(request: web.Request, faults: dict, stats) -> web.Response | None:
    """A 302 to `redirect_host` (same port, path and query); requests that arrive there are served
    and counted as `redirect_followed`, so a test sees whether a crawler followed."""
    host = faults["redirect_host"]
    if not host:
        return None
    if request.url.host == host:
        stats.count_fault("redirect_followed")
        return None
    stats.count_fault("redirect")
    location = f"{request.scheme}://{host}:{request.url.port}{request.path_qs}"
    return web.Response(status=302, headers={"Location": location}, text="", content_type="text/plain")
