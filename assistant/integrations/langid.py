"""Language identification behind a small Protocol: py3langid (BSD-3-Clause; a naive Bayes model over byte n-grams
for 97 languages, shipped inside the package, nothing downloaded), loaded once.

>>> Py3LangidIdentifier().identify("Je ne peux pas me connecter à l'application")[0]
'fr'
"""

from __future__ import annotations

import threading
from typing import Any, Protocol, runtime_checkable

from assistant.errors import ModelUnavailableError


@runtime_checkable
class LanguageIdentifier(Protocol):
    """The most likely language of a text: an ISO 639-1 code (or the model's own code) and its probability;
    ``warm_up`` loads the model once (idempotent)."""

    name: str

    def warm_up(self) -> None: ...

    def identify(self, text: str) -> tuple[str, float]: ...


class Py3LangidIdentifier:
    """py3langid with normalised probabilities over all its languages.

    >>> Py3LangidIdentifier().identify("how do I change my PIN please")[0]
    'en'
    """

    name = "py3langid"

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        with self._lock:
            if self._model is None:
                try:
                    from py3langid.langid import MODEL_FILE
                    from py3langid.langid import LanguageIdentifier as Model

                    self._model = Model.from_model_file(MODEL_FILE, norm_probs=True)
                except Exception as exc:  # pragma: no cover - dependency missing or broken
                    raise ModelUnavailableError(f"could not load the language identifier: {exc}") from exc

    def identify(self, text: str) -> tuple[str, float]:
        if self._model is None:
            self.warm_up()
        code, probability = self._model.classify(text)
        return str(code), float(probability)
