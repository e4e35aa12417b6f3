"""Request and response models of the HTTP API (strict requests; responses typed for a complete OpenAPI)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


def _has_surrogate(value: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)


class _Request(BaseModel):
    """Strict: unknown fields are refused, and so is text that is not valid Unicode (a lone surrogate)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _valid_unicode(self) -> _Request:
        for name, value in self:
            if isinstance(value, str) and _has_surrogate(value):
                raise ValueError(f"{name}: not valid Unicode (a lone surrogate)")
        return self


class ConversationRequest(_Request):
    channel: Literal["widget", "copilot"] = "widget"
    locale: Literal["en-GB", "en-US"] | None = None


class MessageRequest(_Request):
    """A customer message; ``action: request_person`` is the one-tap answer to an offer of a person."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "My card was stolen", "client_message_id": "m-0001"}]},
    )

    text: str | None = None
    client_message_id: str | None = Field(default=None, min_length=1, max_length=128)
    action: Literal["request_person"] | None = None
    choice: str | None = Field(default=None, min_length=1, max_length=32)  # a clarifying question's quick reply id


class ChatRequest(_Request):
    """One customer message; omit ``conversation_id`` to start a new conversation (its token comes back)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"message": "How do I change my PIN?", "channel": "widget"}]}
    )

    message: str = Field(min_length=1)
    conversation_id: str | None = None
    client_message_id: str | None = Field(default=None, min_length=1, max_length=128)
    channel: Literal["widget", "copilot"] = "widget"
    locale: Literal["en-GB", "en-US"] | None = None


class AgentMessageRequest(_Request):
    text: str


class RatingRequest(_Request):
    score: int = Field(ge=1, le=5)


class DraftCheckRequest(_Request):
    conversation_id: str
    text: str


class Created(BaseModel):
    conversation_id: str
    customer_token: str
    state: str


class CitationOut(BaseModel):
    article_id: str
    title: str
    section: str
    score: float


class EscalationOut(BaseModel):
    escalate: bool
    reasons: list[str]
    priority: str
    crisis: bool
    codes: list[str] = []
    cues: list[list[str]] = []
    kind: str | None = None
    offer: bool = False
    text: str = ""


class QueueOut(BaseModel):
    place: int
    wait_minutes: float
    open_now: bool


class ActionOut(BaseModel):
    id: str
    label: str


class ChoiceOut(BaseModel):
    """A clarifying question's quick reply: send its ``id`` back as ``choice`` (or type the label)."""

    id: str
    label: str
    article_id: str


class MessageReply(BaseModel):
    """The reply to one customer message; ``status`` says who answered and ``state`` where the conversation is."""

    conversation_id: str
    turn_index: int
    status: Literal["answered", "out_of_scope", "refused", "escalated", "waiting_for_human", "with_human"]
    text: str
    state: Literal["bot", "waiting_for_human", "with_human", "resolved"]
    citations: list[CitationOut] = []
    escalation: EscalationOut | None = None
    queue: QueueOut | None = None
    actions: list[ActionOut] = []
    choices: list[ChoiceOut] = []
    duplicate: bool = False


class TurnOut(BaseModel):
    index: int
    role: Literal["customer", "assistant", "agent", "system"]
    text: str
    at: str


class Transcript(BaseModel):
    conversation_id: str
    state: str
    turns: list[TurnOut]


class ConversationOut(BaseModel):
    conversation_id: str
    state: str
    channel: str
    locale: str
    created_at: str
    queue: QueueOut | None = None
    rating: int | None = None


class StateOut(BaseModel):
    conversation_id: str
    state: str
    claimed_by: str | None = None
    rating: int | None = None


class AgentMe(BaseModel):
    """Who the agent key belongs to, and the request budget it has (per key, whatever address it comes from).

    >>> AgentMe(agent_id="alice", requests_per_window=1200, window_s=60).agent_id
    'alice'
    """

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"agent_id": "alice", "requests_per_window": 1200, "window_s": 60}]}
    )
    agent_id: str = Field(description="The agent's id, as ``claimed_by`` shows it")
    requests_per_window: int = Field(description="Requests this key may make per window")
    window_s: int = Field(description="The rate-limit window in seconds")


class QueueEntry(BaseModel):
    conversation_id: str
    priority: str
    crisis: bool
    reasons: list[str]
    queued_at: str
    waiting_s: float
    place: int
    wait_minutes: float


class QueueView(BaseModel):
    open_now: bool
    entries: list[QueueEntry]


class AgentTurnOut(BaseModel):
    conversation_id: str
    turn: TurnOut


class MoodPointOut(BaseModel):
    turn: int
    sentiment: str
    sentiment_score: float
    distress: str
    vulnerability: list[str]
    handoff_requested: bool
    literacy: str


class SourceOut(BaseModel):
    turn: int
    status: str
    article_id: str
    title: str
    section: str


class ReasonOut(BaseModel):
    code: str
    detail: str
    cues: list[str]


class PacketOut(BaseModel):
    """The hand-off packet: redacted transcript, mood trail, drivers with cues, sources, reasons and summary."""

    conversation_id: str
    state: str
    channel: str
    locale: str
    priority: str | None
    crisis: bool
    reasons: list[ReasonOut]
    claimed_by: str | None
    open_question: str
    summary: str
    literacy: str | None
    drivers: dict[str, list[str]]
    mood_trail: list[MoodPointOut]
    sources: list[SourceOut]
    transcript: list[dict[str, Any]]
    handled_codes: list[str] = []


class Percentiles(BaseModel):
    p50: float | None
    p95: float | None
    n: int


class SentimentChange(BaseModel):
    first: float | None
    last: float | None
    change: float | None


class Csat(BaseModel):
    mean: float | None
    n: int
    satisfied_share: float | None


class OutcomeReport(BaseModel):
    """Containment, escalations by reason, time to claim/resolve, sentiment first -> last, CSAT, styles."""

    conversations: int
    containment: float | None
    escalated: int
    escalations_by_reason: dict[str, int]
    time_to_claim_s: Percentiles
    time_to_resolve_s: Percentiles
    sentiment: SentimentChange
    csat: Csat
    replies_by_status: dict[str, int]
    answers_by_register: dict[str, float]
    answers_by_tone: dict[str, float]


class SuggestionOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    text: str
    citations: list[CitationOut]
    register_: str = Field(alias="register")  # "register" itself would shadow BaseModel.register
    tone: str
    reading_grade: float
    grounding_score: float


class Suggestions(BaseModel):
    conversation_id: str
    suggestions: list[SuggestionOut]


class DraftReviewOut(BaseModel):
    """Flags on an agent's draft; ``ok`` when there is nothing to fix."""

    ok: bool
    reading_grade: float
    target_grade: float
    literacy: str | None
    reading_ok: bool
    jargon: list[str]
    offers: list[str]
    unsupported_figures: list[str]
    issues: list[str]
