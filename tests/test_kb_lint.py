"""`attune kb check`: literal figures, reading grade, coverage, unused facts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.kb.intents import ALL_INTENTS
from assistant.kb.lint import check_kb, literal_figures, reading_grade
from assistant.kb.loader import load_kb
from assistant.settings import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "kb"


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(FIXTURE, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _errors(kb_dir: Path, **kwargs: bool) -> list[str]:
    return [p.code for p in check_kb(kb_dir, **kwargs) if p.severity == "error"]


def test_fixture_is_clean_apart_from_coverage() -> None:
    assert _errors(FIXTURE, require_coverage=False) == []


def test_uncovered_intents_are_errors() -> None:
    covered = set(load_kb(FIXTURE).intents_index())
    uncovered = [p for p in check_kb(FIXTURE) if p.code == "uncovered-intent"]
    assert len(uncovered) == len(ALL_INTENTS) - len(covered)
    assert any("'pin_blocked'" in p.message for p in uncovered)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("It costs £5 to replace.", "currency amount"),
        ("A fee of 50p applies.", "currency amount"),
        ("We add 0.5% on top.", "percentage"),
        ("It takes 3 working days.", "duration"),
        ("Allow 2-3 weeks.", "duration"),
        ("Call before 2pm.", "time of day"),
        ("Lines open at 08:00.", "time of day"),
        ("Call us on 020 7946 0000.", "phone number"),
        ("You must be aged 18 to open one.", "age"),
        ("You must be 16 or over.", "age"),
        ("We are open 24/7.", "round-the-clock time"),
    ],
)
def test_literal_figures_are_found(text: str, kind: str) -> None:
    assert kind in [k for k, _ in literal_figures(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Approve the payment with 3-D Secure.",
        "Section 75 of the Consumer Credit Act may apply.",
        "Rules under PSD2 and CONC 7 apply.",
        "It takes {{card_delivery_days}} and costs {{card_replacement_fee}}.",
        "Enter the last four digits of the card number.",
    ],
)
def test_non_figures_pass(text: str) -> None:
    assert literal_figures(text) == []


def test_literal_figure_in_article_is_an_error(kb_copy: Path) -> None:
    _edit(
        kb_copy / "articles" / "card-arrival.md",
        "Your card comes in {{card_delivery_days}}",
        "Your card comes in 5 days",
    )
    problems = [p for p in check_kb(kb_copy, require_coverage=False) if p.code == "literal-figure"]
    assert len(problems) == 1 and "'5 days'" in problems[0].message and "card-arrival" in problems[0].path


def test_figures_in_customer_questions_are_allowed(kb_copy: Path) -> None:
    _edit(kb_copy / "articles" / "card-arrival.md", "ordered it last week", "ordered it 10 days ago")
    assert _errors(kb_copy, require_coverage=False) == []


def test_hard_in_short_fails_reading_grade(kb_copy: Path) -> None:
    hard = (
        "Notwithstanding contractual obligations, international correspondent institutions occasionally "
        "necessitate supplementary verification, consequently delaying settlement considerably."
    )
    _edit(kb_copy / "articles" / "exchange-rate.md", "We use the real rate from the money markets.", hard)
    problems = [p for p in check_kb(kb_copy, require_coverage=False) if p.code == "reading-grade"]
    assert len(problems) == 1 and "exchange-rate" in problems[0].path


def test_reading_grade_uses_textstat_offline() -> None:
    assert reading_grade("The cat sat on the mat. It was warm.") < 3
    assert reading_grade("Intercontinental reconciliation necessitates comprehensive documentation.") > 12


def test_unused_fact_is_a_warning(kb_copy: Path) -> None:
    with (kb_copy / "facts" / "money.yaml").open("a", encoding="utf-8") as fh:
        fh.write('  never_used:\n    value: "£9"\n    kind: fee\n    description: unused\n')
    problems = [p for p in check_kb(kb_copy, require_coverage=False) if p.code == "unused-fact"]
    assert [p.severity for p in problems] == ["warning"] and "never_used" in problems[0].message


def test_spelled_out_figure_is_a_warning(kb_copy: Path) -> None:
    _edit(kb_copy / "articles" / "top-up-limits.md", "Bank transfers have no such limit.", "It takes two days.")
    problems = check_kb(kb_copy, require_coverage=False)
    assert [p.severity for p in problems if p.code == "spelled-figure"] == ["warning"]


def test_errors_sort_before_warnings(kb_copy: Path) -> None:
    _edit(kb_copy / "articles" / "card-arrival.md", "{{card_delivery_days}}", "£5")
    severities = [p.severity for p in check_kb(kb_copy)]
    assert severities == sorted(severities, key=lambda s: s != "error")


def test_the_real_knowledge_base_passes_kb_check() -> None:
    problems = check_kb(Settings().kb_dir)
    errors = [str(p) for p in problems if p.severity == "error"]
    assert errors == []
