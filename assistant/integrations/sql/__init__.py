"""Conversation storage through SQLAlchemy 2 and Alembic (the only package that imports them)."""

from assistant.integrations.sql.engine import current_revision, ensure_schema, head_revision, make_engine, upgrade
from assistant.integrations.sql.repository import SqlConversationRepository, make_repository

__all__ = [
    "SqlConversationRepository",
    "current_revision",
    "ensure_schema",
    "head_revision",
    "make_engine",
    "make_repository",
    "upgrade",
]
