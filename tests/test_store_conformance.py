"""One conformance suite for ConversationStore: SQLite (WAL), PostgreSQL when reachable, in-memory."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.errors import ConversationNotFoundError, StoreUnavailableError
from assistant.integrations.sqlstore import ConversationStore, InMemoryConversationStore, SqlConversationStore

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(params=["sqlite", "memory", pytest.param("postgres", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ConversationStore]:
    if request.param == "sqlite":
        yield SqlConversationStore(f"sqlite:///{tmp_path / 'conv.db'}")
    elif request.param == "memory":
        yield InMemoryConversationStore()
    else:
        if not _postgres_up():
            pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
        yield SqlConversationStore(POSTGRES_URL)


def test_conforms_to_protocol(store: ConversationStore) -> None:
    assert isinstance(store, ConversationStore)


def test_create_and_get(store: ConversationStore) -> None:
    conv = store.create_conversation(channel="widget", locale="en-GB")
    got = store.get_conversation(conv.id)
    assert (got.id, got.channel, got.locale, got.status, got.failed_turns) == (
        conv.id,
        "widget",
        "en-GB",
        "bot",
        0,
    )


def test_turns_are_ordered_and_keep_payload(store: ConversationStore) -> None:
    conv = store.create_conversation(channel="copilot", locale="en-US")
    store.add_turn(conv.id, role="customer", text="hi <CARD_NUMBER>", payload={"signals": {"distress": "none"}})
    store.add_turn(conv.id, role="assistant", text="hello", payload={"status": "answered"})
    turns = store.list_turns(conv.id)
    assert [(t.index, t.role, t.text) for t in turns] == [
        (0, "customer", "hi <CARD_NUMBER>"),
        (1, "assistant", "hello"),
    ]
    assert turns[0].payload["signals"]["distress"] == "none"


def test_update_status_and_handoff(store: ConversationStore) -> None:
    conv = store.create_conversation(channel="widget", locale="en-GB")
    updated = store.update_conversation(
        conv.id, status="handed_off", failed_turns=2, handoff={"reasons": ["asked"], "priority": "high"}
    )
    assert updated.status == "handed_off"
    assert updated.failed_turns == 2
    assert updated.handoff is not None and updated.handoff["priority"] == "high"


def test_unknown_id_is_a_typed_error(store: ConversationStore) -> None:
    missing = uuid.uuid4().hex
    with pytest.raises(ConversationNotFoundError):
        store.get_conversation(missing)
    with pytest.raises(ConversationNotFoundError):
        store.add_turn(missing, role="customer", text="x", payload={})
    with pytest.raises(ConversationNotFoundError):
        store.update_conversation(missing, status="handed_off")


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "wal.db"
    SqlConversationStore(f"sqlite:///{path}").create_conversation(channel="widget", locale="en-GB")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_dead_database_is_a_typed_error() -> None:
    store = SqlConversationStore("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreUnavailableError):
        store.ping()
