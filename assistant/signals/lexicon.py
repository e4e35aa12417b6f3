"""The maintained signals lexicon (``lexicon.yaml``): pydantic schema + compiled, negation-aware matcher.

>>> lex = load_lexicon()
>>> hits = lex.match("my interest rate went up and my debt keeps growing")
>>> sorted({h.cue for h in hits if h.group == "sentiment.negative"})
['costs went up', 'debt growing']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.errors import ConfigurationError

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_TOKEN = re.compile(r"[a-z0-9']+|[.,;:!?]")


class LexiconEntry(BaseModel):
    """One cue: a case-insensitive regex matched on word boundaries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str
    cue: str | None = None
    negatable: bool = True

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: object) -> object:
        return {"pattern": value} if isinstance(value, str) else value


class NegationRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    negators: list[str]
    window: int = Field(default=3, ge=1, le=8)
    clause_breaks: list[str] = []


class SentimentCues(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    negative: list[LexiconEntry]
    positive: list[LexiconEntry]
    context: list[LexiconEntry]
    sarcasm: list[LexiconEntry]


class DistressCues(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mild: list[LexiconEntry]
    high: list[LexiconEntry]
    # Acute situations that are high distress without a risk to life (a scam in progress, no food today, rent
    # failing today, bailiffs at the door): a hit raises distress to at least ``high``.
    acute: list[LexiconEntry] = []


class CrisisCues(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    self_harm: list[LexiconEntry]
    threat: list[LexiconEntry]
    abuse: list[LexiconEntry]
    emergency: list[LexiconEntry] = []  # someone in immediate danger now (a third party's overdose, danger now)


class VulnerabilityCues(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    health: list[LexiconEntry]
    life_event: list[LexiconEntry]
    resilience: list[LexiconEntry]
    capability: list[LexiconEntry]


class HandoffCues(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    explicit: list[LexiconEntry]
    bot_unhelpful: list[LexiconEntry]
    # The customer says they do not want a person ("no need for anyone", "I don't want to talk to an agent"): the
    # learned head alone then does not count as a request.
    declined: list[LexiconEntry] = []
    # A person mentioned, not asked for ("I spoke to a real person yesterday", "quicker than waiting for a human", "my
    # son will talk to the bank for me"): a request rule whose words lie inside one of these (or a decline) does not
    # count; unlike a decline it does not cap the learned readings.
    mentioned: list[LexiconEntry] = []


class MisuseCues(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fraud: list[LexiconEntry]
    prompt_injection: list[LexiconEntry]
    hints: list[LexiconEntry]  # not misuse by themselves: the second key the learned misuse head needs


class LiteracyCues(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    common_terms: list[LexiconEntry]
    technical_terms: list[LexiconEntry]
    novice_markers: list[LexiconEntry]


class ComplaintCues(BaseModel):
    """Expressions of dissatisfaction with the bank (FCA DISP 1.1). ``explicit``: the customer says it is a
    complaint, escalates it or leaves; ``about_bank``: the bank's own service, fees or decisions failed them;
    ``general``: dissatisfaction that could be about anyone, which counts only when no ``elsewhere`` cue (a
    merchant, a builder, a landlord) says someone else is the subject. ``declared``: the customer says in so many
    words that they are complaining ("this is a formal complaint", "I wish to complain"): a complaint whatever the
    service view reads, unless someone else is the subject."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    explicit: list[LexiconEntry]
    about_bank: list[LexiconEntry]
    general: list[LexiconEntry]
    elsewhere: list[LexiconEntry] = []
    declared: list[LexiconEntry] = []


class WarningCues(BaseModel):
    """Weak crisis warning signs (issue #19): none is a crisis on its own ("when I die", "goodbye", "he checks my
    spending"); two different ones in this message or over the last customer turns, or one together with distress,
    are. Grouped by the crisis kind they point to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    self_harm: list[LexiconEntry] = []
    abuse: list[LexiconEntry] = []
    threat: list[LexiconEntry] = []
    emergency: list[LexiconEntry] = []


class TrapCues(BaseModel):
    """Explicit negatives for the crisis layer. ``denial``: a crisis cue inside one of these spans is dropped ("I'm
    not suicidal"); ``hyperbole``: figures of speech ("this rate is killing me") that veto a crisis read from the
    learned head or the crisis bank alone (never a rule hit)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    denial: list[LexiconEntry] = []
    hyperbole: list[LexiconEntry] = []


class LexiconSpec(BaseModel):
    """The whole ``lexicon.yaml``; unknown keys anywhere are an error (``extra="forbid"``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    macros: dict[str, str] = {}
    negation: NegationRules
    sentiment: SentimentCues
    distress: DistressCues
    crisis: CrisisCues
    vulnerability: VulnerabilityCues
    handoff: HandoffCues
    misuse: MisuseCues
    literacy: LiteracyCues
    complaint: ComplaintCues
    traps: TrapCues = TrapCues()
    warning: WarningCues = WarningCues()

    @field_validator("macros")
    @classmethod
    def _macro_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not re.fullmatch(r"[A-Z][A-Z_]*", name):
                raise ValueError(f"macro name {name!r} must be UPPER_CASE")
        return value


@dataclass(frozen=True)
class CueHit:
    """One lexicon match: its group (``crisis.self_harm``), the cue label, the matched text and negation."""

    group: str
    cue: str
    text: str
    negated: bool
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def outside(hits: Iterable[CueHit], covers: Iterable[CueHit]) -> tuple[CueHit, ...]:
    """The hits that no cover contains (a denial around a crisis phrase, a decline around a request for a person).

    >>> inner, outer = CueHit("a", "x", "real person", False, 10), CueHit("b", "y", "spoke to a real person", False, 0)
    >>> outside([inner], [outer]), outside([outer], [inner]) == (outer,)
    ((), True)
    """
    spans = [(c.start, c.end) for c in covers]
    return tuple(h for h in hits if not any(start <= h.start and h.end <= end for start, end in spans))


# The denial cue (``traps.denial``) under which no crisis rule of the message counts.
PROFESSIONAL_DENIAL = "someone else's past or a professional"


def crisis_rule_hits(hits: Iterable[CueHit]) -> tuple[CueHit, ...]:
    """The crisis rule hits that count: less those inside a denial ("I'm not suicidal"), and none at all under
    someone else's past or a professional's framing (:data:`PROFESSIONAL_DENIAL`)."""
    live = [h for h in hits if not h.negated]
    denials = [h for h in live if h.group == "traps.denial"]
    if any(d.cue == PROFESSIONAL_DENIAL for d in denials):
        return ()
    return outside([h for h in live if h.group.startswith("crisis.")], denials)


def person_requests(hits: Iterable[CueHit]) -> tuple[CueHit, ...]:
    """The request-for-a-person hits that count: less those inside a decline or a mention of a person."""
    live = [h for h in hits if not h.negated]
    covers = [h for h in live if h.group in ("handoff.declined", "handoff.mentioned")]
    return outside([h for h in live if h.group == "handoff.explicit"], covers)


@dataclass(frozen=True)
class _Compiled:
    group: str
    regex: re.Pattern[str]
    cue: str | None
    negatable: bool


def normalise(text: str) -> str:
    """Lower-case, unify apostrophes and whitespace: the form every pattern is matched against."""
    return " ".join(text.translate(_APOSTROPHES).lower().split())


class SignalLexicon:
    """Compiled lexicon: ``match(text)`` returns every cue hit, with negation resolved.

    >>> SignalLexicon.from_yaml().match("I'm not worried")[0].negated
    True
    """

    def __init__(self, spec: LexiconSpec) -> None:
        self.spec = spec
        self.version = spec.version
        self._negators = {n.replace("'", "") for n in spec.negation.negators}
        self._breaks = set(spec.negation.clause_breaks)
        self._window = spec.negation.window
        self._entries: list[_Compiled] = []
        for group, entries in self._groups(spec):
            for entry in entries:
                pattern = entry.pattern
                for name, body in spec.macros.items():
                    pattern = pattern.replace(f"@{name}", body)
                if "@" in pattern and re.search(r"@[A-Z]", pattern):
                    raise ConfigurationError(f"unknown macro in lexicon pattern {entry.pattern!r}")
                try:
                    regex = re.compile(rf"(?<![\w'])(?:{pattern})(?![\w])")
                except re.error as exc:
                    raise ConfigurationError(f"bad lexicon pattern {entry.pattern!r}: {exc}") from exc
                self._entries.append(_Compiled(group, regex, entry.cue, entry.negatable))
        self.groups: tuple[str, ...] = tuple(dict.fromkeys(e.group for e in self._entries))

    @staticmethod
    def _groups(spec: LexiconSpec) -> list[tuple[str, list[LexiconEntry]]]:
        out: list[tuple[str, list[LexiconEntry]]] = []
        for section in (
            "sentiment",
            "distress",
            "crisis",
            "vulnerability",
            "handoff",
            "misuse",
            "literacy",
            "complaint",
            "traps",
            "warning",
        ):
            model = getattr(spec, section)
            for name in type(model).model_fields:
                out.append((f"{section}.{name}", getattr(model, name)))
        return out

    @classmethod
    def from_yaml(cls, path: Path | None = None) -> SignalLexicon:
        source = path or LEXICON_PATH
        try:
            raw = yaml.safe_load(source.read_text(encoding="utf-8"))
            spec = LexiconSpec.model_validate(raw)
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise ConfigurationError(f"invalid signals lexicon {source}: {exc}") from exc
        return cls(spec)

    def _negated(self, text: str, start: int) -> bool:
        tokens = _TOKEN.findall(text[:start])
        seen = 0
        for token in reversed(tokens):
            if token in ".,;:!?" or token in self._breaks:
                return False
            bare = token.replace("'", "")
            if bare in self._negators or token.endswith("n't"):
                return True
            seen += 1
            if seen >= self._window:
                return False
        return False

    def match(self, text: str) -> list[CueHit]:
        """All hits in ``text`` (normalised first), in order of appearance."""
        norm = normalise(text)
        hits: list[CueHit] = []
        for entry in self._entries:
            for m in entry.regex.finditer(norm):
                if not m.group(0).strip():
                    continue
                negated = entry.negatable and self._negated(norm, m.start())
                hits.append(CueHit(entry.group, entry.cue or m.group(0), m.group(0), negated, m.start()))
        hits.sort(key=lambda h: (h.start, h.group))
        return hits


@lru_cache(maxsize=4)
def load_lexicon(path: str | None = None) -> SignalLexicon:
    """The lexicon from ``path`` (default: the packaged ``lexicon.yaml``), compiled once per process."""
    return SignalLexicon.from_yaml(Path(path) if path else None)
