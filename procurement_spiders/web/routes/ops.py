"""GET /health (the legacy body, no login) and GET /metrics (Prometheus; login unless METRICS_PUBLIC)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry

from procurement_spiders.health import check_health, unhealthy_parts
from procurement_spiders.scheduler.schedule import DEFAULT_PROJECT
from procurement_spiders.web.metrics import ProjectCollector
from procurement_spiders.web.security import current_user

router = APIRouter()


@router.get("/health")
def health(request: Request) -> JSONResponse:
    """`{"status": "ok", "database": "connected", "selenium": "connected", "timestamp": …}`; on a
    failure 503, status "error" and `down` listing the parts that are down."""
    ok, parts = check_health(request.app.state.config)
    body: dict[str, object] = dict(parts)
    if not ok:
        body["down"] = unhealthy_parts(parts)
    return JSONResponse(body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})


@router.get("/metrics")
def metrics(request: Request) -> Response:
    state = request.app.state
    if not state.config.metrics_public:
        current_user(request)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ProjectCollector(state.engine, state.config, state.scrapyd, DEFAULT_PROJECT))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
