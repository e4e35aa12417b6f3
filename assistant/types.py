"""Typed hand-offs between stages. Every stage's ``run()`` returns exactly one of these frozen dataclasses.

>>> m = Message(conversation_id="c1", text="Where is my card?")
>>> m.channel
'widget'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Channel = Literal["widget", "copilot"]
SentimentLabel = Literal["positive", "neutral", "negative"]
DistressLevel = Literal["none", "mild", "high", "crisis"]
VulnerabilityDriver = Literal["health", "life_event", "resilience", "capability"]
LiteracyLevel = Literal["novice", "intermediate", "expert"]
Tone = Literal["empathetic", "neutral", "warm"]
Register = Literal["plain", "standard", "technical"]
Length = Literal["short", "medium", "long"]
Priority = Literal["normal", "high", "urgent"]
MisuseKind = Literal["fraud", "prompt_injection"]
ReplyStatus = Literal[
    "answered", "out_of_scope", "refused", "escalated", "waiting_for_human", "with_human", "handed_off"
]
EscalationKind = Literal["now", "asked", "offer"]

SENTIMENTS: tuple[SentimentLabel, ...] = ("positive", "neutral", "negative")
DISTRESS_LEVELS: tuple[DistressLevel, ...] = ("none", "mild", "high", "crisis")
MISUSE_KINDS: tuple[MisuseKind, ...] = ("fraud", "prompt_injection")
VULNERABILITY_DRIVERS: tuple[VulnerabilityDriver, ...] = ("health", "life_event", "resilience", "capability")
LITERACY_LEVELS: tuple[LiteracyLevel, ...] = ("novice", "intermediate", "expert")


@dataclass(frozen=True)
class Message:
    """One customer message as it arrives, before redaction. Never stored, logged or embedded."""

    conversation_id: str
    text: str
    channel: Channel = "widget"
    locale: str = "en-GB"


@dataclass(frozen=True)
class Redacted:
    """The message with PII replaced by typed placeholders such as ``<CARD_NUMBER>``."""

    text: str
    entities: tuple[str, ...] = ()  # entity types found, in order of appearance

    @property
    def pii_found(self) -> bool:
        return bool(self.entities)


@dataclass(frozen=True)
class Encoded:
    """One encoder pass over the redacted text; every head and the retriever reuse this vector.

    ``routing_vector`` is the same pass finished by the routing adapter's tuned top layers (None without one);
    only the retriever reads it. ``crisis_vector`` and ``service_vector`` are the same pass finished by the crisis
    and service views' layers (None without them); only the signals classifier reads them.
    """

    text: str
    vector: np.ndarray = field(repr=False, compare=False)
    routing_vector: np.ndarray | None = field(default=None, repr=False, compare=False)
    crisis_vector: np.ndarray | None = field(default=None, repr=False, compare=False)
    service_vector: np.ndarray | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Signals:
    """How the customer feels and what they know, each with calibrated probabilities and the cues behind it."""

    sentiment: SentimentLabel
    sentiment_score: float  # in [-1, 1]
    sentiment_probs: dict[str, float]
    distress: DistressLevel
    distress_probs: dict[str, float]
    vulnerability: tuple[VulnerabilityDriver, ...]
    vulnerability_probs: dict[str, float]
    handoff_requested: bool
    handoff_prob: float
    literacy: LiteracyLevel  # smoothed over the conversation
    literacy_confidence: float
    literacy_message: LiteracyLevel  # this message alone
    literacy_probs: dict[str, float]
    cues: dict[str, tuple[str, ...]]  # signal name -> words/phrases/features that drove it
    crisis_kind: str | None = None  # self_harm | threat | abuse | emergency when distress == "crisis"
    model_version: str = ""
    # A request the assistant refuses: help with fraud, or an attempt to override its instructions. Cues are in
    # ``cues["misuse"]``. Fraud is also handed to a human (see EscalationPolicy); neither is answered.
    misuse: MisuseKind | None = None
    misuse_probs: dict[str, float] = field(default_factory=dict)  # the learned misuse head's, when it is loaded
    # An expression of dissatisfaction with the bank's own service, products, staff, fees, decisions or app
    # (FCA DISP 1.1): it must be recognised and recorded as a complaint. Cues are in ``cues["complaint"]``.
    complaint: bool = False
    complaint_prob: float = 0.0
    # Cosine of this message to the nearest entry of the crisis bank (``assistant/signals/crisis_bank.yaml``); the
    # classify stage reads it from the earlier turns to see a crisis that builds across turns.
    crisis_similarity: float = 0.0
    # p(crisis) of the crisis view (``assistant/signals/crisis_view.py``; 0 without one), read from the earlier turns
    # like ``crisis_similarity``.
    crisis_view_p: float = 0.0
    # p(crisis) of the crisis view over this turn's window (the last customer turns and this message read together,
    # ``crisis_view.window_text``); 0 on a first turn or without a view.
    crisis_window_p: float = 0.0
    # The language the message is written in: "en", or the ISO 639-1 code of another language ("und" when only its
    # script is known) that the assistant cannot read (``assistant/signals/language.py``; cue in ``cues["language"]``).
    language: str = "en"


@dataclass(frozen=True)
class Style:
    """How to answer: decided from signals and channel by the rule table in ``prompts/style_policy.yaml``."""

    tone: Tone
    register: Register
    target_grade: float
    length: Length
    answer_first: bool = True
    glossary: bool = False
    details_on_request: bool = False
    allow_offers: bool = False
    support_intents: tuple[str, ...] = ()  # a retrieved article declaring one of these is answered from first
    rules: tuple[str, ...] = ()  # ids of the policy rules that fired
    policy_version: str = ""


@dataclass(frozen=True)
class Passage:
    """One retrieved section of a knowledge-base article."""

    article_id: str
    title: str
    section: str  # "In short" | "Details" | "For the technically minded" | "Glossary"
    text: str
    score: float
    intents: tuple[str, ...] = ()
    product: str = ""
    sensitive: bool = False
    risk_warning: str | None = None


@dataclass(frozen=True)
class Retrieval:
    """What the knowledge base offers for a query: ranked articles' passages and whether any is a confident match."""

    passages: tuple[Passage, ...]
    article_ids: tuple[str, ...]  # ranked, best first
    confidence: float  # calibrated probability that the top article answers the query
    in_scope: bool
    intent: str | None = None
    other_organisation: str | None = None  # the message asks about this organisation's own products: out of scope


