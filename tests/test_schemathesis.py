"""Schemathesis over the OpenAPI document against the ASGI app (real pipeline on the tiny KB fixture): no 5xx, every
status and body as documented. Bounded examples and a derandomized (fixed) seed keep it deterministic."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assistant.api import create_app
from assistant.conversations import ConversationService
from assistant.kb.ingest import ingest_kb
from assistant.settings import Settings

pytestmark = pytest.mark.integration
FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"
AGENT = {"Authorization": "Bearer key-alice"}
CONFIG = Settings(
    environment="test",
    data_dir=Path(tempfile.mkdtemp(prefix="attune-schemathesis-")),
    kb_dir=FIXTURE_KB,
    agent_api_keys="alice:key-alice",  # type: ignore[arg-type]
    rate_limit_per_ip=100_000,
    rate_limit_per_token=100_000,
)
APP = create_app(ConversationService.from_settings(CONFIG))  # nothing is loaded until the lifespan runs
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _served() -> Iterator[None]:
    ingest_kb(CONFIG, progress=False)
    with TestClient(APP):  # runs the lifespan once: keys, copilot, warm pipeline
        yield


@schema.parametrize()
@settings(max_examples=6, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_api_matches_its_openapi_document(case: Any) -> None:
    headers = AGENT if case.path.startswith("/v1/agent") else None
    case.call_and_validate(
        headers=headers,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
