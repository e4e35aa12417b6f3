"""The customer's time to act against the time something takes (``composer.yaml`` ``focus.answer_fact.window``,
:func:`assistant.answers.asked.window_shift`): a question asking when the money comes back is answered with the
refund time, not the time limit to report; one asking whether it is too late is answered with the time limit, not
the time we take. Real encoder, the real knowledge base's facts and the real ``prompts/composer.yaml``."""

from __future__ import annotations

import pytest
from answer_facts import CFG, FACTS, fact_choice

from assistant.answers.asked import window_shift
from assistant.integrations.encoder import TextEncoder


def _window(question: str, *names: str) -> dict[str, float]:
    descriptions = {n: FACTS[n].description for n in names}
    return window_shift(question, names, descriptions, CFG.window_cues, CFG.outcome_cues, CFG.window_facts)


@pytest.mark.parametrize(
    ("name", "window"),
    [
        ("payment_unauthorised_report_limit", True),  # "Latest time after the payment date to report ..."
        ("dispute_chargeback_window", True),  # "Time limit to raise a card dispute ..."
        ("support_app_scam_claim_window", True),  # "... within which ... a claim can be made"
        ("card_arrival_report_after", True),  # "... can be reported as not arrived"
        ("payment_unauthorised_refund_time", False),  # the time we take, not the customer's
        ("topup_cheque_clearing_time", False),  # "Latest time money from a cheque ... becomes available": ours
        ("support_app_scam_decision_time", False),
    ],
)
def test_window_facts_are_the_customers_time_to_act(name: str, window: bool) -> None:
    shift = _window("is it too late to report it?", name)
    assert shift == ({name: 1.0} if window else {})


def test_the_ask_decides_the_sign_and_other_questions_shift_nothing() -> None:
    name = "payment_unauthorised_report_limit"
    assert _window("someone used my card, is it too late to tell you?", name) == {name: 1.0}
    assert _window("if I report it now, when will I get the money back?", name) == {name: -1.0}
    assert _window("what is the fee for a replacement card?", name) == {}


def test_when_the_money_comes_back_is_the_refund_time(encoder: TextEncoder) -> None:
    question = "Somebody spent money on my card that wasn't me. I told you this morning, so when will I get it back?"
    names = ("payment_unauthorised_report_limit", "payment_unauthorised_refund_time")
    assert CFG.window > 0
    assert fact_choice(question, encoder, {"window": CFG.window}, *names) == "payment_unauthorised_refund_time"
    # without the window rule the report deadline, whose description shares more words with the question, leads
    assert fact_choice(question, encoder, {"window": 0.0}, *names) == "payment_unauthorised_report_limit"


def test_too_late_to_claim_is_the_claim_window(encoder: TextEncoder) -> None:
    question = "I sent money to a fake builder about eighteen months back. Is it too late to claim it back now?"
    names = ("support_app_scam_decision_time", "support_app_scam_claim_window")
    assert fact_choice(question, encoder, {"window": CFG.window}, *names) == "support_app_scam_claim_window"
