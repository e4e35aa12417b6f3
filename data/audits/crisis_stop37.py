"""Crisis misses and false crises by kind and writer, and a leave-one-writer-out choice of the agreeing crisis
sources (issue #19, stop 37, helper HS; ``crisis_stop37_notes.md`` holds the acceptance rule and the verdict).

Rows (never ``data/blind``, never a test split): the crisis/distress ``dev`` rows of every written round (12 to
12l, with the dev-only 12b), each with its writer (the ``writer`` field, else the round); the other written dev rows
(hand-off, complaint, vulnerability, literacy) as negatives; the ordinary sample the repository's chooser bounds with
(1 500 BANKING77 dev questions, 1 500 GoEmotions train comments, seed 13); the customer turns of the bounding dialogue
dev sets (``dev2``, ``dev3``); and, as a held-out check read only as aggregates, the ``train`` rows of rounds 12k and
12l (three writers the crisis view never trained on).

1. The shipped layer (``CrisisReplay``, earlier turns as history): crises caught and false crises per group, kind,
   writer and source.
2. The agreeing sources (``crisis_view_joined_low`` / ``crisis_view_joined_floor``, ``crisis_view_bank`` /
   ``crisis_view_bank_agree``): for each writer W, the grid point with the most crises caught on the other writers'
   dev rows among those adding no false crisis on the other writers' dev non-crises, the other written dev rows, the
   ordinary sample and the conversation turns (ties to the higher thresholds), scored on W; then the choice on all
   writers, and what it adds on 12k + 12l train rows. Only rows the loosest point can move are replayed per point
   (adding a source only adds crisis calls).

Writes ``crisis_stop37.json`` beside this file. Run from the repository root (about 15 minutes on two shared cores,
most of it the encoder pass)::

    ATTUNE_SHARED_DATA_DIR=/work/shared/data PYTHONPATH=$PWD HF_HUB_OFFLINE=1 \
        .venv/bin/python data/audits/crisis_stop37.py
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.integrations.encoder import shared_encoder
from assistant.settings import PROJECT_ROOT, get_settings
from assistant.signals.crisis_view import load_crisis_view
from assistant.signals.model import ARTIFACT_NAME, SignalModel
from assistant.training.signals import datasets as ds
from assistant.training.signals.crisis_thresholds import CrisisReplay, DevRow, conversation_rows, written_rows
from assistant.types import Signals

OUT = Path(__file__).with_name("crisis_stop37.json")
SIGNALS = PROJECT_ROOT / "data" / "signals"
ROUNDS = ("12", "12b", "12c", "12d", "12e", "12g", "12h", "12i", "12j", "12k", "12l")
HELD_TRAIN = ("12k", "12l")
OFF = 9.0
KEYS = ("crisis_view_joined_low", "crisis_view_joined_floor", "crisis_view_bank", "crisis_view_bank_agree")
JOINED = [(OFF, OFF)] + [(a, f) for a in (0.85, 0.8, 0.75, 0.7) for f in (0.2, 0.3, 0.4, 0.5)]
AGREE = [(OFF, OFF)] + [(v, b) for v in (0.7, 0.65, 0.6, 0.55, 0.5) for b in (0.45, 0.5, 0.55, 0.6, 0.65)]
LOOSEST = (0.7, 0.2, 0.5, 0.45)
SOURCES = (
    ("agreeing with", "agreeing"),
    ("crisis view p=.*read together", "view_joined"),
    ("crisis view p=.*over the last", "view_window"),
    ("crisis view p=", "view"),
    ("crisis head", "head"),
    (r"model p\(crisis\)", "model"),
    ("warning sign|threatening words", "warning"),
    ("crisis earlier", "earlier"),
    ("over the last", "bank_window"),
    ("bank", "bank"),
)


@dataclass(frozen=True)
class Meta:
    group: str  # dev, held, other, ordinary, talk
    writer: str
    kind: str | None


def source(s: Signals) -> str:
    cue = (s.cues.get("crisis") or ("",))[0]
    return next((name for pat, name in SOURCES if re.search(pat, cue)), "rule" if cue else "")


def load_rows() -> tuple[list[DevRow], list[Meta]]:
    settings = get_settings()
    rows: list[DevRow] = []
    meta: list[Meta] = []
    for rnd in ROUNDS:
        for split in ("dev", "train") if rnd in HELD_TRAIN else ("dev",):
            for r in written_rows("crisis_distress", split, SIGNALS / f"written_2026_{rnd}"):
                ctx = tuple(str(c) for c in r.get("context") or ())  # type: ignore[attr-defined]
                rows.append(DevRow(str(r["text"]), ctx, r.get("distress") == "crisis", str(r.get("category", ""))))
                kind = str(r["crisis_kind"]) if r.get("crisis_kind") else None
                meta.append(Meta("dev" if split == "dev" else "held", str(r.get("writer", rnd)), kind))
    for name in ("handoff", "complaint", "vulnerability", "literacy"):
        for r in written_rows(name, "dev"):
            ctx = r.get("context")
            rows.append(
                DevRow(str(r["text"]), tuple(str(c) for c in ctx) if isinstance(ctx, list) else (), False, name)
            )
            meta.append(Meta("other", str(r.get("writer", "?")), None))
    b77 = ds.banking77_texts(settings)
    ge = [r[0] for r in ds._goemotions_rows(settings, "original", "train")]
    pick = np.random.default_rng(13).choice(len(ge), size=min(1500, len(ge)), replace=False)
    for t in [b77[i] for i in ds.b77_split(settings, 13)[1]] + [ge[i] for i in sorted(pick.tolist())]:
        rows.append(DevRow(t, (), False, "ordinary"))
        meta.append(Meta("ordinary", "-", None))
    for r in conversation_rows():
        rows.append(r)
        meta.append(Meta("talk", "-", None))
    return rows, meta


def thresholds(point: tuple[float, ...]) -> dict[str, float]:
    return dict(zip(KEYS, point, strict=True))


def shipped_figures(replay: CrisisReplay, meta: list[Meta], th: dict[str, float]) -> dict[str, Any]:
    out = replay.run(th)
    hit = [s.distress == "crisis" for s in out]
    y = [r.crisis for r in replay.rows]
    groups: dict[str, Any] = {}
    for g in ("dev", "held", "other", "ordinary", "talk"):
        idx = [i for i, m in enumerate(meta) if m.group == g]
        pos, neg = [i for i in idx if y[i]], [i for i in idx if not y[i]]
        groups[g] = {"crises": len(pos), "caught": sum(hit[i] for i in pos), "non_crisis": len(neg)}
        groups[g]["false"] = sum(hit[i] for i in neg)
    dev = [i for i, m in enumerate(meta) if m.group == "dev"]
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_writer: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for i in dev:
        w = by_writer[meta[i].writer]
        if y[i]:
            by_kind[str(meta[i].kind)][0] += 1
            by_kind[str(meta[i].kind)][1] += hit[i]
            w[0] += 1
            w[1] += hit[i]
        else:
            w[2] += 1
            w[3] += hit[i]
    return {
        "groups": groups,
        "dev_by_kind_crises_caught": dict(by_kind),
        "dev_by_writer_crises_caught_noncrisis_false": dict(by_writer),
        "dev_catches_by_source": dict(Counter(source(out[i]) for i in dev if y[i] and hit[i])),
        "false_by_source": dict(
            Counter(source(out[i]) for i, m in enumerate(meta) if m.group != "held" and not y[i] and hit[i])
        ),
    }


def lowo(replay: CrisisReplay, meta: list[Meta], model: SignalModel) -> dict[str, Any]:
    points = [a + b for a, b in itertools.product(JOINED, AGREE)]
    base = [s.distress == "crisis" for s in replay.run(thresholds((OFF,) * 4))]
    loose = [s.distress == "crisis" for s in replay.run(thresholds(LOOSEST))]
    moved = [i for i in range(len(base)) if base[i] != loose[i]]
    sub = CrisisReplay.__new__(CrisisReplay)
    sub.model, sub.rows, sub._prep, sub._windows = model, [replay.rows[i] for i in moved], replay._prep, replay._windows
    sub._row_windows = [replay._row_windows[i] for i in moved]
    stats: dict[tuple[float, ...], dict[tuple[str, str], list[int]]] = {}
    for p in points:
        added: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for j, s in enumerate(sub.run(thresholds(p))):
            i = moved[j]
            if s.distress == "crisis":
                key = (meta[i].group, meta[i].writer if meta[i].group in ("dev", "held") else "-")
                added[key][0 if replay.rows[i].crisis else 1] += 1
        stats[p] = dict(added)

    def pick(exclude: str | None) -> tuple[float, ...]:
        best: tuple[tuple[float, ...], tuple[float, ...]] | None = None
        for p in points:
            s = stats[p]
            bound = [
                v[1]
                for k, v in s.items()
                if (k[0] == "dev" and k[1] != exclude) or k[0] in ("other", "ordinary", "talk")
            ]
            if sum(bound) > 0:
                continue
            gain = sum(v[0] for k, v in s.items() if k[0] == "dev" and k[1] != exclude)
            key = (gain, p[0], p[2], p[1], p[3])
            if best is None or key > best[0]:
                best = (key, p)
        assert best is not None
        return best[1]

    folds = {}
    for w in sorted({m.writer for m in meta if m.group == "dev"}):
        p = pick(w)
        got = stats[p].get(("dev", w), [0, 0])
        folds[w] = {"chosen": thresholds(p), "added_crises": got[0], "added_false": got[1]}
    chosen = pick(None)
    held = [v for k, v in stats[chosen].items() if k[0] == "held"]
    return {
        "grid_points": len(points),
        "rows_moved_at_loosest": len(moved),
        "folds": folds,
        "held_out_added": {
            "crises": sum(f["added_crises"] for f in folds.values()),
            "false": sum(f["added_false"] for f in folds.values()),
        },
        "chosen_all_writers": thresholds(chosen),
        "chosen_added_by_group": {f"{k[0]}:{k[1]}": v for k, v in stats[chosen].items()},
        "train_12k_12l_added": {"crises": sum(v[0] for v in held), "false": sum(v[1] for v in held)},
    }


def main() -> dict[str, Any]:
    settings = get_settings()
    adapter, _ = load_crisis_view(settings.artifacts_dir)
    model = SignalModel.load(settings.artifacts_dir / ARTIFACT_NAME)
    model.warm_up_bank()
    rows, meta = load_rows()
    replay = CrisisReplay(model, shared_encoder(), rows, adapter)
    result = {
        "rows": dict(Counter(m.group for m in meta)),
        "before": shipped_figures(replay, meta, thresholds((OFF,) * 4)),
        "leave_one_writer_out": lowo(replay, meta, model),
        "after": shipped_figures(replay, meta, {}),
        "shipped": {k: model.threshold(k, OFF) for k in KEYS},
    }
    OUT.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    r = main()
    print(json.dumps({k: r[k] for k in ("rows", "shipped")} | {"lowo": r["leave_one_writer_out"]["held_out_added"]}))
