"""AnswerChecker with the real MiniLM encoder: grounding and figures, reading level, compliance, offers."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answers.base import citation_for, make_signals
from assistant.answers.composer import load_composer_prompts
from assistant.answers.kbview import load_articles, oracle_retrieval
from assistant.integrations.encoder import SentenceTransformerEncoder
from assistant.prompts import render
from assistant.settings import Settings
from assistant.stages.generate import AnswerGenerator
from assistant.stages.ground import AnswerChecker
from assistant.types import Draft, Passage, Retrieval, Signals, Style, Verdict

pytestmark = pytest.mark.integration  # the real sentence encoder

KB = Path(__file__).parent / "fixtures" / "answers_kb"
SETTINGS = Settings(environment="test", kb_dir=KB)
ARTICLES = {a.id: a for a in load_articles(KB)}
PROMPTS = load_composer_prompts(SETTINGS.prompts_dir)
STANDARD = Style(tone="neutral", register="standard", target_grade=9, length="medium", allow_offers=True)
PLAIN = Style(tone="neutral", register="plain", target_grade=6, length="short", glossary=True)


@pytest.fixture(scope="module")
def checker(encoder: SentenceTransformerEncoder) -> AnswerChecker:
    checker = AnswerChecker(SETTINGS, encoder=encoder)
    checker.warm_up()
    return checker


def retrieval_for(article_id: str) -> Retrieval:
    return oracle_retrieval([ARTICLES[article_id]])


def llm_draft(article_id: str, text: str, sections: tuple[str, ...] = ("In short", "Details")) -> Draft:
    """A draft as a language model would return it: free text citing the passages it was given."""
    passages = [p for p in retrieval_for(article_id).passages if p.section in sections]
    return Draft(text=text, citations=tuple(citation_for(p) for p in passages), generator="openai")


def check(
    checker: AnswerChecker,
    draft: Draft,
    article_id: str = "card-arrival",
    style: Style = STANDARD,
    signals: Signals | None = None,
    retrieval: Retrieval | None = None,
) -> Verdict:
    return checker.run(
        draft=draft,
        retrieval=retrieval or retrieval_for(article_id),
        style=style,
        signals=signals or make_signals(),
    )


IN_SHORT = ARTICLES["card-arrival"].sections["In short"]


def test_composer_answers_pass_untouched(checker: AnswerChecker) -> None:
    for article_id in ARTICLES:
        for style in (PLAIN, STANDARD):
            retrieval = retrieval_for(article_id)
            draft = AnswerGenerator(SETTINGS).run(query="q", style=style, retrieval=retrieval, signals=make_signals())
            verdict = check(checker, draft, article_id, style)
            assert verdict.passed and verdict.grounding_score == 1.0, article_id
            assert verdict.text == draft.text and verdict.dropped_sentences == ()


def test_unsupported_sentence_is_dropped_and_lowers_the_score(checker: AnswerChecker) -> None:
    extra = "Our branch in Leeds opens on Sundays for coffee mornings."
    verdict = check(checker, llm_draft("card-arrival", f"{IN_SHORT} {extra}"))
    assert extra in verdict.dropped_sentences and extra not in verdict.text
    assert verdict.grounding_score == pytest.approx(4 / 5)
    assert "We post your card within 1 working day." in verdict.text


def test_faithful_paraphrase_is_supported(checker: AnswerChecker) -> None:
    text = "Your card is posted within 1 working day and then reaches you in 3 to 5 working days."
    verdict = check(checker, llm_draft("card-arrival", text))
    assert verdict.passed and verdict.grounding_score == 1.0 and verdict.text == text


@pytest.mark.parametrize(
    ("sentence", "figure"),
    [
        ("It then takes 2 working days to reach you.", "#2"),
        ("Standard delivery costs £4.99 after dispatch.", "£4.99"),
        ("It then takes ten days to reach you.", "#10"),
        ("You can also call us on 020 7946 9999.", "#02079469999"),
        ("The saver pays 4.2% AER on the card balance.", "%4.2"),
    ],
)
def test_invented_figures_are_caught_and_their_sentences_dropped(
    checker: AnswerChecker, sentence: str, figure: str
) -> None:
    verdict = check(checker, llm_draft("card-arrival", f"We post your card within 1 working day. {sentence}"))
    assert figure in verdict.invented_figures
    assert sentence in verdict.dropped_sentences and sentence not in verdict.text


def test_figures_from_the_facts_file_are_not_invented(checker: AnswerChecker) -> None:
    retrieval = retrieval_for("card-arrival")  # the saver's rate is in the facts file, not in these passages
    assert checker.checker.invented_figures("The saver pays 3.10% AER, or 3.1 percent.", retrieval) == []
    assert checker.checker.invented_figures("It takes 3 to 5 working days, call 020 7946 0520.", retrieval) == []
    assert checker.checker.invented_figures("It pays 4.2% and costs £3.", retrieval) == ["4.2%", "£3"]


def test_pleasantries_are_kept_but_not_graded(checker: AnswerChecker) -> None:
    text = "I'm sorry you're still waiting. We post your card within 1 working day. Let me know if you need more."
    verdict = check(checker, llm_draft("card-arrival", text))
    assert verdict.text == text and verdict.grounding_score == 1.0


def test_mostly_unsupported_draft_fails(checker: AnswerChecker) -> None:
    text = (
        "Cards are made of recycled plastic. Our headquarters moved to Bristol. "
        "We post your card within 1 working day. Dogs love walks in the park."
    )
    verdict = check(checker, llm_draft("card-arrival", text))
    assert not verdict.passed and verdict.grounding_score == pytest.approx(0.25)
    assert verdict.text == "We post your card within 1 working day."


def test_draft_without_citations_or_text_fails(checker: AnswerChecker) -> None:
    assert not check(checker, Draft(text=IN_SHORT, citations=(), generator="openai")).passed
    assert not check(checker, llm_draft("card-arrival", "")).passed


def test_out_of_scope_reply_passes(checker: AnswerChecker) -> None:
    retrieval = Retrieval(passages=(), article_ids=(), confidence=0.1, in_scope=False)
    draft = AnswerGenerator(SETTINGS).run(query="weather?", style=STANDARD, retrieval=retrieval, signals=make_signals())
    verdict = check(checker, draft, retrieval=retrieval)
    assert verdict.passed and verdict.text == draft.text


def test_reading_level_miss_is_reported_with_the_grade(checker: AnswerChecker) -> None:
    technical = ARTICLES["card-arrival"].sections["For the technically minded"]
    draft = llm_draft("card-arrival", technical, sections=("For the technically minded",))
    verdict = check(checker, draft, style=PLAIN)
    assert verdict.passed and not verdict.reading_ok
    assert verdict.reading_grade > PLAIN.target_grade + 1 and verdict.target_grade == PLAIN.target_grade
    plain = check(checker, llm_draft("card-arrival", IN_SHORT), style=PLAIN)
    assert plain.reading_ok and plain.reading_grade <= 7


@pytest.mark.parametrize(
    ("sentence", "flag"),
    [
        ("You should invest your savings in a stocks and shares ISA instead.", "personal_investment_advice"),
        ("I would recommend you move your money into shares now.", "personal_investment_advice"),
        ("You won't pay tax on the interest, so don't declare it.", "personal_tax_advice"),
        ("You should sue the lender for this.", "personal_legal_advice"),
    ],
)
def test_personal_advice_is_replaced_by_general_information(checker: AnswerChecker, sentence: str, flag: str) -> None:
    in_short = ARTICLES["easy-access-saver"].sections["In short"]
    verdict = check(checker, llm_draft("easy-access-saver", f"{in_short} {sentence}"), "easy-access-saver")
    assert flag in verdict.compliance_flags
    assert sentence not in verdict.text
    assert "regulated" in verdict.text or "HMRC" in verdict.text or "Citizens Advice" in verdict.text
    assert verdict.passed and verdict.grounding_score == 1.0


@pytest.mark.parametrize(
    "sentence",
    [
        "You will definitely get your money back.",
        "This saver gives guaranteed returns.",
        "Your savings are 100% safe with us and risk-free.",
    ],
)
def test_promises_of_outcomes_are_removed(checker: AnswerChecker, sentence: str) -> None:
    in_short = ARTICLES["easy-access-saver"].sections["In short"]
    verdict = check(checker, llm_draft("easy-access-saver", f"{in_short} {sentence}"), "easy-access-saver")
    assert "outcome_promise" in verdict.compliance_flags and sentence not in verdict.text


def test_knowledge_base_warnings_about_promises_are_not_flagged(checker: AnswerChecker) -> None:
    text = "Be wary of anyone who promises guaranteed returns or rushes you."
    passage = Passage("scams", "Spotting scams", "In short", text, 0.9)
    retrieval = Retrieval(passages=(passage,), article_ids=("scams",), confidence=0.9, in_scope=True)
    draft = Draft(text=text, citations=(citation_for(passage),), generator="composer")
    verdict = check(checker, draft, retrieval=retrieval)
    assert verdict.compliance_flags == () and verdict.text == text


def test_required_risk_wording_is_added_when_missing(checker: AnswerChecker) -> None:
    in_short = ARTICLES["personal-loan"].sections["In short"]
    verdict = check(checker, llm_draft("personal-loan", in_short), "personal-loan")
    warning = ARTICLES["personal-loan"].risk_warning
    assert warning and warning in verdict.text
    assert verdict.compliance_flags == ("risk_warning_added",)
    with_warning = render(PROMPTS.risk_line, warning=warning)
    again = check(checker, llm_draft("personal-loan", f"{in_short}\n\n{with_warning}"), "personal-loan")
    assert again.compliance_flags == () and again.grounding_score == 1.0


OFFER = PROMPTS.offers["savings"]


def saver_draft_with_offer() -> Draft:
    retrieval = retrieval_for("easy-access-saver")
    return AnswerGenerator(SETTINGS).run(query="q", style=STANDARD, retrieval=retrieval, signals=make_signals())


def test_offer_kept_for_a_calm_customer(checker: AnswerChecker) -> None:
    draft = saver_draft_with_offer()
    assert draft.offers == (OFFER,)
    verdict = check(checker, draft, "easy-access-saver")
    assert OFFER in verdict.text and verdict.offers_removed == () and verdict.grounding_score == 1.0


@pytest.mark.parametrize(
    ("signals", "style"),
    [
        (make_signals(distress="mild"), STANDARD),
        (make_signals(distress="high"), STANDARD),
        (make_signals(vulnerability=("resilience",)), STANDARD),
        (make_signals(), Style(tone="neutral", register="standard", target_grade=9, length="medium")),
    ],
    ids=["distress-mild", "distress-high", "resilience", "style-disallows"],
)
def test_offers_removed_for_distress_resilience_or_when_not_allowed(
    checker: AnswerChecker, signals: Signals, style: Style
) -> None:
    in_short = ARTICLES["easy-access-saver"].sections["In short"]
    llm_offer = "Why not open a Fixed Saver today for an even better rate?"
    draft = saver_draft_with_offer()
    for candidate in (draft, llm_draft("easy-access-saver", f"{in_short} {llm_offer}")):
        verdict = check(checker, candidate, "easy-access-saver", style=style, signals=signals)
        assert OFFER not in verdict.text and llm_offer not in verdict.text
        assert verdict.offers_removed
        assert verdict.passed
