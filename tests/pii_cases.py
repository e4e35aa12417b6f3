"""What the PII rule tests check on each case, in one place: which labelled values the rules (``RegexPiiEngine``)
leave visible, and what they make of a text with no PII."""

from __future__ import annotations

from assistant.integrations.pii import RegexPiiEngine
from eval.pii_data import caught

ENGINE = RegexPiiEngine()


def redacted_text(text: str) -> str:
    """``text`` as the rules redact it."""
    return ENGINE.anonymize(text, ENGINE.analyze(text))


def missed_values(text: str, entities: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], str]:
    """The ``(type, value)`` entities of ``text`` that the rules leave visible, and the redacted text."""
    out = redacted_text(text)
    return [(kind, value) for kind, value in entities if not caught(value, text, out)], out
