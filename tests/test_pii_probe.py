"""End to end through the real API, the SQLite store, Chroma and the OpenAI-compatible generator (a fake LLM server
on loopback, the only thing faked): none of the seeded raw values reaches the database file, a log record, the
vector store or a prompt."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_answers_fake_llm import FakeChatServer

from assistant.api import create_app
from assistant.conversations import ConversationService
from assistant.kb.ingest import ingest_kb
from assistant.settings import Settings

pytestmark = pytest.mark.integration
FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"
# (raw value, a message that carries it); the values are what must never be stored, logged, embedded or prompted.
SEEDED: list[tuple[str, str]] = [
    ("JT 48 31 92 D", "My national insurance number is JT 48 31 92 D, how do I open an ISA?"),
    ("17/09/1983", "I was born on 17/09/1983 and the app says my age is wrong"),
    ("27 Larkspur Crescent", "Please send my new card to 27 Larkspur Crescent, Harrogate HG2 7QS"),
    ("HG2 7QS", "Is there a branch near HG2 7QS?"),
    ("Wren4lley!", "my password is Wren4lley! and it won't let me in"),
    ("402719", "sort code 402719 account 55318702, why is my salary late?"),
    ("55318702", "Can you check account 55318702 for a missing payment?"),
    ("Philippa Ostrowska", "Philippa Ostrowska here, my card was taken at the station"),
    ("4929 4206 1532 0051", "card 4929 4206 1532 0051 was stolen, block it please"),
    ("518-27-4419", "my SSN is 518-27-4419, do you need it?"),
    ("GB33 BUKB 2020 1555 5555 55", "refund me to GB33 BUKB 2020 1555 5555 55 please"),
    ("p.ostrowska77@example.net", "email me at p.ostrowska77@example.net"),
    ("is 7391", "my pin is 7391, I think someone saw it"),  # with its context: 4 digits alone occur in ids
]


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[FakeChatServer]:
    with FakeChatServer() as server:
        yield server


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, fake_llm: FakeChatServer) -> Iterator[tuple[TestClient, Settings]]:
    settings = Settings(
        environment="test",
        data_dir=tmp_path_factory.mktemp("probe"),
        kb_dir=FIXTURE_KB,
        agent_api_keys="alice:key-alice",  # type: ignore[arg-type]
        generator="openai",
        openai_base_url=fake_llm.base_url,
        openai_api_key="sk-test-key",  # type: ignore[arg-type]
        openai_model="fake-model",
        openai_timeout_s=5.0,
    )
    ingest_kb(settings, progress=False)
    with TestClient(create_app(ConversationService.from_settings(settings))) as client:
        yield client, settings


def test_seeded_values_never_leave_redaction(
    world: tuple[TestClient, Settings], fake_llm: FakeChatServer, caplog: pytest.LogCaptureFixture
) -> None:
    client, settings = world
    caplog.set_level(logging.DEBUG)
    started = client.post("/v1/conversations", json={}).json()
    auth = {"Authorization": f"Bearer {started['customer_token']}"}
    cid = started["conversation_id"]
    for i, (_, message) in enumerate(SEEDED):
        if i % 3 == 0:
            res = client.post("/v1/chat", json={"message": message})
        elif i % 3 == 1:
            with client.stream("POST", "/v1/chat/stream", json={"message": message}) as stream:
                res_lines = list(stream.iter_lines())
            assert any(line.startswith("event: reply") for line in res_lines)
            continue
        else:
            res = client.post(f"/v1/conversations/{cid}/messages", json={"text": message}, headers=auth)
        assert res.status_code == 200, res.text
    assert fake_llm.requests, "the generator was never asked: the prompt check would prove nothing"

    stored = b"".join(p.read_bytes() for p in settings.data_dir.rglob("*") if p.is_file())  # SQLite + Chroma
    assert settings.sqlite_path.is_file() and any(settings.chroma_path.rglob("*.sqlite3"))
    prompts = json.dumps(fake_llm.requests)
    logs = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert caplog.records
    for value, _ in SEEDED:
        assert value.encode() not in stored, f"{value!r} is in the data directory"
        assert value not in prompts, f"{value!r} was sent to the language model"
        assert value not in logs, f"{value!r} is in a log record"
    customer_turns = client.get(f"/v1/conversations/{cid}/messages", headers=auth).json()["turns"]
    assert any("<" in t["text"] for t in customer_turns if t["role"] == "customer")  # placeholders were stored
