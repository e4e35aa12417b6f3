"""A complaint declared in so many words (DISP 1.1) is recognised whatever the service view reads; a complaint to or
about someone else, or a negated one, is not made one by it. Sentences of our own, through the real classifier."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.types import Signals

DECLARED = [
    "Please record this as a formal complaint.",
    "I would like to lodge an official complaint",
    "We are writing to formally complain about the account closure",
    "I wish to complain.",
]
NOT_OURS = [
    "I want to complain to my energy supplier about a bill, can I stop the direct debit?",
    "I don't want to make a complaint, I just need to know the opening hours",
]


@pytest.mark.parametrize("text", DECLARED, ids=range(len(DECLARED)))
def test_a_declared_complaint_is_a_complaint(read_signals: Callable[[str], Signals], text: str) -> None:
    s = read_signals(text)
    assert s.complaint and "declares a complaint" in s.cues["complaint"], s.cues


@pytest.mark.parametrize("text", NOT_OURS, ids=range(len(NOT_OURS)))
def test_a_complaint_about_someone_else_or_denied_is_not_declared(
    read_signals: Callable[[str], Signals], text: str
) -> None:
    s = read_signals(text)
    assert "declares a complaint" not in s.cues.get("complaint", ())
