"""Is this message in English? An English-only assistant must not answer a message it cannot read: a customer who
writes in Spanish, Polish or Urdu gets a person (``other_language`` in ``prompts/escalation.yaml``), not an English
article picked from a stranger's words, and no crisis is missed because the rules and heads only read English.

English written by learners, with typos, slang, text-speak or dialect stays English. A message is read as another
language only when one of these holds and no part of it is English (a sentence of three or more words that reads
as English: "Buna ziua, vreau sa vorbesc cu un operator. Sorry, I want operator please" is English):

* most of its letters are not Latin (Arabic, Chinese, Cyrillic, Devanagari, Greek, ...);
* it has at least :data:`MIN_WORDS` words, the language identifier's best language is not English-like with
  probability at least :data:`MIN_PROBABILITY`, and at most :data:`MAX_ENGLISH_SHARE_WITH_MODEL` of its words are in the
  English word list;
* it has at least :data:`MIN_WORDS_BY_SHARE` words and at most :data:`MAX_ENGLISH_SHARE` of them are in the English
  word list (romanised Hindi or Urdu, which the identifier does not know).

The thresholds were chosen on a dev set written for this (``data/language/dev.jsonl``) against the English text we
hold (every public corpus and written set, none of them flagged but the rows that really are another language); the
blind check is ``data/blind/language.jsonl``.

>>> screen = LanguageScreen()
>>> screen.read("mi tarjeta no funciona en el cajero, ayuda por favor").language
'es'
>>> screen.read("pls hlp cant login 2 app").english
True
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from assistant.integrations.langid import LanguageIdentifier, Py3LangidIdentifier

VOCABULARY_PATH = Path(__file__).with_name("english_words.txt")
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_LATIN_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_SEGMENTS = re.compile(r"[.!?;:\n]+|\s[-–—/|]+\s|[,(]\s*(?=sorry\b|please\b|i\b)", re.IGNORECASE)
# labels of the identifier that an English reader reads: English, Nigerian Pidgin and other English-based creoles
# (it also gives Jamaican patois this label), and "no language" (numbers, codes)
ENGLISH_LIKE = frozenset({"en", "pcm", "zxx"})

MIN_WORDS = 3
MIN_WORDS_BY_SHARE = 6
MIN_PROBABILITY = 0.70
MAX_ENGLISH_SHARE_WITH_MODEL = 0.60
MAX_ENGLISH_SHARE = 0.30
_SEGMENT_MIN_WORDS = 3


@dataclass(frozen=True)
class LanguageReading:
    """What the screen read: ``language`` is ``"en"`` or the code of the other language (``"und"`` when only the
    script says so), ``english`` whether the assistant can read it, ``cue`` why (for the agent)."""

    language: str
    english: bool
    probability: float
    english_share: float
    cue: str


class LanguageScreen:
    """Reads whether a message is in English (see the module docstring).

    >>> LanguageScreen().read("Ich habe mein Passwort vergessen und die App sagt Fehler").cue
    'de (p=1.00), 1/7 English words'
    """

    def __init__(self, identifier: LanguageIdentifier | None = None, vocabulary: Path = VOCABULARY_PATH) -> None:
        self._identifier = identifier
        self._vocabulary_path = vocabulary
        self._words: frozenset[str] | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the identifier and the word list (idempotent)."""
        with self._lock:
            if self._words is None:
                lines = self._vocabulary_path.read_text(encoding="utf-8").splitlines()
                identifier = self._identifier or Py3LangidIdentifier()
                identifier.warm_up()
                self._identifier = identifier
                self._words = frozenset(w for w in lines if w and not w.startswith("#"))

    def read(self, text: str) -> LanguageReading:
        if self._words is None:
            self.warm_up()
        assert self._words is not None and self._identifier is not None
        latin, other = _letters(text)
        if other > latin and other >= 2:
            if self._english_part(text):
                return _english("an English sentence beside another script")
            code, p = self._identifier.identify(text)
            code = "und" if code in ENGLISH_LIKE else code
            return LanguageReading(code, False, p, 0.0, f"{_script(text)} script ({code})")
        words = _common_words(text)
        if len(words) < MIN_WORDS:
            return _english("too short to tell")
        known = sum(1 for w in words if _plain(w) in self._words)
        share = known / len(words)
        code, p = self._identifier.identify(text)
        by_model = code not in ENGLISH_LIKE and p >= MIN_PROBABILITY and share <= MAX_ENGLISH_SHARE_WITH_MODEL
        by_words = len(words) >= MIN_WORDS_BY_SHARE and share <= MAX_ENGLISH_SHARE
        if not (by_model or by_words) or self._english_part(text):
            return LanguageReading("en", True, p if code in ENGLISH_LIKE else 1 - p, share, "English")
        language = code if by_model else "und"  # the word list decided: the identifier's guess is no name for it
        return LanguageReading(language, False, p, share, f"{language} (p={p:.2f}), {known}/{len(words)} English words")

    def _english_part(self, text: str) -> bool:
        """Whether a sentence or clause of the message reads as English on its own."""
        assert self._words is not None and self._identifier is not None
        parts = [p for p in _SEGMENTS.split(text) if p and p.strip()]
        if len(parts) < 2:
            return False
        for part in parts:
            words = _common_words(part)
            if len(words) < _SEGMENT_MIN_WORDS or _letters(part)[1] > 0:
                continue
            share = sum(1 for w in words if _plain(w) in self._words) / len(words)
            code, p = self._identifier.identify(part)
            if share >= 0.8 and (code in ENGLISH_LIKE or p < MIN_PROBABILITY):
                return True
        return False


_NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")
_SENTENCE_START = re.compile(r"(?:^|[.!?\n]\s*|[¿¡])$")


def _common_words(text: str) -> list[str]:
    """The words of ``text`` (lower case) that tell a language: not names, places or codes (a capitalised word inside a
    sentence, a word in capitals, anything in an email address or a link)."""
    text = _NOT_WORDS.sub(" ", text)
    out = []
    for m in _LATIN_WORD.finditer(text):
        word = m.group()
        if len(word) > 1 and word.isupper():
            continue  # "ATM", "LS6", "SC"
        if word[0].isupper() and not _SENTENCE_START.search(text, 0, m.start()):
            continue  # "Priya Shah", "Leeds", "Mexico"
        out.append(word.lower())
    return out


def _english(cue: str) -> LanguageReading:
    return LanguageReading("en", True, 1.0, 1.0, cue)


def _plain(word: str) -> str:
    """A word as the list holds it: lower case, ASCII apostrophe."""
    return word.replace("’", "'")


def _letters(text: str) -> tuple[int, int]:
    """(Latin letters, other letters) of ``text``."""
    latin = other = 0
    for ch in text:
        if ch.isalpha():
            if ch.isascii() or unicodedata.name(ch, "").startswith("LATIN"):
                latin += 1
            else:
                other += 1
    return latin, other


def _script(text: str) -> str:
    """The first word of the Unicode name of the first non-Latin letter ("ARABIC", "CJK", "CYRILLIC")."""
    for ch in text:
        if ch.isalpha() and not ch.isascii() and not unicodedata.name(ch, "").startswith("LATIN"):
            return unicodedata.name(ch, "OTHER").split(" ")[0].title()
    return "Other"
