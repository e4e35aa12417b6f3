"""Print the crisis-bank lines drawn from this folder's ``train`` rows (never ``dev``): each crisis message without
earlier turns becomes an entry of its kind, each non-crisis message without earlier turns (hyperbole, negation,
sarcasm, estate admin, scams in progress, panic) a trap, to paste at the end of the ``entries`` and ``traps`` lists of
``assistant/signals/crisis_bank.yaml`` before the thresholds are chosen again (see README.md: not adopted yet).
Run: ``python bank_rows.py``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def _id(prefix: str, text: str) -> str:
    return f"{prefix}_{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def main() -> None:
    path = Path(__file__).with_name("crisis_distress.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    usable = [r for r in rows if r["split"] == "train" and not r.get("context") and 3 <= len(r["text"]) <= 300]
    print("  # written_2026_12c train rows (bank_rows.py)")
    for r in usable:
        if r["distress"] == "crisis":
            kind, text = r["crisis_kind"], json.dumps(r["text"], ensure_ascii=False)
            print(f"  - {{id: {_id('w12c_' + kind, r['text'])}, kind: {kind}, text: {text}}}")
    print("traps:")
    print("  # written_2026_12c train rows that are not a crisis (bank_rows.py)")
    for r in usable:
        if r["distress"] != "crisis":
            text = json.dumps(r["text"], ensure_ascii=False)
            print(f"  - {{id: {_id('w12c_tr', r['text'])}, text: {text}}}")


if __name__ == "__main__":
    main()
