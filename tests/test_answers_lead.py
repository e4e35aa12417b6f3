"""What leads an answer (issue #20, composer 2026.12.7): a question asking how to or what to do gets the steps
first, not a figure the facts file happens to match (``focus.steps_first``); a plain answer does not lead with a
sentence far above its reading grade when a plainer one of the same article answers nearly as well
(``focus.lead_grade``). Real knowledge base, real encoder and composer, the articles given as retrieved."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.answers.base import GenerationRequest, make_signals
from assistant.answers.composer import ComposerBackend, load_composer_prompts
from assistant.answers.focus import detect_asks
from assistant.answers.kbview import load_articles, oracle_retrieval
from assistant.answers.text import clean_markdown, iter_units, split_units
from assistant.integrations.encoder import TextEncoder
from assistant.integrations.readability import fk_grade
from assistant.settings import Settings
from assistant.types import Style

SETTINGS = Settings(environment="test")
ARTICLES = {a.id: a for a in load_articles(SETTINGS.kb_dir)}
FOCUS = load_composer_prompts(SETTINGS.prompts_dir).focus


def style(register: str) -> Style:
    grade = {"plain": 6, "standard": 9, "technical": 12}[register]
    return Style(tone="neutral", register=register, target_grade=grade, length="medium")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def composer(encoder: TextEncoder) -> ComposerBackend:
    backend = ComposerBackend(SETTINGS, encoder=encoder)
    backend.warm_up()
    return backend


def lead(composer: ComposerBackend, query: str, article_id: str, register: str) -> str:
    retrieval = oracle_retrieval([ARTICLES[article_id]])
    text, *_ = composer.compose(GenerationRequest(query, style(register), retrieval, make_signals()))
    return next(u.clean for u in iter_units(split_units(text)) if u.clean and not u.structural)


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Help me! I lost my card. What should I do?", "how_to"),
        ("What to do if my card has been used without my permission?", "how_to"),
        ("what can i do about a payment i don't recognise", "how_to"),
        ("What do I do if my card is stolen abroad?", "what_happens_if"),
        ("What does it cost to replace a card?", "how_much"),
    ],
)
def test_what_to_do_asks_for_steps(question: str, asks: str) -> None:
    assert detect_asks(question) == asks


@pytest.mark.parametrize("register", ["plain", "standard"])
@pytest.mark.parametrize(
    ("question", "article_id"),
    [
        ("How do I report fraud on my card?", "compromised-card"),
        ("What to do if my card has been used without my permission?", "compromised-card"),
        ("Help me! I lost my card. What should I do?", "lost-or-stolen-card"),
    ],
)
def test_a_how_to_question_does_not_lead_with_a_figure(
    composer: ComposerBackend, question: str, article_id: str, register: str
) -> None:
    first = lead(composer, question, article_id, register)
    assert "Payment Services Regulations" not in first and "liability" not in first, first
    assert "£" not in first, first


def test_a_how_to_question_that_asks_a_cost_still_leads_with_it(composer: ComposerBackend) -> None:
    first = lead(
        composer, "How do I get express delivery for my card and what does it cost?", "card-delivery-estimate", "plain"
    )
    assert "£7" in clean_markdown(first), first


def test_a_plain_lead_stays_near_the_plain_grade(composer: ComposerBackend) -> None:
    question, article_id = "Why can't I use my beneficiary?", "beneficiary-not-allowed"
    plain = lead(composer, question, article_id, "plain")
    assert fk_grade(plain) <= 6 + FOCUS.lead_grade["plain"], plain
    technical = lead(composer, question, article_id, "technical")
    assert fk_grade(technical) > 6 + FOCUS.lead_grade["plain"], technical  # the mechanism, for who asks for it


def test_lead_grade_names_only_registers() -> None:
    from pydantic import ValidationError

    from assistant.answers.composer_prompts import FocusConfig

    raw: dict[str, Any] = FOCUS.model_dump()
    raw["lead_grade"] = {"plian": 2.0}
    with pytest.raises(ValidationError):
        FocusConfig.model_validate(raw)
