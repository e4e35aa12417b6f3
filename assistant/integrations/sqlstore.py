"""Conversation persistence through SQLAlchemy 2 (SQLite in WAL mode by default, PostgreSQL for scale-out).

Only redacted text and derived signals are stored; the pipeline never hands raw text to a store.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from assistant.errors import ConversationNotFoundError, StoreUnavailableError

ConversationStatus = str  # "bot" | "handed_off"


@dataclass(frozen=True)
class ConversationRecord:
    id: str
    channel: str
    locale: str
    status: ConversationStatus
    failed_turns: int
    created_at: datetime
    handoff: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class TurnRecord:
    conversation_id: str
    index: int
    role: str  # "customer" | "assistant"
    text: str  # redacted
    payload: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


@runtime_checkable
class ConversationStore(Protocol):
    """Conversations and their turns (redacted text plus signals and reply metadata)."""

    def create_conversation(self, *, channel: str, locale: str) -> ConversationRecord: ...

    def get_conversation(self, conversation_id: str) -> ConversationRecord: ...

    def update_conversation(
        self,
        conversation_id: str,
        *,
        status: str | None = None,
        failed_turns: int | None = None,
        handoff: Mapping[str, Any] | None = None,
    ) -> ConversationRecord: ...

    def add_turn(self, conversation_id: str, *, role: str, text: str, payload: Mapping[str, Any]) -> TurnRecord: ...

    def list_turns(self, conversation_id: str) -> list[TurnRecord]: ...

    def ping(self) -> None: ...


def _now() -> datetime:
    return datetime.now(UTC)


class SqlConversationStore:
    """SQLAlchemy-backed store; ``sqlite:///path`` (WAL) or ``postgresql+psycopg://...``.

    >>> store = SqlConversationStore("sqlite://")
    >>> conv = store.create_conversation(channel="widget", locale="en-GB")
    >>> store.add_turn(conv.id, role="customer", text="hello", payload={}).index
    0
    """

    def __init__(self, url: str) -> None:
        self._url = url
        self._engine: Any = None
        self._tables: Any = None
        self._lock = threading.Lock()

    def _ready(self) -> tuple[Any, Any]:
        with self._lock:
            if self._engine is None:
                self._engine, self._tables = _connect(self._url)
        return self._engine, self._tables

    def ping(self) -> None:
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        engine, _ = self._ready()
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise StoreUnavailableError(f"conversation database unreachable: {exc.__class__.__name__}") from exc

    def create_conversation(self, *, channel: str, locale: str) -> ConversationRecord:
        engine, t = self._ready()
        record = ConversationRecord(
            id=uuid.uuid4().hex,
            channel=channel,
            locale=locale,
            status="bot",
            failed_turns=0,
            created_at=_now(),
        )
        with _tx(engine) as conn:
            conn.execute(
                t.conversations.insert().values(
                    id=record.id,
                    channel=channel,
                    locale=locale,
                    status=record.status,
                    failed_turns=0,
                    created_at=record.created_at,
                    handoff=None,
                )
            )
        return record

    def get_conversation(self, conversation_id: str) -> ConversationRecord:
        engine, t = self._ready()
        with _tx(engine) as conn:
            row = conn.execute(t.conversations.select().where(t.conversations.c.id == conversation_id)).first()
        if row is None:
            raise ConversationNotFoundError(f"no conversation with id {conversation_id!r}")
        return ConversationRecord(
            id=row.id,
            channel=row.channel,
            locale=row.locale,
            status=row.status,
            failed_turns=row.failed_turns,
            created_at=row.created_at,
            handoff=json.loads(row.handoff) if row.handoff else None,
        )

    def update_conversation(
        self,
        conversation_id: str,
        *,
        status: str | None = None,
        failed_turns: int | None = None,
        handoff: Mapping[str, Any] | None = None,
    ) -> ConversationRecord:
        engine, t = self._ready()
        values: dict[str, Any] = {}
        if status is not None:
            values["status"] = status
        if failed_turns is not None:
            values["failed_turns"] = failed_turns
        if handoff is not None:
            values["handoff"] = json.dumps(handoff)
        if values:
            with _tx(engine) as conn:
                result = conn.execute(
                    t.conversations.update().where(t.conversations.c.id == conversation_id).values(**values)
                )
                if result.rowcount == 0:
                    raise ConversationNotFoundError(f"no conversation with id {conversation_id!r}")
        return self.get_conversation(conversation_id)

    def add_turn(self, conversation_id: str, *, role: str, text: str, payload: Mapping[str, Any]) -> TurnRecord:
        from sqlalchemy import func, select

        engine, t = self._ready()
        self.get_conversation(conversation_id)
        with _tx(engine) as conn:
            count = conn.execute(
                select(func.count()).select_from(t.turns).where(t.turns.c.conversation_id == conversation_id)
            ).scalar_one()
            record = TurnRecord(conversation_id, int(count), role, text, dict(payload), _now())
            conn.execute(
                t.turns.insert().values(
                    conversation_id=conversation_id,
                    idx=record.index,
                    role=role,
                    text=text,
                    payload=json.dumps(dict(payload), default=str),
                    created_at=record.created_at,
                )
            )
        return record

    def list_turns(self, conversation_id: str) -> list[TurnRecord]:
        engine, t = self._ready()
        self.get_conversation(conversation_id)
        with _tx(engine) as conn:
            rows = conn.execute(
                t.turns.select().where(t.turns.c.conversation_id == conversation_id).order_by(t.turns.c.idx)
            ).all()
        return [TurnRecord(r.conversation_id, r.idx, r.role, r.text, json.loads(r.payload), r.created_at) for r in rows]


@contextmanager
def _tx(engine: Any) -> Iterator[Any]:
    """A transaction; connection failures become :class:`StoreUnavailableError`."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    try:
        with engine.begin() as conn:
            yield conn
    except (OperationalError, InterfaceError) as exc:
        raise StoreUnavailableError(f"conversation database failed: {exc.__class__.__name__}") from exc


