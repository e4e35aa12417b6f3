"""Training of the crisis view (``attune train crisis-view``, issue #19): the encoder's top layers fine-tuned, from
the hidden state entering layer 4 (:mod:`assistant.training.signals.views`), to tell the four crisis kinds from
the other distress levels, other customer messages and ordinary banking questions.

Rows (``train`` splits only; the ``dev`` splits choose the threshold, ``data/blind`` is never read):

- every written round with a train/dev split (:data:`VIEW_FOLDERS`): ``crisis_distress`` rows by kind or distress
  level, and the rows of ``handoff``, ``complaint``, ``vulnerability`` and ``literacy`` as ``other``;
- our older hand-written ``data/signals/distress.jsonl`` by level and kind;
- the BANKING77 training negatives of the signals heads as ``ordinary``;
- :data:`N_GOEMOTIONS` GoEmotions train comments (general text, with its own violent and sad figures of speech), by
  their distress mapping (``datasets.goemotions_distress``: ``none`` as ``ordinary``, ``mild``, ``high``), none of
  them among the comments the thresholds are bounded on (the seeded sample of ``thresholds.retune_crisis_layer``).

Each row is the customer's message alone, and a row with ``context`` is also read as its window
(:func:`~assistant.signals.crisis_view.window_text`: the last customer turns and the message, which the run-time
view reads too, so a crisis that builds across turns is learnt where it builds). More windows: the user turns of the
Schema-Guided Dialogue Banks conversations alone and with their earlier turns as ``ordinary``
(:data:`N_SGD_WINDOWS`), every customer turn of the first dialogue dev set alone and as a window as ``ordinary``
(``crisis_thresholds.TRAIN_DIALOGUES``; the other two bound the thresholds), and
:data:`N_PAIRED` seeded pairs of train rows (any earlier message before a crisis, high-distress or other message)
labelled by their last message, so a window is judged by what it ends on.

Writes ``crisis_view_adapter.npz`` and ``crisis_view_head.npz`` to the artifacts folder.
The crisis-layer thresholds (``crisis_view`` among them) are then chosen on the dev rows by
``python -m assistant.training.signals.thresholds``.

>>> view_class({"distress": "crisis", "crisis_kind": "abuse"})
'abuse'
>>> view_class({"distress": "high", "crisis_kind": None})
'high'
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ConfigurationError
from assistant.settings import Settings
from assistant.signals.crisis_view import (
    VIEW_ADAPTER_FILE,
    VIEW_CLASSES,
    VIEW_HEAD_FILE,
    VIEW_KINDS,
    CrisisViewHead,
    window_text,
)
from assistant.training.signals import datasets as ds
from assistant.training.signals.crisis_thresholds import BOUND_DIALOGUES, TRAIN_DIALOGUES, dialogue_turns
from assistant.training.signals.views import fit_view, view_meta

logger = logging.getLogger(__name__)

VIEW_FOLDERS: tuple[Path, ...] = tuple(
    ds.SIGNALS_DATA / name
    for name in (
        "written_2026_12",
        "written_2026_12c",
        "written_2026_12d",
        "written_2026_12e",
        "written_2026_12g",
        "written_2026_12h",
        "written_2026_12i",
        "written_2026_12j",
    )
)
OTHER_FILES = ("handoff", "complaint", "vulnerability", "literacy")
N_GOEMOTIONS = 3000
N_SGD_WINDOWS = 1500  # seeded sample of SGD Banks user turns that have earlier turns
N_PAIRED = 1500  # seeded windows of two train messages, labelled by the last one
THRESHOLD_SAMPLE = 1500  # GoEmotions train comments the crisis thresholds are bounded on (seeded, kept out)


def view_class(row: Mapping[str, object]) -> str:
    """The crisis view's class of a ``crisis_distress`` row: its crisis kind, else its distress level."""
    level = str(row.get("distress", row.get("label", "none")))
    if level == "crisis":
        kind = str(row.get("crisis_kind") or row.get("kind") or "")
        if kind not in VIEW_KINDS:
            raise ConfigurationError(f"crisis row without a known kind: {row.get('text')!r}")
        return kind
    return level


