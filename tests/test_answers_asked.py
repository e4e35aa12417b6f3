"""Which fact answers the question (assistant/answers/asked.py, answer_choice.py): the kinds of figure a
question's wording asks for, the rare words it shares with a fact, and the composer leading with the sentence that
carries the best-matching fact. Real encoder, fixture knowledge base, the real composer prompts."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answers.asked import AnswerFactWeights, FactInfo, FactWords, asked_kinds, fact_matches
from assistant.answers.base import GenerationRequest, make_signals
from assistant.answers.composer import ComposerBackend, load_composer_prompts
from assistant.answers.composer_prompts import AnswerFact
from assistant.answers.focus import Candidate, Ranked
from assistant.answers.kbview import load_articles, oracle_retrieval
from assistant.answers.selection import _antecedent
from assistant.answers.text import split_sentences
from assistant.integrations.encoder import TextEncoder
from assistant.settings import Settings
from assistant.types import Style

KB = Path(__file__).parent / "fixtures" / "answers_kb"
SETTINGS = Settings(environment="test", kb_dir=KB)
ARTICLES = {a.id: a for a in load_articles(KB)}
PROMPTS = load_composer_prompts(SETTINGS.prompts_dir)
ANSWER_FACT = PROMPTS.focus.answer_fact
assert ANSWER_FACT is not None
CUES = ANSWER_FACT.cues
STANDARD = Style(tone="neutral", register="standard", target_grade=9, length="medium")


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("What does express delivery cost?", {"fee"}),
        ("do we have to pay for another one?", {"fee"}),
        ("How long does a refund take?", {"time"}),
        ("How many days till my card comes?", {"time"}),
        ("How many wrong PIN tries before it locks?", {"count"}),
        ("What's the most I can take out in a day?", {"limit"}),
        ("im 17 can i open an account", {"age"}),
        ("my card got stolen, what number do i ring?", {"contact"}),
        ("What interest does the saver pay?", {"rate"}),
        ("Tell me about savers", set()),
    ],
)
def test_the_kinds_of_figure_the_wording_asks_for(question: str, kinds: set[str]) -> None:
    assert asked_kinds(question, CUES) == kinds


def test_a_rare_shared_word_picks_the_fact_and_common_ones_do_not() -> None:
    facts = (
        FactInfo("topup_card_monthly_max", "£15,000", "limit", "Most that can be added by card top-ups in a month"),
        FactInfo("topup_card_daily_max", "£5,000", "limit", "Most that can be added by card top-ups in a day"),
        FactInfo("scam_excess", "£0", "fee", "Excess we deduct from a scam refund"),
    )
    words = FactWords(facts)
    question = "Is there a monthly limit on card top-ups?"
    assert words.overlap(question, "topup_card_monthly_max") > words.overlap(question, "topup_card_daily_max")
    assert words.overlap("how long does it take?", "topup_card_daily_max") == 0.0  # words no fact holds
    cosines = {f.name: 0.5 for f in facts}  # the encoder cannot tell them apart: the words and the kind do
    kinds = {f.name: f.kind for f in facts}
    match = fact_matches(
        "Do you deduct an excess?", list(cosines), cosines, kinds, frozenset({"fee"}), words, AnswerFactWeights()
    )
    assert max(match, key=lambda n: match[n]) == "scam_excess"


@pytest.fixture(scope="module")
def composers(encoder: TextEncoder) -> tuple[ComposerBackend, ComposerBackend]:
    without = PROMPTS.model_copy(update={"focus": PROMPTS.focus.model_copy(update={"answer_fact": None})})
    return ComposerBackend(SETTINGS, encoder=encoder), ComposerBackend(SETTINGS, prompts=without, encoder=encoder)


def _lead(composer: ComposerBackend, question: str, article: str) -> str:
    request = GenerationRequest(question, STANDARD, oracle_retrieval([ARTICLES[article]]), make_signals())
    text = composer.compose(request)[0]
    return split_sentences(text.split("\n\n")[0])[0]


def test_the_sentence_carrying_the_asked_fact_leads(composers: tuple[ComposerBackend, ComposerBackend]) -> None:
    focused, without = composers
    question = "What interest rate does the saver pay?"
    assert "3.10% AER (variable)" in _lead(focused, question, "easy-access-saver")
    assert "3.10% AER" not in _lead(without, question, "easy-access-saver")  # the sentence ranking alone misses it
    assert "£1" in _lead(focused, "What's the minimum to open the saver?", "easy-access-saver")


def test_no_fact_close_enough_leaves_the_ranking_lead(composers: tuple[ComposerBackend, ComposerBackend]) -> None:
    focused, without = composers
    question = "Tell me how the saver works"
    assert _lead(focused, question, "easy-access-saver") == _lead(without, question, "easy-access-saver")


def _cand(order: int, text: str, block: int = 1, list_item: bool = False) -> Ranked:
    c = Candidate("a", "Details", text, text, order, block, list_item, ("f",), frozenset({"fee"}))
    return Ranked(c, 0.5, 0.5, 0.5, True)


def test_a_lead_that_refers_back_gets_what_it_refers_to_first() -> None:
    pattern = PROMPTS.focus.anaphora
    assert pattern
    first, above = _cand(0, "Exchanging money is free up to £1,000 a month."), _cand(1, "Above that, we charge 0.5%.")
    other = _cand(2, "Above that, we charge 1%.", block=2)
    ranked = [above, first, other]
    assert _antecedent(ranked, above, pattern) is first
    assert _antecedent(ranked, first, pattern) is None  # stands alone
    assert _antecedent(ranked, other, pattern) is None  # nothing before it in its paragraph


def test_answer_fact_cues_are_validated() -> None:
    with pytest.raises(ValueError, match="invalid pattern"):
        AnswerFact(lexical=0.3, kind=0.1, min_cosine=0.3, min_cosine_uncued=0.5, cues={"fee": ["(unclosed"]})
    with pytest.raises(ValueError):
        AnswerFact.model_validate(
            {"lexical": 0.3, "kind": 0.1, "min_cosine": 0.3, "min_cosine_uncued": 0.5, "cues": {"price": ["x"]}}
        )
