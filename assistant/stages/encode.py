"""Stage 2: one encoder pass over the redacted text, shared by the classifier heads and the retriever."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Literal, cast

import numpy as np

from assistant.integrations.batching import MicroBatcher
from assistant.integrations.encoder import LayeredEncoder, TextEncoder, shared_encoder
from assistant.integrations.layer_adapter import ADAPTER_FILE, LayerAdapter
from assistant.settings import Settings
from assistant.signals.crisis_view import VIEW_ADAPTER_FILE
from assistant.signals.service_view import SERVICE_ADAPTER_FILE
from assistant.types import Encoded, Redacted

logger = logging.getLogger(__name__)

# What a queued text asks for: a message (the shared vector and every view), a reading of it after the topic's
# question (the shared vector and the routing view), a window over the last turns (the crisis view alone).
MESSAGE: Literal["message"] = "message"
READING: Literal["reading"] = "reading"
WINDOW: Literal["window"] = "window"
_Item = tuple[Literal["message", "reading", "window"], str]
_Result = Encoded | np.ndarray | None


class MessageEncoder:
    """Embeds the redacted message once with all-MiniLM-L6-v2.

    When ``artifacts/routing_adapter.npz`` exists (``attune train routing``) and the encoder supports it, the
    same pass also yields ``Encoded.routing_vector`` through the adapter's tuned top layers, and with
    ``artifacts/crisis_view_adapter.npz`` (``attune train crisis-view``) ``Encoded.crisis_vector`` through the crisis
    view's layers, and with ``artifacts/service_view_adapter.npz`` (``attune train service-view``)
    ``Encoded.service_vector`` through the service view's.

    Concurrent calls (turns on other threads) share passes through one :class:`MicroBatcher` (at most
    ``settings.encode_batch_max`` texts, waiting at most ``settings.encode_batch_wait_ms``); a lone call runs
    at once; ``run_turn()`` queues one turn's texts together (the message, its reading after the topic's question,
    the window over the last turns). ``run_batch()`` is the batch form. Either way each message's vectors are those
    of the pass it ran in. A window (``crisis_view.window_text``) gets only its crisis view: the shared layers below
    the crisis view's and the crisis view's layers, padded with the other windows only; a reading after the topic's
    question gets the shared vector and the routing view only (``crisis_vector`` and ``service_vector`` None: the
    retriever and the composer read it, the classifier does not). When a pass holds windows or readings, it runs
    packed (:mod:`assistant.integrations.packed`): one pass, each text's vectors bit for bit those of the separate
    passes it replaces.

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
        self._batcher: MicroBatcher[_Item, _Result] = MicroBatcher(
            self._encode_items, settings.encode_batch_max, settings.encode_batch_wait_ms
        )

    @property
    def batcher(self) -> MicroBatcher[_Item, _Result]:
        """The micro-batcher every call shares (its ``stats`` count passes and texts, windows included)."""
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

    def _encode_items(self, items: list[_Item]) -> list[_Result]:
        """One pass over queued items: messages (every view), readings (shared vector and routing view) and windows
        (the crisis view alone); packed into one pass where it gives the same bits, else the passes apart."""
        texts = [text for kind, text in items if kind != WINDOW]
        readings = [kind == READING for kind, _ in items if kind != WINDOW]
        windows = [text for kind, text in items if kind == WINDOW]
        packed = self._packed(texts, readings, windows) if texts and (windows or any(readings)) else None
        if packed is not None:
            encoded, views = packed
        else:
            encoded = self._encode_rows(texts) if texts else []
            views = self._crisis_views(windows) if windows else []
        rows, window_views = iter(encoded), iter(views)
        return [next(window_views) if kind == WINDOW else next(rows) for kind, _ in items]

    def _packed(
        self, texts: list[str], readings: list[bool], windows: list[str]
    ) -> tuple[list[Encoded], list[np.ndarray | None]] | None:
        encoder = self.encoder
        slots = (self._adapter, self._crisis_adapter, self._service_adapter)
        adapters = [a for a in slots if a is not None]
        if not adapters or not isinstance(encoder, LayeredEncoder) or (windows and self._crisis_adapter is None):
            return None
        # a reading after the topic's question is routed and answered from, never classified: no crisis/service view
        wanted = [[a is self._adapter or not reading for reading in readings] for a in adapters]
        out = encoder.encode_packed(texts, adapters, wanted, windows, self._crisis_adapter if windows else None)
        if out is None:
            return None
        base, views, window_view = out
        by_slot = [views.pop(0) if a is not None else [None] * len(texts) for a in slots]
        routing, crisis, service = by_slot
        encoded = [
            Encoded(
                text=t, vector=base[i], routing_vector=routing[i], crisis_vector=crisis[i], service_vector=service[i]
            )
            for i, t in enumerate(texts)
        ]
        return encoded, list(window_view) if window_view is not None else []

    def run(self, *, redacted: Redacted) -> Encoded:
        self.warm_up()
        return cast(Encoded, self._batcher.submit((MESSAGE, redacted.text)))

    def run_reading(self, text: str) -> Encoded:
        """A reading of the message after the topic's question, alone: the shared vector and the routing view."""
        self.warm_up()
        return cast(Encoded, self._batcher.submit((READING, text)))

    def run_texts(self, texts: Sequence[str]) -> list[Encoded]:
        """Several messages (every view) through the shared batcher, queued together so they share a pass."""
        self.warm_up()
        return [cast(Encoded, e) for e in self._batcher.submit_many([(MESSAGE, t) for t in texts])]

    def run_turn(
        self, message: str, reading: str | None = None, window: str | None = None
    ) -> tuple[Encoded, Encoded | None, np.ndarray | None]:
        """One turn's texts queued together, so they go in one pass with each other and with concurrent turns:
        (the message with every view, its ``reading`` after the topic's question with the shared vector and the
        routing view, the crisis view of the ``window`` over the last turns); None for what was not asked."""
        self.warm_up()
        items: list[_Item] = [(MESSAGE, message)]
        if reading is not None:
            items.append((READING, reading))
        if window is not None:
            items.append((WINDOW, window))
        out = self._batcher.submit_many(items)
        encoded = cast(Encoded, out[0])
        in_context = cast(Encoded, out[1]) if reading is not None else None
        view = cast("np.ndarray | None", out[-1]) if window is not None else None
        return encoded, in_context, view

    def run_window(self, text: str) -> np.ndarray | None:
        """The crisis view of ``text``, a window over the last customer turns, alone (None without the view);
        concurrent calls share passes."""
        self.warm_up()
        return cast("np.ndarray | None", self._batcher.submit((WINDOW, text)))

    def run_batch(self, redacted: list[Redacted]) -> list[Encoded]:
        """Several messages in one pass (the batch form of ``run``), in order."""
        self.warm_up()
        return self._encode_rows([r.text for r in redacted]) if redacted else []
