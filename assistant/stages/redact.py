"""Stage 1: validate the raw message and replace PII with typed placeholders. Raw text stops here."""

from __future__ import annotations

import logging
import re
import unicodedata

from assistant.errors import InvalidMessageError
from assistant.integrations.pii import PiiEngine, PiiFinding, PresidioPiiEngine
from assistant.settings import Settings
from assistant.types import Message, Redacted

logger = logging.getLogger(__name__)


def validate_text(text: object, max_chars: int) -> str:
    """Return the message as clean text, or raise :class:`InvalidMessageError` saying what is wrong."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidMessageError("message is not valid UTF-8") from exc
    if not isinstance(text, str):
        raise InvalidMessageError(f"message must be text, got {type(text).__name__}")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise InvalidMessageError("message is not valid UTF-8 (lone surrogate)")
    cleaned = "".join(ch for ch in unicodedata.normalize("NFC", text) if ch in "\n\t" or ch.isprintable())
    cleaned = cleaned.strip()
    if not cleaned:
        raise InvalidMessageError("message is empty")
    if len(cleaned) > max_chars:
        raise InvalidMessageError(f"message is {len(cleaned)} characters; the limit is {max_chars}")
    return cleaned


class PiiRedactor:
    """Replaces card numbers, IBANs, sort codes, account numbers, emails, phones, postcodes and names.

    >>> from assistant.settings import Settings
    >>> r = PiiRedactor(Settings())
    >>> r.warm_up()
    >>> r.run(message=Message(conversation_id="c", text="My card 4111 1111 1111 1111 was stolen")).text
    'My card <CARD_NUMBER> was stolen'
    """

    def __init__(self, settings: Settings, engine: PiiEngine | None = None) -> None:
        self._max_chars = settings.max_message_chars
        self._engine: PiiEngine = engine or PresidioPiiEngine()
        self._warm = False
        self._organisations: re.Pattern[str] | None = None

    def warm_up(self) -> None:
        if not self._warm:
            self._organisations = _organisation_names()
            self._engine.analyze("warm up 4111 1111 1111 1111, Jane Smith of 1 High Street, Leeds LS1 1AA")
            self._warm = True

    def run(self, *, message: Message) -> Redacted:
        text = validate_text(message.text, self._max_chars)
        findings = _not_organisations(self._engine.analyze(text), text, self._organisations or _organisation_names())
        redacted = self._engine.anonymize(text, findings) if findings else text
        entities = tuple(f.entity_type for f in sorted(findings, key=lambda f: f.start))
        if entities:
            logger.info("redacted %s PII entities: %s", len(entities), ",".join(entities))
        return Redacted(text=redacted, entities=entities)


def _organisation_names() -> re.Pattern[str]:
    """Other organisations named in ``prompts/scope.yaml`` ("Wells Fargo", "Capital One"): never taken for people,
    so that the scope screen still sees them."""
    from assistant.kb.scope import DEFAULT_PATH, ScopeRules
    from assistant.prompts import load_prompt_file

    rules = load_prompt_file(DEFAULT_PATH, ScopeRules)
    names = sorted((re.escape(o.name) for o in rules.organisations), key=len, reverse=True)
    return re.compile(rf"(?i)\b(?:{'|'.join(names)})\b")


# A person introducing themselves ("I'm Marcus", "my name is Monzo Smith") is a name even when it is also a bank's.
_SELF_INTRODUCTION = re.compile(r"(?i)\b(?:my name is|my name's|name is|i am|i'm|im)\s+$")
# ... and so is one that "he" or "she" takes up next, as no organisation is: "I spoke with Marcus yesterday about my
# mortgage. He said ..."
_TAKEN_UP_AS_PERSON = re.compile(r"(?i)[^.!?\n]{0,60}?(?:[.!?;,]\s*|\s+and\s+|\s+)(?:he|she)\b")


def _not_organisations(findings: list[PiiFinding], text: str, organisations: re.Pattern[str]) -> list[PiiFinding]:
    """Drop the names that lie inside an organisation's name ("Wells Fargo"); a name that runs past it ("Marcus
    Liang", where "Marcus" is also a bank), introduces the writer or is taken up as "he" or "she" is a person's."""
    spans = [(m.start(), m.end()) for m in organisations.finditer(text)]
    if not spans:
        return findings
    return [
        f
        for f in findings
        if f.entity_type != "PERSON"
        or _SELF_INTRODUCTION.search(text[: f.start])
        or _TAKEN_UP_AS_PERSON.match(text, f.end)
        or not any(start <= f.start and f.end <= end for start, end in spans)
    ]
