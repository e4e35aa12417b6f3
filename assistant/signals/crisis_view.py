"""The crisis view: the encoder's top layers fine-tuned to tell crises from everything else, with a small
classifier on top (issue #19).

The shared encoder pass is finished a second time by a :class:`~assistant.integrations.layer_adapter.LayerAdapter`
(``artifacts/crisis_view_adapter.npz``, run by the encode stage like the routing adapter, from the same hidden
state) into ``Encoded.signals_vector``; :class:`CrisisViewHead` (``artifacts/crisis_view_head.npz``) turns that
vector into class probabilities. The classes are the four crisis kinds, the three other distress levels, other
customer messages and ordinary banking questions; p(crisis) is the sum over the kinds. The rule layer of
:class:`~assistant.signals.model.SignalModel` uses p(crisis) with its own threshold (``crisis_view``), chosen on the
written dev rows with the other crisis sources (``assistant/training/signals/crisis_thresholds.py``).

>>> import numpy as np
>>> head = CrisisViewHead(np.eye(4, len(VIEW_CLASSES), dtype=np.float32), np.zeros(len(VIEW_CLASSES), np.float32))
>>> score = head.score(np.array([0.0, 1.0, 0.0, 0.0], np.float32))
>>> score.kind, score.p_crisis > 0.9
('abuse', True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ModelUnavailableError
from assistant.integrations.layer_adapter import LayerAdapter
from assistant.signals.view_io import load_view_head, save_view_head

VIEW_ADAPTER_FILE = "crisis_view_adapter.npz"
VIEW_HEAD_FILE = "crisis_view_head.npz"
VIEW_KINDS: tuple[str, ...] = ("self_harm", "abuse", "threat", "emergency")
VIEW_CLASSES: tuple[str, ...] = (*VIEW_KINDS, "high", "mild", "none", "other", "ordinary")
VIEW_SCALE = 20.0  # the cosine classifier's logit scale (``fit_layer_adapter``)
# A crisis can build across turns: the view also reads the last customer turns joined with this message.
WINDOW_TURNS = 2
WINDOW_CLIP = 300  # characters kept from the end of each earlier turn (the message itself is never clipped)


def window_text(message: str, earlier: Sequence[str]) -> str | None:
    """The text the crisis view reads over the conversation: the last :data:`WINDOW_TURNS` earlier customer
    messages (oldest first, each clipped to its last :data:`WINDOW_CLIP` characters) and this message, joined by
    line breaks; None without earlier turns. Training (``attune train crisis-view``) builds its windows with this
    function too.

    >>> window_text("I won't need it after Friday", ["can I close my savings", "it's all pointless now"]).splitlines()
    ['can I close my savings', "it's all pointless now", "I won't need it after Friday"]
    >>> window_text("hello", []) is None
    True
    """
    turns = [t.strip()[-WINDOW_CLIP:] for t in list(earlier)[-WINDOW_TURNS:] if t.strip()]
    return "\n".join([*turns, message.strip()]) if turns else None


@dataclass(frozen=True)
class CrisisViewScore:
    """p(crisis) from the crisis view, the most likely crisis kind and every class's probability."""

    p_crisis: float
    kind: str
    probs: dict[str, float] = field(default_factory=dict)


class CrisisViewHead:
    """Class probabilities from a crisis-view vector: ``softmax(scale * (view @ weight + bias))``.

    >>> import numpy as np
    >>> head = CrisisViewHead(np.zeros((4, len(VIEW_CLASSES)), np.float32), np.zeros(len(VIEW_CLASSES), np.float32))
    >>> round(head.score(np.ones(4, np.float32)).p_crisis, 3)
    0.444
    """

    def __init__(
        self,
        weight: np.ndarray,
        bias: np.ndarray,
        classes: tuple[str, ...] = VIEW_CLASSES,
        scale: float = VIEW_SCALE,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if weight.shape[1] != len(classes) or bias.shape[0] != len(classes):
            raise ModelUnavailableError(f"crisis view head has {weight.shape[1]} outputs for {len(classes)} classes")
        self.weight = np.asarray(weight, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.classes = tuple(classes)
        self.scale = float(scale)
        self.meta = dict(meta or {})
        self._kinds = [self.classes.index(k) for k in VIEW_KINDS]

    @property
    def version(self) -> str:
        return str(self.meta.get("version", ""))

    def probs(self, views: np.ndarray) -> np.ndarray:
        """(n, classes) probabilities for (n, dim) views."""
        logits = self.scale * (np.atleast_2d(views).astype(np.float64) @ self.weight + self.bias)
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def score(self, view: np.ndarray) -> CrisisViewScore:
        p = self.probs(view)[0]
        kinds = p[self._kinds]
        return CrisisViewScore(
            p_crisis=float(kinds.sum()),
            kind=VIEW_KINDS[int(kinds.argmax())],
            probs={c: round(float(v), 4) for c, v in zip(self.classes, p, strict=True)},
        )

    def save(self, path: Path) -> None:
        save_view_head(
            path, {"classes": list(self.classes), "scale": self.scale, "meta": self.meta}, self.weight, self.bias
        )

    @classmethod
    def load(cls, path: Path) -> CrisisViewHead:
        """Load a head written by :meth:`save` (numpy only, no pickle)."""
        config, weight, bias = load_view_head(path, "crisis view")
        try:
            return cls(weight, bias, tuple(config["classes"]), float(config["scale"]), config["meta"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelUnavailableError(f"cannot load the crisis view head {path}: {exc}") from exc


def load_crisis_view(artifacts_dir: Path) -> tuple[LayerAdapter | None, CrisisViewHead | None]:
    """The crisis view's adapter and head in ``artifacts_dir`` (None for either that is missing)."""
    adapter_path, head_path = artifacts_dir / VIEW_ADAPTER_FILE, artifacts_dir / VIEW_HEAD_FILE
    adapter = LayerAdapter.load(adapter_path) if adapter_path.is_file() else None
    head = CrisisViewHead.load(head_path) if head_path.is_file() else None
    return adapter, head
