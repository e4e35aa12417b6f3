"""The conversation database schema, defined once at module level (Alembic migrations create it).

>>> sorted(METADATA.tables)
['conversation_events', 'conversation_turns', 'conversations']
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

METADATA = MetaData()
JsonColumn = JSON().with_variant(JSONB(), "postgresql")

conversations = Table(
    "conversations",
    METADATA,
    Column("id", String(64), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("locale", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("state", String(24), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("failed_turns", Integer, nullable=False, default=0),
    Column("asks_for_person", Integer, nullable=False, default=0),
    Column("turn_count", Integer, nullable=False, default=0),
    Column("priority_rank", Integer, nullable=False, default=0),
    Column("queued_at", DateTime(timezone=True), nullable=True),
    Column("ticket", JsonColumn, nullable=True),
    Column("handled_codes", JsonColumn, nullable=False),
    Column("rating", Integer, nullable=True),
    Column("dialogue", JsonColumn, nullable=True),  # DialogueState.to_dict(): redacted (migration 0002)
    Index("ix_conversations_queue", "state", "priority_rank", "queued_at"),
)

turns = Table(
    "conversation_turns",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(64), ForeignKey("conversations.id"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("role", String(16), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("text", Text, nullable=False),
    Column("payload", JsonColumn, nullable=False),
    Column("client_message_id", String(128), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ux_turns_conversation_idx", "conversation_id", "idx", unique=True),
    Index("ux_turns_client_message", "conversation_id", "client_message_id", unique=True),
)

events = Table(
    "conversation_events",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(64), ForeignKey("conversations.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("data", JsonColumn, nullable=False),
    Index("ix_events_conversation", "conversation_id", "id"),
    Index("ix_events_kind_at", "kind", "at"),
)
