"""Cheap per-message features that sit beside the encoder vector: lexicon cue counts (negation-aware), VADER
polarity and readability. Everything here runs in well under a millisecond for a chat message.

>>> fx = FeatureExtractor()
>>> f = fx.extract("I'm not worried, the refund came through")
>>> f.values.shape == (len(FEATURE_NAMES),)
True
>>> f.value("neg.distress.mild") > 0
True
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.integrations.vader import SentimentAnalyzer, VaderSentimentAnalyzer
from assistant.signals.lexicon import CueHit, SignalLexicon, load_lexicon

LEXICON_GROUPS: tuple[str, ...] = (
    "sentiment.negative",
    "sentiment.positive",
    "sentiment.context",
    "sentiment.sarcasm",
    "distress.mild",
    "distress.high",
    "crisis.self_harm",
    "crisis.threat",
    "crisis.abuse",
    "vulnerability.health",
    "vulnerability.life_event",
    "vulnerability.resilience",
    "vulnerability.capability",
    "handoff.explicit",
    "handoff.bot_unhelpful",
    "literacy.common_terms",
    "literacy.technical_terms",
    "literacy.novice_markers",
)
NEGATED_GROUPS: tuple[str, ...] = (
    "sentiment.negative",
    "sentiment.positive",
    "distress.mild",
    "distress.high",
    "handoff.explicit",
    "vulnerability.capability",
)
VADER_FEATURES: tuple[str, ...] = ("vader.compound", "vader.pos", "vader.neg", "vader.n_polar")
READABILITY_FEATURES: tuple[str, ...] = (
    "read.log_words",
    "read.word_len",
    "read.syllables_per_word",
    "read.log_words_per_sentence",
    "read.fk_grade",
    "read.polysyllable_share",
    "read.log_numbers",
    "read.money_or_percent",
    "read.questions",
    "read.exclamations",
    "read.acronyms",
    "read.upper_share",
)
FEATURE_NAMES: tuple[str, ...] = (
    tuple(f"lex.{g}" for g in LEXICON_GROUPS)
    + tuple(f"neg.{g}" for g in NEGATED_GROUPS)
    + VADER_FEATURES
    + READABILITY_FEATURES
)
_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}
BOW_BUCKETS = 16384  # hashed unigrams + bigrams, binary; used by the sentiment and distress heads
_BOW_TOKEN = re.compile(r"[a-z']+|[!?]")

_WORDS = re.compile(r"[A-Za-z][A-Za-z']*")
_SENTENCES = re.compile(r"[.!?]+(?:\s|$)")
_NUMBERS = re.compile(r"\d+(?:[.,]\d+)*")
_MONEY = re.compile(r"[£$€%]|\b(?:gbp|usd|eur|pounds?|dollars?|euros?|percent|pence|bps)\b", re.IGNORECASE)
_ACRONYM = re.compile(r"\b[A-Z]{2,6}s?\b")
_VOWELS = re.compile(r"[aeiouy]+")


def bag_of_words(text: str, buckets: int = BOW_BUCKETS) -> np.ndarray:
    """Binary hashed unigrams and bigrams (CRC32 mod ``buckets``) as uint8: a cheap lexical view."""
    out = np.zeros(buckets, dtype=np.uint8)
    tokens = _BOW_TOKEN.findall(text.lower().replace("\u2019", "'"))
    for i, tok in enumerate(tokens):
        out[zlib.crc32(tok.encode()) % buckets] = 1
        if i:
            out[zlib.crc32(f"{tokens[i - 1]} {tok}".encode()) % buckets] = 1
    return out


def count_syllables(word: str) -> int:
    """A fast heuristic syllable count (vowel groups, silent final e), at least 1."""
    w = word.lower().strip("'")
    if len(w) <= 3:
        return 1
    groups = len(_VOWELS.findall(w))
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and groups > 1:
        groups -= 1
    return max(1, groups)


def readability(text: str) -> dict[str, float]:
    """Readability features of ``text`` (Flesch-Kincaid grade and its ingredients, numbers, acronyms)."""
    words = _WORDS.findall(text)
    n_words = len(words)
    n_sent = max(1, len(_SENTENCES.findall(text.strip() + " ")) or 1)
    syllables = [count_syllables(w) for w in words]
    n_syll = sum(syllables)
    wps = n_words / n_sent if n_words else 0.0
    spw = n_syll / n_words if n_words else 0.0
    grade = 0.39 * wps + 11.8 * spw - 15.59 if n_words else 0.0
    letters = [c for c in text if c.isalpha()]
    return {
        "read.log_words": math.log1p(n_words),
        "read.word_len": (sum(len(w) for w in words) / n_words) if n_words else 0.0,
        "read.syllables_per_word": spw,
        "read.log_words_per_sentence": math.log1p(wps),
        "read.fk_grade": max(-3.0, min(grade, 25.0)),
        "read.polysyllable_share": (sum(1 for s in syllables if s >= 3) / n_words) if n_words else 0.0,
        "read.log_numbers": math.log1p(len(_NUMBERS.findall(text))),
        "read.money_or_percent": float(bool(_MONEY.search(text))),
        "read.questions": float(min(text.count("?"), 3)),
        "read.exclamations": float(min(text.count("!"), 3)),
        "read.acronyms": math.log1p(len(_ACRONYM.findall(text))),
        "read.upper_share": (sum(1 for c in letters if c.isupper()) / len(letters)) if letters else 0.0,
    }


@dataclass(frozen=True)
class TextFeatures:
    """The feature vector of one message and the lexicon hits behind it."""

    values: np.ndarray
    hits: tuple[CueHit, ...] = ()
    polar_words: tuple[tuple[str, float], ...] = ()
    readability: dict[str, float] = field(default_factory=dict)

    def value(self, name: str) -> float:
        return float(self.values[_INDEX[name]])

    def cues(self, group: str, *, negated: bool = False) -> tuple[str, ...]:
        """Distinct cue labels of ``group`` (``"crisis"`` matches every ``crisis.*`` group)."""
        out = [
            h.cue for h in self.hits if (h.group == group or h.group.startswith(group + ".")) and h.negated == negated
        ]
        return tuple(dict.fromkeys(out))

    def sarcasm(self) -> tuple[str, ...]:
        """Sarcasm cues, only when the message is about banking (``sentiment.context``)."""
        return self.cues("sentiment.sarcasm") if self.cues("sentiment.context") else ()

    def hit_groups(self, group: str) -> tuple[CueHit, ...]:
        return tuple(h for h in self.hits if (h.group == group or h.group.startswith(group + ".")) and not h.negated)


class FeatureExtractor:
    """Turns a (redacted) message into :data:`FEATURE_NAMES` values plus the lexicon hits.

    >>> FeatureExtractor().extract("Put me through to a real person").value("lex.handoff.explicit") > 0
    True
    """

    def __init__(self, lexicon: SignalLexicon | None = None, sentiment: SentimentAnalyzer | None = None) -> None:
        self._lexicon = lexicon
        self._sentiment = sentiment

    @property
    def lexicon(self) -> SignalLexicon:
        if self._lexicon is None:
            self._lexicon = load_lexicon()
        return self._lexicon

    def warm_up(self) -> None:
        self.extract("warm up")

    def extract(self, text: str) -> TextFeatures:
        if self._sentiment is None:
            self._sentiment = VaderSentimentAnalyzer()
        hits = tuple(self.lexicon.match(text))
        values = np.zeros(len(FEATURE_NAMES), dtype=np.float32)
        counts: dict[str, int] = {}
        negated: dict[str, int] = {}
        for h in hits:
            target = negated if h.negated else counts
            target[h.group] = target.get(h.group, 0) + 1
        for g in LEXICON_GROUPS:
            values[_INDEX[f"lex.{g}"]] = math.log1p(counts.get(g, 0))
        for g in NEGATED_GROUPS:
            values[_INDEX[f"neg.{g}"]] = math.log1p(negated.get(g, 0))
        polarity = self._sentiment.score(text)
        values[_INDEX["vader.compound"]] = polarity.compound
        values[_INDEX["vader.pos"]] = polarity.positive
        values[_INDEX["vader.neg"]] = polarity.negative
        values[_INDEX["vader.n_polar"]] = math.log1p(len(polarity.polar_words))
        read = readability(text)
        for name, v in read.items():
            values[_INDEX[name]] = v
        return TextFeatures(values=values, hits=hits, polar_words=polarity.polar_words, readability=read)

    def extract_many(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(FEATURE_NAMES)), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i] = self.extract(t).values
        return out
