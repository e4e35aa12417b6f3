"""Operational routes: ``/health`` (alive), ``/ready`` (index, warm stages, store), ``/metrics`` (Prometheus);
``/docs`` (development only) is in ``docs.py`` and the pages in ``pages.py``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from assistant.api.chat_models import Alive, Ready
from assistant.api.dependencies import Metrics, Service
from assistant.api.readiness import ReadinessProbe

router = APIRouter(tags=["operations"])


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
