"""Which of the article's facts answers the question, by what the question names (``composer.yaml``
``focus.answer_fact``): where the customer, their card or their bank is (``place``,
:func:`assistant.answers.asked.place_shift`), and a variant of a general fact named by its own word
(``named_variant``, :func:`assistant.answers.asked.named_variants`). Real encoder, the real knowledge base's facts and
the real ``prompts/composer.yaml``'s cues; the questions are our own wordings. Both terms were rejected at stop 40
(``data/answers/experiments_stop40.md``) and are not loaded (weight 0.0); the tests give them the weight tried,
0.15."""

from __future__ import annotations

import pytest
from answer_facts import CFG, FACTS, fact_choice, ranked

from assistant.answers.answer_choice import answer_choice
from assistant.answers.asked import FactInfo, named_variants, place_shift
from assistant.answers.sentence_vectors import EmbeddingCache
from assistant.integrations.encoder import TextEncoder

TRIED = 0.15  # the weight of both terms in the stop-40 candidate


def _place(question: str, *names: str) -> dict[str, float]:
    descriptions = {n: FACTS[n].description for n in names}
    return place_shift(question, names, descriptions, CFG.abroad_cues, CFG.home_cues, CFG.abroad_facts, CFG.home_facts)


@pytest.mark.parametrize(
    ("name", "side"),
    [
        ("topup_fee_non_uk_card", 1.0),  # "issued abroad, by a bank outside the UK"
        ("support_phone_abroad", 1.0),  # "for calls from outside the UK"
        ("card_international_delivery_time", 1.0),  # "a customer living abroad"
        ("transfer_fee_swift_out", 1.0),  # "an international SWIFT transfer"
        ("topup_fee_uk_debit", -1.0),  # "a debit card issued in the UK"
        ("support_phone_uk", -1.0),  # "for calls from within the UK"
        ("card_standard_delivery_time", -1.0),  # "Standard ... UK card delivery"
        ("atm_free_allowance", None),  # "UK and abroad combined": neither
        ("transfer_fee_sepa_out", None),  # a euro payment by SEPA: neither
        ("card_dispatch_time", None),
    ],
)
def test_facts_placed_abroad_or_at_home(name: str, side: float | None) -> None:
    shift = _place("I'm living in Canada these days", name)
    assert shift == ({name: side} if side is not None else {})


def test_the_question_decides_the_sign() -> None:
    names = ("topup_fee_non_uk_card", "topup_fee_uk_debit")
    away = {"topup_fee_non_uk_card": 1.0, "topup_fee_uk_debit": -1.0}
    home = {"topup_fee_non_uk_card": -1.0, "topup_fee_uk_debit": 1.0}
    assert _place("my debit card comes from a bank in Nairobi, do you charge?", *names) == away
    assert _place("I'm Australian, is a top-up with my card free?", *names) == away
    assert _place("topping up with my HSBC debit card, any charge?", *names) == home
    assert _place("my card is not a UK card, is there a fee?", *names) == {}  # "not a UK card": no home cue
    assert _place("what does a top-up by card cost?", *names) == {}
    assert _place("I moved from Lloyds to a bank in Tokyo, fee?", *names) == {}  # both: nothing
    assert _place("sending euros to my sister in Spain", *names) == {}  # the euro area is no cue (SEPA)
    assert _place("can I use my American Express card?", *names) == {}


def test_named_variants_of_the_real_facts() -> None:
    names = ("support_hours", "support_chat_hours", "support_bereavement_hours")
    kinds = {n: FACTS[n].kind for n in names}
    assert named_variants("is the chat open in the middle of the night?", names, kinds) == {"support_hours"}
    assert named_variants("what time do you open?", names, kinds) == frozenset()


def test_a_card_from_a_bank_abroad_gets_the_foreign_card_fee(encoder: TextEncoder) -> None:
    question = "Topping up with a debit card from my bank in Mumbai - is there a charge?"
    names = ("topup_fee_uk_debit", "topup_fee_non_uk_card", "topup_fee_uk_credit")
    assert fact_choice(question, encoder, {"place": TRIED}, *names) == "topup_fee_non_uk_card"
    # without the place rule the UK debit card's fee, whose description is closer to "my debit card", answers
    assert fact_choice(question, encoder, {"place": 0.0}, *names) == "topup_fee_uk_debit"


def test_the_chat_named_gets_the_chats_hours(encoder: TextEncoder) -> None:
    question = "what hours is the chat open"
    names = ("support_hours", "support_chat_hours")
    assert fact_choice(question, encoder, {"named_variant": TRIED}, *names) == "support_chat_hours"
    assert fact_choice(question, encoder, {"named_variant": 0.0}, *names) == "support_hours"


def test_place_picks_among_the_best_facts_siblings_not_another_article(encoder: TextEncoder) -> None:
    question = "I've spent a lot on my card abroad this month. How much before the currency conversion fee kicks in?"
    facts = tuple(FactInfo(f.name, f.value, f.kind, f.description) for f in FACTS.values())
    sentences = ranked(
        "fx_free_allowance", "fx_fee_over_allowance", "transfer_fee_swift_out", articles=("fx", "fx", "tr")
    )
    # the SWIFT fee is placed abroad, but it is another article's fact: the exchange article still answers
    assert _place(question, "transfer_fee_swift_out") == {"transfer_fee_swift_out": 1.0}
    cfg = CFG.model_copy(update={"place": TRIED, "named_variant": TRIED})
    choice = answer_choice(question, sentences, facts, EmbeddingCache(encoder), cfg, {})
    assert choice is not None and choice.sentence.candidate.article_id == "fx"
    assert choice.fact != "transfer_fee_swift_out"
