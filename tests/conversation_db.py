"""Database targets for conversation tests: SQLite always, PostgreSQL when ATTUNE_TEST_DATABASE_URL is set.

Each test session uses its own PostgreSQL schema (dropped at the end), so concurrent runs never collide.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

POSTGRES_URL = os.environ.get("ATTUNE_TEST_DATABASE_URL")
SESSION_SCHEMA = f"attune_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"

DB_PARAMS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=[
            pytest.mark.integration,
            pytest.mark.skipif(not POSTGRES_URL, reason="ATTUNE_TEST_DATABASE_URL is not set"),
        ],
    ),
]


@contextmanager
def fresh_schema() -> Iterator[str]:
    """A new, empty PostgreSQL schema for one fixture; dropped afterwards."""
    from sqlalchemy import create_engine, text

    assert POSTGRES_URL is not None
    name = f"{SESSION_SCHEMA}_{uuid.uuid4().hex[:6]}"
    try:
        yield name
    finally:
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        engine.dispose()
