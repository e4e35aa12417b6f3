"""After "none of these" a conversation that had a topic before the clarifying question goes back to it, when that
topic was not among the choices turned down (stop 37, `data/dialogue/acceptance_stop37d.md`). Before, the first
choice (the tentative topic while the question was open) stayed the topic although the customer had just turned it
down, and the earlier topic was lost. With no earlier topic, or one offered and turned down, the tentative topic
stays (it carries the customer's own question as the context of what they say next).

Real knowledge base, real encoder, real tracker; the router's reading of a message is given as its input."""

from __future__ import annotations

from assistant.answers.base import make_signals
from assistant.dialogue.advance import next_state
from assistant.dialogue.state import DialogueState, OpenQuestion, Topic
from assistant.integrations.encoder import shared_encoder
from assistant.stages.dialogue import DialogueTracker
from assistant.types import Choice, Encoded, Retrieval

WITHDRAWAL = Topic("cash-withdrawal-not-recognised", "cash_withdrawal_not_recognised")
CHOICES = (
    Choice("c1", "sent-money-to-wrong-account", "Money sent to the wrong account"),
    Choice("c2", "request-refund", "Asking for a refund"),
)
EMPTY = Retrieval(passages=(), article_ids=(), confidence=0.0, in_scope=False)


def _asked(state: DialogueState) -> DialogueState:
    return next_state(state, kind="clarify", query="will I get the money back?", choices=CHOICES)


def _none(state: DialogueState) -> DialogueState:
    return next_state(state, kind="none_of_these", query="none of these", answered=False)


def test_none_of_these_returns_to_the_topic_before_the_question() -> None:
    before = DialogueState(topic=WITHDRAWAL, query="someone took cash from my account at a machine", turns=2)
    asked = _asked(before)
    assert asked.topic == Topic("sent-money-to-wrong-account", None)  # tentative while the question is open
    assert asked.open_question is not None and asked.open_question.topic_before == WITHDRAWAL
    after = _none(asked)
    assert after.topic == WITHDRAWAL and after.query == before.query
    assert after.open_question is None and after.tried == (WITHDRAWAL.article_id,)


def test_none_of_these_to_an_opening_question_keeps_the_tentative_topic() -> None:
    after = _none(_asked(DialogueState()))
    assert after.topic == Topic("sent-money-to-wrong-account", None) and after.query == "will I get the money back?"
    assert after.open_question is None


def test_an_old_topic_offered_and_turned_down_is_not_returned_to() -> None:
    before = DialogueState(topic=Topic("request-refund", None), query="can I get a refund?")
    assert _none(_asked(before)).topic == Topic("sent-money-to-wrong-account", None)


def test_the_remembered_topic_round_trips_through_json() -> None:
    asked = _asked(DialogueState(topic=WITHDRAWAL, query="q"))
    assert DialogueState.from_dict(asked.to_dict()) == asked
    old = asked.to_dict()
    assert old["open_question"] is not None
    del old["open_question"]["topic_before"], old["open_question"]["query_before"]  # stored before stop 37
    assert DialogueState.from_dict(old).open_question == OpenQuestion("will I get the money back?", CHOICES)


def test_the_next_follow_up_is_answered_about_the_old_topic(tracker: DialogueTracker) -> None:
    state = _none(_asked(DialogueState(topic=WITHDRAWAL, query="someone took cash from my account at a machine")))
    text = "and how long will that take?"
    decision = tracker.run(
        encoded=Encoded(text, shared_encoder().encode([text])[0]),
        retrieval=EMPTY,
        signals=make_signals(),
        state=state,
    )
    assert decision.follow_up and decision.article_id == WITHDRAWAL.article_id
