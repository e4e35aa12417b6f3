"""The HTTP server: health, the /v1/chat conveniences behind customer tokens, errors, streaming, the widget,
OpenAPI and start-up refusals. The conversation contract itself is in test_api_conversations.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.conversations import ConversationService, InMemoryConversationRepository
from assistant.errors import ConfigurationError, DatabaseNotMigratedError
from assistant.kb.ingest import ingest_kb
from assistant.pipeline import Pipeline
from assistant.settings import Settings

pytestmark = pytest.mark.integration
FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        environment="test",
        data_dir=tmp_path_factory.mktemp("server"),
        kb_dir=FIXTURE_KB,
        agent_api_keys="alice:key-alice",  # type: ignore[arg-type]
    )
    ingest_kb(settings, progress=False)
    with TestClient(create_app(ConversationService.from_settings(settings))) as c:
        yield c


def test_health_is_alive_and_ready_names_what_it_checked(client: TestClient) -> None:
    res = client.get("/health")
    assert res.status_code == 200 and res.json() == {"status": "alive"}
    assert res.headers["X-Request-ID"]
    assert client.get("/health", headers={"X-Request-ID": "abc"}).headers["X-Request-ID"] == "abc"
    ready = client.get("/ready")
    body = ready.json()
    assert ready.status_code == 200 and body["ready"] and body["reasons"] == [] and body["index_size"] > 0
    assert {"first_turn", "redact", "check"} <= set(body["warm_ms"]), body["warm_ms"]  # the check stage ran too


def test_chat_round_trip_keeps_conversation_behind_its_token(client: TestClient) -> None:
    first = client.post("/v1/chat", json={"message": "How do I change my PIN?"})
    assert first.status_code == 200
    body = first.json()
    assert body["text"] and body["signals"]["sentiment"] in ("positive", "neutral", "negative")
    assert body["style"]["register"] in ("plain", "standard", "technical")
    assert body["state"] == "bot" and body["customer_token"]
    follow_up = {"message": "thanks!", "conversation_id": body["conversation_id"]}
    assert client.post("/v1/chat", json=follow_up).status_code == 401
    auth = {"Authorization": f"Bearer {body['customer_token']}"}
    second = client.post("/v1/chat", json=follow_up, headers=auth)
    assert second.json()["turn_index"] == 1 and "customer_token" not in second.json()


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"message": ""}, 422),
        ({"message": "   "}, 422),
        ({"message": "x" * 10_000}, 422),
        ({"message": 42}, 422),
        ({"message": "hi", "surprise": True}, 422),
        ({"message": "hi", "conversation_id": "does-not-exist"}, 401),
    ],
)
def test_bad_input_gets_clear_error(client: TestClient, payload: dict[str, object], status: int) -> None:
    res = client.post("/v1/chat", json=payload)
    assert res.status_code == status
    assert "detail" in res.json()


def test_invalid_utf8_body_is_rejected(client: TestClient) -> None:
    res = client.post("/v1/chat", content=b'{"message": "\xff\xfe"}', headers={"content-type": "application/json"})
    assert res.status_code == 422


def test_stream_events_in_order(client: TestClient) -> None:
    with client.stream("POST", "/v1/chat/stream", json={"message": "How do I change my PIN?"}) as res:
        events = [line.split(":", 1)[1].strip() for line in res.iter_lines() if line.startswith("event:")]
        assert res.status_code == 200
    assert events[0] == "conversation" and events[1] == "signals" and events[-1] == "reply" and "delta" in events


def test_widget_is_served(client: TestClient) -> None:
    res = client.get("/")
    assert res.status_code == 200 and "Harbourlight" in res.text


def test_reply_json_has_no_raw_card_number(client: TestClient) -> None:
    body = client.post("/v1/chat", json={"message": "card 4111 1111 1111 1111 was stolen"}).json()

    def strings(value: object) -> list[str]:  # every text in the reply but random ids and the token
        if isinstance(value, dict):
            return [s for k, v in value.items() if not str(k).endswith(("id", "token")) for s in (str(k), *strings(v))]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return [value] if isinstance(value, str) else []

    texts = strings(body)
    assert texts and not [t for t in texts if "4111" in t or "1111" in t]
    assert "CARD" in json.dumps(body)


def test_openapi_names_every_route_with_typed_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/v1/conversations",
        "/v1/conversations/{conversation_id}",
        "/v1/conversations/{conversation_id}/messages",
        "/v1/agent/queue",
        "/v1/agent/conversations/{conversation_id}",
        "/v1/agent/conversations/{conversation_id}/claim",
        "/v1/agent/conversations/{conversation_id}/resolve",
    ):
        assert path in paths
    reply = paths["/v1/conversations/{conversation_id}/messages"]["post"]["responses"]["200"]
    assert reply["content"]["application/json"]["schema"]["$ref"].endswith("/MessageReply")
    chat = paths["/v1/chat"]["post"]["responses"]
    assert chat["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ChatReply")
    assert chat["429"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    assert spec["components"]["schemas"]["ChatReply"]["examples"]
    for path, methods in paths.items():  # every JSON route documents a typed 200/201 body
        for method, op in methods.items():
            ok = op["responses"].get("200") or op["responses"].get("201")
            schema = ok.get("content", {}).get("application/json", {}).get("schema") if ok else None
            assert schema != {} and (schema is None or "$ref" in schema or "anyOf" in schema), (path, method)


def test_placeholder_agent_key_is_refused_outside_development() -> None:
    with pytest.raises(ConfigurationError, match="ATTUNE_AGENT_API_KEYS"):
        Settings(environment="production").agent_keys()
    assert Settings(environment="development").agent_keys()
    with pytest.raises(ConfigurationError, match="agent_id:key"):
        Settings(agent_api_keys="no-colon").agent_keys()  # type: ignore[arg-type]


def test_server_refuses_to_start_on_a_placeholder_key(tmp_path: Path) -> None:
    settings = Settings(environment="production", data_dir=tmp_path, kb_dir=FIXTURE_KB)
    service = ConversationService(settings, Pipeline.from_settings(settings), InMemoryConversationRepository())
    with pytest.raises(ConfigurationError), TestClient(create_app(service)):
        pass


def test_unmigrated_database_error_maps_to_503() -> None:
    from assistant.api import STATUS_BY_ERROR

    assert STATUS_BY_ERROR[DatabaseNotMigratedError] == 503
