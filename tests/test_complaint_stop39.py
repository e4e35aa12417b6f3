"""Complaint recognition (DISP 1.1, issue #19 item 6, stop 39) on sentences of our own, through the encode and
classify stages (the service view takes part): dissatisfaction with the bank's own service, staff, fees, app or
decisions is a complaint; a merchant's double charge, a landlord's dispute and ordinary service questions are not.

Stop 39 tried a second reading past the service view's veto and rejected it by its acceptance rule
(``data/audits/complaint_stop39_notes.md``); these cases pin what the shipped reading does either way."""

from __future__ import annotations

import pytest

from assistant.settings import Settings
from assistant.stages.classify import SignalClassifier
from assistant.stages.encode import MessageEncoder
from assistant.types import Redacted, Signals

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


@pytest.fixture(scope="module")
def message_encoder() -> MessageEncoder:
    """The encode stage, so that the service view takes part as in a conversation."""
    enc = MessageEncoder(Settings())
    enc.warm_up()
    return enc


def _signals(classifier: SignalClassifier, encoder: MessageEncoder, text: str) -> Signals:
    encoded = encoder.run(redacted=Redacted(text))
    assert encoded.service_vector is not None
    return classifier.run(encoded=encoded)


@pytest.mark.parametrize("text", COMPLAINTS, ids=range(len(COMPLAINTS)))
def test_dissatisfaction_with_the_bank_is_a_complaint(
    classifier: SignalClassifier, message_encoder: MessageEncoder, text: str
) -> None:
    s = _signals(classifier, message_encoder, text)
    assert s.complaint, (s.complaint_prob, s.cues)
    assert s.cues["complaint"], s.cues


@pytest.mark.parametrize("text", NOT_COMPLAINTS, ids=range(len(NOT_COMPLAINTS)))
def test_merchant_disputes_and_service_questions_are_not_complaints(
    classifier: SignalClassifier, message_encoder: MessageEncoder, text: str
) -> None:
    s = _signals(classifier, message_encoder, text)
    assert not s.complaint, (s.complaint_prob, s.cues)
