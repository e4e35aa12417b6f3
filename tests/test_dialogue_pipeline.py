"""Follow-ups and clarifying questions through the real pipeline, the conversation service (SQLite) and the API.

Tiny KB fixture, real encoder, embedded Chroma; nothing of ours is mocked. The clarifying-question test uses a
copy of ``prompts/`` whose clarify rule always asks (a configuration, not a fake)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.conversations import ConversationService
from assistant.integrations.sql import SqlConversationRepository
from assistant.kb.ingest import ingest_kb
from assistant.pipeline import Pipeline
from assistant.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.integration
FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"


@pytest.fixture(scope="module")
def service(
    fixture_kb_settings: Settings, pipeline: Pipeline, tmp_path_factory: pytest.TempPathFactory
) -> ConversationService:
    """A conversation service over the session's warm pipeline (tests/conftest.py), storing in a SQLite file of
    this module's own."""
    db = tmp_path_factory.mktemp("dialogue") / "d.db"
    return ConversationService(fixture_kb_settings, pipeline, SqlConversationRepository(f"sqlite:///{db}"))


def test_a_follow_up_chain_keeps_the_topic_and_walks_the_layers(service: ConversationService) -> None:
    cid = service.start().conversation.id
    first = service.handle(cid, "How long will my new card take to arrive?").reply
    assert first is not None and first.citations[0].article_id == "card-arrival"
    stored = service.repository.get(cid).dialogue
    assert stored.topic is not None and stored.topic.article_id == "card-arrival"
    more = service.handle(cid, "tell me more").reply
    assert more is not None and more.dialogue == "more_detail" and more.status == "answered"
    assert {c.article_id for c in more.citations} == {"card-arrival"}
    assert "Details" in {c.section for c in more.citations}
    assert service.repository.get(cid).dialogue.layer == "Details"
    close = service.handle(cid, "thanks, that's all").reply
    assert close is not None and close.dialogue == "close" and close.status == "answered"
    assert close.text == service.pipeline.dialogue.config.texts.close
    assert service.repository.get(cid).failed_turns == 0


def test_the_dialogue_state_is_stored_redacted(service: ConversationService) -> None:
    cid = service.start().conversation.id
    service.handle(cid, "My card 4111 1111 1111 1111 never arrived, how long does it take?")
    stored = service.repository.get(cid).dialogue
    assert "4111" not in str(stored.to_dict()) and "<CARD_NUMBER>" in stored.query


@pytest.fixture(scope="module")
def asking_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """An app whose clarify rule asks on every new question (prompts copied with the rule opened up)."""
    root = tmp_path_factory.mktemp("asking")
    prompts = root / "prompts"
    shutil.copytree(PROJECT_ROOT / "prompts", prompts)
    config = yaml.safe_load((prompts / "dialogue.yaml").read_text(encoding="utf-8"))
    config["clarify"].update(max_confidence=1.0, min_confidence=0.0, min_ratio=0.0, choice_ratio=0.0, max_choices=3)
    (prompts / "dialogue.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    settings = Settings(environment="test", data_dir=root / "data", kb_dir=FIXTURE_KB, prompts_dir=prompts)
    ingest_kb(settings, progress=False)
    service = ConversationService.from_settings(settings)
    return TestClient(create_app(service))


def test_a_clarifying_question_carries_choices_and_a_click_answers_it(asking_client: TestClient) -> None:
    body = asking_client.post("/v1/conversations", json={}).json()
    cid, auth = body["conversation_id"], {"Authorization": f"Bearer {body['customer_token']}"}
    url = f"/v1/conversations/{cid}/messages"
    ask = asking_client.post(url, json={"text": "something about my card"}, headers=auth).json()
    assert ask["status"] == "answered" and ask["text"].startswith("Do you mean:")
    choices = ask["choices"]
    assert len(choices) == 3 and [c["id"] for c in choices] == ["c1", "c2", "c3"]
    picked = asking_client.post(url, json={"choice": "c2"}, headers=auth).json()
    assert picked["status"] == "answered" and picked["choices"] == []
    assert picked["citations"][0]["article_id"] == choices[1]["article_id"]
    again = asking_client.post(
        url, json={"text": "how much interest does the easy access savings account pay?"}, headers=auth
    ).json()
    assert again["choices"], "a new question asks again under this rule"
    words = asking_client.post(url, json={"text": "the first one"}, headers=auth).json()
    assert words["citations"][0]["article_id"] == again["choices"][0]["article_id"]


def test_an_unknown_choice_is_a_clear_4xx(asking_client: TestClient) -> None:
    body = asking_client.post("/v1/conversations", json={}).json()
    cid, auth = body["conversation_id"], {"Authorization": f"Bearer {body['customer_token']}"}
    res = asking_client.post(f"/v1/conversations/{cid}/messages", json={"choice": "c9"}, headers=auth)
    assert 400 <= res.status_code < 500


def test_each_later_turn_is_also_read_with_the_customers_last_turns(service: ConversationService) -> None:
    """The service hands the pipeline the stored (redacted) earlier customer messages, and the crisis view reads
    each later turn together with them (``Signals.crisis_window_p``); a first turn has no window."""
    cid = service.start().conversation.id
    first = service.handle(cid, "I'm really struggling, I don't know how I'll get through this month").reply
    assert first is not None and first.signals is not None and first.signals.crisis_window_p == 0.0
    second = service.handle(cid, "my card 4111 1111 1111 1111 keeps getting declined").reply
    assert second is not None and second.signals is not None and second.signals.crisis_window_p > 0.0
    fresh = service.start().conversation.id
    alone = service.handle(fresh, "my card 4111 1111 1111 1111 keeps getting declined").reply
    assert alone is not None and alone.signals is not None and alone.signals.crisis_window_p == 0.0
