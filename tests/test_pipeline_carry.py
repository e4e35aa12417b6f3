"""No state carried between conversations: a conversation run again on the same pipeline, after others, gets the
same signals and decisions turn for turn (stages keep no per-call state).

Real encoder, embedded Chroma on the small fixture KB; conversations run as the ``dialogue`` suite runs them
(``eval.suite_runs.multiturn``: the dialogue state carried from turn to turn, a simulated customer answering any
clarifying question). The first conversation is dev2-057 of ``data/dialogue/dev2.jsonl``, whose crisis calls were
once suspected of depending on the conversations before it."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.pipeline import Pipeline, TurnOutcome
from eval.suite_runs.multiturn import _Chat, _turn

pytestmark = pytest.mark.integration

LOAN = (  # dev2-057
    "Hi, I want to pay off my personal loan early. Is there a penalty?",
    "how do I get a settlement figure",
    "could I just pay a chunk instead of all of it",
    "does that lower the monthly or the term",
)
OTHERS = (
    ("How long will my new card take to arrive?", "tell me more", "thanks, that's all"),
    ("I can't cope any more, I've been giving my things away", "my card was declined"),
    ("someone called saying they are from the bank and want my PIN", "I already told them, what now?"),
    ("I want to speak to a person", "this is useless, nobody helps", "what's the exchange rate fee?"),
    ("my husband takes my wages and won't let me see the statements", "can I open an account on my own?"),
)


# `pipeline`: the session's warm pipeline over the fixture knowledge base (tests/conftest.py).


def _conversation(pipeline: Pipeline, cid: str, texts: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Every reply of one conversation (the customer's picks included) as comparable tuples."""
    chat = _Chat(pipeline, cid)
    replies: list[TurnOutcome] = []
    say = chat.say

    def recorded(text: str, choice_id: str | None = None) -> TurnOutcome:
        outcome = say(text, choice_id)
        replies.append(outcome)
        return outcome

    chat.say = recorded  # type: ignore[method-assign]
    for index, text in enumerate(texts):
        picks = index % 2 == 0  # the first choice offered on even turns, else "none of these"
        _turn(chat, text, lambda _aid, picks=picks: picks)  # type: ignore[misc]
    return [
        (
            o.reply.status,
            o.reply.text,
            o.reply.dialogue,
            o.reply.signals,
            o.reply.escalation.reasons if o.reply.escalation else None,
            tuple(c.article_id for c in o.reply.choices),
            o.failed_turns,
            o.dialogue,
        )
        for o in replies
    ]


def test_a_conversation_run_again_after_others_gets_the_same_signals_and_decisions(pipeline: Pipeline) -> None:
    first = _conversation(pipeline, "dev2-dev2-057", LOAN)
    for n, texts in enumerate(OTHERS):
        _conversation(pipeline, f"other-{n}", texts)
    again = _conversation(pipeline, "dev2-dev2-057", LOAN)  # the same conversation id, as a rerun would use
    fresh_id = _conversation(pipeline, "dev2-057-b", LOAN)
    assert again == first
    assert fresh_id == first
    crisis = [row[3].cues.get("crisis") for row in first if row[3] is not None]
    assert len(crisis) >= len(LOAN)  # every turn was classified (the comparison above covers the crisis calls)
