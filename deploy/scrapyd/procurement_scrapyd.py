"""scrapyd add-ons for procurement_spiders: `GET /health.json` and a launcher-side application.

This module lives outside the `procurement_spiders` package on purpose: scrapyd's web process
must not have the project on its import path, or a stale copy would shadow the eggs deployed with
`scrapyd-deploy` (scrapyd's runner appends an activated egg at the *end* of `sys.path`). So the
health check runs the deployed project's own `scrapy health` command through scrapyd's runner,
exactly the code and environment a crawl gets, and this module needs only scrapyd and Twisted.

Wiring (see `scrapyd.conf` at the repository root)::

    [scrapyd]
    application    = procurement_scrapyd.application
    public_health  = on            ; /health.json answers without basic auth (monitors, probes)
    health_project = procurement_spiders

    [services]
    health.json    = procurement_scrapyd.Health

and run scrapyd with this folder on PYTHONPATH (`scripts/scrapyd.sh` does).

`GET /health.json` answers the body printed by `scrapy health`
(`{"status", "database", "selenium", "timestamp"}`) with HTTP 200 when healthy and 503 otherwise;
a 503 body lists the parts that are down under `"down"`. Results are cached for
`health_cache_seconds` (scrapyd.conf, default 2) so a busy monitor cannot turn into a connection
storm. The body is public: it never carries a URL, a host name or an error's own message.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime

from twisted.application.service import IServiceCollection
from twisted.internet import threads
from twisted.logger import Logger
from twisted.web import resource, server

log = Logger()

CACHE_SECONDS = 2.0
CHECK_TIMEOUT = 3.0  # per part, passed to `scrapy health --timeout`
PROCESS_TIMEOUT = 30.0  # the whole `scrapy health` subprocess (interpreter start included)
PARTS = ("database", "selenium")
FINE = ("connected", "not configured")
_EXCEPTION_NAME = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit))\b")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _config():
    from scrapyd.config import Config

    return Config()


def _not_deployed(project: str) -> tuple[int, dict]:
    return 503, {
        "status": "error",
        "project": f"error: project {project} is not deployed (scrapyd-deploy)",
        "timestamp": _now(),
        "down": ["project"],
    }


def run_health_check(project: str, runner: str, settings_module: str | None = None) -> tuple[int, dict]:
    """Run the deployed project's `scrapy health` through scrapyd's runner; return (HTTP code, body)."""
    from scrapyd.utils import get_project_list

    if project not in get_project_list(_config()):
        return _not_deployed(project)
    env = os.environ.copy()
    env["SCRAPY_PROJECT"] = project
    env["PYTHONIOENCODING"] = "UTF-8"
    env.pop("SCRAPYD_EGG_VERSION", None)  # the latest deployed version
    if settings_module:
        env["SCRAPY_SETTINGS_MODULE"] = settings_module
    args = [sys.executable, "-m", runner, "health", "--timeout", f"{CHECK_TIMEOUT:g}"]
    try:
        proc = subprocess.run(args, env=env, capture_output=True, timeout=PROCESS_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return 503, {
            "status": "error",
            "project": "error: health check timed out",
            "timestamp": _now(),
            "down": ["project"],
        }
    body = None
    for line in reversed(proc.stdout.decode("utf-8", "replace").splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                body = json.loads(line)
            except ValueError:
                continue
            break
    if not isinstance(body, dict):
        # No JSON: the project failed to import. The body is public: name the exception class
        # only, never its message (it may quote a URL with its password).
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        named = _EXCEPTION_NAME.match(err[-1]) if err else None
        reason = f"{named[1]} (exit status {proc.returncode})" if named else f"exit status {proc.returncode}"
        return 503, {"status": "error", "project": f"error: {reason}", "timestamp": _now(), "down": ["project"]}
    healthy = proc.returncode == 0 and body.get("status") == "ok"
    if not healthy:
        body["down"] = [p for p in PARTS if p in body and body[p] not in FINE] or ["project"]
    return (200 if healthy else 503), body


class Health(resource.Resource):
    """`GET /health.json`; scrapyd's Root constructs it with the root as argument."""

    isLeaf = True

    def __init__(self, root=None):
        super().__init__()
        config = _config()
        self.project = config.get("health_project", "procurement_spiders")
        self.runner = config.get("runner", "scrapyd.runner")
        self.settings_module = dict(config.items("settings", default=[])).get(self.project)
        self.cache_seconds = float(config.get("health_cache_seconds", str(CACHE_SECONDS)))
        self._cached: tuple[float, int, dict] | None = None

    def render_GET(self, txrequest):
        cached = self._cached
        if cached is not None and time.monotonic() - cached[0] < self.cache_seconds:
            self._write(txrequest, cached[1], cached[2])
            return server.NOT_DONE_YET

        def done(result):
            self._cached = (time.monotonic(), *result)
            self._write(txrequest, *result)

        def failed(failure):
            log.failure("health check failed", failure)
            self._write(txrequest, 503, {"status": "error", "error": "health check failed", "timestamp": _now()})

        txrequest.notifyFinish().addErrback(lambda _: None)  # a client that left: nothing to write
        checked = threads.deferToThread(run_health_check, self.project, self.runner, self.settings_module)
        checked.addCallbacks(done, failed)
        return server.NOT_DONE_YET

    render_HEAD = render_GET

    @staticmethod
    def _write(txrequest, code: int, body: dict) -> None:
        if txrequest.finished or getattr(txrequest, "_disconnected", False):
            return
        content = json.dumps(body, ensure_ascii=False).encode("utf-8") + b"\n"
        txrequest.setResponseCode(code)
        txrequest.setHeader(b"Content-Type", b"application/json")
        txrequest.setHeader(b"Cache-Control", b"no-store")
        txrequest.setHeader(b"Content-Length", str(len(content)).encode())
        if txrequest.method != b"HEAD":
            txrequest.write(content)
        txrequest.finish()


