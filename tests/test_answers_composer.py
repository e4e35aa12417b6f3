"""The whole-layer composer (composer_v1, kept for comparison): answers from the article's own layers per
register, with the openers, glossary, risk warning, offers and closers of prompts/composer.yaml; strictly
validated prompts."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.answers.base import GenerationRequest, make_signals
from assistant.answers.composer import LayerComposerBackend, load_composer_prompts
from assistant.answers.kbview import ArticleView, load_articles, oracle_retrieval
from assistant.errors import PromptError
from assistant.prompts import render
from assistant.settings import Settings
from assistant.stages.generate import AnswerGenerator
from assistant.types import Retrieval, Signals, Style

KB = Path(__file__).parent / "fixtures" / "answers_kb"
SETTINGS = Settings(environment="test", kb_dir=KB)
ARTICLES = {a.id: a for a in load_articles(KB)}
PROMPTS = load_composer_prompts(SETTINGS.prompts_dir)


def style(register: str = "standard", **changes: Any) -> Style:
    grade = {"plain": 6, "standard": 9, "technical": 12}[register]
    return Style(**{"tone": "neutral", "register": register, "target_grade": grade, "length": "medium", **changes})


def compose(
    article_id: str,
    s: Style,
    query: str = "question",
    signals: Signals | None = None,
    retrieval: Retrieval | None = None,
) -> tuple[str, list[tuple[str, str]], tuple[str, ...]]:
    retrieval = retrieval or oracle_retrieval([ARTICLES[article_id]])
    request = GenerationRequest(query, s, retrieval, signals or make_signals())
    text, citations, offers = LayerComposerBackend(SETTINGS).compose(request)
    return text, [(c.article_id, c.section) for c in citations], offers


def section(article: ArticleView, name: str) -> str:
    return article.sections[name]


@pytest.mark.parametrize(
    ("register", "sections"),
    [
        ("plain", ["In short"]),
        ("standard", ["Details"]),
        ("technical", ["Details", "For the technically minded"]),
    ],
)
def test_each_register_uses_its_layers(register: str, sections: list[str]) -> None:
    article = ARTICLES["card-arrival"]
    text, citations, _ = compose("card-arrival", style(register, allow_offers=False))
    for name in sections:
        assert section(article, name) in text
        assert ("card-arrival", name) in citations
    for name in {"In short", "Details", "For the technically minded"} - set(sections):
        assert section(article, name) not in text


def test_only_the_top_article_is_used_even_when_more_are_retrieved() -> None:
    retrieval = oracle_retrieval([ARTICLES["easy-access-saver"], ARTICLES["card-arrival"]])
    text, citations, _ = compose("easy-access-saver", style("plain"), retrieval=retrieval)
    assert {a for a, _ in citations} == {"easy-access-saver"}
    assert "card" not in text.lower()


def test_glossary_lines_for_terms_the_novice_used_or_will_meet() -> None:
    s = style("plain", glossary=True)
    text, citations, _ = compose("easy-access-saver", s, query="what does AER mean")
    assert PROMPTS.glossary_heading in text
    assert "- AER: A rate that shows how much interest you would earn in a year." in text
    assert "- interest: Money we pay you for keeping your savings with us." in text  # met in the answer
    assert ("easy-access-saver", "Glossary") in citations
    # the card article's "tracking number" is neither asked about nor in the In short layer
    card_text, _, _ = compose("card-arrival", s, query="where is my card")
    assert "tracking number" not in card_text and "- dispatch:" in card_text


def test_no_glossary_unless_the_style_asks_for_it() -> None:
    text, citations, _ = compose("easy-access-saver", style("plain"), query="what does AER mean")
    assert PROMPTS.glossary_heading not in text
    assert all(section != "Glossary" for _, section in citations)


def test_risk_warning_accompanies_every_register() -> None:
    warning = ARTICLES["personal-loan"].risk_warning
    assert warning
    for register in ("plain", "standard", "technical"):
        text, _, _ = compose("personal-loan", style(register))
        assert render(PROMPTS.risk_line, warning=warning) in text


@pytest.mark.parametrize("tone", ["empathetic", "warm", "neutral"])
def test_opener_and_closer_follow_the_tone(tone: str) -> None:
    text, _, _ = compose("card-arrival", style("plain", tone=tone, details_on_request=True), query="where is it")
    first = text.split("\n\n")[0]
    openers = PROMPTS.openers[tone]  # type: ignore[index]
    if openers:
        assert first in openers
    else:
        assert first.startswith("We post your card")
    assert text.endswith(PROMPTS.closers.empathetic) == (tone == "empathetic")
    assert PROMPTS.closers.details_on_request in text


def test_details_on_request_only_when_something_was_left_out() -> None:
    text, _, _ = compose("card-arrival", style("technical", details_on_request=True, allow_offers=False))
    assert PROMPTS.closers.details_on_request not in text  # everything deeper than In short is already there


def test_short_length_keeps_the_first_block_outside_plain() -> None:
    article = ARTICLES["card-arrival"]
    text, _, _ = compose("card-arrival", style("standard", length="short", details_on_request=True))
    first_block = section(article, "Details").split("\n\n")[0]
    assert first_block in text
    assert "If you moved house recently" not in text
    assert PROMPTS.closers.details_on_request in text


def test_offer_only_when_allowed_calm_and_not_sensitive() -> None:
    offer = PROMPTS.offers["savings"]
    text, _, offers = compose("easy-access-saver", style("standard", allow_offers=True))
    assert offer in text and offers == (offer,)
    for signals in (make_signals(distress="mild"), make_signals(vulnerability=("resilience",))):
        text, _, offers = compose("easy-access-saver", style("standard", allow_offers=True), signals=signals)
        assert offer not in text and offers == ()
    text, _, offers = compose("easy-access-saver", style("standard", allow_offers=False))
    assert offers == () and offer not in text


def test_out_of_scope_reply_says_what_attune_can_help_with() -> None:
    retrieval = Retrieval(passages=(), article_ids=(), confidence=0.1, in_scope=False)
    text, citations, offers = compose("card-arrival", style(), retrieval=retrieval)
    assert text == render(PROMPTS.out_of_scope, topics=PROMPTS.topics)
    assert PROMPTS.topics in text and citations == [] and offers == ()


def test_another_organisations_product_is_named_in_the_reply() -> None:
    retrieval = oracle_retrieval([ARTICLES["card-arrival"]], confidence=0.9, in_scope=False)
    retrieval = Retrieval(
        retrieval.passages, retrieval.article_ids, 0.9, in_scope=False, other_organisation="Wells Fargo"
    )
    text, citations, _ = compose("card-arrival", style(), retrieval=retrieval)
    assert text == render(PROMPTS.other_organisation, organisation="Wells Fargo", topics=PROMPTS.topics)
    assert "ask Wells Fargo" in text and citations == []


def test_low_confidence_retrieval_is_out_of_scope_even_with_passages() -> None:
    retrieval = oracle_retrieval([ARTICLES["card-arrival"]], confidence=0.2, in_scope=False)
    draft = AnswerGenerator(SETTINGS).run(query="q", style=style(), retrieval=retrieval, signals=make_signals())
    assert draft.citations == () and PROMPTS.topics in draft.text


def test_stage_stream_is_word_deltas_of_the_draft() -> None:
    generator = AnswerGenerator(SETTINGS)
    stream = generator.stream(
        query="q",
        style=style("plain"),
        retrieval=oracle_retrieval([ARTICLES["card-arrival"]]),
        signals=make_signals(),
    )
    deltas = list(stream)
    assert len(deltas) > 10 and "".join(deltas) == stream.draft.text
    assert stream.draft.generator == "composer"


def test_missing_template_variable_is_a_prompt_error() -> None:
    with pytest.raises(PromptError, match="topics"):
        render(PROMPTS.out_of_scope)


def _copy_prompts(tmp_path: Path) -> Path:
    target = tmp_path / "prompts"
    shutil.copytree(SETTINGS.prompts_dir, target)
    return target


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: d["openers"]["warm"].append("Hello {name}!"), id="unknown-variable"),
        pytest.param(lambda d: d.update({"risk_line": "Note: {warning} {extra}"}), id="unknown-variable-risk"),
        pytest.param(lambda d: d["layers"].update({"plain": ["Summary"]}), id="unknown-section"),
        pytest.param(lambda d: d.update({"colour": "blue"}), id="unknown-key"),
        pytest.param(lambda d: d.pop("version"), id="missing-version"),
        pytest.param(lambda d: d["closers"].pop("empathetic"), id="missing-closer"),
    ],
)
def test_invalid_composer_prompts_are_prompt_errors(tmp_path: Path, change: Any) -> None:
    prompts = _copy_prompts(tmp_path)
    path = prompts / "composer.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(PromptError):
        load_composer_prompts(prompts)


def test_prompt_files_are_versioned() -> None:
    for name in ("style_policy.yaml", "composer.yaml", "generator.yaml", "compliance.yaml"):
        data = yaml.safe_load((SETTINGS.prompts_dir / name).read_text())
        assert str(data["version"]).strip()
