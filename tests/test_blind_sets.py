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


def test_blind_sets_hold_at_least_400_labelled_messages() -> None:
    rows = [
        json.loads(line) for p in sorted(BLIND.glob("*.jsonl")) for line in p.read_text(encoding="utf-8").splitlines()
    ]
    assert len(rows) >= 400 and all(isinstance(r["text"], str) and r["text"].strip() for r in rows)
