"""The fact that answers the question, below the retrieval bar and in two-part questions (assistant/answers/
answer_choice.py, fact_pair.py): a clearly named answer fact lets a below-bar question be answered; a part of a
two-part question is matched to facts by its words and the kind its wording asks for, not by cosine alone; a second
question after a "?" counts as a second ask; "when" as a conjunction ("declined me when I asked") asks for no time.
Real encoder, real ``prompts/composer.yaml``, fixture facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answers.answer_choice import AnswerChoice, answer_choice
from assistant.answers.asked import FactInfo, asked_kinds
from assistant.answers.composer import ComposerBackend, load_composer_prompts
from assistant.answers.fact_pair import pair_sentence, two_asks
from assistant.answers.focus import Candidate, Ranked
from assistant.answers.selection import FocusSelection
from assistant.answers.sentence_vectors import EmbeddingCache
from assistant.integrations.encoder import TextEncoder
from assistant.settings import Settings

KB = Path(__file__).parent / "fixtures" / "answers_kb"
SETTINGS = Settings(environment="test", kb_dir=KB)
PROMPTS = load_composer_prompts(SETTINGS.prompts_dir)
FOCUS = PROMPTS.focus
assert FOCUS.answer_fact is not None
CUES = FOCUS.answer_fact.cues


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("ATM declined me when I asked for £600. What's the daily maximum?", {"limit"}),
        ("hit my cash limit today. when does it reset?", {"limit", "time"}),
        ("Do I pay anything to receive money?", {"fee"}),
        ("I've got about 300 quid saved up. Is that enough to open a fixed saver?", {"limit"}),
        ("Grandparents want to put in £500 a month, is that allowed?", {"limit"}),
    ],
)
def test_the_wording_cues_added_for_customer_phrasings(question: str, kinds: set[str]) -> None:
    assert asked_kinds(question, CUES) == kinds


def test_a_second_question_after_a_question_mark_is_a_second_ask() -> None:
    assert two_asks("can i pay in a £7,000 cheque on the app? does it cost anything", set())
    assert not two_asks("can i pay in a cheque on the app?", set())


def _ranked(order: int, text: str, fact: str, kind: str) -> Ranked:
    c = Candidate("cash", "Details", text, text, order, order, False, (fact,), frozenset({kind}))
    return Ranked(c, 0.5, 0.5, 0.5, True)


FACTS = (
    FactInfo("cash_fee", "£1", "fee", "Fee per cash deposit paid in at a Post Office counter"),
    FactInfo("cheque_fee", "free", "fee", "Fee for paying in a cheque with the app"),
    FactInfo("cash_daily_max", "£1,000", "limit", "Most cash that can be paid in per calendar day"),
)


def test_a_part_of_a_two_part_question_is_matched_by_its_words_and_kind(encoder: TextEncoder) -> None:
    lead = _ranked(0, "Each cash deposit costs £1.", "cash_fee", "fee")
    ranked = [
        lead,
        _ranked(1, "Paying in a cheque is free.", "cheque_fee", "fee"),
        _ranked(2, "You can pay in up to £1,000 in cash a day.", "cash_daily_max", "limit"),
    ]
    query = "paying cash in at the post office, is there a fee and how much can i put in a day"
    pair = pair_sentence(ranked, lead, FOCUS.pair, query, True, FACTS, EmbeddingCache(encoder), FOCUS.answer_fact)
    assert FOCUS.pair.by_match and pair is not None and pair.candidate.facts == ("cash_daily_max",)


def _selection(answer: AnswerChoice | None) -> FocusSelection:
    lead = Ranked(
        Candidate("a", "Details", "We review it within 2 working days.", "", 0, 0, facts=("review_time",)),
        score=0.3,
        cosine=0.2,
        fact_relevance=0.0,
        kind_match=False,  # the sentence ranking's own evidence is weak: only the answer fact can carry it
    )
    return FocusSelection("other", lead, (), False, (), answer=answer)


def test_below_the_bar_a_clearly_named_answer_fact_is_answered(encoder: TextEncoder) -> None:
    composer = ComposerBackend(SETTINGS, encoder=encoder)
    lc = FOCUS.low_confidence
    sentence = _selection(None).lead
    clear = AnswerChoice(sentence, "review_time", lc.answer_match + 0.1, lc.answer_margin + 0.1, lc.answer_cosine)
    assert composer._confident_enough(_selection(clear))
    close_call = AnswerChoice(sentence, "review_time", lc.answer_match + 0.1, lc.answer_margin / 2, 0.6)
    weak = AnswerChoice(sentence, "review_time", lc.answer_match - 0.05, 0.5, 0.6)
    far = AnswerChoice(sentence, "review_time", lc.answer_match + 0.1, 0.5, lc.answer_cosine - 0.05)
    for choice in (None, close_call, weak, far):
        assert not composer._confident_enough(_selection(choice))


DISPUTE = (
    FactInfo("chargeback_window", "120 days", "time", "Time limit to raise a card dispute after the payment"),
    FactInfo("scheme_max_window", "540 days", "time", "Card scheme's outer limit for raising a dispute"),
)


def _dispute_choice(encoder: TextEncoder, same_sentence: bool) -> AnswerChoice | None:
    both = ("chargeback_window", "scheme_max_window")
    text = "The limit is 120 days from the payment, with an overall cap of 540 days."
    if same_sentence:
        ranked = [
            Ranked(Candidate("d", "Details", text, text, 0, 0, False, both, frozenset({"time"})), 0.5, 0.5, 0.5, True)
        ]
    else:
        ranked = [
            _ranked(0, "The limit is 120 days from the payment.", "chargeback_window", "time"),
            _ranked(1, "There is an overall cap of 540 days.", "scheme_max_window", "time"),
        ]
    query = "Scheme outer limit for a dispute where the service date falls long after the processing date?"
    return answer_choice(query, ranked, DISPUTE, EmbeddingCache(encoder), FOCUS.answer_fact, {})


def test_two_facts_of_one_sentence_are_no_close_call(encoder: TextEncoder) -> None:
    assert FOCUS.answer_fact.margin_outside_sentence
    alone = _dispute_choice(encoder, same_sentence=True)
    assert alone is not None and alone.margin == 1.0  # no fact outside the answer's own sentence competes
    apart = _dispute_choice(encoder, same_sentence=False)  # the look-alike: the same facts in two sentences
    assert apart is not None and apart.margin < 1.0
    assert apart.fact == alone.fact and apart.match == pytest.approx(alone.match)  # the same fact, the same match
