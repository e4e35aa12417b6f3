"""The second asked fact of a two-part question (``assistant/answers/fact_pair.py``, ``focus.pair``): a part whose
kind of figure leaves none of the article's facts is matched to all of them (``kind_fallback``), and a part that
asks for no kind of figure is answered under ``min_relevance`` when one fact clearly leads it (``clear_margin``).
Real encoder, real ``prompts/composer.yaml``, facts and sentences of our own (not taken from any dev set)."""

from __future__ import annotations

from assistant.answers.asked import FactInfo
from assistant.answers.composer import load_composer_prompts
from assistant.answers.composer_prompts import FactPair
from assistant.answers.fact_pair import pair_sentence, two_asks
from assistant.answers.focus import Candidate, Ranked
from assistant.answers.sentence_vectors import EmbeddingCache
from assistant.integrations.encoder import TextEncoder
from assistant.settings import Settings

FOCUS = load_composer_prompts(Settings(environment="test").prompts_dir).focus
BEFORE = FOCUS.pair.model_copy(update={"kind_fallback": False, "clear_margin": 0.0})  # composer 2026.12.8


def _ranked(sentences: list[tuple[str, str, str]]) -> list[Ranked]:
    out = []
    for order, (text, fact, kind) in enumerate(sentences):
        c = Candidate("claims", "Details", text, text, order, order, False, (fact,), frozenset({kind}))
        out.append(Ranked(c, 0.5, 0.5, 0.5, True))
    return out


def _pair(query: str, facts: tuple[FactInfo, ...], ranked: list[Ranked], cfg: FactPair, encoder: TextEncoder) -> str:
    assert two_asks(query, set())
    pair = pair_sentence(ranked, ranked[0], cfg, query, True, facts, EmbeddingCache(encoder), FOCUS.answer_fact)
    return pair.candidate.facts[0] if pair is not None else ""


PARCEL = (
    FactInfo(
        "parcel_reply_time", "2 working days", "time", "Longest time to send a final reply about a lost parcel claim"
    ),
    FactInfo(
        "parcel_exceptional_time",
        "20 working days",
        "time",
        "Longest time for a reply in exceptional cases, after we write to explain the delay",
    ),
)


def test_a_part_asking_a_limit_of_times_is_matched_to_the_times(encoder: TextEncoder) -> None:
    ranked = _ranked(
        [
            ("We reply within 2 working days.", "parcel_reply_time", "time"),
            ("In exceptional cases we reply within 20 working days.", "parcel_exceptional_time", "time"),
        ]
    )
    query = "Lost parcel claim: how long at most for a reply, and the maximum wait in exceptional cases?"
    assert FOCUS.pair.kind_fallback
    assert _pair(query, PARCEL, ranked, FOCUS.pair, encoder) == "parcel_exceptional_time"
    assert _pair(query, PARCEL, ranked, BEFORE, encoder) == ""  # "maximum" asks a limit: no fact was left


REPAIR = (
    FactInfo("repair_first_update_time", "3 working days", "time", "When we first update the customer about a repair"),
    FactInfo(
        "repair_outcome_time",
        "30 days",
        "time",
        "How long a repair usually takes from booking to the engineer finishing the work",
    ),
    FactInfo("repair_request_window", "1 year", "time", "Time limit to ask for a repair after buying"),
)


def test_a_part_with_no_kind_cue_answers_when_one_fact_clearly_leads(encoder: TextEncoder) -> None:
    ranked = _ranked(
        [
            ("We send a first update within 3 working days.", "repair_first_update_time", "time"),
            ("Most repairs are done within 30 days.", "repair_outcome_time", "time"),
            ("You can ask for a repair up to 1 year after buying.", "repair_request_window", "time"),
        ]
    )
    query = "Repair booked on my boiler - when's the first update due, and the typical time to an outcome?"
    assert FOCUS.pair.clear_margin > 0
    assert _pair(query, REPAIR, ranked, FOCUS.pair, encoder) == "repair_outcome_time"
    assert _pair(query, REPAIR, ranked, BEFORE, encoder) == ""  # under min_relevance: held back before


def test_a_part_the_lead_already_answers_brings_no_second_fact(encoder: TextEncoder) -> None:
    ranked = _ranked(
        [
            ("Most repairs are done within 30 days.", "repair_outcome_time", "time"),
            ("We send a first update within 3 working days.", "repair_first_update_time", "time"),
        ]
    )
    query = "How long does a boiler repair usually take, and the typical time to an outcome?"
    assert _pair(query, REPAIR, ranked, FOCUS.pair, encoder) == ""