class _PublicHealthRoot(resource.Resource):
    """Serves `/health.json` directly; every other path goes to the (authenticated) site root."""

    isLeaf = False

    def __init__(self, protected: resource.Resource):
        super().__init__()
        self.protected = protected
        self.health = Health()

    def getChildWithDefault(self, path, request):
        if path == b"health.json" and not request.postpath:
            return self.health
        return self.protected.getChildWithDefault(path, request)

    def render(self, request):
        return self.protected.render(request)


def _is_loopback(address: str) -> bool:
    if address in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def application(config):
    """scrapyd's application with the project's conventions:

    - scrapyd keeps its own address: scrapyd's `SCRAPYD_BIND_ADDRESS` / `SCRAPYD_HTTP_PORT`, else
      `bind_address` / `http_port` in scrapyd.conf (127.0.0.1:6800). `API_HOST` / `API_PORT` are
      the web app's (issue 11) and are never read here;
    - scrapyd refuses to listen beyond the loopback without basic auth;
    - `/health.json` is public when `public_health = on`.
    """
    from scrapyd.app import application as scrapyd_application

    bind = os.environ.get("SCRAPYD_BIND_ADDRESS") or config.get("bind_address", "127.0.0.1")
    user = os.environ.get("SCRAPYD_USERNAME") or config.get("username", "")
    password = os.environ.get("SCRAPYD_PASSWORD") or config.get("password", "")
    if not (user and password) and not _is_loopback(bind):
        raise SystemExit(
            f"refusing to listen on {bind} without authentication: set SCRAPYD_USERNAME and SCRAPYD_PASSWORD"
        )

    app = scrapyd_application(config)
    if config.getboolean("public_health", False):
        for service in IServiceCollection(app):
            args = getattr(service, "args", ())
            site = args[1] if len(args) > 1 else None
            if isinstance(site, server.Site):
                site.resource = _PublicHealthRoot(site.resource)
                log.info("/health.json is served without authentication (public_health = on)")
    return app
