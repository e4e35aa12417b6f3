"""The language set format and the language suite's figures, computed from per-case records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.formats import EvalDataError, detect_format, load_any
from eval.language_data import load_language_jsonl
from eval.suite_runs.language import language_metrics

DEV = Path(__file__).resolve().parent.parent / "data" / "language" / "dev.jsonl"


def test_the_dev_set_has_the_promised_shape() -> None:
    rows = load_language_jsonl(DEV)
    assert len(rows) == 400 and detect_format(DEV) == "language_jsonl"
    assert sum(r.label == "other" for r in rows) == 200
    assert len({r.language for r in rows if r.label == "other"}) >= 25
    assert sum(r.content == "crisis" for r in rows) >= 60


def test_a_bad_row_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x", "text": "hola", "label": "spanish", "language": "es"}) + "\n")
    with pytest.raises(EvalDataError, match="label"):
        load_any(bad, "language_jsonl")


def test_metrics_count_each_kind_of_outcome() -> None:
    cases = [
        {"label": "other", "content": "crisis", "read_as": "es", "status": "escalated", "codes": ["other_language"]},
        {"label": "other", "content": "everyday", "read_as": "en", "status": "answered", "codes": []},
        {"label": "english", "content": "everyday", "read_as": "en", "status": "answered", "codes": []},
        {"label": "english", "content": "urgent", "read_as": "pl", "status": "escalated", "codes": ["other_language"]},
        {"label": "english", "content": "urgent", "read_as": None, "error": "InvalidMessageError: empty"},
    ]
    m = language_metrics(cases)
    assert m["language.recall"] == 0.5 and m["language.crisis_recall"] == 1.0
    assert m["language.false_rate"] == 0.5 and m["language.english_sent_away"] == 0.5
    assert m["language.other_to_person"] == 0.5 and m["language.errors"] == 1
    assert m["language.n.other"] == 2 and m["language.n.english"] == 2
