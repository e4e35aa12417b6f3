"""Key-fact scoring of the answers suite: the format is recognised, and an answer contains / leads with the needed
fact or names a neighbour exactly as the rules in eval/README.md say (no models)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.formats import EvalDataError, KeyFactCase, detect_format, load_key_facts_jsonl
from eval.suite_runs.answers import first_sentence, key_fact_metrics, score_key_fact

FACTS = {"dd_notice": "10 working days", "dd_cutoff": "the end of the working day before the payment date"}


def case(**changes: object) -> KeyFactCase:
    row = {"id": "k1", "text": "how much notice?", "register": "novice", "must_contain": ["dd_notice"]}
    row.update(changes)
    return KeyFactCase.model_validate(row)


def test_key_fact_file_is_told_from_conversations_by_its_first_row(tmp_path: Path) -> None:
    kf = tmp_path / "kf.jsonl"
    kf.write_text(json.dumps({"id": "a", "text": "q", "register": "expert", "must_contain": ["x"]}) + "\n")
    conv = tmp_path / "conv.jsonl"
    conv.write_text(json.dumps({"id": "c", "turns": [{"customer": "hi"}]}) + "\n")
    assert detect_format(kf) == "key_facts_jsonl"
    assert detect_format(conv) == "conversations_jsonl"
    assert load_key_facts_jsonl(kf)[0].literacy == "expert"


def test_key_fact_rows_are_validated_with_line_numbers(tmp_path: Path) -> None:
    bad = tmp_path / "kf.jsonl"
    bad.write_text(json.dumps({"id": "a", "text": "q", "register": "guru", "must_contain": ["x"]}) + "\n")
    with pytest.raises(EvalDataError, match=r"kf.jsonl:1: register"):
        load_key_facts_jsonl(bad)
    with pytest.raises(ValueError, match="must_contain"):
        case(must_contain=[])


def test_contains_leads_and_neighbours() -> None:
    led = score_key_fact(case(), "They must tell you **10 working days** before. Then it changes.", FACTS)
    assert led["contains"] and led["leads"] and not led["neighbour"]
    late = score_key_fact(case(), "Go to Payments. They must tell you 10 working days before.", FACTS)
    assert late["contains"] and not late["leads"]
    missing = score_key_fact(
        case(must_not_contain=["dd_cutoff"]), "Cancel by the end of the working day before the payment date.", FACTS
    )
    assert not missing["contains"] and missing["neighbour"] and missing["neighbours"] == ["dd_cutoff"]


def test_statement_is_used_when_no_fact_is_named() -> None:
    row = case(must_contain=[], must_contain_text=["Direct Debit Guarantee"])
    assert score_key_fact(row, "The direct debit guarantee covers you.", FACTS)["contains"]
    assert score_key_fact(row, "Ask us.", FACTS)["contains_text"] is False


def test_first_sentence_skips_list_labels() -> None:
    assert first_sentence("Steps:\n- Tap Cards. Then freeze.") == "Tap Cards."


def test_metrics_per_register() -> None:
    rows = [
        {
            "contains": True,
            "contains_text": None,
            "leads": True,
            "neighbour": False,
            "grounding_score": 1.0,
            "invented_figures": [],
            "fallback": False,
            "in_scope": True,
            "register": "plain",
            "words": 30,
            "reading_grade": 4.0,
        },
        {
            "contains": False,
            "contains_text": None,
            "leads": False,
            "neighbour": True,
            "grounding_score": 1.0,
            "invented_figures": [],
            "fallback": False,
            "in_scope": False,
            "register": "plain",
            "words": 50,
            "reading_grade": 6.0,
        },
    ]
    m = key_fact_metrics(rows, "answers.keyfacts", 0.9)
    assert m["answers.keyfacts.contains_rate"] == 0.5
    assert m["answers.keyfacts.plain.words_p50"] == 40.0
    assert m["answers.keyfacts.out_of_scope_rate"] == 0.5
    assert m["answers.keyfacts.technical.words_p50"] is None