def _connect(url: str) -> tuple[Any, Any]:
    from types import SimpleNamespace

    from sqlalchemy import (
        Column,
        DateTime,
        ForeignKey,
        Index,
        Integer,
        MetaData,
        String,
        Table,
        Text,
        create_engine,
        event,
    )

    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.close()

    meta = MetaData()
    conversations = Table(
        "conversations",
        meta,
        Column("id", String(64), primary_key=True),
        Column("channel", String(16), nullable=False),
        Column("locale", String(16), nullable=False),
        Column("status", String(16), nullable=False),
        Column("failed_turns", Integer, nullable=False, default=0),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("handoff", Text, nullable=True),
    )
    turns = Table(
        "turns",
        meta,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("conversation_id", String(64), ForeignKey("conversations.id"), nullable=False),
        Column("idx", Integer, nullable=False),
        Column("role", String(16), nullable=False),
        Column("text", Text, nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Index("ix_turns_conversation_idx", "conversation_id", "idx", unique=True),
    )
    try:
        meta.create_all(engine)
    except Exception as exc:
        raise StoreUnavailableError(f"conversation database unreachable: {exc.__class__.__name__}") from exc
    return engine, SimpleNamespace(conversations=conversations, turns=turns)


class InMemoryConversationStore:
    """A dict-backed store for tests of code that needs a store but not persistence; passes the same
    conformance suite as :class:`SqlConversationStore`.

    >>> s = InMemoryConversationStore()
    >>> s.get_conversation(s.create_conversation(channel="widget", locale="en-GB").id).status
    'bot'
    """

    def __init__(self) -> None:
        self._conversations: dict[str, ConversationRecord] = {}
        self._turns: dict[str, list[TurnRecord]] = {}
        self._lock = threading.Lock()

    def ping(self) -> None:
        return None

    def create_conversation(self, *, channel: str, locale: str) -> ConversationRecord:
        record = ConversationRecord(uuid.uuid4().hex, channel, locale, "bot", 0, _now())
        with self._lock:
            self._conversations[record.id] = record
            self._turns[record.id] = []
        return record

    def get_conversation(self, conversation_id: str) -> ConversationRecord:
        try:
            return self._conversations[conversation_id]
        except KeyError:
            raise ConversationNotFoundError(f"no conversation with id {conversation_id!r}") from None

    def update_conversation(
        self,
        conversation_id: str,
        *,
        status: str | None = None,
        failed_turns: int | None = None,
        handoff: Mapping[str, Any] | None = None,
    ) -> ConversationRecord:
        from dataclasses import replace

        old = self.get_conversation(conversation_id)
        new = replace(
            old,
            status=status if status is not None else old.status,
            failed_turns=failed_turns if failed_turns is not None else old.failed_turns,
            handoff=dict(handoff) if handoff is not None else old.handoff,
        )
        with self._lock:
            self._conversations[conversation_id] = new
        return new

    def add_turn(self, conversation_id: str, *, role: str, text: str, payload: Mapping[str, Any]) -> TurnRecord:
        self.get_conversation(conversation_id)
        with self._lock:
            turns = self._turns[conversation_id]
            record = TurnRecord(conversation_id, len(turns), role, text, json.loads(json.dumps(payload)), _now())
            turns.append(record)
        return record

    def list_turns(self, conversation_id: str) -> list[TurnRecord]:
        self.get_conversation(conversation_id)
        return list(self._turns[conversation_id])


def make_conversation_store(url: str) -> ConversationStore:
    """The SQL store for a database URL (SQLite file by default)."""
    return SqlConversationStore(url)
