"""What the signal tests share (the warmed classifier itself is conftest's ``classifier`` fixture): one message
classified as the pipeline classifies it, with the turns before it as history."""

from __future__ import annotations

from assistant.integrations.encoder import TextEncoder
from assistant.stages.classify import SignalClassifier
from assistant.types import Encoded, Signals


def classify_text(clf: SignalClassifier, encoder: TextEncoder, text: str, history: tuple[Signals, ...] = ()) -> Signals:
    """The signals of ``text`` (encoded alone by ``encoder``) after ``history``."""
    return clf.run(encoded=Encoded(text=text, vector=encoder.encode([text])[0]), history=history)
