"""The issue's "done when" scenarios through the HTTP API, on SQLite and (when configured) on PostgreSQL.

Real pipeline (tiny KB fixture, real encoder, embedded Chroma); nothing of ours is mocked.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conversation_db import DB_PARAMS, POSTGRES_URL, fresh_schema
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.conversations import ConversationService
from assistant.integrations.sql import SqlConversationRepository, make_engine, upgrade
from assistant.kb.ingest import ingest_kb
from assistant.pipeline import Pipeline
from assistant.settings import Settings

pytestmark = pytest.mark.integration
FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"
ALICE = {"Authorization": "Bearer key-alice"}
BOB = {"Authorization": "Bearer key-bob"}
DISTRESSED = "I lost my job last month and I'm really scared I can't pay my rent, I don't know what to do"
CRISIS = "I can't cope with these debts anymore, I want to end my life"
ROUTINE = "How long will my new card take to arrive?"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path_factory.mktemp("api"),
        kb_dir=FIXTURE_KB,
        agent_api_keys="alice:key-alice,bob:key-bob",  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def pipeline(settings: Settings) -> Pipeline:
    ingest_kb(settings, progress=False)
    p = Pipeline.from_settings(settings)
    p.warm_up()
    return p


@pytest.fixture(scope="module", params=DB_PARAMS)
def client(request: pytest.FixtureRequest, settings: Settings, pipeline: Pipeline) -> Iterator[TestClient]:
    if request.param == "sqlite":
        repo = SqlConversationRepository(f"sqlite:///{settings.data_dir / 'api.db'}")
        with TestClient(create_app(ConversationService(settings, pipeline, repo))) as c:
            yield c
        repo.dispose()
        return
    assert POSTGRES_URL is not None
    with fresh_schema() as schema:
        upgrade(make_engine(POSTGRES_URL, schema=schema))
        repo = SqlConversationRepository(POSTGRES_URL, schema=schema)
        with TestClient(create_app(ConversationService(settings, pipeline, repo))) as c:
            yield c
        repo.dispose()


def _start(client: TestClient) -> tuple[str, dict[str, str]]:
    res = client.post("/v1/conversations", json={})
    assert res.status_code == 201
    body = res.json()
    return body["conversation_id"], {"Authorization": f"Bearer {body['customer_token']}"}


def _send(client: TestClient, cid: str, auth: dict[str, str], text: str, **extra: Any) -> dict[str, Any]:
    res = client.post(f"/v1/conversations/{cid}/messages", json={"text": text, **extra}, headers=auth)
    assert res.status_code == 200, res.text
    body: dict[str, Any] = res.json()
    return body


def _escalated(client: TestClient, text: str = DISTRESSED) -> tuple[str, dict[str, str], dict[str, Any]]:
    cid, auth = _start(client)
    return cid, auth, _send(client, cid, auth, text)


def test_distressed_customer_waits_for_a_person_and_the_bot_stops(client: TestClient) -> None:
    cid, auth, first = _escalated(client)
    assert first["status"] == "escalated" and first["state"] == "waiting_for_human"
    assert "vulnerable_with_distress" in first["escalation"]["codes"] and first["escalation"]["priority"] == "high"
    assert first["queue"]["place"] >= 1 and "in the queue" in first["text"]
    second = _send(client, cid, auth, ROUTINE)
    assert second["status"] == "waiting_for_human" and second["citations"] == []
    assert "still in the queue" in second["text"]
    view = client.get(f"/v1/conversations/{cid}", headers=auth).json()
    assert view["state"] == "waiting_for_human" and view["queue"]["place"] >= 1


def test_crisis_on_the_first_turn_is_top_of_the_queue(client: TestClient) -> None:
    _escalated(client)  # an earlier, less urgent conversation
    cid, _, reply = _escalated(client, CRISIS)
    assert reply["state"] == "waiting_for_human" and "116 123" in reply["text"]
    assert reply["escalation"]["crisis"] and reply["escalation"]["priority"] == "urgent"
    queue = client.get("/v1/agent/queue", headers=ALICE).json()
    assert queue["entries"][0]["conversation_id"] == cid and queue["entries"][0]["place"] == 1
    assert queue["entries"][0]["priority"] == "urgent"
    ranks = [{"urgent": 2, "high": 1, "normal": 0}[e["priority"]] for e in queue["entries"]]
    assert ranks == sorted(ranks, reverse=True)


def test_of_two_concurrent_claims_one_wins(client: TestClient) -> None:
    cid, _, _ = _escalated(client)
    barrier = threading.Barrier(2)

    def claim(headers: dict[str, str]) -> int:
        barrier.wait()
        return client.post(f"/v1/agent/conversations/{cid}/claim", headers=headers).status_code

    with ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(claim, [ALICE, BOB]))
    assert codes == [200, 409]


def test_agent_reply_reaches_the_customer_and_resolve_returns_to_the_bot(client: TestClient) -> None:
    cid, auth, _ = _escalated(client)
    assert client.post(f"/v1/agent/conversations/{cid}/claim", headers=ALICE).json()["state"] == "with_human"
    waiting = _send(client, cid, auth, "are you there?")
    assert waiting["status"] == "with_human" and waiting["text"] == ""
    card = "4111 1111 1111 1111"
    res = client.post(
        f"/v1/agent/conversations/{cid}/messages", json={"text": f"Hi, I can help now. Is {card} yours?"}, headers=ALICE
    )
    assert res.status_code == 200 and res.json()["turn"]["role"] == "agent"
    assert (
        client.post(f"/v1/agent/conversations/{cid}/messages", json={"text": "me too"}, headers=BOB).status_code == 409
    )
    turns = client.get(f"/v1/conversations/{cid}/messages", headers=auth).json()["turns"]
    agent_turns = [t for t in turns if t["role"] == "agent"]
    assert agent_turns and "help now" in agent_turns[0]["text"] and card not in agent_turns[0]["text"]
    assert client.post(f"/v1/agent/conversations/{cid}/resolve", headers=ALICE).json()["state"] == "resolved"
    assert client.post(f"/v1/conversations/{cid}/rating", json={"score": 5}, headers=auth).json()["rating"] == 5
    again = _send(client, cid, auth, ROUTINE)
    assert again["status"] == "answered" and again["state"] == "bot" and again["citations"]
    more = _send(client, cid, auth, "And what about my old card?")
    assert more["state"] == "bot"


def test_twenty_concurrent_sends_all_succeed_in_order(client: TestClient) -> None:
    cid, auth = _start(client)
    texts = [f"How long will my new card take to arrive? ({i})" for i in range(20)]

    def send(text: str) -> int:
        return client.post(f"/v1/conversations/{cid}/messages", json={"text": text}, headers=auth).status_code

    with ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(send, texts))
    assert codes == [200] * 20
    turns = client.get(f"/v1/conversations/{cid}/messages", headers=auth).json()["turns"]
    assert [t["index"] for t in turns] == list(range(len(turns)))
    customer = [t for t in turns if t["role"] == "customer"]
    assert len(customer) == 20 and sorted(t["text"] for t in customer) == sorted(texts)
    assert all(turns[i + 1]["role"] != "customer" for i, t in enumerate(turns[:-1]) if t["role"] == "customer")


def test_a_retried_client_message_id_is_stored_once(client: TestClient) -> None:
    cid, auth = _start(client)
    first = _send(client, cid, auth, ROUTINE, client_message_id="m-1")
    retry = _send(client, cid, auth, ROUTINE, client_message_id="m-1")
    assert retry["duplicate"] is True and retry["text"] == first["text"] and first["duplicate"] is False
    turns = client.get(f"/v1/conversations/{cid}/messages", headers=auth).json()["turns"]
    assert [t["role"] for t in turns] == ["customer", "assistant"]


def test_tokens_401_and_404(client: TestClient) -> None:
    cid, auth = _start(client)
    other, other_auth = _start(client)
    path = f"/v1/conversations/{cid}/messages"
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get(path, headers=other_auth).status_code == 404
    assert client.post(path, json={"text": "hi"}, headers=other_auth).status_code == 404
    assert client.get(path, headers=auth).status_code == 200
    assert client.get("/v1/agent/queue").status_code == 401
    assert client.get("/v1/agent/queue", headers=auth).status_code == 401
    assert client.get("/v1/conversations/nope", headers=other_auth).status_code == 404


@pytest.mark.parametrize("payload", [{"text": ""}, {"text": "   "}, {"text": "x" * 10_000}, {"text": 42}, {"z": 1}])
def test_invalid_input_stores_nothing(client: TestClient, payload: dict[str, Any]) -> None:
    cid, auth = _start(client)
    res = client.post(f"/v1/conversations/{cid}/messages", json=payload, headers=auth)
    assert res.status_code == 422 and "detail" in res.json()
    assert client.get(f"/v1/conversations/{cid}/messages", headers=auth).json()["turns"] == []


def test_rejected_chat_creates_no_conversation(client: TestClient) -> None:
    service: ConversationService = client.app.state.service  # type: ignore[attr-defined]
    before = len(service.repository.conversations())
    assert client.post("/v1/chat", json={"message": "   "}).status_code == 422
    assert len(service.repository.conversations()) == before


def test_asking_twice_is_never_answered_by_the_bot(client: TestClient) -> None:
    cid, auth, first = _escalated(client, "Can I talk to a human please")
    assert first["state"] == "waiting_for_human" and first["escalation"]["kind"] == "asked"
    assert client.post(f"/v1/agent/conversations/{cid}/release", headers=ALICE).json()["state"] == "bot"
    again = _send(client, cid, auth, "I said I want to talk to a human please")
    assert again["status"] == "escalated" and again["escalation"]["codes"] == ["asked_again"]
    assert again["escalation"]["priority"] == "high"


def test_an_offer_is_one_tap_away(client: TestClient) -> None:
    cid, auth = _start(client)
    _send(client, cid, auth, "What will the weather be like in Paris tomorrow?")
    offered = _send(client, cid, auth, "Who won the football last night?")
    assert offered["state"] == "bot" and offered["actions"] == [{"id": "request_person", "label": "Talk to a person"}]
    declined = _send(client, cid, auth, ROUTINE)
    assert declined["status"] == "answered" and declined["state"] == "bot"
    tapped = client.post(f"/v1/conversations/{cid}/messages", json={"action": "request_person"}, headers=auth).json()
    assert tapped["state"] == "waiting_for_human" and tapped["escalation"]["codes"] == ["asked_for_person"]


def test_packet_for_the_agent(client: TestClient) -> None:
    cid, auth = _start(client)
    _send(client, cid, auth, ROUTINE)
    _send(client, cid, auth, DISTRESSED)
    packet = client.get(f"/v1/agent/conversations/{cid}", headers=ALICE).json()
    assert packet["priority"] == "high" and packet["reasons"] and packet["reasons"][0]["code"]
    assert len(packet["mood_trail"]) == 2 and packet["literacy"] in ("novice", "intermediate", "expert")
    assert packet["drivers"] and all(isinstance(c, list) for c in packet["drivers"].values())
    assert packet["sources"] and packet["sources"][0]["article_id"]
    assert packet["open_question"].startswith("I lost my job") and packet["summary"]
    assert [t["role"] for t in packet["transcript"]][:2] == ["customer", "assistant"]


def test_rating_before_resolve_is_refused(client: TestClient) -> None:
    cid, auth = _start(client)
    assert client.post(f"/v1/conversations/{cid}/rating", json={"score": 4}, headers=auth).status_code == 409
    assert client.post(f"/v1/conversations/{cid}/rating", json={"score": 9}, headers=auth).status_code == 422


def test_a_crisis_while_waiting_goes_to_the_top_with_contacts(client: TestClient) -> None:
    cid, auth, _ = _escalated(client)
    reply = _send(client, cid, auth, CRISIS)
    assert reply["status"] == "waiting_for_human" and "116 123" in reply["text"]
    top = client.get("/v1/agent/queue", headers=ALICE).json()["entries"][0]
    assert top["priority"] == "urgent" and top["crisis"] is True and "crisis" in top["reasons"]


def test_outside_opening_hours_the_customer_is_told_with_phone_and_crisis_contacts(
    settings: Settings, pipeline: Pipeline
) -> None:
    from datetime import UTC, datetime

    from assistant.conversations import InMemoryConversationRepository

    closed = settings.model_copy(update={"agent_days": "sat,sun", "phone_number": "0800 123 456"})
    monday = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    service = ConversationService(closed, pipeline, InMemoryConversationRepository(), clock=lambda: monday)
    cid = service.start().conversation.id
    reply = service.handle(cid, CRISIS)
    assert reply.state == "waiting_for_human" and "0800 123 456" in reply.text and "116 123" in reply.text
    assert "available" in reply.text and reply.body["queue"]["open_now"] is False


@pytest.mark.skipif(not POSTGRES_URL, reason="ATTUNE_TEST_DATABASE_URL is not set")
def test_server_on_an_unmigrated_postgres_refuses_to_start(settings: Settings, pipeline: Pipeline) -> None:
    from assistant.errors import DatabaseNotMigratedError

    assert POSTGRES_URL is not None
    with fresh_schema() as schema:
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        service = ConversationService.from_settings(settings.model_copy(update={"database_url": url}), pipeline)
        with pytest.raises(DatabaseNotMigratedError, match="attune db upgrade"), TestClient(create_app(service)):
            pass


def test_concurrent_retries_of_one_message_store_it_once(client: TestClient) -> None:
    cid, auth = _start(client)

    def send(_: int) -> dict[str, Any]:
        res = client.post(
            f"/v1/conversations/{cid}/messages", json={"text": ROUTINE, "client_message_id": "same"}, headers=auth
        )
        assert res.status_code == 200
        body: dict[str, Any] = res.json()
        return body

    with ThreadPoolExecutor(5) as pool:
        replies = list(pool.map(send, range(5)))
    assert sum(not r["duplicate"] for r in replies) == 1 and len({r["text"] for r in replies}) == 1
    turns = client.get(f"/v1/conversations/{cid}/messages", headers=auth).json()["turns"]
    assert [t["role"] for t in turns] == ["customer", "assistant"]


def test_every_change_is_an_event_with_actor_and_time(client: TestClient) -> None:
    cid, auth, _ = _escalated(client)
    client.post(f"/v1/agent/conversations/{cid}/claim", headers=ALICE)
    client.post(f"/v1/agent/conversations/{cid}/messages", json={"text": "Hello, I'm here."}, headers=ALICE)
    client.post(f"/v1/agent/conversations/{cid}/resolve", headers=ALICE)
    client.post(f"/v1/conversations/{cid}/rating", json={"score": 3}, headers=auth)
    service: ConversationService = client.app.state.service  # type: ignore[attr-defined]
    trail = [(e.kind.value, e.actor) for e in service.repository.events(cid)]
    assert trail == [
        ("conversation_started", "customer"),
        ("message_received", "customer"),
        ("escalated", "bot"),
        ("reply_sent", "bot"),
        ("claimed", "agent:alice"),
        ("agent_message", "agent:alice"),
        ("resolved", "agent:alice"),
        ("rated", "customer"),
    ]
    assert all(e.at.tzinfo is not None for e in service.repository.events(cid))
    assert client.post(f"/v1/agent/conversations/{cid}/resolve", headers=ALICE).status_code == 409
    assert client.post("/v1/agent/conversations/nope/claim", headers=ALICE).status_code == 404


def test_the_customer_token_is_stored_only_hashed(client: TestClient) -> None:
    body = client.post("/v1/conversations", json={}).json()
    service: ConversationService = client.app.state.service  # type: ignore[attr-defined]
    stored = service.repository.get(body["conversation_id"])
    assert body["customer_token"] not in stored.token_hash and len(stored.token_hash) == 64
