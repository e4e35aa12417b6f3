"""Copy rows that helpers wrote from the label definitions into a ``data/signals/written_*`` folder, validated, with a
seeded, order-independent ``split`` field (train/dev).

A row is ``dev`` when the first 8 hex digits of sha1(seed + text) fall below :data:`DEV_FRACTION` of the range, so
the split does not depend on row order and a re-run gives the same split. Every row is checked against the label
schema of ``data/blind/README.md`` before it is copied; a text already present in an earlier written folder (or twice
in the sources) is dropped, so no text sits in two splits. The rows of every source folder that has a file are
concatenated, in the order the folders are given.

Run from the repository root::

    python -m assistant.training.signals.written data/signals/written_2026_12d /work/train_out/a /work/train_out/b

>>> split_of("I need to speak to someone") in ("train", "dev")
True
>>> check("handoff", {"text": "agent pls", "handoff": "yes"})
'handoff is not a bool'
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

SEED = "attune-signals-2026-12"
DEV_FRACTION = 0.3
FILES = ("crisis_distress", "handoff", "complaint", "literacy", "vulnerability")
DISTRESS = {"none", "mild", "high", "crisis"}
KINDS = {"self_harm", "abuse", "threat", "emergency"}
DRIVERS = {"health", "life_event", "resilience", "capability"}
LITERACY = {"novice", "intermediate", "expert"}


def split_of(text: str) -> str:
    """``dev`` for about :data:`DEV_FRACTION` of texts, else ``train``; fixed by the text and :data:`SEED`."""
    h = int(hashlib.sha1(f"{SEED}\x1f{text}".encode()).hexdigest()[:8], 16)
    return "dev" if h < DEV_FRACTION * 0x100000000 else "train"


def check(name: str, row: dict[str, object]) -> str | None:
    """Why ``row`` does not fit the schema of file ``name`` (None when it does)."""
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        return "no text"
    ctx = row.get("context", [])
    if not isinstance(ctx, list) or not all(isinstance(c, str) for c in ctx):
        return "context is not a list of strings"
    if name == "crisis_distress":
        if row.get("distress") not in DISTRESS:
            return f"distress {row.get('distress')!r}"
        kind = row.get("crisis_kind")
        if (row["distress"] == "crisis") != (kind in KINDS) or (kind is not None and kind not in KINDS):
            return f"crisis_kind {kind!r} with distress {row['distress']!r}"
    elif name in ("handoff", "complaint"):
        if not isinstance(row.get(name), bool):
            return f"{name} is not a bool"
    elif name == "literacy":
        if row.get("literacy") not in LITERACY:
            return f"literacy {row.get('literacy')!r}"
    elif name == "vulnerability":
        drivers = row.get("drivers")
        if not isinstance(drivers, list) or not set(drivers) <= DRIVERS:
            return f"drivers {drivers!r}"
    return None


def earlier_texts(dest: Path) -> set[str]:
    """Texts of every other ``written_*`` folder beside ``dest``."""
    seen: set[str] = set()
    for folder in sorted(dest.parent.glob("written_*")):
        if folder.resolve() == dest.resolve():
            continue
        for path in folder.glob("*.jsonl"):
            seen |= {json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line}
    return seen


def copy_written(dest: Path, sources: Sequence[Path]) -> dict[str, dict[str, int]]:
    """Validate, de-duplicate and split the rows of ``sources`` into ``dest``; counts per file."""
    earlier = earlier_texts(dest)
    counts: dict[str, dict[str, int]] = {}
    for name in FILES:
        paths = [s / f"{name}.jsonl" for s in sources if (s / f"{name}.jsonl").exists()]
        if not paths:
            continue
        seen = set(earlier)
        out: list[dict[str, object]] = []
        bad = dupes = 0
        for path in paths:
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    print(f"{path}:{n}: {exc}")
                    bad += 1
                    continue
                why = check(name, row)
                if why is not None:
                    print(f"{path}:{n}: {why}")
                    bad += 1
                    continue
                if row["text"] in seen:
                    dupes += 1
                    continue
                seen.add(row["text"])
                out.append({**row, "split": split_of(row["text"])})
        dest.mkdir(parents=True, exist_ok=True)
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out)
        (dest / f"{name}.jsonl").write_text(text, encoding="utf-8")
        counts[name] = {
            "rows": len(out),
            "dev": sum(r["split"] == "dev" for r in out),
            "invalid": bad,
            "duplicates": dupes,
        }
    return counts


def main(argv: Sequence[str]) -> None:
    if len(argv) < 2:
        raise SystemExit("usage: python -m assistant.training.signals.written DEST SOURCE [SOURCE ...]")
    for name, c in copy_written(Path(argv[0]), [Path(p) for p in argv[1:]]).items():
        print(name, c)


if __name__ == "__main__":
    main(sys.argv[1:])
