"""SignalClassifier end to end on the real MiniLM encoder and the shipped heads (integration tier).

Crisis: every case in data/signals/crisis_cases.jsonl marked crisis must be caught (100 % recall); the hard
negatives there must not be (precision is reported by ``python -m assistant.training.signals.evaluate``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from assistant.integrations.encoder import TextEncoder
from assistant.settings import Settings
from assistant.stages.classify import SignalClassifier
from assistant.training.signals.datasets import SIGNALS_DATA
from assistant.types import (
    DISTRESS_LEVELS,
    LITERACY_LEVELS,
    SENTIMENTS,
    VULNERABILITY_DRIVERS,
    Encoded,
    Signals,
)

pytestmark = pytest.mark.integration

CRISIS_CASES = [json.loads(line) for line in (SIGNALS_DATA / "crisis_cases.jsonl").read_text().splitlines() if line]


@pytest.fixture(scope="module")
def classifier() -> SignalClassifier:
    clf = SignalClassifier(Settings())
    clf.warm_up()
    clf.warm_up()  # idempotent
    return clf


@pytest.fixture(scope="module")
def classify(classifier: SignalClassifier, encoder: TextEncoder):  # type: ignore[no-untyped-def]
    def run(text: str, history: Sequence[Signals] = ()) -> Signals:
        return classifier.run(encoded=Encoded(text=text, vector=encoder.encode([text])[0]), history=history)

    return run


# --- crisis ---


@pytest.mark.parametrize("case", [c for c in CRISIS_CASES if c["crisis"]], ids=lambda c: c["text"][:40])
def test_every_crisis_case_is_caught_with_its_kind(classify, case) -> None:  # type: ignore[no-untyped-def]
    s = classify(case["text"])
    assert s.distress == "crisis"
    assert s.crisis_kind == case["kind"]
    assert s.cues["crisis"], "a crisis must say which words drove it"
    assert s.distress_probs["crisis"] >= 0.5


@pytest.mark.parametrize(
    "text",
    [
        "I can't go on",
        "no point anymore",
        "he takes my wages and won't let me see the statements",
        "i just dont see the point in living anymore",
        "Honestly I think everyone would be better off without me",
        "my husband keeps my bank card and won't let me check the balance",
    ],
)
def test_indirect_crisis_phrasings(classify, text: str) -> None:  # type: ignore[no-untyped-def]
    assert classify(text).distress == "crisis"


@pytest.mark.parametrize("case", [c for c in CRISIS_CASES if not c["crisis"]], ids=lambda c: c["text"][:40])
def test_crisis_hard_negatives_are_not_crisis(classify, case) -> None:  # type: ignore[no-untyped-def]
    s = classify(case["text"])
    assert s.distress != "crisis"
    assert s.crisis_kind is None


# --- sentiment ---


@pytest.mark.parametrize(
    "text",
    [
        "my interest rate went up and my debt keeps growing",
        "I'm overdrawn again and the charges keep piling up",
        "The bailiffs are coming on Monday about the arrears",
        "I missed a payment and now there's a default on my file",
        "my mortgage payments have gone up by 200 a month",
    ],
)
def test_finance_wording_reads_negative(classify, text: str) -> None:  # type: ignore[no-untyped-def]
    s = classify(text)
    assert s.sentiment == "negative"
    assert s.sentiment_score < 0
    assert s.cues["sentiment"]


@pytest.mark.parametrize(
    "text",
    [
        "great, another fee, just what I needed",
        "Oh brilliant, my card's been declined again",
        "Thanks for nothing, still no refund",
        "love being charged to take out my own money",
    ],
)
def test_sarcasm_reads_negative(classify, text: str) -> None:  # type: ignore[no-untyped-def]
    s = classify(text)
    assert s.sentiment == "negative"
    assert any("sarcasm" in c for c in s.cues["sentiment"])


@pytest.mark.parametrize("text", ["not bad at all", "Not bad at all, the transfer was quick"])
def test_negated_negative_is_not_negative(classify, text: str) -> None:  # type: ignore[no-untyped-def]
    assert classify(text).sentiment != "negative"


@pytest.mark.parametrize("text", ["I'm not worried", "I'm not worried, just checking the payment went out"])
def test_negated_worry_is_not_distress(classify, text: str) -> None:  # type: ignore[no-untyped-def]
    s = classify(text)
    assert s.distress == "none"
    assert any(c.startswith("not ") for c in s.cues["distress"])


def test_positive_message(classify) -> None:  # type: ignore[no-untyped-def]
    s = classify("Thank you so much, the refund came through this morning!")
    assert s.sentiment == "positive" and s.sentiment_score > 0


def test_distress_levels(classify) -> None:  # type: ignore[no-untyped-def]
    assert classify("How do I set up a standing order?").distress == "none"
    assert classify("I'm terrified I'm going to lose the house, I can't sleep").distress == "high"


# --- vulnerability ---


@pytest.mark.parametrize(
    ("text", "driver"),
    [
        ("I've just started chemotherapy and can't work at the moment", "health"),
        ("My husband passed away last month and the account was in his name", "life_event"),
        ("I've been made redundant and I'm worried about the loan", "life_event"),
        ("I can't afford to pay my rent this month and I have no savings", "resilience"),
        ("English is not my first language, please explain simply", "capability"),
        ("I don't understand any of this, what does APR mean?", "capability"),
    ],
)
def test_vulnerability_drivers(classify, text: str, driver: str) -> None:  # type: ignore[no-untyped-def]
    s = classify(text)
    assert driver in s.vulnerability
    assert s.cues[f"vulnerability.{driver}"]


def test_routine_request_has_no_vulnerability(classify) -> None:  # type: ignore[no-untyped-def]
    assert classify("Can I change the date my direct debit comes out?").vulnerability == ()


# --- handoff ---


@pytest.mark.parametrize(
    "text",
    [
        "Can I speak to a real person please?",
        "put me through to a human",
        "I want to talk to an agent",
        "you're not helping, get me someone else",
        "this bot is useless",
        "Is there a human I can chat to?",
        "I'd like a call back from an advisor",
    ],
)
def test_handoff_phrasings(classify, text: str) -> None:  # type: ignore[no-untyped-def]
    s = classify(text)
    assert s.handoff_requested
    assert s.cues["handoff"]


@pytest.mark.parametrize(
    "text", ["Where is my new card?", "How do I send money to another person?", "Thanks, that answers it"]
)
def test_not_handoff(classify, text: str) -> None:  # type: ignore[no-untyped-def]
    assert not classify(text).handoff_requested


# --- literacy ---


def test_literacy_orders_novice_below_technical(classify) -> None:  # type: ignore[no-untyped-def]
    novice = classify("what is a credit score? i dont really understand money stuff")
    technical = classify(
        "Does the wash sale rule disallow my loss if I buy the same ETF in my IRA within 30 days, "
        "and how does that adjust the cost basis?"
    )
    assert novice.literacy_message == "novice"
    assert technical.literacy_message in ("intermediate", "expert")
    assert technical.literacy_probs["expert"] > novice.literacy_probs["expert"]
    assert any(c.startswith("technical terms") for c in technical.cues["literacy"])
    assert any(c.startswith("novice markers") for c in novice.cues["literacy"])


def test_literacy_is_smoothed_across_turns(classify) -> None:  # type: ignore[no-untyped-def]
    history: list[Signals] = []
    for text in [
        "How is the cost basis of ESPP shares adjusted for the 15% discount when I sell after the holding period?",
        "And if I hold RSUs, is the vest-date FMV my basis, with the difference taxed as STCG or LTCG?",
        "Would a 10b5-1 plan change the wash-sale analysis if the lots were bought within 30 days?",
    ]:
        history.append(classify(text, history))
    settled = history[-1].literacy
    assert settled in ("intermediate", "expert")
    short = classify("ok thanks", history)
    assert short.literacy_message == "novice" or short.literacy_probs["novice"] < 0.5
    assert short.literacy == settled, "one short message must not flip the conversation's level"
    assert any("weak evidence" in c for c in short.cues["literacy"])
    # consistent novice evidence over several turns does move it
    moved = list(history)
    for text in [
        "sorry i dont understand any of this, what is a share?",
        "i just want to know how to put money in a savings account, i dont know anything about investing",
        "what does interest mean? is it money the bank gives me?",
        "i am confused, can you explain what a pension is in simple words please",
    ]:
        moved.append(classify(text, moved))
    assert moved[-1].literacy == "novice"


# --- contract checks ---


@pytest.mark.parametrize(
    "text",
    [
        "Where is my card?",
        "I'm so angry, you charged me twice and I can't pay my rent",
        "Put me through to a person, I was just diagnosed with cancer",
        "What's the yield to maturity on your fixed rate bond?",
    ],
)
def test_signals_contract(classify, text: str) -> None:  # type: ignore[no-untyped-def]
    s = classify(text)
    for probs, names in [
        (s.sentiment_probs, SENTIMENTS),
        (s.distress_probs, DISTRESS_LEVELS),
        (s.literacy_probs, LITERACY_LEVELS),
    ]:
        assert set(probs) == set(names)
        assert sum(probs.values()) == pytest.approx(1.0, abs=1e-3)
        assert all(0.0 <= p <= 1.0 for p in probs.values())
    assert set(s.vulnerability_probs) == set(VULNERABILITY_DRIVERS)
    assert 0.0 <= s.handoff_prob <= 1.0
    assert -1.0 <= s.sentiment_score <= 1.0
    assert s.sentiment == max(s.sentiment_probs, key=s.sentiment_probs.get)  # type: ignore[arg-type]
    # cues are non-empty for every label that fires
    assert s.cues["sentiment"] and s.cues["distress"] and s.cues["literacy"]
    if s.handoff_requested:
        assert s.cues["handoff"]
    for driver in s.vulnerability:
        assert s.cues[f"vulnerability.{driver}"]
    assert (s.crisis_kind is not None) == (s.distress == "crisis")
    assert s.model_version.startswith("signals-")
