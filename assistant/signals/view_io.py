"""How a view's classifier is stored: one ``.npz`` of numpy arrays (``weight``, ``bias``) and a JSON ``config``, no
pickle; shared by the crisis and service views' heads.

>>> import numpy as np, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "head.npz"
>>> save_view_head(path, {"scale": 20.0}, np.ones((2, 3), np.float32), np.zeros(3, np.float32))
>>> config, weight, bias = load_view_head(path, "test view")
>>> config["scale"], weight.shape, bias.shape
(20.0, (2, 3), (3,))
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ModelUnavailableError


def save_view_head(path: Path, config: dict[str, Any], weight: np.ndarray, bias: np.ndarray) -> None:
    """Write ``config`` (JSON) and the classifier's arrays to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, config=np.array(json.dumps(config)), weight=weight, bias=bias)


def load_view_head(path: Path, what: str) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """(config, weight, bias) written by :func:`save_view_head`; a missing or broken file is a
    :class:`~assistant.errors.ModelUnavailableError` naming ``what``."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return dict(json.loads(str(data["config"]))), data["weight"], data["bias"]
    except (OSError, KeyError, ValueError) as exc:
        raise ModelUnavailableError(f"cannot load the {what} head {path}: {exc}") from exc
