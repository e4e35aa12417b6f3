"""The conversation state machine: every allowed transition, and every other one refused."""

from __future__ import annotations

import itertools

import pytest

from assistant.conversations.model import TRANSITIONS, ConversationState, HandoffTicket, Reason
from assistant.errors import InvalidTransitionError

S = ConversationState
ALLOWED = {
    (S.BOT, S.WAITING_FOR_HUMAN),
    (S.WAITING_FOR_HUMAN, S.WITH_HUMAN),
    (S.WAITING_FOR_HUMAN, S.BOT),
    (S.WAITING_FOR_HUMAN, S.RESOLVED),
    (S.WITH_HUMAN, S.BOT),
    (S.WITH_HUMAN, S.RESOLVED),
    (S.RESOLVED, S.BOT),
}


@pytest.mark.parametrize(("old", "new"), sorted(ALLOWED))
def test_allowed_transitions(old: ConversationState, new: ConversationState) -> None:
    assert old.to(new) is new


@pytest.mark.parametrize(
    ("old", "new"), [pair for pair in itertools.product(S, S) if pair not in ALLOWED], ids=lambda s: s.value
)
def test_every_other_transition_is_refused(old: ConversationState, new: ConversationState) -> None:
    with pytest.raises(InvalidTransitionError, match=f"from {old.value} to {new.value}"):
        old.to(new)


def test_table_is_the_documented_lifecycle() -> None:
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED


def test_ticket_rank_and_codes() -> None:
    urgent = HandoffTicket(reasons=(Reason("crisis", "crisis: self_harm", ("end my life",)),), priority="urgent")
    normal = HandoffTicket(reasons=(Reason("asked_for_person", "asked"),), priority="normal")
    assert urgent.rank > normal.rank and urgent.codes == ("crisis",)
