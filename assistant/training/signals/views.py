"""What the crisis and service views share in training: the encoder's top layers fine-tuned from the hidden state
entering :data:`START_LAYER` (the routing adapter's too, so the encode stage finishes one pass for all of them), with
the same schedule, a progress bar and the training metadata.

>>> sorted(view_meta(seed=1, rows=3))
['epochs', 'lr', 'rows', 'seed', 'start_layer']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.errors import ConfigurationError
from assistant.integrations.encoder import LayeredEncoder, shared_encoder
from assistant.integrations.layer_adapter import LayerAdapter, fit_layer_adapter
from assistant.kb.routing_views import cached_states
from assistant.settings import Settings

START_LAYER = 4
EPOCHS = 4
LEARNING_RATE = 2e-4


def view_meta(*, seed: int, rows: int) -> dict[str, Any]:
    """The schedule every view is trained with, for its artifacts' metadata."""
    return {"seed": seed, "epochs": EPOCHS, "lr": LEARNING_RATE, "start_layer": START_LAYER, "rows": rows}


def fit_view(
    settings: Settings,
    texts: Sequence[str],
    targets: np.ndarray,
    *,
    name: str,
    seed: int,
    groups: Sequence[tuple[int, int]] | None = None,
    progress: bool = False,
) -> tuple[LayerAdapter, np.ndarray, np.ndarray]:
    """Fine-tune a view called ``name`` on ``texts`` and soft ``targets`` (lower-layer states cached under the
    data folder); returns the adapter and its classifier (see ``fit_layer_adapter``)."""
    encoder = shared_encoder()
    if not isinstance(encoder, LayeredEncoder):  # pragma: no cover - the shared encoder is layered
        raise ConfigurationError(f"the {name} needs an encoder that exposes its layers")
    states = cached_states(encoder, list(texts), START_LAYER, settings.data_dir / "cache" / "signals", name)
    bar: Any = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=0, desc=name.replace("-", " "), unit="batch")

    def tick(done: int, total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.update(done - bar.n)

    try:
        return fit_layer_adapter(
            encoder.auto_model,
            states,
            targets,
            start_layer=START_LAYER,
            seed=seed,
            epochs=EPOCHS,
            lr=LEARNING_RATE,
            progress=tick,
            groups=groups,
        )
    finally:
        if bar is not None:
            bar.close()
