"""Cross-writer audit of a crisis classifier on the base sentence embedding (issue #19).

Trains a logistic head on the ``train`` rows of the first two writers' rounds (``data/signals/written_2026_12`` and
``written_2026_12c``: crisis rows against their other crisis/distress rows, every other written train row and 1 500
BANKING77 negatives) and tests it on **every** row of the third round (``written_2026_12d``), written later by other
helpers. Two readings: the message alone (``msg``) and the message with its last two earlier turns joined (``ctx``).
Reports crisis recall at a threshold fixed out-of-fold on the training rows (written false crisis <= 1.5 %,
BANKING77 <= 0.5 %) and, threshold-free, recall at 2 % false crisis on the third round's non-crisis rows. The blind
sets are not read. Writes ``crisis_cross_writer.json`` beside this file.

    python data/audits/crisis_cross_writer.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

from assistant.integrations.encoder import shared_encoder
from assistant.settings import PROJECT_ROOT, get_settings
from assistant.training.signals import datasets as ds

SIGNALS = PROJECT_ROOT / "data" / "signals"
TRAIN_ROUNDS = ("written_2026_12", "written_2026_12c")
TEST_ROUND = "written_2026_12d"
OTHER = ("handoff", "complaint", "vulnerability", "literacy")
KINDS = ("self_harm", "abuse", "threat", "emergency")


def rows(folder: str, name: str, split: str | None = None) -> list[dict[str, Any]]:
    path = SIGNALS / folder / f"{name}.jsonl"
    if not path.exists():
        return []
    out = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in out if split is None or r.get("split") == split]


def window(row: dict[str, Any], turns: int = 2) -> str:
    return " ".join([*list(row.get("context") or [])[-turns:], row["text"]])


def main() -> dict[str, Any]:
    enc = shared_encoder()
    settings = get_settings()
    train_cd = [r for f in TRAIN_ROUNDS for r in rows(f, "crisis_distress", "train")]
    train_other = [r for f in TRAIN_ROUNDS for n in OTHER for r in rows(f, n, "train")]
    test_cd = rows(TEST_ROUND, "crisis_distress")
    test_other = [r for n in OTHER for r in rows(TEST_ROUND, n)]
    b77 = ds.banking77_texts(settings)
    train_ids, dev_ids = ds.b77_split(settings, 13)
    b77_train, b77_dev = [b77[i] for i in train_ids], [b77[i] for i in dev_ids]
    y_train = np.array([r["distress"] == "crisis" for r in train_cd])
    y_test = np.array([r["distress"] == "crisis" for r in test_cd])
    results: dict[str, Any] = {"train_rounds": TRAIN_ROUNDS, "test_round": TEST_ROUND, "readings": {}}
    for reading in ("msg", "ctx"):
        text = (lambda r: r["text"]) if reading == "msg" else window
        x_cd = enc.encode([text(r) for r in train_cd])
        x_other = enc.encode([r["text"] for r in train_other])
        x_b77 = enc.encode(b77_train)
        x = np.concatenate([x_cd, x_other, x_b77])
        y = np.concatenate([y_train, np.zeros(len(x_other) + len(x_b77), bool)])
        w = np.concatenate([np.full(len(x_cd), 5.0), np.full(len(x_other), 3.0), np.ones(len(x_b77))])
        clf = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced")
        oof = cross_val_predict(clf, x, y, cv=5, method="predict_proba", params={"sample_weight": w})[:, 1]
        clf.fit(x, y, sample_weight=w)
        n_written = len(x_cd) + len(x_other)
        written_neg = oof[:n_written][~y[:n_written]]
        b77_neg = oof[n_written:]
        grid = np.linspace(0.05, 0.995, 190)
        thr = next((t for t in grid if (written_neg >= t).mean() <= 0.015 and (b77_neg >= t).mean() <= 0.005), grid[-1])
        p_test = clf.predict_proba(enc.encode([text(r) for r in test_cd]))[:, 1]
        p_other = clf.predict_proba(enc.encode([r["text"] for r in test_other]))[:, 1]
        p_b77 = clf.predict_proba(enc.encode(b77_dev))[:, 1]
        negatives = np.concatenate([p_test[~y_test], p_other])
        at_2pc = float(np.quantile(negatives, 0.98))
        results["readings"][reading] = {
            "threshold_out_of_fold": round(float(thr), 3),
            "recall": round(float((p_test[y_test] >= thr).mean()), 3),
            "false_crisis_test_round": round(float((negatives >= thr).mean()), 4),
            "false_crisis_banking77_dev": round(float((p_b77 >= thr).mean()), 4),
            "recall_at_2pc_false": round(float((p_test[y_test] >= at_2pc).mean()), 3),
            "recall_by_kind": {
                k: round(float((p_test[np.array([r.get("crisis_kind") == k for r in test_cd])] >= thr).mean()), 3)
                for k in KINDS
            },
            "n_crisis": int(y_test.sum()),
            "n_negatives": len(negatives),
        }
        print(reading, json.dumps(results["readings"][reading]), flush=True)
    Path(__file__).with_name("crisis_cross_writer.json").write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
