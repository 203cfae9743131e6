"""JS-rendered pages for the browser layer's tests and benchmark, under `/__browser__/`.

- `/__browser__/delayed/{n}?delay=300`  `<div id="content">` added by JS after `delay` ms
- `/__browser__/never`                  headers and half a page, then the body never ends
- `/__browser__/set-cookie?name=&value=` a `Set-Cookie` header plus one cookie set by JS (`js_<name>`)
- `/__browser__/echo-cookies`           the cookies this request carried, as JSON in `<pre id="cookies">`
- `/__browser__/counter`                a button that increments `#count` (page actions, sticky order)
- `/__browser__/redirect/{n}`           302 to `/__browser__/delayed/{n}` (final URL after redirects)
- `/__browser__/redirect-to?to=URL`     302 to this sandbox under another loopback host name
"""

from __future__ import annotations

import asyncio
import html
import json

from aiohttp import web

PREFIX = "/__browser__"


def _page(title: str, body: str, script: str = "") -> web.Response:
    doc = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>{body}"
        f"{f'<script>{script}</script>' if script else ''}</body></html>"
    )
    return web.Response(text=doc, content_type="text/html", charset="utf-8")


async def delayed(request: web.Request) -> web.Response:
    n = int(request.match_info["n"])
    delay = max(0, min(int(request.query.get("delay", "300")), 60_000))
    script = (
        "setTimeout(function(){var d=document.createElement('div');d.id='content';"
        f"d.setAttribute('data-n','{n}');d.textContent='Página {n} renderizada';"
        f"document.body.appendChild(d);}}, {delay});"
    )
    return _page(f"Página {n}", f'<h1>Página {n}</h1><p id="static">carregando…</p>', script)


async def never(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
    await response.prepare(request)
    await response.write(b"<!DOCTYPE html><html><head><title>never</title></head><body><p>loading")
    # The page load never completes; stop once the browser hangs up (so the server can shut down).
    for _ in range(1200):
        transport = request.transport
        if transport is None or transport.is_closing():
            break
        await asyncio.sleep(0.5)
    return response


async def set_cookie(request: web.Request) -> web.Response:
    name = request.query.get("name", "session")
    value = request.query.get("value", "abc123")
    script = f"document.cookie = {json.dumps(f'js_{name}={value}; path=/')};"
    response = _page("set-cookie", f'<p id="done">cookie {html.escape(name)} set</p>', script)
    response.set_cookie(name, value, path="/")
    return response


async def echo_cookies(request: web.Request) -> web.Response:
    cookies = json.dumps(dict(sorted(request.cookies.items())))
    return _page("echo-cookies", f'<pre id="cookies">{html.escape(cookies)}</pre>')


async def counter(request: web.Request) -> web.Response:
    body = '<button id="inc" type="button">+1</button> <span id="count">0</span>'
    script = (
        "document.getElementById('inc').addEventListener('click', function(){"
        "var c=document.getElementById('count');c.textContent=String(Number(c.textContent)+1);});"
    )
    return _page("counter", body, script)


async def redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{PREFIX}/delayed/{int(request.match_info['n'])}?delay=0")


async def redirect_to(request: web.Request) -> web.Response:
    """302 to `to`, which must be this sandbox under another loopback name (a cross-host redirect)."""
    target = request.query.get("to", "")
    if not target.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise web.HTTPBadRequest(text="to must be http://127.0.0.1:... or http://localhost:...")
    raise web.HTTPFound(target)


def setup(app: web.Application) -> None:
    app.router.add_get(PREFIX + "/delayed/{n:\\d+}", delayed)
    app.router.add_get(PREFIX + "/never", never)
    app.router.add_get(PREFIX + "/set-cookie", set_cookie)
    app.router.add_get(PREFIX + "/echo-cookies", echo_cookies)
    app.router.add_get(PREFIX + "/counter", counter)
    app.router.add_get(PREFIX + "/redirect/{n:\\d+}", redirect)
    app.router.add_get(PREFIX + "/redirect-to", redirect_to)


def main() -> None:
    """`python -m sandbox.browser_pages --port N`: these pages alone (tests, benchmark)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m sandbox.browser_pages")
    parser.add_argument("--port", type=int, default=8801)
    args = parser.parse_args()
    app = web.Application()
    setup(app)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None, shutdown_timeout=2.0)


if __name__ == "__main__":
    main()
