"""The service view: the encoder's top layers fine-tuned for three questions a turn asks of every message: does the
customer ask for a person, do they express dissatisfaction with the bank (a complaint, DISP 1.1), and which
vulnerability drivers (FCA FG21/1) does the message show (issue #19).

Like the crisis view (:mod:`assistant.signals.crisis_view`), a
:class:`~assistant.integrations.layer_adapter.LayerAdapter` (``artifacts/service_view_adapter.npz``) finishes the
shared encoder pass into ``Encoded.service_vector``, and :class:`ServiceViewHead` (``artifacts/service_view_head.npz``)
reads it. The head is a set of independent two-way softmax groups (no / yes), one per label, so one message can be
both a request for a person and a complaint. The rule layer of :class:`~assistant.signals.model.SignalModel` blends
each probability with its own reading (lexicon and heads) at a weight chosen with the label's threshold on the
written dev rows (``assistant/training/signals/service_thresholds.py``).

>>> import numpy as np
>>> w = np.zeros((2, 2 * len(SERVICE_LABELS)), np.float32)
>>> w[0, 1] = 1.0  # the first dimension says "yes, a person"
>>> head = ServiceViewHead(w, np.zeros(2 * len(SERVICE_LABELS), np.float32))
>>> p = head.probs(np.array([1.0, 0.0], np.float32))
>>> p["handoff"] > 0.99, round(p["complaint"], 2)
(True, 0.5)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ModelUnavailableError
from assistant.integrations.layer_adapter import LayerAdapter
from assistant.signals.view_io import load_view_head, save_view_head

SERVICE_ADAPTER_FILE = "service_view_adapter.npz"
SERVICE_HEAD_FILE = "service_view_head.npz"
DRIVER_LABELS: tuple[str, ...] = ("health", "life_event", "resilience", "capability")
SERVICE_LABELS: tuple[str, ...] = ("handoff", "complaint", *DRIVER_LABELS)
SERVICE_SCALE = 20.0  # the cosine classifier's logit scale (``fit_layer_adapter``)


def blend(p: float, view: float, weight: float) -> float:
    """``(1 - weight) * p + weight * view``: the rule layer's probability and the view's, mixed.

    >>> blend(0.9, 0.1, 0.5)
    0.5
    """
    return (1.0 - weight) * p + weight * view


def service_groups(labels: tuple[str, ...] = SERVICE_LABELS) -> list[tuple[int, int]]:
    """The (no, yes) column pair of each label: ``[(0, 2), (2, 4), ...]``."""
    return [(2 * i, 2 * i + 2) for i in range(len(labels))]


class ServiceViewHead:
    """p(yes) for each of :data:`SERVICE_LABELS` from a service-view vector: per label, the softmax of
    ``scale * (view @ weight + bias)`` over its (no, yes) columns.

    >>> import numpy as np
    >>> head = ServiceViewHead(np.zeros((3, 12), np.float32), np.zeros(12, np.float32))
    >>> head.probs(np.ones(3, np.float32))["capability"]
    0.5
    """

    def __init__(
        self,
        weight: np.ndarray,
        bias: np.ndarray,
        labels: tuple[str, ...] = SERVICE_LABELS,
        scale: float = SERVICE_SCALE,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if weight.shape[1] != 2 * len(labels) or bias.shape[0] != 2 * len(labels):
            raise ModelUnavailableError(f"service view head has {weight.shape[1]} outputs for {len(labels)} labels")
        self.weight = np.asarray(weight, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.labels = tuple(labels)
        self.scale = float(scale)
        self.meta = dict(meta or {})

    @property
    def version(self) -> str:
        return str(self.meta.get("version", ""))

    def matrix(self, views: np.ndarray) -> np.ndarray:
        """(n, labels) p(yes) for (n, dim) views."""
        logits = self.scale * (np.atleast_2d(views).astype(np.float64) @ self.weight + self.bias)
        pairs = logits.reshape(len(logits), len(self.labels), 2)
        return 1.0 / (1.0 + np.exp(pairs[:, :, 0] - pairs[:, :, 1]))

    def probs(self, view: np.ndarray) -> dict[str, float]:
        """p(yes) of each label for one view, rounded to 4 places."""
        row = self.matrix(view)[0]
        return {label: round(float(p), 4) for label, p in zip(self.labels, row, strict=True)}

    def save(self, path: Path) -> None:
        save_view_head(
            path, {"labels": list(self.labels), "scale": self.scale, "meta": self.meta}, self.weight, self.bias
        )

    @classmethod
    def load(cls, path: Path) -> ServiceViewHead:
        """Load a head written by :meth:`save` (numpy only, no pickle)."""
        config, weight, bias = load_view_head(path, "service view")
        try:
            return cls(weight, bias, tuple(config["labels"]), float(config["scale"]), config["meta"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelUnavailableError(f"cannot load the service view head {path}: {exc}") from exc


def load_service_view(artifacts_dir: Path) -> tuple[LayerAdapter | None, ServiceViewHead | None]:
    """The service view's adapter and head in ``artifacts_dir`` (None for either that is missing)."""
    adapter_path, head_path = artifacts_dir / SERVICE_ADAPTER_FILE, artifacts_dir / SERVICE_HEAD_FILE
    adapter = LayerAdapter.load(adapter_path) if adapter_path.is_file() else None
    head = ServiceViewHead.load(head_path) if head_path.is_file() else None
    return adapter, head
