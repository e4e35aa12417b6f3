"""Issue #19: a customer who has asked for a person twice is never answered by the bot a third time, whatever the
third message says, through the real pipeline (tiny KB fixture, real encoder, embedded Chroma; nothing mocked).
The policy rule itself is tested in ``test_escalate.py``; this checks that the pipeline passes the count on and
that the reply carries no answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.kb.ingest import ingest_kb
from assistant.pipeline import DialogueContext, Pipeline
from assistant.settings import Settings
from assistant.types import Message

pytestmark = pytest.mark.integration
FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"
QUESTION = "How long will my new card take to arrive?"  # answered from the fixture KB's card-arrival article


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    settings = Settings(environment="test", data_dir=tmp_path_factory.mktemp("asked_twice"), kb_dir=FIXTURE_KB)
    ingest_kb(settings, progress=False)
    p = Pipeline.from_settings(settings)
    p.warm_up()
    return p


def test_after_two_requests_a_plain_question_goes_to_a_person(pipeline: Pipeline) -> None:
    once = pipeline.handle(Message("c1", QUESTION), DialogueContext(asks_for_person=1)).reply
    assert once.status == "answered" and once.citations  # one earlier request: the bot still answers
    third = pipeline.handle(Message("c2", QUESTION), DialogueContext(asks_for_person=2)).reply
    assert third.status == "escalated" and third.escalation is not None
    assert third.escalation.kind == "asked" and third.escalation.codes == ("asked_again",)
    assert third.text == pipeline.escalation.rules.rules["asked_again"].text  # the hand-off, not an answer
    assert third.text != once.text
