"""A message that says it changes the subject ("unrelated: ...", "oh and also", "by the way") but that the router
reads alone under the scope bar is read again without its marker words; that reading, when in scope, answers it.

Real knowledge base and encoder; the router's rankings are given as Retrievals (the stage's inputs), and the
``reread`` callable records which texts the stage asked the router to rank."""

from __future__ import annotations

import pytest
from dialogue_readings import CLOSING, ranking

from assistant.answers.base import make_signals
from assistant.dialogue.state import DialogueState
from assistant.integrations.encoder import shared_encoder
from assistant.stages.dialogue import DialogueDecision, DialogueTracker
from assistant.types import Encoded, Retrieval


def _run(
    tracker: DialogueTracker, text: str, state: DialogueState, alone: Retrieval, readings: dict[str, Retrieval]
) -> tuple[DialogueDecision, list[str]]:
    read: list[str] = []

    def reread(full: str) -> Retrieval:
        read.append(full)
        return readings.get(full, ranking(("contact-us", 1.0), confidence=0.0))

    encoded = Encoded(text, shared_encoder().encode([text])[0])
    decision = tracker.run(encoded=encoded, retrieval=alone, signals=make_signals(), state=state, reread=reread)
    return decision, read


@pytest.mark.parametrize(
    ("message", "left"),
    [
        ("unrelated: what's your phone number?", "what's your phone number?"),
        ("Oh and also, how do I change my PIN?", "how do I change my PIN?"),
        ("totally unrelated but can I open a savings account", "can I open a savings account"),
        ("random one - do you do ISAs?", "do you do ISAs?"),
        ("A different question \u2013 is there a fee for cash?", "is there a fee for cash?"),
        ("how do I order a card btw", "how do I order a card"),
        ("btw one of my payments is missing", "one of my payments is missing"),
    ],
)
def test_the_marker_and_its_filler_words_are_taken_out(tracker: DialogueTracker, message: str, left: str) -> None:
    assert tracker.without_marker(message) == left


def test_no_marker_or_nothing_but_a_marker_leaves_nothing_to_reread(tracker: DialogueTracker) -> None:
    assert tracker.without_marker("what's your phone number?") is None
    assert tracker.without_marker("btw...") is None


def test_a_marked_switch_under_the_bar_is_answered_from_its_reading_without_the_marker(
    tracker: DialogueTracker,
) -> None:
    weak = ranking(("contact-us", 0.5), ("terminate-account", 0.3), confidence=0.26)
    clear = ranking(("contact-us", 0.9), ("lost-or-stolen-card", 0.05), confidence=0.95)
    in_context = ranking(("terminate-account", 0.8), confidence=0.9)
    readings = {"what's your phone number?": clear, f"{CLOSING.query} unrelated: what's your phone number?": in_context}
    decision, read = _run(tracker, "unrelated: what's your phone number?", CLOSING, weak, readings)
    assert read[0] == "what's your phone number?"
    assert decision.kind == "new_topic" and decision.retrieval is clear
    assert decision.query == "what's your phone number?"  # the answer is written for the question, not the marker
    assert decision.cues[-1] == "read without the switch marker (0.95)"


def test_a_marked_first_message_is_read_without_its_marker_too(tracker: DialogueTracker) -> None:
    weak = ranking(("contact-us", 0.5), confidence=0.2)
    clear = ranking(("contact-us", 0.9), confidence=0.95)
    decision, read = _run(
        tracker, "btw what's your phone number", DialogueState(), weak, {"what's your phone number": clear}
    )
    assert read == ["what's your phone number"]
    assert (decision.kind, decision.retrieval, decision.query) == ("new_topic", clear, "what's your phone number")


def test_a_marked_message_already_in_scope_is_not_read_again(tracker: DialogueTracker) -> None:
    alone = ranking(("savings-for-children", 0.9), confidence=0.9)
    decision, read = _run(tracker, "btw can my daughter have a savings account?", DialogueState(), alone, {})
    assert read == [] and decision.kind == "new_topic" and decision.retrieval is None


def test_when_the_unmarked_reading_is_no_better_the_turn_reads_as_before(tracker: DialogueTracker) -> None:
    weak = ranking(("top-up-reverted", 0.3), confidence=0.05)
    in_context = ranking(("terminate-account", 0.8), confidence=0.9)
    text = "oh and also what happens to the money left in it?"
    readings = {f"{CLOSING.query} {text}": in_context}  # the unmarked text reads out of scope (the default)
    decision, read = _run(tracker, text, CLOSING, weak, readings)
    assert read[0] == "what happens to the money left in it?"
    assert (decision.kind, decision.article_id) == ("follow_up", "terminate-account")
    assert decision.query == text


def test_a_thanks_with_a_marked_question_is_no_close(tracker: DialogueTracker) -> None:
    weak = ranking(("contact-us", 0.5), confidence=0.2)
    clear = ranking(("contact-us", 0.9), confidence=0.95)
    text = "thanks! unrelated q - what's your phone number"
    decision, _ = _run(tracker, text, CLOSING, weak, {"what's your phone number": clear})
    assert decision.kind == "new_topic" and decision.retrieval is clear
