"""Fact recall below the retrieval bar (issue #20, stop 38): a figure question the retriever does not tie to the
right article is matched against every fact of the knowledge base, and the article of a clear best match goes first
(``composer.yaml`` ``focus.recall``). Real knowledge base, encoder and retriever; wordings of our own."""

from __future__ import annotations

import pytest

from assistant.answers.base import make_signals
from assistant.answers.composer_prompts import load_composer_prompts
from assistant.answers.fact_recall import recall_fact, with_recalled
from assistant.answers.focus import article_facts, kb_facts
from assistant.answers.kbview import fact_values, load_articles, oracle_retrieval
from assistant.answers.sentence_vectors import EmbeddingCache
from assistant.integrations.encoder import TextEncoder
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from assistant.types import Redacted

SETTINGS = Settings(environment="test")
FOCUS = load_composer_prompts(SETTINGS.prompts_dir).focus
FACTS = kb_facts(SETTINGS.kb_dir)
REFERENCED = article_facts(SETTINGS.kb_dir)
ARTICLES = {a.id: a for a in load_articles(SETTINGS.kb_dir)}


@pytest.fixture(scope="module")
def cache(encoder: TextEncoder) -> EmbeddingCache:
    return EmbeddingCache(encoder)


def recalled(cache: EmbeddingCache, query: str) -> str | None:
    assert FOCUS.answer_fact is not None
    found = recall_fact(query, FACTS, REFERENCED, cache, FOCUS.answer_fact, FOCUS.recall)
    return found.fact if found else None


def test_recall_is_enabled_with_bars() -> None:
    assert FOCUS.recall.enabled
    assert FOCUS.recall.min_match > 0 and FOCUS.recall.min_margin > 0 and FOCUS.recall.min_cosine > 0


def test_terse_figure_question_recalls_its_fact(cache: EmbeddingCache) -> None:
    # caught: a clipped expert wording naming the fact by its term
    assert recalled(cache, "GDPR subject access request - how long do you legally get to reply?") == (
        "privacy_sar_response_time"
    )


def test_question_asking_no_figure_recalls_nothing(cache: EmbeddingCache) -> None:
    # left alone: no kind of figure asked, so no fact is recalled however close the words
    assert recalled(cache, "please explain what a subject access request is") is None


def test_unrelated_question_recalls_nothing(cache: EmbeddingCache) -> None:
    # left alone: a figure question about something the bank's facts do not cover
    assert recalled(cache, "how long should I boil an egg for?") is None


def test_with_recalled_puts_the_article_first_and_keeps_the_rest() -> None:
    ids = sorted(ARTICLES)[:3]
    retrieval = oracle_retrieval([ARTICLES[a] for a in ids[:2]], confidence=0.2, in_scope=False)
    extra = oracle_retrieval([ARTICLES[ids[2]]], confidence=0.2).passages
    moved = with_recalled(retrieval, ids[2], extra)
    assert moved.article_ids == (ids[2], ids[0], ids[1])
    assert moved.passages[0].article_id == ids[2]
    assert not moved.in_scope and moved.confidence == retrieval.confidence
    # an article that already leads: unchanged
    assert with_recalled(retrieval, ids[0], extra) is retrieval


# --- Stop 39 (issue #20): the subject-access fact is reached by its acronyms. Customers and experts write "DSAR" or
# "SAR" where the facts file wrote "subject access request", and the encoder does not tie the acronym to the words,
# so a terse "DSAR deadline?" matched the ombudsman referral window instead. The fact's description now names both
# acronyms and what the request is. Real knowledge base, encoder, retriever and composer; wordings of our own.
SAR = "privacy_sar_response_time"


def test_the_description_names_the_acronyms() -> None:
    description = next(f.description for f in FACTS if f.name == SAR)
    assert "DSAR" in description and "SAR " in description


@pytest.mark.parametrize(
    "query",
    [
        "How many days have you legally got to reply to my DSAR?",
        "Lodged a DSAR with you on Friday - how long until you have to answer it?",
    ],
)
def test_a_terse_acronym_question_recalls_the_subject_access_fact(cache: EmbeddingCache, query: str) -> None:
    # caught: the acronym alone now names the fact
    assert recalled(cache, query) == SAR


def test_a_wording_that_asks_no_kind_of_figure_recalls_nothing(cache: EmbeddingCache) -> None:
    # left alone: "latest date I should expect" is no cue of a time (`focus.answer_fact.cues`), so no recall
    assert recalled(cache, "Lodged a DSAR with you on Friday - latest date I should expect the response?") is None


def test_a_complaint_deadline_question_is_not_pulled_to_the_subject_access_fact(cache: EmbeddingCache) -> None:
    # left alone: a deadline question with no acronym and no data request stays with the complaint facts
    assert recalled(cache, "how long have you got to send the final answer to my complaint?") != SAR


@pytest.mark.integration
@pytest.mark.parametrize("literacy", ["intermediate", "expert"])
def test_the_answer_to_an_acronym_question_leads_with_the_month(real_kb_pipeline: Pipeline, literacy: str) -> None:
    # through the real retriever (with recall), style policy, composer and checks
    query = "I sent you a DSAR. What's the deadline for your reply?"
    pipe = real_kb_pipeline
    signals = make_signals(literacy=literacy)  # type: ignore[arg-type]
    style = pipe.style.run(signals=signals, channel="widget")
    retrieval = pipe.retriever.run(encoded=pipe.encoder.run_batch([Redacted(query)])[0])
    draft = pipe.generator.run(query=query, style=style, retrieval=retrieval, signals=signals)
    verdict = pipe.checker.run(draft=draft, retrieval=retrieval, style=style, signals=signals)
    month = fact_values(SETTINGS.kb_dir)[SAR]
    assert month in verdict.text.split(".")[0], verdict.text
