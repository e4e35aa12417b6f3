"""The dialogue suite's independent dev sets (dev2 to dev10) and its per-error-type breakdown."""

from __future__ import annotations

import pytest

from eval.config import load_suite
from eval.dialogue_data import load_dialogues_jsonl
from eval.runner import PROJECT_ROOT
from eval.suite_runs.multiturn import error_type


@pytest.mark.parametrize("role", ["dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9", "dev10"])
def test_the_independent_sets_are_dev_datasets_of_the_dialogue_suite(role: str) -> None:
    spec = load_suite("dialogue").datasets[role]
    assert (spec.format, spec.root) == ("dialogues_jsonl", "project")
    cases = load_dialogues_jsonl(PROJECT_ROOT / spec.paths[0])
    assert len(cases) >= 80 and all(c.turns[0].kind == "new_topic" for c in cases)


def test_a_wrong_later_turn_is_filed_under_why_it_went_wrong() -> None:
    row = {"status": "answered", "kind": "follow_up", "gold": "a", "active": "a", "topic": "b"}
    assert error_type(row) == "switched_should_stay"
    assert error_type({**row, "kind": "new_topic", "gold": "b", "topic": "a"}) == "stayed_should_switch"
    assert error_type({**row, "status": "out_of_scope", "topic": None}) == "out_of_scope"
    assert error_type({**row, "gold": "c", "active": "b", "topic": "b"}) == "topic_already_wrong"
    assert error_type({**row, "kind": "new_topic", "gold": "c", "topic": "d"}) == "wrong_article"
