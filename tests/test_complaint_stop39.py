"""Complaint recognition (DISP 1.1, issue #19 item 6, stop 39) on sentences of our own, through the encode and
classify stages (the service view takes part): dissatisfaction with the bank's own service, staff, fees, app or
decisions is a complaint; a merchant's double charge, a landlord's dispute and ordinary service questions are not.

Stop 39 tried a second reading past the service view's veto and rejected it by its acceptance rule
(``data/audits/complaint_stop39_notes.md``); these cases pin what the shipped reading does either way."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.types import Signals

COMPLAINTS = [
    "You blocked my account for no reason and nobody will tell me why.",
    "Your app is absolute rubbish these days.",
    "Your staff member was rude to my husband in the branch.",
    "Still waiting on my refund after three weeks.",
    "Fees on top of fees. Shocking.",
    "Frankly I'm fed up with this bank.",
]
NOT_COMPLAINTS = [
    "What are your branch opening hours on Saturday?",
    "The supermarket charged me twice for my shopping, how do I get it back?",
    "I was charged twice by the hotel, how do I dispute it?",
    "My landlord kept my deposit and won't answer, what can I do?",
    "Can I change the date my direct debit comes out?",
    "How do I report a lost card?",
]


@pytest.mark.parametrize("text", COMPLAINTS, ids=range(len(COMPLAINTS)))
def test_dissatisfaction_with_the_bank_is_a_complaint(read_signals: Callable[[str], Signals], text: str) -> None:
    s = read_signals(text)
    assert s.complaint, (s.complaint_prob, s.cues)
    assert s.cues["complaint"], s.cues


@pytest.mark.parametrize("text", NOT_COMPLAINTS, ids=range(len(NOT_COMPLAINTS)))
def test_merchant_disputes_and_service_questions_are_not_complaints(
    read_signals: Callable[[str], Signals], text: str
) -> None:
    s = read_signals(text)
    assert not s.complaint, (s.complaint_prob, s.cues)
