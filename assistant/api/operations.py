"""Operational routes: ``/health`` (alive), ``/ready`` (index, warm stages, store), ``/metrics`` (Prometheus),
``/docs`` in development only (swagger-ui from the installed ``swagger-ui-bundle`` package, never a CDN) and the
chat widget."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from assistant.api.chat_models import Alive, Ready
from assistant.api.dependencies import Metrics, Service
from assistant.api.readiness import ReadinessProbe

router = APIRouter(tags=["operations"])
WIDGET = Path(__file__).resolve().parent.parent / "web" / "widget.html"


@router.get("/health")
def health() -> Alive:
    """The process is alive (nothing else is checked: use ``/ready`` for that)."""
    return Alive()


@router.get("/ready", responses={503: {"model": Ready, "description": "Not ready, with the reasons"}})
def ready(request: Request, response: Response, service: Service) -> Ready:
    """Ready to serve customers: the index is non-empty, every stage is warm and the store answers."""
    probe: ReadinessProbe = request.app.state.readiness
    reasons = probe.check(service)
    try:
        size = service.pipeline.retriever.index_size()
    except Exception:
        size = 0
    body = Ready(
        ready=not reasons,
        reasons=reasons,
        index_size=size,
        generator=service.pipeline.settings.generator,
        warm_ms=probe.warm_ms,
    )
    if reasons:
        response.status_code = 503
    return body


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(metrics: Metrics) -> Response:
    """Prometheus text format: requests and latency per route and per stage, escalations by reason, queue
    length and time to claim."""
    payload, content_type = metrics.render()
    return Response(content=payload, media_type=content_type)


@router.get("/", include_in_schema=False)
def widget() -> FileResponse:
    # The legacy page has inline script and style; the new pages (pages.py) run under the strict default policy.
    csp = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'"
    return FileResponse(WIDGET, media_type="text/html", headers={"Content-Security-Policy": csp})
