"""Stage 3: signals from the shared encoder vector — sentiment, distress (with the crisis rule layer),
vulnerability drivers, hand-off request and financial literacy (smoothed over the conversation) — and whether the
message is in English at all (``assistant/signals/language.py``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from assistant.errors import ModelUnavailableError
from assistant.settings import Settings
from assistant.signals.language import LanguageScreen
from assistant.signals.model import ARTIFACT_NAME, SignalModel
from assistant.types import Encoded, Signals

logger = logging.getLogger(__name__)


class SignalClassifier:
    """Reads how the customer feels and what they know from one :class:`Encoded` message.

    Heads live in ``assistant/artifacts/signals_heads.npz`` (train with ``attune train signals``); the
    maintained cue lexicon is ``assistant/signals/lexicon.yaml``.

    >>> from assistant.settings import Settings
    >>> from assistant.integrations.encoder import shared_encoder
    >>> clf = SignalClassifier(Settings())
    >>> clf.warm_up()
    >>> text = "he takes my wages and won't let me see the statements"
    >>> s = clf.run(encoded=Encoded(text=text, vector=shared_encoder().encode([text])[0]))
    >>> s.distress, s.crisis_kind
    ('crisis', 'abuse')
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._model: SignalModel | None = None
        self._language = LanguageScreen()
        self._lock = threading.Lock()

    @property
    def model(self) -> SignalModel:
        if self._model is None:
            self.warm_up()
        assert self._model is not None
        return self._model

    def warm_up(self) -> None:
        """Load the heads, the lexicon, the crisis bank (embedded once) and the language screen (idempotent)."""
        self._language.warm_up()
        with self._lock:
            if self._model is not None:
                return
            path = self._settings.artifacts_dir / ARTIFACT_NAME
            model = SignalModel.load(path)
            if model.bundle.mean.shape[0] <= 0:
                raise ModelUnavailableError(f"signals heads at {path} are empty")
            model.extractor.warm_up()
            model.warm_up_bank()
            self._model = model
            logger.info("signals heads %s loaded", model.version)

    def run(self, *, encoded: Encoded, history: Sequence[Signals] = (), window: np.ndarray | None = None) -> Signals:
        """Signals for this message; ``history`` holds the earlier customer turns' signals (oldest first) and
        ``window`` the crisis view of the window over the last customer turns and this message
        (:func:`~assistant.signals.crisis_view.window_text`, ``MessageEncoder.run_turn``)."""
        signals = self.model.predict(
            encoded.text,
            encoded.vector,
            history,
            encoded.crisis_vector,
            encoded.service_vector,
            window,
        )
        reading = self._language.read(encoded.text)
        if reading.english:
            return signals
        return replace(signals, language=reading.language, cues={**signals.cues, "language": (reading.cue,)})
