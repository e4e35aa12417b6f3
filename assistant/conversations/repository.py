"""Where conversations live: the :class:`ConversationRepository` Protocol and a dict-backed fake.

The SQL implementation is ``assistant.integrations.sql.SqlConversationRepository``; both pass
``tests/test_conversation_repository.py``.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from typing import Protocol, runtime_checkable

from assistant.conversations.model import (
    Conversation,
    ConversationState,
    Event,
    EventKind,
    NewTurn,
    Turn,
    TurnRole,
    utcnow,
)
from assistant.errors import ClaimConflictError, ConversationNotFoundError


@runtime_checkable
class ConversationRepository(Protocol):
    """Conversations, their turns and their append-only events.

    ``save`` is the only write after ``create``: in one transaction it checks the stored state is still
    ``expect_state`` (else :class:`ClaimConflictError`), stores the conversation, appends the turns with indices
    assigned atomically, and appends the events. ``serialised`` holds a per-conversation lock (across processes
    where the database allows) so that one conversation's sends run one after another. ``history`` is what a
    customer turn reads, in one read: the conversation and, in order, its turns that are the customer's or carry a
    ``client_message_id`` (the other turns' payloads are never loaded for a turn).
    """

    def create(self, conversation: Conversation, event: Event) -> None: ...

    def get(self, conversation_id: str) -> Conversation: ...

    def by_token(self, token_hash: str) -> Conversation | None: ...

    def save(
        self,
        conversation: Conversation,
        *,
        expect_state: ConversationState,
        turns: Sequence[NewTurn] = (),
        events: Sequence[Event] = (),
    ) -> list[Turn]: ...

    def turns(self, conversation_id: str) -> list[Turn]: ...

    def history(self, conversation_id: str) -> tuple[Conversation, list[Turn]]: ...

    def events(self, conversation_id: str) -> list[Event]: ...

    def find_turn(self, conversation_id: str, client_message_id: str) -> Turn | None: ...

    def queue(self) -> list[Conversation]: ...

    def conversations(self) -> list[Conversation]: ...

    def recent_events(self, kind: EventKind, limit: int) -> list[Event]: ...

    def serialised(self, conversation_id: str) -> AbstractContextManager[None]: ...

    def ping(self) -> None: ...


def is_history_turn(turn: Turn) -> bool:
    """Whether ``history`` returns the turn: the customer's turns (their texts and signals make a turn's context) and
    any turn with a ``client_message_id`` (a retry is looked up among them)."""
    return turn.role is TurnRole.CUSTOMER or turn.client_message_id is not None


def queue_order(conversations: Sequence[Conversation]) -> list[Conversation]:
    """Waiting conversations, most urgent first, then longest waiting first."""
    waiting = [c for c in conversations if c.state is ConversationState.WAITING_FOR_HUMAN and c.ticket]
    return sorted(waiting, key=lambda c: (-c.priority_rank, c.ticket.queued_at if c.ticket else utcnow()))


class KeyedLocks:
    """One re-entrant lock per key, for serialising work on one conversation within a process.

    >>> locks = KeyedLocks()
    >>> with locks.hold("c1"):
    ...     pass
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.RLock] = defaultdict(threading.RLock)

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks[key]
        with lock:
            yield


class InMemoryConversationRepository:
    """A dict-backed repository (tests, the evaluation harness); the same contract as the SQL one.

    >>> from assistant.conversations.model import EventKind
    >>> repo = InMemoryConversationRepository()
    >>> repo.create(Conversation(id="c1", channel="widget", locale="en-GB", token_hash="h"),
    ...             Event(EventKind.CONVERSATION_STARTED, "customer"))
    >>> repo.get("c1").state.value
    'bot'
    """

    def __init__(self) -> None:
        self._conversations: dict[str, Conversation] = {}
        self._turns: dict[str, list[Turn]] = {}
        self._events: dict[str, list[Event]] = {}
        self._lock = threading.Lock()
        self._locks = KeyedLocks()

    def ping(self) -> None:
        return None

    def create(self, conversation: Conversation, event: Event) -> None:
        with self._lock:
            self._conversations[conversation.id] = conversation
            self._turns[conversation.id] = []
            self._events[conversation.id] = [event]

    def get(self, conversation_id: str) -> Conversation:
        try:
            return self._conversations[conversation_id]
        except KeyError:
            raise ConversationNotFoundError(f"no conversation with id {conversation_id!r}") from None

    def by_token(self, token_hash: str) -> Conversation | None:
        return next((c for c in self._conversations.values() if c.token_hash == token_hash), None)

    def save(
        self,
        conversation: Conversation,
        *,
        expect_state: ConversationState,
        turns: Sequence[NewTurn] = (),
        events: Sequence[Event] = (),
    ) -> list[Turn]:
        with self._lock:
            current = self.get(conversation.id)
            if current.state is not expect_state:
                raise ClaimConflictError(f"conversation is {current.state.value}, not {expect_state.value}")
            stored = self._turns[conversation.id]
            cmids = {t.client_message_id for t in stored if t.client_message_id}
            if any(t.client_message_id and t.client_message_id in cmids for t in turns):
                raise ClaimConflictError("this client_message_id is already stored")
            added = [
                Turn(len(stored) + i, t.role, t.text, dict(t.payload), t.actor, t.client_message_id)
                for i, t in enumerate(turns)
            ]
            stored.extend(added)
            self._events[conversation.id].extend(events)
            self._conversations[conversation.id] = replace(conversation, updated_at=utcnow())
        return added

    def turns(self, conversation_id: str) -> list[Turn]:
        self.get(conversation_id)
        return list(self._turns[conversation_id])

    def history(self, conversation_id: str) -> tuple[Conversation, list[Turn]]:
        with self._lock:
            conversation = self.get(conversation_id)
            turns = [t for t in self._turns[conversation_id] if is_history_turn(t)]
        return conversation, turns

    def events(self, conversation_id: str) -> list[Event]:
        self.get(conversation_id)
        return list(self._events[conversation_id])

    def find_turn(self, conversation_id: str, client_message_id: str) -> Turn | None:
        return next((t for t in self.turns(conversation_id) if t.client_message_id == client_message_id), None)

    def queue(self) -> list[Conversation]:
        return queue_order(list(self._conversations.values()))

    def conversations(self) -> list[Conversation]:
        return sorted(self._conversations.values(), key=lambda c: c.created_at)

    def recent_events(self, kind: EventKind, limit: int) -> list[Event]:
        found = [e for events in self._events.values() for e in events if e.kind is kind]
        return sorted(found, key=lambda e: e.at, reverse=True)[:limit]

    def serialised(self, conversation_id: str) -> AbstractContextManager[None]:
        return self._locks.hold(conversation_id)
