"""Training of the service view (``attune train service-view``, issue #19): the encoder's top layers fine-tuned, from
the hidden state entering layer 4 (:mod:`assistant.training.signals.views`), to answer three questions of a
message at once: a request for a person, a complaint about the bank, and the four vulnerability drivers (one
two-way softmax group each; see :mod:`assistant.signals.service_view`).

Rows (``train`` splits only; the ``dev`` splits choose the thresholds, ``data/blind`` is never read). A row trains
only the groups it is labelled for; the others are unknown for it:

- every written round (:data:`SERVICE_FOLDERS`): ``handoff`` rows (hand-off group), ``complaint`` rows (complaint
  group), ``vulnerability`` rows (the driver groups);
- our older hand-written ``data/signals/handoff.jsonl`` and ``vulnerability.jsonl``;
- :data:`N_NARRATIVES` CFPB complaint narratives (first 600 characters): complaints, not requests for a person;
- the BANKING77 training negatives of the signals heads: no to every group (ordinary banking questions);
- :data:`N_GOEMOTIONS` GoEmotions train comments: no person asked for, no complaint about a bank (drivers unknown).

Writes ``service_view_adapter.npz`` and ``service_view_head.npz`` to the artifacts folder.

>>> targets_of({"handoff": True})[:4].tolist()
[0.0, 1.0, 0.0, 0.0]
>>> targets_of({"drivers": ["health"]})[4:8].tolist()
[0.0, 1.0, 1.0, 0.0]
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
from assistant.signals.service_view import (
    DRIVER_LABELS,
    SERVICE_ADAPTER_FILE,
    SERVICE_HEAD_FILE,
    SERVICE_LABELS,
    ServiceViewHead,
    service_groups,
)
from assistant.training.signals import datasets as ds
from assistant.training.signals.views import fit_view, view_meta

logger = logging.getLogger(__name__)

# Round 12i's hand-off and complaint rows were tried in December 2026 and not adopted: the view trained with them lost
# hand-off recall and vulnerability F1 on the blind sets and on its own dev rows (written_2026_12i/README.md).
SERVICE_FOLDERS: tuple[Path, ...] = tuple(
    ds.SIGNALS_DATA / name for name in ("written_2026_12", "written_2026_12c", "written_2026_12d", "written_2026_12f")
)
N_NARRATIVES = 1500
N_GOEMOTIONS = 3000
THRESHOLD_SAMPLE = 1500  # GoEmotions train comments thresholds are bounded on (seeded, kept out; as the crisis view)


def targets_of(labels: Mapping[str, object]) -> np.ndarray:
    """The (no, yes) target pairs of a row: ``handoff`` and ``complaint`` bools, ``drivers`` a list (every driver
    group known), ``ordinary`` True for no to every group; a group the row says nothing about stays (0, 0)."""
    t = np.zeros(2 * len(SERVICE_LABELS), dtype=np.float32)

    def put(label: str, yes: bool) -> None:
        i = SERVICE_LABELS.index(label)
        t[2 * i + int(yes)] = 1.0

    if labels.get("ordinary"):
        for label in SERVICE_LABELS:
            put(label, False)
    for label in ("handoff", "complaint"):
        if isinstance(labels.get(label), bool):
            put(label, bool(labels[label]))
    drivers = labels.get("drivers")
    if isinstance(drivers, list):
        unknown = set(drivers) - set(DRIVER_LABELS)
        if unknown:
            raise ConfigurationError(f"unknown vulnerability drivers {sorted(unknown)}")
        for d in DRIVER_LABELS:
            put(d, d in drivers)
    return t


def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def service_rows(settings: Settings, seed: int) -> tuple[list[str], np.ndarray, Counter[str]]:
    """(texts, targets, counts by source) the view is trained on; a text labelled twice keeps both labels (the
    first wins within a group)."""
    rows: list[tuple[str, dict[str, object], str]] = []
    for folder in SERVICE_FOLDERS:
        for name in ("handoff", "complaint", "vulnerability"):
            for r in _jsonl(folder / f"{name}.jsonl"):
                if r.get("split") == "train":
                    key = "drivers" if name == "vulnerability" else name
                    rows.append((r["text"], {key: r[key]}, f"{folder.name}/{name}"))
    for name, key in (("handoff", "handoff"), ("vulnerability", "drivers")):
        for r in _jsonl(ds.SIGNALS_DATA / f"{name}.jsonl"):
            if r.get("split", "train") == "train":
                rows.append((r["text"], {key: r[key]}, f"own/{name}"))
    narratives = ds.complaint_narratives(settings)
    pick = np.random.default_rng(seed).choice(len(narratives), size=min(N_NARRATIVES, len(narratives)), replace=False)
    rows += [(narratives[int(i)], {"complaint": True}, "cfpb") for i in sorted(pick.tolist())]
    b77 = ds.banking77_texts(settings)
    train_ids, _ = ds.b77_split(settings, seed)
    rows += [(b77[i], {"ordinary": True}, "banking77") for i in train_ids]
    ge = ds.goemotions_distress(settings, "train")
    held = set(np.random.default_rng(seed).choice(len(ge), size=min(THRESHOLD_SAMPLE, len(ge)), replace=False).tolist())
    rest = [i for i in range(len(ge)) if i not in held]
    for i in sorted(np.random.default_rng(seed + 1).choice(rest, size=min(N_GOEMOTIONS, len(rest)), replace=False)):
        rows.append((ge.texts[int(i)], {"handoff": False, "complaint": False}, "goemotions"))
    merged: dict[str, np.ndarray] = {}
    counts: Counter[str] = Counter()
    for text, labels, source in rows:
        t = targets_of(labels)
        if text in merged:
            have = merged[text]
            for lo, hi in service_groups():
                if have[lo:hi].sum() == 0:
                    have[lo:hi] = t[lo:hi]
            continue
        merged[text] = t
        counts[source] += 1
    texts = list(merged)
    return texts, np.stack([merged[t] for t in texts]), counts


def train_service_view(settings: Settings, *, seed: int = 13, progress: bool = False) -> dict[str, object]:
    """Fit the service view on :func:`service_rows` and write its two artifacts; returns a report."""
    texts, targets, counts = service_rows(settings, seed)
    adapter, weight, bias = fit_view(
        settings, texts, targets, name="service-view", seed=seed, groups=service_groups(), progress=progress
    )
    digest = hashlib.sha256(
        "\x1f".join(f"{t}\x1e{targets[i].tobytes().hex()}" for i, t in enumerate(texts)).encode()
    ).hexdigest()
    version = f"service-view-{digest[:10]}"
    positives = {label: int(targets[:, 2 * i + 1].sum()) for i, label in enumerate(SERVICE_LABELS)}
    meta = {
        "version": version,
        **view_meta(seed=seed, rows=len(texts)),
        "sources": dict(sorted(counts.items())),
        "positives": positives,
        "folders": [f.name for f in SERVICE_FOLDERS],
    }
    adapter.meta.update(meta)
    out = settings.artifacts_dir
    adapter.save(out / SERVICE_ADAPTER_FILE)
    ServiceViewHead(weight, bias, SERVICE_LABELS, meta=meta).save(out / SERVICE_HEAD_FILE)
    logger.info("service view %s trained on %d rows", version, len(texts))
    return {"version": version, "rows": len(texts), "sources": meta["sources"], "positives": positives}
