"""Stage 2: one encoder pass over the redacted text, shared by the classifier heads and the retriever."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import numpy as np

from assistant.integrations.batching import MicroBatcher
from assistant.integrations.encoder import LayeredEncoder, TextEncoder, shared_encoder
from assistant.integrations.layer_adapter import ADAPTER_FILE, LayerAdapter
from assistant.settings import Settings
from assistant.signals.crisis_view import VIEW_ADAPTER_FILE
from assistant.signals.service_view import SERVICE_ADAPTER_FILE
from assistant.types import Encoded, Redacted

logger = logging.getLogger(__name__)


class MessageEncoder:
    """Embeds the redacted message once with all-MiniLM-L6-v2.

    When ``artifacts/routing_adapter.npz`` exists (``attune train routing``) and the encoder supports it, the
    same pass also yields ``Encoded.routing_vector`` through the adapter's tuned top layers, and with
    ``artifacts/crisis_view_adapter.npz`` (``attune train crisis-view``) ``Encoded.crisis_vector`` through the crisis
    view's layers, and with ``artifacts/service_view_adapter.npz`` (``attune train service-view``)
    ``Encoded.service_vector`` through the service view's.

    Concurrent ``run()`` calls (turns on other threads) share passes through a :class:`MicroBatcher` (at most
    ``settings.encode_batch_max`` messages, waiting at most ``settings.encode_batch_wait_ms``); a lone call runs
    at once; ``run_texts()`` queues one turn's several texts together. ``run_batch()`` is the batch form. Either
    way each message's vectors are those of the pass it ran in. ``run_window()`` gives only the crisis view of a
    window over the last turns (``crisis_view.window_text``), through a batcher of its own: the window runs the
    shared layers below the crisis view's and the crisis view's layers, not the full pass with every view.

    >>> from assistant.settings import Settings
    >>> enc = MessageEncoder(Settings())
    >>> enc.warm_up()
    >>> enc.run(redacted=Redacted(text="I lost my card")).vector.shape
    (384,)
    >>> [e.text for e in enc.run_batch([Redacted(text="lost card"), Redacted(text="fx rate")])]
    ['lost card', 'fx rate']
    """

    def __init__(self, settings: Settings, encoder: TextEncoder | None = None) -> None:
        self._settings = settings
        self._encoder = encoder
        self._adapter: LayerAdapter | None = None
        self._crisis_adapter: LayerAdapter | None = None
        self._service_adapter: LayerAdapter | None = None
        self._warm = False
        self._lock = threading.Lock()
        self._batcher = MicroBatcher(self._encode_rows, settings.encode_batch_max, settings.encode_batch_wait_ms)
        self._window_batcher = MicroBatcher(
            self._crisis_views, settings.encode_batch_max, settings.encode_batch_wait_ms
        )

    @property
    def batcher(self) -> MicroBatcher[str, Encoded]:
        """The micro-batcher concurrent ``run()`` calls share (its ``stats`` count passes and messages)."""
        return self._batcher

    @property
    def encoder(self) -> TextEncoder:
        if self._encoder is None:
            self._encoder = shared_encoder()
        return self._encoder

    @property
    def adapter(self) -> LayerAdapter | None:
        """The routing adapter in use (None when there is none or the encoder cannot run one)."""
        self.warm_up()
        return self._adapter

    @property
    def crisis_adapter(self) -> LayerAdapter | None:
        """The crisis view's adapter in use (None when there is none or the encoder cannot run one)."""
        self.warm_up()
        return self._crisis_adapter

    @property
    def service_adapter(self) -> LayerAdapter | None:
        """The service view's adapter in use (None when there is none or the encoder cannot run one)."""
        self.warm_up()
        return self._service_adapter

    def warm_up(self) -> None:
        with self._lock:
            if self._warm:
                return
            paths = [
                self._settings.artifacts_dir / name for name in (ADAPTER_FILE, VIEW_ADAPTER_FILE, SERVICE_ADAPTER_FILE)
            ]
            if isinstance(self.encoder, LayeredEncoder):
                self._adapter, self._crisis_adapter, self._service_adapter = (
                    LayerAdapter.load(p) if p.is_file() else None for p in paths
                )
            elif any(p.is_file() for p in paths):
                logger.info("encoder %s cannot run the routing, crisis or service adapters", self.encoder.name)
            self._run(["warm up"])
            self._crisis_views(["warm up\nwarm up"])
            self._warm = True

    def _run(self, texts: list[str]) -> tuple[np.ndarray, list[np.ndarray | None]]:
        """(shared vectors, [routing, crisis, service views]) of ``texts`` from one pass (None for a view without
        its adapter)."""
        encoder = self.encoder
        slots = (self._adapter, self._crisis_adapter, self._service_adapter)
        adapters = [a for a in slots if a is not None]
        if adapters and isinstance(encoder, LayeredEncoder):
            base, views = encoder.encode_multi(texts, adapters)
            return base, [views.pop(0) if a is not None else None for a in slots]
        return encoder.encode(texts), [None, None, None]

    def _encode_rows(self, texts: list[str]) -> list[Encoded]:
        base, (routing, crisis, service) = self._run(texts)
        return [
            Encoded(
                text=t,
                vector=base[i],
                routing_vector=routing[i] if routing is not None else None,
                crisis_vector=crisis[i] if crisis is not None else None,
                service_vector=service[i] if service is not None else None,
            )
            for i, t in enumerate(texts)
        ]

    def _crisis_views(self, texts: list[str]) -> list[np.ndarray | None]:
        """The crisis view alone of each text (None without the crisis view's adapter or a layered encoder)."""
        encoder, adapter = self.encoder, self._crisis_adapter
        if adapter is None or not isinstance(encoder, LayeredEncoder):
            return [None for _ in texts]
        return list(encoder.encode_view(texts, adapter))

    def run(self, *, redacted: Redacted) -> Encoded:
        self.warm_up()
        return self._batcher.submit(redacted.text)

    def run_texts(self, texts: Sequence[str]) -> list[Encoded]:
        """One turn's several texts (the message and its reading after the topic's question) through the shared
        batcher, queued together so they go in one pass with each other and with concurrent turns."""
        self.warm_up()
        return self._batcher.submit_many(list(texts))

    def run_window(self, text: str) -> np.ndarray | None:
        """The crisis view of ``text``, a window over the last customer turns, alone (None without the view);
        concurrent turns' windows share passes."""
        self.warm_up()
        return self._window_batcher.submit(text)

    def run_batch(self, redacted: list[Redacted]) -> list[Encoded]:
        """Several messages in one pass (the batch form of ``run``), in order."""
        self.warm_up()
        return self._encode_rows([r.text for r in redacted]) if redacted else []
