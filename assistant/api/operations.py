"""Operational routes: ``/health`` (the pages are in ``pages.py``)."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.dependencies import Service
from assistant.api.models import Health

router = APIRouter(tags=["operations"])


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
