"""After a follow-up is answered from a neighbouring article, the conversation's question moves with the topic
(dialogue 2026.12.11): it becomes the topic's question followed by that follow-up, so the next message is read
after both. Under 2026.12.10 the old question stayed, and the next message, read after it alone, was pulled back to
the old article by the neighbour rule.

The state rule itself (`next_state`, `moved_question`), and the tracker on the next message with hand-made router
readings (real encoder, real tracker and thresholds)."""

from __future__ import annotations

from dataclasses import replace

from dialogue_readings import ranking

from assistant.answers.base import make_signals
from assistant.dialogue.advance import QUESTION_WORDS, moved_question, next_state
from assistant.dialogue.state import DialogueState, Topic
from assistant.integrations.encoder import shared_encoder
from assistant.stages.dialogue import DialogueDecision, DialogueTracker
from assistant.types import Encoded, Retrieval

OLD = "lost-or-stolen-phone"
NEW = "new-phone-move-app"
QUESTION = "I lost my phone and the banking app was on it"
MOVE = "what do I do once I have the new one?"
NEXT = "do I have to keep my old number?"
START = DialogueState(topic=Topic(OLD, "lost_or_stolen_phone"), layer="In short", query=QUESTION, turns=1)


def _moved() -> DialogueState:
    """The state after MOVE was answered from the neighbouring article NEW."""
    return next_state(START, kind="follow_up", query=MOVE, article_id=NEW, shown_sections=("In short",))


def test_a_neighbour_move_joins_the_follow_up_to_the_question() -> None:
    state = _moved()
    assert state.topic is not None and state.topic.article_id == NEW
    assert state.query == f"{QUESTION} {MOVE}"
    # a follow-up that stays on the topic leaves the question as it is; a new topic starts a new one
    stayed = next_state(START, kind="follow_up", query=MOVE, article_id=OLD, shown_sections=("Details",))
    assert (stayed.topic, stayed.query) == (START.topic, QUESTION)
    fresh = next_state(START, kind="new_topic", query=NEXT, article_id=NEW, shown_sections=("In short",))
    assert fresh.query == NEXT


def test_the_moved_question_is_bounded_and_keeps_its_last_words() -> None:
    assert moved_question("", "cancel it?") == "cancel it?"
    long = " ".join(f"w{i}" for i in range(QUESTION_WORDS))
    joined = moved_question(long, "and abroad?")
    assert len(joined.split()) == QUESTION_WORDS
    assert joined.endswith("and abroad?") and not joined.startswith("w0 ")


def _decide(tracker: DialogueTracker, state: DialogueState) -> DialogueDecision:
    """The tracker on NEXT with ``state``: read alone out of scope; read after a question that holds MOVE, the new
    topic NEW first; read after QUESTION alone, the old article OLD first and confident; read after MOVE alone, NEW."""
    alone = ranking(("edit-personal-details", 0.4), (NEW, 0.3), confidence=0.1)
    after_move = ranking((NEW, 0.6), (OLD, 0.3), ("edit-personal-details", 0.1), confidence=0.8)
    after_old = ranking((OLD, 0.7), (NEW, 0.2), ("lost-or-stolen-card", 0.1), confidence=0.95)

    def reread(text: str) -> Retrieval:
        assert text.endswith(NEXT)
        return after_move if MOVE in text else after_old

    encoded = Encoded(NEXT, shared_encoder().encode([NEXT])[0])
    return tracker.run(
        encoded=encoded, retrieval=alone, signals=make_signals(), state=state, reread=reread, previous=MOVE
    )


def test_the_next_message_is_read_after_the_move_and_stays_on_the_new_topic(tracker: DialogueTracker) -> None:
    state = _moved()
    assert tracker.in_context_text(state, NEXT) == f"{QUESTION} {MOVE} {NEXT}"
    decision = _decide(tracker, state)
    assert (decision.kind, decision.article_id) == ("follow_up", NEW)
    # the same readings with the old question kept (2026.12.10): read after QUESTION alone, the message goes back
    assert tracker.config.thresholds.neighbour_confidence <= 0.95
    pulled_back = _decide(tracker, replace(state, query=QUESTION))
    assert (pulled_back.kind, pulled_back.article_id) == ("follow_up", OLD)
