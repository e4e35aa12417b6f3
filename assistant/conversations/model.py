"""The conversation domain: states and their transitions, turns, the hand-off ticket and the audit events.

>>> ConversationState.BOT.can_become(ConversationState.WAITING_FOR_HUMAN)
True
>>> ConversationState.RESOLVED.can_become(ConversationState.WITH_HUMAN)
False
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from assistant.dialogue.state import DialogueState
from assistant.errors import InvalidTransitionError
from assistant.types import Priority

PRIORITY_RANK: dict[str, int] = {"normal": 0, "high": 1, "urgent": 2}


def utcnow() -> datetime:
    return datetime.now(UTC)


class ConversationState(StrEnum):
    """Who is answering: the bot, nobody yet (queued for a person), a person, or nobody (resolved)."""

    BOT = "bot"
    WAITING_FOR_HUMAN = "waiting_for_human"
    WITH_HUMAN = "with_human"
    RESOLVED = "resolved"

    def can_become(self, new: ConversationState) -> bool:
        return new in TRANSITIONS[self]

    def to(self, new: ConversationState) -> ConversationState:
        """The new state, or :class:`InvalidTransitionError` when this state cannot become it."""
        if not self.can_become(new):
            raise InvalidTransitionError(f"a conversation cannot go from {self.value} to {new.value}")
        return new


TRANSITIONS: dict[ConversationState, frozenset[ConversationState]] = {
    # escalated; or resolved by an agent who looked at a bot conversation
    ConversationState.BOT: frozenset({ConversationState.WAITING_FOR_HUMAN}),
    # claimed; or released back to the bot (nobody needed after all); or resolved from the queue
    ConversationState.WAITING_FOR_HUMAN: frozenset(
        {ConversationState.WITH_HUMAN, ConversationState.BOT, ConversationState.RESOLVED}
    ),
    # released back to the bot; resolved
    ConversationState.WITH_HUMAN: frozenset({ConversationState.BOT, ConversationState.RESOLVED}),
    # the customer writes again
    ConversationState.RESOLVED: frozenset({ConversationState.BOT}),
}


class TurnRole(StrEnum):
    CUSTOMER = "customer"
    ASSISTANT = "assistant"
    AGENT = "agent"
    SYSTEM = "system"


class EventKind(StrEnum):
    CONVERSATION_STARTED = "conversation_started"
    MESSAGE_RECEIVED = "message_received"
    REPLY_SENT = "reply_sent"
    ESCALATED = "escalated"
    PERSON_OFFERED = "person_offered"
    CLAIMED = "claimed"
    AGENT_MESSAGE = "agent_message"
    RELEASED = "released"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    RATED = "rated"


@dataclass(frozen=True)
class Reason:
    """Why a person was brought in: a stable code (a rule of ``prompts/escalation.yaml``) and the cues behind it.

    >>> Reason("asked_for_person", "customer asked for a person", ("speak to a human",)).code
    'asked_for_person'
    """

    code: str
    detail: str
    cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class HandoffTicket:
    """One request for a person: reasons, priority, when it was queued and who claimed it.

    >>> t = HandoffTicket(reasons=(Reason("asked_for_person", "customer asked for a person"),), priority="normal")
    >>> t.codes
    ('asked_for_person',)
    """

    reasons: tuple[Reason, ...]
    priority: Priority
    crisis: bool = False
    queued_at: datetime = field(default_factory=utcnow)
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    resolved_at: datetime | None = None
    open_question: str = ""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    @property
    def rank(self) -> int:
        return PRIORITY_RANK[self.priority]


@dataclass(frozen=True)
class Turn:
    """One stored turn: redacted text only; ``index`` is its place in the conversation (0, 1, ...).

    >>> Turn(0, TurnRole.AGENT, "Hello, I'm Sam.", actor="agent:sam").role.value
    'agent'
    """

    index: int
    role: TurnRole
    text: str
    payload: dict[str, Any] = field(default_factory=dict)
    actor: str = ""
    client_message_id: str | None = None
    created_at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class NewTurn:
    """A turn to append; the repository assigns its index atomically.

    >>> NewTurn(TurnRole.CUSTOMER, "hi", client_message_id="m1").client_message_id
    'm1'
    """

    role: TurnRole
    text: str
    payload: dict[str, Any] = field(default_factory=dict)
    actor: str = ""
    client_message_id: str | None = None


@dataclass(frozen=True)
class Event:
    """An append-only audit event: what happened, who did it (``customer``, ``bot``, ``agent:<id>``) and when.

    >>> Event(EventKind.CLAIMED, "agent:sam", {"wait_s": 42.0}).actor
    'agent:sam'
    """

    kind: EventKind
    actor: str
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class Conversation:
    """A conversation's current state (the events are its history).

    >>> c = Conversation(id="c1", channel="widget", locale="en-GB", token_hash="h")
    >>> c.state
    <ConversationState.BOT: 'bot'>
    """

    id: str
    channel: str
    locale: str
    token_hash: str
    state: ConversationState = ConversationState.BOT
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    failed_turns: int = 0
    asks_for_person: int = 0
    ticket: HandoffTicket | None = None
    handled_codes: tuple[str, ...] = ()  # reasons a person already dealt with: not re-escalated for
    rating: int | None = None
    dialogue: DialogueState = field(default_factory=DialogueState)  # redacted: topic, last shown, open question

    @property
    def priority_rank(self) -> int:
        return self.ticket.rank if self.ticket else 0
