"""Operational routes: ``/health`` and the chat widget."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from assistant.api.dependencies import Service
from assistant.api.models import Health

router = APIRouter(tags=["operations"])
WIDGET = Path(__file__).resolve().parent.parent / "web" / "widget.html"


@router.get("/health")
def health(service: Service) -> Health:
    service.repository.ping()
    pipeline = service.pipeline
    return Health(
        status="ok",
        generator=pipeline.settings.generator,
        index_size=pipeline.retriever.index_size(),
        database="ok",
    )


@router.get("/", include_in_schema=False)
def widget() -> FileResponse:
    return FileResponse(WIDGET, media_type="text/html")
