"""Copy the second round of helpers' files into this folder with a seeded, stable ``split`` field (train/dev).

As ``../written_2026_12/split.py`` (same seed and rule: a row is ``dev`` when the first 8 hex digits of
sha1(seed + text) fall below DEV_FRACTION of the range, so the split does not depend on row order), with two
additions: every row is validated against the label schema before it is copied, and a text already present in
``../written_2026_12`` or ``../written_2026_12b`` is dropped (it would otherwise sit in two splits). Run once:
``python split.py /work/train_out/signals_a /work/train_out/signals_b``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

SEED = "attune-signals-2026-12"
DEV_FRACTION = 0.3
FILES = ("crisis_distress", "handoff", "complaint", "literacy", "vulnerability")
DISTRESS = {"none", "mild", "high", "crisis"}
KINDS = {"self_harm", "abuse", "threat", "emergency"}
DRIVERS = {"health", "life_event", "resilience", "capability"}
LITERACY = {"novice", "intermediate", "expert"}


def split_of(text: str) -> str:
    h = int(hashlib.sha1(f"{SEED}\x1f{text}".encode()).hexdigest()[:8], 16)
    return "dev" if h < DEV_FRACTION * 0x100000000 else "train"


def check(name: str, row: dict[str, object]) -> str | None:
    """Why ``row`` does not fit the schema of ``name`` (None when it does)."""
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


def _earlier_texts(here: Path) -> set[str]:
    seen: set[str] = set()
    for folder in ("written_2026_12", "written_2026_12b"):
        for path in (here.parent / folder).glob("*.jsonl"):
            seen |= {json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line}
    return seen


def main(sources: list[Path]) -> None:
    here = Path(__file__).parent
    earlier = _earlier_texts(here)
    for name in FILES:
        path = next((s / f"{name}.jsonl" for s in sources if (s / f"{name}.jsonl").exists()), None)
        if path is None:
            print(name, "missing")
            continue
        seen: set[str] = set(earlier)
        out, bad, dupes = [], 0, 0
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
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out)
        (here / f"{name}.jsonl").write_text(text, encoding="utf-8")
        print(name, len(out), "dev", sum(r["split"] == "dev" for r in out), "invalid", bad, "duplicates", dupes)


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]])
