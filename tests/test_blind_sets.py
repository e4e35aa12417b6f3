"""The blind sets in data/blind/ are frozen: nobody tunes on them, and no row changes after they were committed."""

from __future__ import annotations

import hashlib
import json

from assistant.settings import PROJECT_ROOT

BLIND = PROJECT_ROOT / "data" / "blind"


def test_blind_sets_are_unchanged_since_they_were_frozen() -> None:
    sums = dict(
        reversed(line.split()) for line in (BLIND / "SHA256SUMS").read_text(encoding="utf-8").splitlines() if line
    )
    assert set(sums) == {p.name for p in BLIND.glob("*.jsonl")}
    for name, digest in sums.items():
        assert hashlib.sha256((BLIND / name).read_bytes()).hexdigest() == digest, f"{name} changed after freezing"


SIGNAL_SETS = ("crisis_distress", "handoff", "complaint", "vulnerability", "literacy")


def _rows(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (BLIND / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]


def test_the_signal_sets_hold_at_least_400_labelled_messages() -> None:
    rows = [row for name in SIGNAL_SETS for row in _rows(name)]
    assert len(rows) >= 400 and all(isinstance(r["text"], str) and str(r["text"]).strip() for r in rows)


def test_the_dialogue_and_key_fact_sets_are_well_formed() -> None:
    dialogues = _rows("dialogues")
    assert len(dialogues) >= 60 and all(2 <= len(d["turns"]) <= 5 for d in dialogues)  # type: ignore[arg-type]
    assert len(_rows("key_facts")) >= 150


def test_the_pii_set_marks_exact_substrings_of_every_entity_type() -> None:
    rows = _rows("pii")
    assert len(rows) >= 200
    kinds = {str(e["type"]) for r in rows for e in r["entities"]}  # type: ignore[attr-defined]
    assert {"CARD", "ACCOUNT", "SORT_CODE", "NI", "SSN", "PASSWORD", "DOB", "ADDRESS", "NAME"} <= kinds
    for row in rows:
        for entity in row["entities"]:  # type: ignore[attr-defined]
            assert entity["value"] in row["text"], row["id"]
