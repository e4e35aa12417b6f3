"""Which fact answers the question when the customer names a sum of money or asks about the general version of a
fact (assistant/answers/asked.py, answer_choice.py): a named sum favours the money-valued limit over a
count ("a $1,800 flight ... is there a spending limit" -> the largest payment, not how many cards); a variant of a
more general fact whose extra words the question does not name loses to the general fact ("what time do the phone
lines open" -> the main line's hours, not the bereavement team's). Real encoder, real ``prompts/composer.yaml``."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answers.answer_choice import answer_choice
from assistant.answers.asked import FactInfo, money_valued, names_money, unasked_variants
from assistant.answers.composer import load_composer_prompts
from assistant.answers.focus import Candidate, Ranked
from assistant.answers.sentence_vectors import EmbeddingCache
from assistant.integrations.encoder import TextEncoder
from assistant.settings import Settings

KB = Path(__file__).parent / "fixtures" / "answers_kb"
PROMPTS = load_composer_prompts(Settings(environment="test", kb_dir=KB).prompts_dir)
CFG = PROMPTS.focus.answer_fact
assert CFG is not None


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("ATM declined me when I asked for £600", True),
        ("I move my wages over every month, it's about 16 grand", True),
        ("a $1,800 flight keeps getting declined", True),
        ("how many virtual cards can I have at once?", False),
        ("my daughter is 17, can she open an account?", False),
    ],
)
def test_a_named_sum_of_money_is_recognised(question: str, names: bool) -> None:
    assert names_money(question, CFG.money_cues) is names


def test_only_sums_of_money_are_money_valued() -> None:
    assert money_valued(FactInfo("a", "£1, €1 or $1", "other", ""))
    assert not money_valued(FactInfo("b", "2", "limit", ""))
    assert not money_valued(FactInfo("c", "0.5%", "fee", ""))


def _ranked(order: int, text: str, fact: str, kind: str) -> Ranked:
    c = Candidate("cards", "Details", text, text, order, 0, False, (fact,), frozenset({kind}))
    return Ranked(c, 0.6, 0.5, 0.5, True)


def test_a_named_sum_leads_with_the_money_limit_not_a_count(encoder: TextEncoder) -> None:
    facts = (
        FactInfo(
            "disposable_active_max", "2", "limit", "Disposable virtual cards a customer may hold at the same time"
        ),
        FactInfo("disposable_payment_max", "£1,000", "limit", "Largest single payment with a disposable virtual card"),
    )
    ranked = [
        _ranked(0, "Cards at once: up to 2 disposable cards.", "disposable_active_max", "limit"),
        _ranked(1, "One payment can be up to £1,000.", "disposable_payment_max", "limit"),
    ]
    query = "Trying to book a $1,800 flight with my disposable card and it keeps getting declined. Is there a limit?"
    choice = answer_choice(query, ranked, facts, EmbeddingCache(encoder), CFG, {})
    assert CFG.money > 0 and choice is not None and choice.fact == "disposable_payment_max"


def test_the_general_fact_beats_an_unasked_variant(encoder: TextEncoder) -> None:
    facts = (
        FactInfo("support_hours", "8am to 8pm, every day", "time", "Opening hours of the main UK phone line"),
        FactInfo(
            "support_bereavement_hours",
            "9am to 6pm, Monday to Friday",
            "time",
            "Opening hours of the bereavement team's phone line",
        ),
    )
    ranked = [
        _ranked(0, "Bereavement: 9am to 6pm, Monday to Friday.", "support_bereavement_hours", "time"),
        _ranked(1, "Phone: 8am to 8pm, every day.", "support_hours", "time"),
    ]
    kinds = {f.name: f.kind for f in facts}
    names = [f.name for f in facts]
    assert unasked_variants("what time do the phone lines open", names, kinds) == {"support_bereavement_hours"}
    assert not unasked_variants("bereavement team phone hours?", names, kinds)
    choice = answer_choice(
        "what time do the phone lines open and close", ranked, facts, EmbeddingCache(encoder), CFG, {}
    )
    assert CFG.variant > 0 and choice is not None and choice.fact == "support_hours"
