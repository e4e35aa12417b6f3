"""The two promises of the answer stages, end to end (StyleSelector -> AnswerGenerator -> AnswerChecker):
a novice and an expert asking the same question get measurably different answers with the same facts and
sources, and a distressed customer never sees an offer. Also: the answer evaluation runs and meets its targets
on the fixture knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_answers_fake_llm import FakeChatServer, grounded_reply

from assistant.answers.base import make_signals
from assistant.answers.checks import reading_grade
from assistant.answers.evaluate import evaluate_answers, precise_terms, term_coverage
from assistant.answers.kbview import load_articles, oracle_retrieval
from assistant.answers.text import extract_figures
from assistant.integrations.encoder import SentenceTransformerEncoder
from assistant.pipeline import AnswerFlow
from assistant.settings import Settings
from assistant.stages.generate import AnswerGenerator
from assistant.stages.ground import AnswerChecker
from assistant.stages.style import StyleSelector
from assistant.types import Channel, DistressLevel, VulnerabilityDriver

pytestmark = pytest.mark.integration  # the real sentence encoder checks every answer

KB = Path(__file__).parent / "fixtures" / "answers_kb"
SETTINGS = Settings(environment="test", kb_dir=KB)
ARTICLES = {a.id: a for a in load_articles(KB)}


@pytest.fixture(scope="module")
def checker(encoder: SentenceTransformerEncoder) -> AnswerChecker:
    return AnswerChecker(SETTINGS, encoder=encoder)


@pytest.mark.parametrize(
    ("article_id", "question"),
    [
        ("card-arrival", "My card still hasn't arrived, where is it?"),
        ("easy-access-saver", "How much interest does the saver pay?"),
        ("personal-loan", "What does a personal loan cost?"),
    ],
)
def test_novice_and_expert_get_different_answers_from_the_same_facts(
    checker: AnswerChecker, article_id: str, question: str
) -> None:
    article = ARTICLES[article_id]
    retrieval = oracle_retrieval([article])
    selector = StyleSelector(SETTINGS)
    flow = AnswerFlow(AnswerGenerator(SETTINGS), checker)
    answers = {}
    for literacy in ("novice", "expert"):
        signals = make_signals(literacy=literacy, literacy_confidence=0.9)
        style = selector.run(signals=signals, channel="widget")
        answers[literacy] = flow.run(query=question, style=style, retrieval=retrieval, signals=signals)
    novice, expert = answers["novice"], answers["expert"]
    assert novice.style.register == "plain" and expert.style.register == "technical"
    # measurably different: reading grade and precise terms
    assert novice.verdict.reading_grade <= 7
    assert expert.verdict.reading_grade - novice.verdict.reading_grade >= 2.5
    assert reading_grade(expert.verdict.text) == pytest.approx(expert.verdict.reading_grade, abs=0.01)
    terms = precise_terms(article)
    assert terms, "the technical layer has precise terms"
    # the expert gets the precise terms of the mechanism that answers the question (not the whole layer)
    assert term_coverage(expert.verdict.text, terms) > term_coverage(novice.verdict.text, terms)
    assert term_coverage(novice.verdict.text, terms) <= 0.2
    # same facts and the same source
    article_figures = set().union(*(extract_figures(t) for t in article.sections.values()))
    novice_figures, expert_figures = (
        extract_figures(novice.verdict.text),
        extract_figures(expert.verdict.text),
    )
    assert novice_figures and novice_figures <= article_figures and expert_figures <= article_figures
    assert (
        {c.article_id for c in novice.draft.citations} == {c.article_id for c in expert.draft.citations} == {article_id}
    )
    assert novice.verdict.passed and expert.verdict.passed
    assert novice.verdict.grounding_score == expert.verdict.grounding_score == 1.0


DISTRESSED: list[tuple[DistressLevel, tuple[VulnerabilityDriver, ...]]] = [
    ("mild", ()),
    ("high", ()),
    ("crisis", ()),
    ("none", ("resilience",)),
    ("high", ("resilience", "health")),
]


@pytest.mark.parametrize(("distress", "vulnerability"), DISTRESSED)
@pytest.mark.parametrize("channel", ["widget", "copilot"])
def test_a_distressed_customer_never_sees_an_offer(
    checker: AnswerChecker,
    distress: DistressLevel,
    vulnerability: tuple[VulnerabilityDriver, ...],
    channel: Channel,
) -> None:
    composer_offers = AnswerGenerator(SETTINGS).composer.prompts.offers.values()
    with FakeChatServer(
        lambda m: grounded_reply(m) + " Why not open a Fixed Saver too? You might also like our loans."
    ) as llm:
        openai_settings = SETTINGS.model_copy(
            update={"openai_base_url": llm.base_url, "openai_api_key": SETTINGS.openai_api_key}
        )
        for generator in (AnswerGenerator(SETTINGS), AnswerGenerator(openai_settings, backend="openai")):
            for sentiment in ("positive", "neutral", "negative"):
                signals = make_signals(sentiment=sentiment, distress=distress, vulnerability=vulnerability)  # type: ignore[arg-type]
                style = StyleSelector(SETTINGS).run(signals=signals, channel=channel)
                assert not style.allow_offers
                for article in ARTICLES.values():
                    retrieval = oracle_retrieval([article])
                    result = AnswerFlow(generator, checker).run(
                        query=article.questions[0], style=style, retrieval=retrieval, signals=signals
                    )
                    text = result.verdict.text
                    assert not any(offer in text for offer in composer_offers)
                    assert "Why not" not in text and "might also like" not in text
                    assert checker.checker.offer_sentences(text, retrieval) == []


def test_a_calm_customer_may_see_an_offer(checker: AnswerChecker) -> None:
    signals = make_signals(sentiment="positive")
    style = StyleSelector(SETTINGS).run(signals=signals, channel="widget")
    retrieval = oracle_retrieval([ARTICLES["easy-access-saver"]])
    result = AnswerFlow(AnswerGenerator(SETTINGS), checker).run(
        query="How does the saver work?", style=style, retrieval=retrieval, signals=signals
    )
    assert result.draft.offers and result.draft.offers[0] in result.verdict.text


def test_evaluation_meets_its_targets_on_the_fixture_kb(tmp_path: Path, encoder: SentenceTransformerEncoder) -> None:
    questions = tmp_path / "questions.jsonl"
    rows = [
        {"id": "f1", "question": "where's my card", "article_id": "card-arrival", "literacy": "novice"},
        {"id": "f2", "question": "AER?", "article_id": "easy-access-saver", "literacy": "expert"},
        {"id": "f3", "question": "can't pay my loan, scared", "article_id": "financial-difficulty",
         "literacy": "novice", "sentiment": "negative", "distress": "high",
         "vulnerability": ["resilience"]},
        {"id": "f4", "question": "loan APR?", "article_id": "personal-loan", "literacy": "intermediate"},
        {"id": "f5", "question": "x", "article_id": "no-such-article"},
    ]  # fmt: skip
    questions.write_text("\n".join(json.dumps(r) for r in rows))
    report = evaluate_answers(SETTINGS, questions_path=questions, encoder=encoder, progress=False)
    assert report["articles"] == 4 and report["questions"] == 4
    assert report["questions_skipped_missing_article"] == ["no-such-article"]
    assert report["reading_grade_by_register"]["plain"]["share_grade_le_7"] == 1.0
    coverage = report["precise_term_coverage_by_register"]
    assert coverage["technical"] > coverage["standard"] >= coverage["plain"]
    composer = report["generators"]["composer"]
    assert composer["draft_grounding_rate"] >= 0.99 and composer["draft_invented_figures"] == 0
    assert composer["offers_shown_to_distressed"] == 0 and composer["distressed_questions"] == 1
    assert composer["fallback_rate"] == 0.0
    assert report["offers_sweep"]["offers_shown_distressed"] == 0
    assert report["novice_vs_expert"]["mean_grade_gap"] > 2
