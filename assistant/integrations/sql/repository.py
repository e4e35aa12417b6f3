"""The SQL :class:`ConversationRepository`: one transaction per change, atomic turn order, serialised sends."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row, and_, select, text
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError

from assistant.conversations.model import (
    Conversation,
    ConversationState,
    Event,
    EventKind,
    HandoffTicket,
    NewTurn,
    Reason,
    Turn,
    TurnRole,
    utcnow,
)
from assistant.conversations.repository import KeyedLocks
from assistant.dialogue.state import DialogueState
from assistant.errors import ClaimConflictError, ConversationNotFoundError, StoreUnavailableError
from assistant.integrations.sql import schema as t
from assistant.integrations.sql import statements as q
from assistant.integrations.sql.engine import ensure_schema, make_engine


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _from_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def ticket_to_json(ticket: HandoffTicket | None) -> dict[str, Any] | None:
    if ticket is None:
        return None
    return {
        "reasons": [{"code": r.code, "detail": r.detail, "cues": list(r.cues)} for r in ticket.reasons],
        "priority": ticket.priority,
        "crisis": ticket.crisis,
        "queued_at": _iso(ticket.queued_at),
        "claimed_by": ticket.claimed_by,
        "claimed_at": _iso(ticket.claimed_at),
        "resolved_at": _iso(ticket.resolved_at),
        "open_question": ticket.open_question,
    }


def ticket_from_json(data: dict[str, Any] | None) -> HandoffTicket | None:
    if not data:
        return None
    return HandoffTicket(
        reasons=tuple(Reason(r["code"], r["detail"], tuple(r.get("cues", ()))) for r in data["reasons"]),
        priority=data["priority"],
        crisis=bool(data.get("crisis")),
        queued_at=_from_iso(data["queued_at"]) or utcnow(),
        claimed_by=data.get("claimed_by"),
        claimed_at=_from_iso(data.get("claimed_at")),
        resolved_at=_from_iso(data.get("resolved_at")),
        open_question=data.get("open_question", ""),
    )


def _row_values(c: Conversation) -> dict[str, Any]:
    return {
        "channel": c.channel,
        "locale": c.locale,
        "token_hash": c.token_hash,
        "state": c.state.value,
        "updated_at": utcnow(),
        "failed_turns": c.failed_turns,
        "asks_for_person": c.asks_for_person,
        "priority_rank": c.priority_rank,
        "queued_at": c.ticket.queued_at if c.ticket else None,
        "ticket": ticket_to_json(c.ticket),
        "handled_codes": list(c.handled_codes),
        "rating": c.rating,
        "dialogue": c.dialogue.to_dict(),
    }


def _conversation(row: Row[Any]) -> Conversation:
    m = row._mapping
    return Conversation(
        id=m["id"],
        channel=m["channel"],
        locale=m["locale"],
        token_hash=m["token_hash"],
        state=ConversationState(m["state"]),
        created_at=_aware(m["created_at"]) or utcnow(),
        updated_at=_aware(m["updated_at"]) or utcnow(),
        failed_turns=m["failed_turns"],
        asks_for_person=m["asks_for_person"],
        ticket=ticket_from_json(m["ticket"]),
        handled_codes=tuple(m["handled_codes"] or ()),
        rating=m["rating"],
        dialogue=DialogueState.from_dict(m["dialogue"]),
    )


def _event(row: Row[Any]) -> Event:
    m = row._mapping
    return Event(EventKind(m["kind"]), m["actor"], dict(m["data"] or {}), _aware(m["at"]) or utcnow())


class SqlConversationRepository:
    """Conversations in SQLite (WAL, embedded) or PostgreSQL; passes the repository conformance suite.

    >>> from assistant.conversations.model import EventKind
    >>> repo = SqlConversationRepository("sqlite://")
    >>> repo.create(Conversation(id="c1", channel="widget", locale="en-GB", token_hash="h"),
    ...             Event(EventKind.CONVERSATION_STARTED, "customer"))
    >>> repo.get("c1").state.value
    'bot'
    """

    def __init__(self, url: str, *, schema: str | None = None, auto_upgrade: bool | None = None) -> None:
        self._url = url
        self._schema = schema
        self._auto_upgrade = url.startswith("sqlite") if auto_upgrade is None else auto_upgrade
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._locks = KeyedLocks()

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                engine = make_engine(self._url, schema=self._schema)
                ensure_schema(engine, auto_upgrade=self._auto_upgrade)
                self._engine = engine
        return self._engine

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except (OperationalError, InterfaceError) as exc:
            raise StoreUnavailableError(f"conversation database failed: {exc.__class__.__name__}") from exc

    def ping(self) -> None:
        try:
            with self._tx() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise StoreUnavailableError(f"conversation database unreachable: {exc.__class__.__name__}") from exc

    def create(self, conversation: Conversation, event: Event) -> None:
        with self._tx() as conn:
            conn.execute(
                t.conversations.insert().values(
                    id=conversation.id, created_at=conversation.created_at, turn_count=0, **_row_values(conversation)
                )
            )
            self._insert_events(conn, conversation.id, [event])

    def get(self, conversation_id: str) -> Conversation:
        with self._tx() as conn:
            return _conversation(self._row(conn, conversation_id))

    @staticmethod
    def _row(conn: Any, conversation_id: str) -> Row[Any]:
        row = conn.execute(q.CONVERSATION_BY_ID, {"conversation_id": conversation_id}).first()
        if row is None:
            raise ConversationNotFoundError(f"no conversation with id {conversation_id!r}")
        return row  # type: ignore[no-any-return]

    @staticmethod
    def _require(conn: Any, conversation_id: str) -> None:
        found = conn.execute(q.CONVERSATION_EXISTS, {"conversation_id": conversation_id}).first()
        if found is None:
            raise ConversationNotFoundError(f"no conversation with id {conversation_id!r}")

    def by_token(self, token_hash: str) -> Conversation | None:
        with self._tx() as conn:
            row = conn.execute(select(t.conversations).where(t.conversations.c.token_hash == token_hash)).first()
        return _conversation(row) if row is not None else None

    def save(
        self,
        conversation: Conversation,
        *,
        expect_state: ConversationState,
        turns: Sequence[NewTurn] = (),
        events: Sequence[Event] = (),
    ) -> list[Turn]:
        try:
            with self._tx() as conn:
                # The conditional update is the compare-and-set on the state and takes the row's write lock, so the
                # turn counter it advances and returns (RETURNING) is read and advanced by one transaction at a time.
                values = q.save_parameters(conversation.id, expect_state.value, len(turns), _row_values(conversation))
                count = conn.execute(q.SAVE_CONVERSATION, values).scalar_one_or_none()
                if count is None:
                    self._require(conn, conversation.id)  # raises ConversationNotFoundError
                    raise ClaimConflictError(f"conversation {conversation.id} is no longer {expect_state.value}")
                now = utcnow()
                stored = [
                    Turn(
                        count - len(turns) + i, nt.role, nt.text, dict(nt.payload), nt.actor, nt.client_message_id, now
                    )
                    for i, nt in enumerate(turns)
                ]
                if stored:
                    conn.execute(
                        q.INSERT_TURNS,
                        [
                            {
                                "conversation_id": conversation.id,
                                "idx": s.index,
                                "role": s.role.value,
                                "actor": s.actor,
                                "text": s.text,
                                "payload": s.payload,
                                "client_message_id": s.client_message_id,
                                "created_at": now,
                            }
                            for s in stored
                        ],
                    )
                self._insert_events(conn, conversation.id, events)
        except IntegrityError as exc:
            raise ClaimConflictError(f"conflicting write to conversation {conversation.id}") from exc
        return stored

    @staticmethod
    def _insert_events(conn: Any, conversation_id: str, events: Sequence[Event]) -> None:
        if events:
            conn.execute(
                q.INSERT_EVENTS,
                [
                    {
                        "conversation_id": conversation_id,
                        "kind": e.kind.value,
                        "actor": e.actor,
                        "at": e.at,
                        "data": e.data,
                    }
                    for e in events
                ],
            )

    def turns(self, conversation_id: str) -> list[Turn]:
        with self._tx() as conn:
            self._require(conn, conversation_id)
            rows = conn.execute(
                select(t.turns).where(t.turns.c.conversation_id == conversation_id).order_by(t.turns.c.idx)
            ).all()
        return [self._turn(r) for r in rows]

    def history(self, conversation_id: str) -> tuple[Conversation, list[Turn]]:
        with self._tx() as conn:
            row = self._row(conn, conversation_id)
            rows = conn.execute(q.HISTORY_TURNS, {"conversation_id": conversation_id}).all()
        return _conversation(row), [self._turn(r) for r in rows]  # the rows `is_history_turn` keeps

    @staticmethod
    def _turn(r: Row[Any]) -> Turn:
        m = r._mapping
        return Turn(
            m["idx"],
            TurnRole(m["role"]),
            m["text"],
            dict(m["payload"]),
            m["actor"],
            m["client_message_id"],
            _aware(m["created_at"]) or utcnow(),
        )

    def events(self, conversation_id: str) -> list[Event]:
        with self._tx() as conn:
            self._require(conn, conversation_id)
            rows = conn.execute(
                select(t.events).where(t.events.c.conversation_id == conversation_id).order_by(t.events.c.id)
            ).all()
        return [_event(r) for r in rows]

    def find_turn(self, conversation_id: str, client_message_id: str) -> Turn | None:
        with self._tx() as conn:
            row = conn.execute(
                select(t.turns).where(
                    and_(t.turns.c.conversation_id == conversation_id, t.turns.c.client_message_id == client_message_id)
                )
            ).first()
        return self._turn(row) if row is not None else None

    def queue(self) -> list[Conversation]:
        c = t.conversations.c
        with self._tx() as conn:
            rows = conn.execute(
                select(t.conversations)
                .where(c.state == ConversationState.WAITING_FOR_HUMAN.value)
                .order_by(c.priority_rank.desc(), c.queued_at.asc())
            ).all()
        return [_conversation(r) for r in rows]

    def conversations(self) -> list[Conversation]:
        with self._tx() as conn:
            rows = conn.execute(select(t.conversations).order_by(t.conversations.c.created_at)).all()
        return [_conversation(r) for r in rows]

    def recent_events(self, kind: EventKind, limit: int) -> list[Event]:
        with self._tx() as conn:
            rows = conn.execute(
                select(t.events).where(t.events.c.kind == kind.value).order_by(t.events.c.at.desc()).limit(limit)
            ).all()
        return [_event(r) for r in rows]

    def serialised(self, conversation_id: str) -> AbstractContextManager[None]:
        return self._serialised(conversation_id)

    @contextmanager
    def _serialised(self, conversation_id: str) -> Iterator[None]:
        """In-process lock per conversation; on PostgreSQL also an advisory lock, so that several server processes
        serialise one conversation's sends too."""
        with self._locks.hold(conversation_id):
            if self.engine.dialect.name != "postgresql":
                yield
                return
            key = zlib.crc32(conversation_id.encode()) & 0x7FFFFFFF
            with self.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def make_repository(url: str, *, schema: str | None = None) -> SqlConversationRepository:
    """The repository for a database URL: embedded SQLite upgrades its own schema; any other database must have been
    migrated with ``attune db upgrade`` (else the first use raises :class:`DatabaseNotMigratedError`)."""
    return SqlConversationRepository(url, schema=schema)
