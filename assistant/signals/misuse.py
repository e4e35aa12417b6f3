"""Misuse: requests the assistant refuses (help with fraud, attempts to override its instructions).

Two parts. The maintained rules (``misuse.fraud`` and ``misuse.prompt_injection`` in ``lexicon.yaml``: precise, and
each hit names its cue) flag a message on their own. A small learned head on the shared encoder vector plus hashed
words (``assistant/artifacts/misuse_head.npz``, trained by ``attune train misuse``) catches wording the rules do
not list, but only with a second key: one of the ``misuse.hints`` words (forgery, deception, evasion, someone
else's identity, instructions...). Alone, the head also flagged "can you repeat that?". Without the head file the
rules work alone.

>>> import numpy as np
>>> detector = MisuseDetector(None)
>>> hits = [CueHit("misuse.fraud", "asks how to clone a card", "how to clone a card", False, 0)]
>>> detector.predict("how to clone a card", np.zeros(384, np.float32), hits)
MisuseVerdict(kind='fraud', probs={}, cues=('asks how to clone a card',))
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.errors import ModelUnavailableError
from assistant.signals.features import bag_of_words
from assistant.signals.heads import HeadBundle, SoftmaxHead
from assistant.signals.lexicon import CueHit, SignalLexicon
from assistant.types import MISUSE_KINDS, MisuseKind

logger = logging.getLogger(__name__)

MISUSE_ARTIFACT = "misuse_head.npz"
MISUSE_CLASSES: tuple[str, ...] = ("none", *MISUSE_KINDS)
HEAD_NAME = "misuse"


@dataclass(frozen=True)
class MisuseVerdict:
    """The kind of misuse (None: none), the head's probabilities (empty without a head) and the cues behind it."""

    kind: MisuseKind | None
    probs: dict[str, float] = field(default_factory=dict)
    cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class MisuseRules:
    """What the lexicon says about misuse in one message: the ``misuse.fraud`` and ``misuse.prompt_injection`` cues
    that flag it, and whether a ``misuse.hints`` word (the head's second key) is present. Negated hits count not."""

    fraud: tuple[str, ...] = ()
    injection: tuple[str, ...] = ()
    hinted: bool = False

    @classmethod
    def from_hits(cls, hits: Iterable[CueHit]) -> MisuseRules:
        live = [h for h in hits if not h.negated]

        def cues(group: str) -> tuple[str, ...]:
            return tuple(dict.fromkeys(h.cue for h in live if h.group == group))

        return cls(cues("misuse.fraud"), cues("misuse.prompt_injection"), any(h.group == "misuse.hints" for h in live))


def words_for_bow(text: str, ignore: str | None) -> str:
    """The text the bag of words is built from: without the words matching ``ignore`` (the bank's own name, which
    the training data mentions unevenly and which says nothing about misuse)."""
    return re.sub(ignore, " ", text, flags=re.IGNORECASE) if ignore else text


def misuse_design(bundle: HeadBundle, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    """Head input rows: the standardised encoder vectors followed by the hashed bag of words."""
    buckets = int(bundle.meta["bow_buckets"])  # type: ignore[call-overload]
    ignore = bundle.meta.get("bow_ignore")
    words = [words_for_bow(t, str(ignore) if ignore else None) for t in texts]
    bow = np.stack([bag_of_words(t, buckets) for t in words]) if texts else np.zeros((0, buckets), np.uint8)
    return bundle.standardise(np.atleast_2d(vectors), bow)


class MisuseDetector:
    """Rules first; then the learned head, where a hint word is present: ``p(fraud) + p(prompt_injection) >=
    threshold`` flags the likelier kind.

    See the module docstring for a runnable example (rules only, no head).
    """

    def __init__(self, bundle: HeadBundle | None) -> None:
        self.bundle = bundle
        self._head: SoftmaxHead | None = bundle.softmax_heads[HEAD_NAME] if bundle is not None else None
        self.threshold = float(bundle.meta["threshold"]) if bundle is not None else 1.0  # type: ignore[arg-type]
        self.version = str(bundle.meta.get("version", "")) if bundle is not None else "rules only"

    @classmethod
    def load(cls, path: Path) -> MisuseDetector:
        """The detector with the head at ``path``; rules only (with a warning) when the file is missing."""
        if not path.is_file():
            logger.warning("no misuse head at %s: misuse rules only (run `attune train misuse`)", path)
            return cls(None)
        bundle = HeadBundle.load(path)
        if HEAD_NAME not in bundle.softmax_heads or tuple(bundle.softmax_heads[HEAD_NAME].classes) != MISUSE_CLASSES:
            raise ModelUnavailableError(f"{path} holds no misuse head over {MISUSE_CLASSES}")
        return cls(bundle)

    def probabilities(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Head probabilities (rows × :data:`MISUSE_CLASSES`); zeros for misuse without a head."""
        if self.bundle is None or self._head is None:
            out = np.zeros((len(texts), len(MISUSE_CLASSES)), dtype=np.float32)
            out[:, 0] = 1.0
            return out
        return self._head.predict_proba(misuse_design(self.bundle, vectors, texts))

    def predict(self, text: str, vector: np.ndarray, hits: Iterable[CueHit]) -> MisuseVerdict:
        """The verdict for one message, given its lexicon hits (:meth:`SignalLexicon.match`)."""
        p = self.probabilities(np.asarray(vector, np.float32)[None, :], [text])[0]
        probs: dict[str, float] = {}
        if self._head is not None:
            probs = {c: round(float(v), 4) for c, v in zip(MISUSE_CLASSES, p, strict=True)}
        return self._decide(MisuseRules.from_hits(hits), p, probs)

    def _decide(self, rules: MisuseRules, p: np.ndarray, probs: dict[str, float]) -> MisuseVerdict:
        """The one decision rule: a fraud rule, else an injection rule, else the head with a hint (both keys)."""
        if rules.fraud:
            return MisuseVerdict("fraud", probs, rules.fraud)
        if rules.injection:
            return MisuseVerdict("prompt_injection", probs, rules.injection)
        if self._head is not None and rules.hinted and 1.0 - float(p[0]) >= self.threshold:
            kind: MisuseKind = "fraud" if p[1] >= p[2] else "prompt_injection"
            return MisuseVerdict(kind, probs, (f"model p({kind})={float(p[MISUSE_CLASSES.index(kind)]):.2f}",))
        return MisuseVerdict(None, probs, ())

    def kinds(self, lexicon: SignalLexicon, texts: Sequence[str], vectors: np.ndarray) -> list[MisuseKind | None]:
        """Batch form of :meth:`predict` for evaluation: the kind of misuse of each text (None: none)."""
        return [
            self._decide(MisuseRules.from_hits(lexicon.match(text)), p, {}).kind
            for text, p in zip(texts, self.probabilities(vectors, texts), strict=True)
        ]
