"""Conversations, turns and events (JSON columns, atomic turn order, client message ids).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _set_aside_pre_alembic_tables() -> None:
    """Databases from before migrations (``conversations`` without ``token_hash``, and ``turns``) keep their rows
    as ``legacy_conversations`` / ``legacy_turns``; their conversations had no customer tokens to carry over."""
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    if "conversations" in tables and "token_hash" not in {c["name"] for c in inspector.get_columns("conversations")}:
        op.rename_table("conversations", "legacy_conversations")
        if "turns" in tables:
            op.rename_table("turns", "legacy_turns")


def upgrade() -> None:
    _set_aside_pre_alembic_tables()
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_turns", sa.Integer, nullable=False),
        sa.Column("asks_for_person", sa.Integer, nullable=False),
        sa.Column("turn_count", sa.Integer, nullable=False),
        sa.Column("priority_rank", sa.Integer, nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ticket", JSON, nullable=True),
        sa.Column("handled_codes", JSON, nullable=False),
        sa.Column("rating", sa.Integer, nullable=True),
    )
    op.create_index("ix_conversations_queue", "conversations", ["state", "priority_rank", "queued_at"])
    op.create_table(
        "conversation_turns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(64), sa.ForeignKey("conversations.id"), nullable=False),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("client_message_id", sa.String(128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ux_turns_conversation_idx", "conversation_turns", ["conversation_id", "idx"], unique=True)
    op.create_index(
        "ux_turns_client_message", "conversation_turns", ["conversation_id", "client_message_id"], unique=True
    )
    op.create_table(
        "conversation_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(64), sa.ForeignKey("conversations.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", JSON, nullable=False),
    )
    op.create_index("ix_events_conversation", "conversation_events", ["conversation_id", "id"])
    op.create_index("ix_events_kind_at", "conversation_events", ["kind", "at"])


def downgrade() -> None:
    op.drop_table("conversation_events")
    op.drop_table("conversation_turns")
    op.drop_table("conversations")
