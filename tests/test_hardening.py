"""Hardening of the HTTP API without warming models: body limits (declared and chunked), message length,
malformed Unicode, security headers, CORS, rate limits with Retry-After, docs only in development, request ids
in log lines, /ready's reasons, /metrics, the SQLite file mode and placeholder secrets."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.conversations import ConversationService, InMemoryConversationRepository
from assistant.errors import ConfigurationError
from assistant.integrations.ratelimit import InMemoryRateLimiter
from assistant.integrations.sql import SqlConversationRepository
from assistant.pipeline import Pipeline
from assistant.settings import Settings

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"


def _client(tmp_path: Path, **overrides: object) -> TestClient:
    """An app whose models are never loaded (no lifespan): enough for everything that happens before a turn."""
    values: dict[str, object] = {"environment": "test", "data_dir": tmp_path / "d", "kb_dir": FIXTURE_KB}
    values.update(overrides)
    settings = Settings(**values)  # type: ignore[arg-type]
    service = ConversationService(settings, Pipeline.from_settings(settings), InMemoryConversationRepository())
    return TestClient(create_app(service, limiter=InMemoryRateLimiter(clock=lambda: 1_000_000.0)))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    yield _client(tmp_path, max_body_bytes=2048, max_message_chars=100, cors_origins="https://bank.example")


def test_a_declared_body_over_the_limit_is_refused_before_reading(client: TestClient) -> None:
    res = client.post("/v1/chat", content=b"x" * 5000, headers={"content-type": "application/json"})
    assert res.status_code == 413 and res.json()["error"] == "payload_too_large"
    assert res.headers["x-content-type-options"] == "nosniff"


def test_a_chunked_body_without_length_is_cut_off_at_the_limit(client: TestClient) -> None:
    sent: list[int] = []

    def chunks() -> Iterator[bytes]:
        for _ in range(50):
            sent.append(1)
            yield b'{"message": "' + b"a" * 512

    res = client.post("/v1/chat", content=chunks(), headers={"content-type": "application/json"})
    assert res.status_code == 413
    assert "content-length" not in {k.lower() for k in res.request.headers}


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ('{"message": "lone \\udc80 surrogate"}', {}),
        (b'{"message": "\xff\xfe broken"}', {}),
        ('{"message": "' + "x" * 500 + '"}', {}),
        ('{"message": "   "}', {}),
        ('{"message": "hi", "extra": 1}', {}),
        ("not json", {}),
    ],
)
def test_bad_messages_get_422_never_500(client: TestClient, body: str | bytes, headers: dict[str, str]) -> None:
    for path in ("/v1/chat", "/v1/chat/stream"):
        res = client.post(path, content=body, headers={"content-type": "application/json", **headers})
        assert res.status_code == 422, (path, res.status_code, res.text)
        assert "text/event-stream" not in res.headers.get("content-type", "")  # no stream starts


def test_a_stream_for_a_conversation_it_may_not_write_to_is_refused_before_it_starts(client: TestClient) -> None:
    res = client.post("/v1/chat/stream", json={"message": "hello", "conversation_id": "nope"})
    assert res.status_code == 401 and "text/event-stream" not in res.headers.get("content-type", "")


def test_security_headers_on_every_response(client: TestClient) -> None:
    res = client.get("/health")
    csp = res.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'self'" in csp and "object-src 'none'" in csp
    assert res.headers["x-content-type-options"] == "nosniff"
    assert res.headers["referrer-policy"] == "no-referrer"


def test_frame_ancestors_come_from_settings(tmp_path: Path) -> None:
    c = _client(tmp_path, frame_ancestors="'self' https://www.bank.example")
    assert "frame-ancestors 'self' https://www.bank.example" in c.get("/health").headers["content-security-policy"]


def test_cors_allows_only_listed_origins(client: TestClient) -> None:
    ok = client.options(
        "/v1/conversations", headers={"Origin": "https://bank.example", "Access-Control-Request-Method": "POST"}
    )
    assert ok.headers.get("access-control-allow-origin") == "https://bank.example"
    evil = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in evil.headers


def test_rate_limit_per_ip_answers_429_with_retry_after(tmp_path: Path) -> None:
    c = _client(tmp_path, rate_limit_per_ip=3, rate_limit_window_s=60)
    codes = [c.post("/v1/conversations", json={}).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    res = c.post("/v1/conversations", json={})
    assert res.json()["error"] == "rate_limited" and res.headers["Retry-After"] == str(60 - 1_000_000 % 60)
    assert c.get("/health").status_code == 200  # operations are not limited


def test_rate_limit_per_token(tmp_path: Path) -> None:
    c = _client(tmp_path, rate_limit_per_token=2, rate_limit_per_ip=100)
    started = c.post("/v1/conversations", json={}).json()
    auth = {"Authorization": f"Bearer {started['customer_token']}"}
    path = f"/v1/conversations/{started['conversation_id']}"
    assert [c.get(path, headers=auth).status_code for _ in range(3)] == [200, 200, 429]
    other = c.post("/v1/conversations", json={}).json()  # another customer on the same address is not held up
    other_auth = {"Authorization": f"Bearer {other['customer_token']}"}
    assert c.get(f"/v1/conversations/{other['conversation_id']}", headers=other_auth).status_code == 200


def test_docs_only_in_development_and_without_third_party_assets(tmp_path: Path) -> None:
    assert _client(tmp_path).get("/docs").status_code == 404
    dev = _client(tmp_path, environment="development")
    page = dev.get("/docs")
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text and "<script>" not in page.text
    assert dev.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert dev.get("/docs/assets/../../etc/passwd").status_code == 404


def test_every_log_line_of_a_request_carries_its_id(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        client.post("/v1/chat", json={"message": "   "}, headers={"X-Request-ID": "req-42"})
    lines = [r for r in caplog.records if r.name.startswith("attune")]
    assert lines and all(getattr(r, "request_id", None) == "req-42" for r in lines)
    assert any(r.getMessage().startswith("POST /v1/chat -> 422 in ") for r in lines)  # one access line per request


def test_ready_says_why_not(client: TestClient) -> None:
    res = client.get("/ready")
    body = res.json()
    assert res.status_code == 503 and not body["ready"]
    assert any("index" in r for r in body["reasons"]) and any("warm" in r for r in body["reasons"])


def test_metrics_in_prometheus_format(client: TestClient) -> None:
    client.get("/health")
    text = client.get("/metrics").text
    assert 'attune_requests_total{method="GET",route="/health",status="200"}' in text
    assert "attune_queue_length 0.0" in text and "attune_request_seconds_bucket" in text


def test_sqlite_file_is_private(tmp_path: Path) -> None:
    db = tmp_path / "store" / "attune.db"
    repo = SqlConversationRepository(f"sqlite:///{db}")
    try:
        repo.ping()
        assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    finally:
        repo.dispose()


def test_placeholder_secrets_are_refused_outside_development() -> None:
    for env in ("test", "production"):
        with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
            Settings(environment=env, generator="openai")  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match="WEBHOOK_SECRET"):
            Settings(environment=env, webhook_url="http://127.0.0.1:9/hook")  # type: ignore[arg-type]
    assert Settings(environment="development", generator="openai").generator == "openai"
