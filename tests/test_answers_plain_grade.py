"""Plain answers stay plain, and time-frame wording asks for a time (issue #20, composer 2026.12.5): a further
sentence that is hard to read and carries no asked fact is left out of a plain answer (``focus.rest_grade``), but
kept in the standard register and kept when it carries a fact the question asks about; "timeline", "timescale"
and "time frame" ask how long (``focus.answer_fact.cues.time`` and the ask patterns), "first time" does not. Real
``prompts/composer.yaml``, real readability measure."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answers.asked import asked_kinds
from assistant.answers.composer import load_composer_prompts
from assistant.answers.focus import Candidate, Ranked, detect_asks
from assistant.answers.selection import too_hard
from assistant.integrations.readability import fk_grade
from assistant.settings import Settings
from assistant.types import Style

KB = Path(__file__).parent / "fixtures" / "answers_kb"
PROMPTS = load_composer_prompts(Settings(environment="test", kb_dir=KB).prompts_dir)
FOCUS = PROMPTS.focus
assert FOCUS.answer_fact is not None
CUES = FOCUS.answer_fact.cues

HARD = (
    "The money has already left your available balance, and the withdrawal changes to Completed once the "
    "machine's operating bank confirms the transaction, usually within 1 to 2 working days."
)
EASY = "Keep your receipt until the money shows."


def _style(register: str) -> Style:
    grade = {"plain": 6, "standard": 9, "technical": 12}[register]
    return Style(tone="neutral", register=register, target_grade=grade, length="medium")  # type: ignore[arg-type]


def _ranked(text: str, facts: tuple[str, ...] = (), relevance: float = 0.0) -> Ranked:
    c = Candidate("cash", "Details", text, text, 3, 2, False, facts, frozenset({"time"} if facts else set()))
    return Ranked(c, 0.5, 0.5, relevance, bool(facts))


def test_a_hard_further_sentence_without_an_asked_fact_is_left_out_of_a_plain_answer() -> None:
    plain = _style("plain")
    assert fk_grade(HARD) > plain.target_grade + FOCUS.rest_grade["plain"]
    assert too_hard(_ranked(HARD, ("cash_settle_time",), 0.2), plain, FOCUS.rest_grade, FOCUS.rest_fact_min)


def test_an_easy_sentence_or_another_register_or_an_asked_fact_is_kept() -> None:
    args = (FOCUS.rest_grade, FOCUS.rest_fact_min)
    assert not too_hard(_ranked(EASY), _style("plain"), *args)
    assert not too_hard(_ranked(HARD), _style("standard"), *args)  # the standard register keeps the detail
    asked = _ranked(HARD, ("cash_settle_time",), FOCUS.rest_fact_min + 0.05)
    assert not too_hard(asked, _style("plain"), *args)  # it carries what the question asks


@pytest.mark.parametrize(
    ("question", "time"),
    [
        ("CASS full switch timeline?", True),
        ("Returned outbound SWIFT - typical timescale for the funds to be credited back?", True),
        ("what's the time frame for a dispute?", True),
        ("Is this the first time I need to verify my ID?", False),
        ("Can I pay my rent with a standing order?", False),
    ],
)
def test_time_frame_wording_asks_how_long(question: str, time: bool) -> None:
    assert ("time" in asked_kinds(question, CUES)) is time
    assert (detect_asks(question) == "how_long") is time


def test_rest_grade_names_only_registers() -> None:
    from pydantic import ValidationError

    from assistant.answers.composer_prompts import FocusConfig

    raw = FOCUS.model_dump()
    raw["rest_grade"] = {"plian": 1.0}  # a misspelt register must not be ignored silently
    with pytest.raises(ValidationError):
        FocusConfig.model_validate(raw)