def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def view_rows(settings: Settings, seed: int) -> tuple[list[str], list[str]]:
    """(texts, classes) the view is trained on, de-duplicated by text (the first label wins)."""
    pairs: list[tuple[str, str]] = []
    windows: list[tuple[str, str]] = []
    # a dev row's text ("ok", a stock question) may also be a dialogue or SGD turn: it stays out of training
    dev_texts: set[str] = set()
    for folder in VIEW_FOLDERS:
        rows: list[tuple[dict[str, Any], str]] = []
        for name in ("crisis_distress", *OTHER_FILES):
            for r in _jsonl(folder / f"{name}.jsonl"):
                if r["split"] == "dev":
                    dev_texts.add(r["text"])
                elif r["split"] == "train":
                    rows.append((r, view_class(r) if name == "crisis_distress" else "other"))
        pairs += [(r["text"], cls) for r, cls in rows]
        windows += [(window_text(r["text"], r["context"]) or "", cls) for r, cls in rows if r.get("context")]
    pairs += [
        (r["text"], view_class({**r, "distress": r["label"]}))
        for r in _jsonl(ds.SIGNALS_DATA / "distress.jsonl")
        if r.get("split", "train") == "train"
    ]
    b77 = ds.banking77_texts(settings)
    train_ids, _ = ds.b77_split(settings, seed)
    pairs += [(b77[i], "ordinary") for i in train_ids]
    ge = ds.goemotions_distress(settings, "train")
    rng = np.random.default_rng(seed)
    held = set(rng.choice(len(ge), size=min(THRESHOLD_SAMPLE, len(ge)), replace=False).tolist())
    rest = [i for i in range(len(ge)) if i not in held]
    for i in sorted(np.random.default_rng(seed + 1).choice(rest, size=min(N_GOEMOTIONS, len(rest)), replace=False)):
        label = ge.labels[int(i)]
        pairs.append((ge.texts[int(i)], "ordinary" if label == "none" else label))
    bound = {t for t, _ in dialogue_turns(BOUND_DIALOGUES)}  # turns the thresholds are bounded on stay out
    learnt = [(t, e) for t, e in dialogue_turns(TRAIN_DIALOGUES) if t not in bound]
    talk = [(t, "ordinary") for t, _ in learnt] + [(window_text(t, e) or "", "ordinary") for t, e in learnt if e]
    pairs += windows + talk + _sgd_windows(settings, seed) + _paired_windows(pairs, seed)
    seen: dict[str, str] = {}
    for text, cls in pairs:
        if text and text not in dev_texts:  # (an empty text: a window whose earlier turns were blank)
            seen.setdefault(text, cls)
    return list(seen), list(seen.values())


def _sgd_windows(settings: Settings, seed: int) -> list[tuple[str, str]]:
    """A seeded sample of ordinary SGD Banks user turns read as windows with their earlier turns."""
    turns = [(m, e) for m, e in ds.sgd_user_windows(settings) if e]
    rng = np.random.default_rng(seed + 2)
    pick = rng.choice(len(turns), size=min(N_SGD_WINDOWS, len(turns)), replace=False)
    # each picked turn alone and read with its earlier turns
    return [
        pair
        for i in sorted(pick)
        for pair in ((turns[int(i)][0], "ordinary"), (window_text(*turns[int(i)]) or "", "ordinary"))
    ]


def _paired_windows(pairs: list[tuple[str, str]], seed: int) -> list[tuple[str, str]]:
    """Seeded windows of two single messages, labelled by the last: any message before a crisis is a crisis,
    and a message that is neither a crisis nor high distress before an ordinary, other, mild or none message keeps
    the last one's class (so an angry or worried turn before an ordinary one is no crisis)."""
    quiet = {"ordinary", "other", "none", "mild"}
    rng = np.random.default_rng(seed + 3)
    out: list[tuple[str, str]] = []
    for _ in range(N_PAIRED):
        i, j = (int(x) for x in rng.integers(0, len(pairs), size=2))
        (first, c1), (last, c2) = pairs[i], pairs[j]
        if c2 in quiet and c1 not in quiet:
            continue  # a crisis or acute turn before a quiet one: what the window should say is unclear
        out.append((window_text(last, [first]) or "", c2))
    return out


def train_crisis_view(settings: Settings, *, seed: int = 13, progress: bool = False) -> dict[str, object]:
    """Fit the crisis view on :func:`view_rows` and write its two artifacts; returns a report."""
    texts, classes = view_rows(settings, seed)
    targets = np.zeros((len(texts), len(VIEW_CLASSES)), dtype=np.float32)
    for i, cls in enumerate(classes):
        targets[i, VIEW_CLASSES.index(cls)] = 1.0
    adapter, weight, bias = fit_view(settings, texts, targets, name="crisis-view", seed=seed, progress=progress)
    counts = dict(sorted(Counter(classes).items()))
    digest = hashlib.sha256("\x1f".join(f"{t}\x1e{c}" for t, c in zip(texts, classes, strict=True)).encode())
    version = f"crisis-view-{digest.hexdigest()[:10]}"
    meta = {
        "version": version,
        **view_meta(seed=seed, rows=len(texts)),
        "classes": counts,
        "folders": [f.name for f in VIEW_FOLDERS],
    }
    adapter.meta.update(meta)
    out = settings.artifacts_dir
    adapter.save(out / VIEW_ADAPTER_FILE)
    CrisisViewHead(weight, bias, VIEW_CLASSES, meta=meta).save(out / VIEW_HEAD_FILE)
    logger.info("crisis view %s trained on %d rows", version, len(texts))
    return {"version": version, "rows": len(texts), "classes": counts, "artifacts": [VIEW_ADAPTER_FILE, VIEW_HEAD_FILE]}