@dataclass(frozen=True)
class Citation:
    article_id: str
    title: str
    section: str
    score: float


@dataclass(frozen=True)
class Draft:
    """A generated answer before checks."""

    text: str
    citations: tuple[Citation, ...]
    generator: str
    offers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """Checks on a draft: grounding, figures, reading level, compliance, offers. ``text`` is what may be sent."""

    text: str
    grounding_score: float  # share of answer sentences supported by cited passages
    reading_grade: float
    target_grade: float
    passed: bool  # grounded enough and compliant: may be sent
    reading_ok: bool = True  # reading grade within the style's target (+ tolerance)
    dropped_sentences: tuple[str, ...] = ()
    invented_figures: tuple[str, ...] = ()
    compliance_flags: tuple[str, ...] = ()
    offers_removed: tuple[str, ...] = ()
    rewrites: int = 0
    fallback: str | None = None  # generator fallen back to, if any


@dataclass(frozen=True)
class Escalation:
    """Whether a human takes over, why, and how urgently."""

    escalate: bool
    reasons: tuple[str, ...] = ()
    priority: Priority = "normal"
    crisis: bool = False
    # Rule codes of ``prompts/escalation.yaml`` (parallel to ``reasons``) and the cues behind each.
    codes: tuple[str, ...] = ()
    cues: tuple[tuple[str, ...], ...] = ()
    # "now" / "asked": a person takes over; "offer": the customer may choose a person with one tap.
    kind: EscalationKind | None = None
    offer: bool = False
    text: str = ""  # what the customer is told (the deciding rule's text), empty when nothing happens


@dataclass(frozen=True)
class Choice:
    """One quick-reply answer to a clarifying question: a stable id, the article it leads to and its label.

    >>> Choice("c1", "card-arrival", "My card has not arrived").label
    'My card has not arrived'
    """

    id: str
    article_id: str
    label: str


@dataclass(frozen=True)
class Reply:
    """Everything one turn produced; it explains itself (signals, style, sources, grounding, escalation)."""

    conversation_id: str
    turn_index: int
    status: ReplyStatus
    text: str
    style: Style | None
    citations: tuple[Citation, ...]
    signals: Signals | None
    grounding_score: float | None
    reading_grade: float | None
    escalation: Escalation | None
    timings_ms: dict[str, float]
    generator: str | None = None
    verdict: Verdict | None = None
    intent: str | None = None
    retrieval_confidence: float | None = None
    redacted_entities: tuple[str, ...] = ()
    other_organisation: str | None = None  # out of scope because it asks about this organisation's own products
    # A clarifying question's quick replies (empty otherwise); the customer answers with a choice id, "the second
    # one" or words. ``dialogue``: the dialogue stage's decision kind (new_topic, follow_up, clarify, ...).
    choices: tuple[Choice, ...] = ()
    dialogue: str | None = None
