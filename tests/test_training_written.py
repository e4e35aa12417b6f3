"""Copying helper-written signal rows into a ``data/signals/written_*`` folder: validation, de-duplication, split."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.training.signals.written import check, copy_written, split_of


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_check_refuses_rows_outside_the_label_schema() -> None:
    assert check("crisis_distress", {"text": "x", "distress": "crisis", "crisis_kind": None}) is not None
    assert check("crisis_distress", {"text": "x", "distress": "high", "crisis_kind": "abuse"}) is not None
    assert check("crisis_distress", {"text": "x", "distress": "crisis", "crisis_kind": "abuse"}) is None
    assert check("vulnerability", {"text": "x", "drivers": ["health", "money"]}) == "drivers ['health', 'money']"
    assert check("literacy", {"text": "x", "literacy": "expert", "context": "not a list"}) is not None
    assert check("complaint", {"text": "  ", "complaint": True}) == "no text"


def test_copy_concatenates_sources_drops_earlier_and_repeated_texts_and_keeps_a_stable_split(tmp_path: Path) -> None:
    root = tmp_path / "signals"
    _write(root / "written_old" / "handoff.jsonl", [{"text": "agent please", "handoff": True, "split": "train"}])
    a, b = tmp_path / "a", tmp_path / "b"
    _write(
        a / "handoff.jsonl", [{"text": "agent please", "handoff": True}, {"text": "can I ring you", "handoff": True}]
    )
    _write(
        b / "handoff.jsonl",
        [{"text": "can I ring you", "handoff": True}, {"text": "my son will call", "handoff": False}, {"text": "x"}],
    )
    counts = copy_written(root / "written_new", [a, b])
    rows = [json.loads(line) for line in (root / "written_new" / "handoff.jsonl").read_text().splitlines()]
    assert [r["text"] for r in rows] == ["can I ring you", "my son will call"]
    assert [r["split"] for r in rows] == [split_of("can I ring you"), split_of("my son will call")]
    dev = sum(r["split"] == "dev" for r in rows)
    assert counts["handoff"] == {"rows": 2, "dev": dev, "invalid": 1, "duplicates": 2}
    assert "crisis_distress" not in counts
