"""The knowledge-base loader: validated front matter, three sections, facts referenced by name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.errors import KnowledgeBaseError
from assistant.kb.intents import ALL_INTENTS, BANKING77_INTENTS, EXTRA_INTENTS
from assistant.kb.loader import GLOSSARY_SECTION, SECTION_HEADINGS, load_facts, load_kb, parse_kb, render_facts
from assistant.settings import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "kb"


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(FIXTURE, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_fixture_loads_with_sections_and_facts() -> None:
    kb = load_kb(FIXTURE)
    assert len(kb.articles) == 6
    assert list(kb.ids) == sorted(kb.ids)
    article = kb.article("card-arrival")
    assert tuple(article.sections) == SECTION_HEADINGS
    assert article.meta.intents == ("card_arrival", "card_delivery_estimate")
    assert article.meta.reviewed_on.isoformat() == "2026-11-20"
    assert article.fact_refs() == {"card_delivery_days"}
    assert kb.facts["card_delivery_days"].kind == "time"
    assert kb.facts["card_delivery_days"].source == "cards.yaml"


def test_rendered_sections_substitute_facts_and_add_glossary() -> None:
    kb = load_kb(FIXTURE)
    sections = dict(kb.rendered_sections(kb.article("card-arrival")))
    assert list(sections) == [*SECTION_HEADINGS, GLOSSARY_SECTION]
    assert "3 to 5 working days" in sections["In short"]
    assert "{{" not in "".join(sections.values())
    assert sections[GLOSSARY_SECTION] == "dispatch: The day we post your card to you."


def test_render_of_undefined_fact_raises() -> None:
    with pytest.raises(KnowledgeBaseError, match="nope"):
        render_facts("costs {{nope}}", {})


def test_intents_index_maps_intents_to_articles() -> None:
    index = load_kb(FIXTURE).intents_index()
    assert index["card_delivery_estimate"] == ("card-arrival",)
    assert index["compromised_card"] == ("lost-or-stolen-card",)


def test_the_real_knowledge_base_loads() -> None:
    kb = load_kb(Settings().kb_dir)
    assert len(kb.articles) >= 80
    assert all(a.path.stem == a.id for a in kb.articles)


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("product: cards", "product: cards\nauthor: me", "schema"),  # extra key forbidden
        ("intents: [card_arrival, card_delivery_estimate]", "intents: [card_arrival, where_is_it]", "unknown-intent"),
        ("product: cards", "product: mortgages", "schema"),
        ("reviewed_on: 2026-11-20", "reviewed_on: last week", "schema"),
        ("  - Can I track the card you sent me?\n", "", "schema"),  # only 4 questions
        ("id: card-arrival", "id: Card_Arrival", "schema"),
        ("id: card-arrival", "id: card-arrives", "id-filename"),
        ("## Details", "## More", "headings"),
        ("{{card_delivery_days}}", "{{card_delivery_weeks}}", "undefined-fact"),
    ],
)
def test_structural_problems_are_reported(kb_copy: Path, old: str, new: str, code: str) -> None:
    _edit(kb_copy / "articles" / "card-arrival.md", old, new)
    _, problems = parse_kb(kb_copy)
    assert code in {p.code for p in problems if p.severity == "error"}
    with pytest.raises(KnowledgeBaseError):
        load_kb(kb_copy)


def test_duplicate_ids_are_an_error(kb_copy: Path) -> None:
    src = kb_copy / "articles" / "card-arrival.md"
    (kb_copy / "articles" / "card-arrival-copy.md").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    _, problems = parse_kb(kb_copy)
    assert {"duplicate-id", "id-filename"} <= {p.code for p in problems}


def test_duplicate_fact_across_files_is_an_error(kb_copy: Path) -> None:
    (kb_copy / "facts" / "extra.yaml").write_text(
        'version: 1\nfacts:\n  card_delivery_days:\n    value: "2 days"\n    kind: time\n    description: dup\n',
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError, match="duplicate-fact"):
        load_facts(kb_copy)


def test_fact_with_unknown_kind_is_an_error(kb_copy: Path) -> None:
    _edit(kb_copy / "facts" / "cards.yaml", "kind: fee", "kind: price")
    with pytest.raises(KnowledgeBaseError, match="kind"):
        load_facts(kb_copy)


def test_missing_front_matter_is_an_error(kb_copy: Path) -> None:
    (kb_copy / "articles" / "bare.md").write_text("## In short\nHello.\n", encoding="utf-8")
    _, problems = parse_kb(kb_copy)
    assert any(p.code == "front-matter" and "bare.md" in p.path for p in problems)


def test_intent_list_matches_banking77_categories() -> None:
    path = Settings().shared_data_dir / "banking77" / "categories.json"
    if not path.is_file():
        pytest.skip(f"shared data not available at {path}")
    assert set(BANKING77_INTENTS) == set(json.loads(path.read_text(encoding="utf-8")))
    assert len(ALL_INTENTS) == len(set(ALL_INTENTS)) == 77 + len(EXTRA_INTENTS)
