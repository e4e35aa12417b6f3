"""What the harness's loaders return: one record type per kind of labelled input, and the schema of the JSONL
cases (conversations with per-turn expectations, key-fact questions), validated by pydantic.

:mod:`eval.formats` reads files into these (and re-exports them); the suites score them.

>>> case = ConversationCase.model_validate({"id": "c1", "turns": [{"customer": "hi", "expect": {"escalate": False}}]})
>>> case.turns[0].expect.present()
{'escalate': False}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.kb.intents import ALL_INTENTS, OUT_OF_SCOPE
from assistant.types import Channel, DistressLevel, LiteracyLevel, SentimentLabel, VulnerabilityDriver

KNOWN_INTENTS: frozenset[str] = frozenset((*ALL_INTENTS, OUT_OF_SCOPE))
EXPECT_KEYS: tuple[str, ...] = (
    "sentiment",
    "distress",
    "vulnerability",
    "literacy",
    "handoff_requested",
    "escalate",
    "intent",
    "no_offer",
)


@dataclass(frozen=True)
class LabelledText:
    """One text with one gold label (BANKING77 rows)."""

    id: str
    text: str
    label: str


@dataclass(frozen=True)
class MultiLabelText:
    """One text with zero or more gold labels (GoEmotions, NLU++)."""

    id: str
    text: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class BlindRow:
    """One row of a blind signals set (``data/blind/*.jsonl``): the message, the customer's earlier messages
    (oldest first) and every other field as a label (``crisis``, ``kind``, ``distress``, ``handoff``, ...)."""

    id: str
    text: str
    context: tuple[str, ...]
    labels: dict[str, Any]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TurnExpect(_Strict):
    """What a turn should produce; every key is optional and is scored only where present."""

    sentiment: SentimentLabel | None = None
    distress: DistressLevel | None = None
    vulnerability: tuple[VulnerabilityDriver, ...] | None = None
    literacy: LiteracyLevel | None = None
    handoff_requested: bool | None = None
    escalate: bool | None = None  # after this turn the conversation is with a human
    intent: str | None = None  # a BANKING77 category, an extra KB intent or out_of_scope
    no_offer: bool | None = None  # no product offer may be shown after this turn

    @field_validator("intent")
    @classmethod
    def _known_intent(cls, value: str | None) -> str | None:
        if value is not None and value not in KNOWN_INTENTS:
            raise ValueError(f"unknown intent {value!r} (a BANKING77 category, an extra KB intent or out_of_scope)")
        return value

    @field_validator("vulnerability")
    @classmethod
    def _no_duplicates(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("vulnerability drivers must not repeat")
        return value

    def present(self) -> dict[str, Any]:
        """The expectations that were given (key -> value), in the documented key order."""
        return {k: getattr(self, k) for k in EXPECT_KEYS if getattr(self, k) is not None}


class ConversationTurn(_Strict):
    customer: str = Field(min_length=1, max_length=4000)
    expect: TurnExpect = TurnExpect()


class ConversationCase(_Strict):
    """One line of a conversations JSONL file; its turns run in order in a fresh conversation."""

    id: str = Field(min_length=1, max_length=200)
    locale: str = "en-GB"
    channel: Channel = "widget"
    turns: tuple[ConversationTurn, ...] = Field(min_length=1)


class KeyFactCase(_Strict):
    """One key-fact question: what a right answer must contain (fact names from ``knowledge_base/facts`` and/or
    statements) and the neighbouring facts it must not; ``register`` (``literacy`` here: BaseModel owns the
    name) is the asker's literacy."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=4000)
    literacy: LiteracyLevel = Field(alias="register")
    must_contain: tuple[str, ...] = ()
    must_contain_text: tuple[str, ...] = ()
    must_not_contain: tuple[str, ...] = ()
    asks: str = "other"
    topic: str | None = None

    @model_validator(mode="after")
    def _needs_something(self) -> KeyFactCase:
        if not self.must_contain and not self.must_contain_text:
            raise ValueError("give must_contain or must_contain_text")
        return self
