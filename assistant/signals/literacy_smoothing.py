"""Conversation-level literacy: per-message literacy probabilities smoothed over the conversation, weighted by
recency and by how informative each message was (a short, uncertain message cannot flip a settled estimate).

>>> sure = {"novice": 0.1, "intermediate": 0.2, "expert": 0.7}
>>> smooth_literacy([sure] * 3 + [{"novice": 0.4, "intermediate": 0.3, "expert": 0.3}])[0]
'expert'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from assistant.signals.crisis_layer import rounded
from assistant.types import LITERACY_LEVELS, LiteracyLevel

LITERACY_DECAY = 0.8  # weight of a turn relative to the one after it
LITERACY_FULL_EVIDENCE_WORDS = 8  # messages shorter than this are shrunk towards uniform


def literacy_evidence(words: float, full_evidence_words: float = LITERACY_FULL_EVIDENCE_WORDS) -> float:
    """How much one message's literacy estimate counts: 1 from ``full_evidence_words`` words on, less below."""
    return min(1.0, max(words, 1.0) / max(full_evidence_words, 1.0))


def normalised_entropy(p: Sequence[float]) -> float:
    arr = np.clip(np.asarray(p, dtype=np.float64), 1e-12, 1.0)
    return float(-(arr * np.log(arr)).sum() / math.log(len(arr)))


def smooth_literacy(
    per_message: Sequence[Mapping[str, float]], decay: float = LITERACY_DECAY
) -> tuple[LiteracyLevel, float, dict[str, float]]:
    """Conversation-level literacy from per-message probabilities (oldest first, current last).

    Each turn is weighted by recency (``decay`` per turn back) and by how informative it was
    (1 − normalised entropy, plus a small floor), so one short, uncertain message cannot flip a settled
    estimate.
    """
    if not per_message:
        uniform = 1.0 / len(LITERACY_LEVELS)
        return "novice", uniform, {lvl: uniform for lvl in LITERACY_LEVELS}
    total = np.zeros(len(LITERACY_LEVELS))
    weight_sum = 0.0
    n = len(per_message)
    for i, probs in enumerate(per_message):
        vec = np.array([float(probs.get(lvl, 0.0)) for lvl in LITERACY_LEVELS])
        if vec.sum() <= 0:
            continue
        vec = vec / vec.sum()
        w = decay ** (n - 1 - i) * (0.05 + 1.0 - normalised_entropy(vec))
        total += w * vec
        weight_sum += w
    if weight_sum <= 0:
        return smooth_literacy(())
    avg = total / weight_sum
    best = int(avg.argmax())
    return LITERACY_LEVELS[best], float(avg[best]), rounded(avg, LITERACY_LEVELS)
