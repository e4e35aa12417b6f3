"""No clarifying question when a person is brought in now (dialogue, stop 40).

When the escalation rules bring a person in on a message at once (vulnerability on a sensitive topic, vulnerability
with distress, high distress; not a crisis, which drafts no answer), the hand-off replaces whatever the dialogue stage
says: a clarifying question never reached the customer, who got the hand-off alone. The pipeline tells the stage
(``person_now``) and the stage answers the router's best guess instead, as it already did for high distress, so the
customer gets the article's answer with the hand-off notice.

The stage on given rankings, then messages through the real pipeline (real knowledge base, routing head, encoder)."""

from __future__ import annotations

from dialogue_readings import ranking

from assistant.answers.base import make_signals
from assistant.dialogue.state import DialogueState
from assistant.integrations.encoder import shared_encoder
from assistant.pipeline import DialogueContext, Pipeline
from assistant.stages.dialogue import DialogueTracker
from assistant.types import Encoded, Message

UNSURE = ranking(("bereavement-when-someone-dies", 0.6), ("closing-account-of-someone-who-died", 0.3), confidence=0.6)
TEXT = "my dad died on monday and I have no idea where to start with his account"


def _decide(tracker: DialogueTracker, person_now: bool) -> str:
    encoded = Encoded(TEXT, shared_encoder().encode([TEXT])[0])
    decision = tracker.run(
        encoded=encoded, retrieval=UNSURE, signals=make_signals(), state=DialogueState(), person_now=person_now
    )
    return decision.kind


def test_an_unsure_router_asks_unless_a_person_is_brought_in_now(tracker: DialogueTracker) -> None:
    assert _decide(tracker, person_now=False) == "clarify"
    assert _decide(tracker, person_now=True) == "new_topic"


def _first_turn(pipeline: Pipeline, cid: str, text: str) -> tuple[str, tuple[str, ...], str | None, tuple[str, ...]]:
    context = DialogueContext(history=(), failed_turns=0, state=DialogueState(), choice_id=None, recent_texts=())
    reply = pipeline.handle(Message(cid, text), context).reply
    assert reply.escalation is not None
    return (
        reply.status,
        tuple(c.article_id for c in reply.choices),
        reply.citations[0].article_id if reply.citations else None,
        reply.escalation.codes,
    )


def test_a_hand_off_now_comes_with_the_best_guess_answer_not_a_lost_question(real_kb_pipeline: Pipeline) -> None:
    status, choices, cited, codes = _first_turn(real_kb_pipeline, "person-now-1", BEREAVED)
    assert status == "escalated" and choices == ()
    assert cited == "bereavement-when-someone-dies"
    assert "vulnerable_sensitive_topic" in codes
    notice = real_kb_pipeline.escalation.prompts.notices.handoff_with_answer
    reply = real_kb_pipeline.handle(Message("person-now-2", BEREAVED)).reply
    assert reply.text.endswith(notice) and len(reply.text) > len(notice) + 40


def test_a_calm_unsure_question_is_still_asked(real_kb_pipeline: Pipeline) -> None:
    status, choices, cited, codes = _first_turn(real_kb_pipeline, "person-now-3", UNSURE_CALM)
    assert status == "answered" and len(choices) >= 2 and cited is None and codes == ()


BEREAVED = "My mum passed away last week and I don't really know where to begin with her account"
UNSURE_CALM = "how do I get money onto my account from another bank"
