"""Issue #19: a customer who has asked for a person twice is never answered by the bot a third time, whatever the
third message says, through the real pipeline (tiny KB fixture, real encoder, embedded Chroma; nothing mocked).
The policy rule itself is tested in ``test_escalate.py``; this checks that the pipeline passes the count on and
that the reply carries no answer."""

from __future__ import annotations

import pytest

from assistant.pipeline import DialogueContext, Pipeline
from assistant.types import Message

pytestmark = pytest.mark.integration
QUESTION = "How long will my new card take to arrive?"  # answered from the fixture KB's card-arrival article


# `pipeline`: the session's warm pipeline over the fixture knowledge base (tests/conftest.py).


def test_after_two_requests_a_plain_question_goes_to_a_person(pipeline: Pipeline) -> None:
    once = pipeline.handle(Message("c1", QUESTION), DialogueContext(asks_for_person=1)).reply
    assert once.status == "answered" and once.citations  # one earlier request: the bot still answers
    third = pipeline.handle(Message("c2", QUESTION), DialogueContext(asks_for_person=2)).reply
    assert third.status == "escalated" and third.escalation is not None
    assert third.escalation.kind == "asked" and third.escalation.codes == ("asked_again",)
    assert third.text == pipeline.escalation.rules.rules["asked_again"].text  # the hand-off, not an answer
    assert third.text != once.text
