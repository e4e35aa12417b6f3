"""The HTTP API over a real pipeline (tiny KB fixture, real encoder, embedded Chroma, SQLite)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.kb.ingest import ingest_kb
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from server import create_app

pytestmark = pytest.mark.integration
FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(environment="test", data_dir=tmp_path_factory.mktemp("server"), kb_dir=FIXTURE_KB)
    ingest_kb(settings, progress=False)
    with TestClient(create_app(Pipeline.from_settings(settings))) as c:
        yield c


def test_health(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["index_size"] > 0


def test_chat_round_trip_keeps_conversation(client: TestClient) -> None:
    first = client.post("/v1/chat", json={"message": "How do I change my PIN?"})
    assert first.status_code == 200
    body = first.json()
    assert body["text"] and body["signals"]["sentiment"] in ("positive", "neutral", "negative")
    assert body["style"]["register"] in ("plain", "standard", "technical")
    second = client.post("/v1/chat", json={"message": "thanks!", "conversation_id": body["conversation_id"]})
    assert second.json()["turn_index"] == 1


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"message": ""}, 422),
        ({"message": "   "}, 422),
        ({"message": "x" * 10_000}, 422),
        ({"message": 42}, 422),
        ({"message": "hi", "surprise": True}, 422),
        ({"message": "hi", "conversation_id": "does-not-exist"}, 404),
    ],
)
def test_bad_input_gets_clear_error(client: TestClient, payload: dict[str, object], status: int) -> None:
    res = client.post("/v1/chat", json=payload)
    assert res.status_code == status
    assert "detail" in res.json()


def test_invalid_utf8_body_is_rejected(client: TestClient) -> None:
    res = client.post("/v1/chat", content=b'{"message": "\xff\xfe"}', headers={"content-type": "application/json"})
    assert res.status_code in (400, 422)


def test_copilot_view_after_handoff(client: TestClient) -> None:
    body = client.post("/v1/chat", json={"message": "Please put me through to a human agent"}).json()
    assert body["escalation"]["escalate"] is True
    view = client.get(f"/v1/conversations/{body['conversation_id']}").json()
    assert view["status"] == "handed_off" and view["handoff"]["reasons"]
    assert view["mood_trail"][0]["handoff_requested"] is True
    assert client.get("/v1/conversations/unknown").status_code == 404


def test_stream_events_in_order(client: TestClient) -> None:
    with client.stream("POST", "/v1/chat/stream", json={"message": "How do I change my PIN?"}) as res:
        events = [line.split(":", 1)[1].strip() for line in res.iter_lines() if line.startswith("event:")]
        assert res.status_code == 200
    assert events[0] == "signals" and events[-1] == "reply" and "delta" in events


def test_widget_is_served(client: TestClient) -> None:
    res = client.get("/")
    assert res.status_code == 200 and "Harbourlight" in res.text


def test_reply_json_has_no_raw_card_number(client: TestClient) -> None:
    body = client.post("/v1/chat", json={"message": "card 4111 1111 1111 1111 was stolen"}).json()

    def strings(value: object) -> list[str]:  # every text in the reply but random ids, which may hold "4111"
        if isinstance(value, dict):
            return [s for k, v in value.items() if not str(k).endswith("id") for s in (str(k), *strings(v))]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return [value] if isinstance(value, str) else []

    texts = strings(body)
    assert texts and not [t for t in texts if "4111" in t or "1111" in t]
    assert "CARD" in json.dumps(body)
