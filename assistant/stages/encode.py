"""Stage 2: one encoder pass over the redacted text, shared by the classifier heads and the retriever."""

from __future__ import annotations

from assistant.integrations.encoder import TextEncoder, shared_encoder
from assistant.settings import Settings
from assistant.types import Encoded, Redacted


class MessageEncoder:
    """Embeds the redacted message once with all-MiniLM-L6-v2.

    >>> from assistant.settings import Settings
    >>> enc = MessageEncoder(Settings())
    >>> enc.warm_up()
    >>> enc.run(redacted=Redacted(text="I lost my card")).vector.shape
    (384,)
    """

    def __init__(self, settings: Settings, encoder: TextEncoder | None = None) -> None:
        self._settings = settings
        self._encoder = encoder
        self._warm = False

    @property
    def encoder(self) -> TextEncoder:
        if self._encoder is None:
            self._encoder = shared_encoder()
        return self._encoder

    def warm_up(self) -> None:
        if not self._warm:
            self.encoder.encode(["warm up"])
            self._warm = True

    def run(self, *, redacted: Redacted) -> Encoded:
        vector = self.encoder.encode([redacted.text])[0]
        return Encoded(text=redacted.text, vector=vector)
