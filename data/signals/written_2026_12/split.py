"""Copy the helpers' files into this folder with a seeded, stable ``split`` field (train/dev).

A row is ``dev`` when the first 8 hex digits of sha1(seed + text) fall below DEV_FRACTION of the range, so the split
does not depend on row order and a re-run gives the same split. Run once: ``python split.py /work/train_out``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

SEED = "attune-signals-2026-12"
DEV_FRACTION = 0.3
FILES = ("crisis_distress", "handoff", "complaint", "literacy", "vulnerability")


def split_of(text: str) -> str:
    h = int(hashlib.sha1(f"{SEED}\x1f{text}".encode()).hexdigest()[:8], 16)
    return "dev" if h < DEV_FRACTION * 0x100000000 else "train"


def main(source: Path) -> None:
    here = Path(__file__).parent
    for name in FILES:
        rows = [json.loads(line) for line in (source / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if line]
        seen: set[str] = set()
        out = []
        for row in rows:
            if row["text"] in seen:
                continue
            seen.add(row["text"])
            out.append({**row, "split": split_of(row["text"])})
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out)
        (here / f"{name}.jsonl").write_text(text, encoding="utf-8")
        print(name, len(out), sum(r["split"] == "dev" for r in out))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
