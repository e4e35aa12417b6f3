"""Response models of ``/v1/chat`` (the full explanation of one turn), operations and errors, with examples."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.api.models import MessageReply


class _Open(BaseModel):
    """Explanations may grow new fields; they are documented here and passed through."""

    model_config = ConfigDict(extra="allow")


class SignalsOut(_Open):
    sentiment: Literal["positive", "neutral", "negative"]
    sentiment_score: float
    distress: str
    vulnerability: list[str]
    handoff_requested: bool
    literacy: str
    literacy_message: str | None = None
    cues: dict[str, list[str]] = {}
    crisis_kind: str | None = None
    misuse: str | None = None
    complaint: bool = False
    language: str = "en"


class StyleOut(_Open):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    tone: str
    register_: str = Field(alias="register")  # "register" itself would shadow BaseModel.register
    target_grade: float
    length: str
    rules: list[str] = []


class VerdictOut(_Open):
    grounding_score: float
    reading_grade: float
    target_grade: float
    passed: bool


class ChatReply(MessageReply):
    """One turn with its explanation: a :class:`MessageReply` (the reply, who answered, the sources, the choices) plus
    the signals, the style and the checks.

    ``customer_token`` is present only when the call started a new conversation."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "conversation_id": "8c1f0b6c2f7e4d7c9a3e5b1d2c4f6a8b",
                    "turn_index": 0,
                    "status": "answered",
                    "state": "bot",
                    "text": "You can change your PIN at any of our cash machines: choose PIN services.",
                    "citations": [
                        {"article_id": "change-pin", "title": "Change your PIN", "section": "In short", "score": 0.82}
                    ],
                    "signals": {
                        "sentiment": "neutral",
                        "sentiment_score": 0.0,
                        "distress": "none",
                        "vulnerability": [],
                        "handoff_requested": False,
                        "literacy": "standard",
                    },
                    "style": {"tone": "neutral", "register": "standard", "target_grade": 8.0, "length": "short"},
                    "grounding_score": 1.0,
                    "customer_token": "tok_2b6f...",
                }
            ]
        },
    )

    signals: SignalsOut | None = None
    style: StyleOut | None = None
    verdict: VerdictOut | None = None
    grounding_score: float | None = None
    reading_grade: float | None = None
    timings_ms: dict[str, float] = {}
    generator: str | None = None
    intent: str | None = None
    retrieval_confidence: float | None = None
    redacted_entities: list[str] = []
    other_organisation: str | None = None
    customer_token: str | None = Field(default=None, description="Only when this call started the conversation")


class Alive(BaseModel):
    """``/health``: the process answers (nothing else is checked)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "alive"}]})

    status: Literal["alive"] = "alive"


class Ready(BaseModel):
    """``/ready``: 200 when the index is non-empty, every stage warm and the store reachable; else 503."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ready": True,
                    "reasons": [],
                    "index_size": 412,
                    "generator": "composer",
                    "warm_ms": {"redact": 80.1, "first_turn": 95.0},
                },
                {
                    "ready": False,
                    "reasons": ["the knowledge-base index is empty: run `attune ingest`"],
                    "index_size": 0,
                    "generator": "composer",
                    "warm_ms": {},
                },
            ]
        }
    )

    ready: bool
    reasons: list[str]
    index_size: int
    generator: str
    warm_ms: dict[str, float]


class ErrorOut(BaseModel):
    """Every error: a stable code and a human sentence (never the input that caused it)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"error": "rate_limited", "detail": "too many requests; retry in 12 s"}]}
    )

    error: str
    detail: Any


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in (
        (401, "Missing or wrong token / agent key"),
        (404, "No such conversation"),
        (409, "Conflict with the conversation's state"),
        (413, "Body over the size limit"),
        (422, "Invalid input (empty, too long, malformed text, unknown field)"),
        (429, "Rate limited; see Retry-After"),
        (503, "Not ready (index, model or store unavailable)"),
    )
}
