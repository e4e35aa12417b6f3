"""Repository conformance: the same contract on the in-memory fake, SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from conversation_db import DB_PARAMS, POSTGRES_URL, fresh_schema

from assistant.conversations.model import (
    Conversation,
    ConversationState,
    Event,
    EventKind,
    HandoffTicket,
    NewTurn,
    Reason,
    TurnRole,
    utcnow,
)
from assistant.conversations.repository import ConversationRepository, InMemoryConversationRepository
from assistant.errors import ClaimConflictError, ConversationNotFoundError, DatabaseNotMigratedError
from assistant.integrations.sql import SqlConversationRepository, current_revision, head_revision, make_engine

S = ConversationState


@pytest.fixture(params=["memory", *DB_PARAMS])
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ConversationRepository]:
    if request.param == "memory":
        yield InMemoryConversationRepository()
    elif request.param == "sqlite":
        r = SqlConversationRepository(f"sqlite:///{tmp_path / 'conv.db'}")
        yield r
        r.dispose()
    else:
        assert POSTGRES_URL is not None
        with fresh_schema() as schema:
            r = SqlConversationRepository(POSTGRES_URL, schema=schema, auto_upgrade=True)
            yield r
            r.dispose()


def _new(repo: ConversationRepository, **kw: object) -> Conversation:
    conv = Conversation(id=uuid.uuid4().hex, channel="widget", locale="en-GB", token_hash=uuid.uuid4().hex, **kw)  # type: ignore[arg-type]
    repo.create(conv, Event(EventKind.CONVERSATION_STARTED, "customer"))
    return conv


def _queued(conv: Conversation, priority: str, minutes_ago: float) -> Conversation:
    ticket = HandoffTicket(
        reasons=(Reason("asked_for_person", "asked", ("a person",)),),
        priority=priority,  # type: ignore[arg-type]
        queued_at=utcnow() - timedelta(minutes=minutes_ago),
    )
    return Conversation(**{**conv.__dict__, "state": S.WAITING_FOR_HUMAN, "ticket": ticket})


def test_conforms_to_protocol(repo: ConversationRepository) -> None:
    assert isinstance(repo, ConversationRepository)


def test_create_get_and_token_lookup(repo: ConversationRepository) -> None:
    conv = _new(repo)
    got = repo.get(conv.id)
    assert (got.id, got.state, got.token_hash, got.handled_codes) == (conv.id, S.BOT, conv.token_hash, ())
    assert got.created_at.tzinfo is not None
    found = repo.by_token(conv.token_hash)
    assert found is not None and found.id == conv.id
    assert repo.by_token("nope") is None


def test_turns_get_ordered_indices_and_keep_json(repo: ConversationRepository) -> None:
    conv = _new(repo)
    first = repo.save(
        conv,
        expect_state=S.BOT,
        turns=[
            NewTurn(TurnRole.CUSTOMER, "hi <CARD_NUMBER>", {"signals": {"distress": "none"}}, "customer", "m1"),
            NewTurn(TurnRole.ASSISTANT, "hello", {"status": "answered", "nested": [1, 2.5]}, "bot"),
        ],
        events=[Event(EventKind.MESSAGE_RECEIVED, "customer"), Event(EventKind.REPLY_SENT, "bot")],
    )
    assert [t.index for t in first] == [0, 1]
    repo.save(conv, expect_state=S.BOT, turns=[NewTurn(TurnRole.CUSTOMER, "again", {}, "customer")])
    turns = repo.turns(conv.id)
    assert [(t.index, t.role, t.text) for t in turns] == [
        (0, TurnRole.CUSTOMER, "hi <CARD_NUMBER>"),
        (1, TurnRole.ASSISTANT, "hello"),
        (2, TurnRole.CUSTOMER, "again"),
    ]
    assert turns[0].payload["signals"]["distress"] == "none" and turns[1].payload["nested"] == [1, 2.5]
    assert [e.kind for e in repo.events(conv.id)] == [
        EventKind.CONVERSATION_STARTED,
        EventKind.MESSAGE_RECEIVED,
        EventKind.REPLY_SENT,
    ]


def test_client_message_id_is_stored_once(repo: ConversationRepository) -> None:
    conv = _new(repo)
    repo.save(conv, expect_state=S.BOT, turns=[NewTurn(TurnRole.CUSTOMER, "a", {"response": {"x": 1}}, "c", "m1")])
    with pytest.raises(ClaimConflictError):
        repo.save(conv, expect_state=S.BOT, turns=[NewTurn(TurnRole.CUSTOMER, "a", {}, "c", "m1")])
    found = repo.find_turn(conv.id, "m1")
    assert found is not None and found.payload["response"] == {"x": 1}
    assert len(repo.turns(conv.id)) == 1 and repo.find_turn(conv.id, "m2") is None


def test_state_is_compare_and_set(repo: ConversationRepository) -> None:
    conv = _queued(_new(repo), "normal", 0)
    repo.save(conv, expect_state=S.BOT)
    claimed = Conversation(**{**conv.__dict__, "state": S.WITH_HUMAN})
    repo.save(claimed, expect_state=S.WAITING_FOR_HUMAN)
    with pytest.raises(ClaimConflictError):
        repo.save(claimed, expect_state=S.WAITING_FOR_HUMAN)
    assert repo.get(conv.id).state is S.WITH_HUMAN


def test_concurrent_saves_get_unique_ordered_indices(repo: ConversationRepository) -> None:
    conv = _new(repo)
    errors: list[BaseException] = []

    def send(i: int) -> None:
        try:
            repo.save(conv, expect_state=S.BOT, turns=[NewTurn(TurnRole.CUSTOMER, f"m{i}", {}, "customer")])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert [t.index for t in repo.turns(conv.id)] == list(range(12))


def test_queue_is_priority_then_waiting_time(repo: ConversationRepository) -> None:
    a, b, c, d = (_new(repo) for _ in range(4))
    repo.save(_queued(a, "normal", 10), expect_state=S.BOT)
    repo.save(_queued(b, "urgent", 1), expect_state=S.BOT)
    repo.save(_queued(c, "normal", 30), expect_state=S.BOT)
    repo.save(_queued(d, "high", 5), expect_state=S.BOT)
    assert [x.id for x in repo.queue()] == [b.id, d.id, c.id, a.id]
    ticket = repo.get(b.id).ticket
    assert ticket is not None and ticket.reasons[0].cues == ("a person",) and ticket.priority == "urgent"


def test_recent_events_newest_first(repo: ConversationRepository) -> None:
    conv = _new(repo)
    old = Event(EventKind.CLAIMED, "agent:a", {"wait_s": 1.0}, utcnow() - timedelta(minutes=5))
    new = Event(EventKind.CLAIMED, "agent:a", {"wait_s": 2.0}, utcnow())
    repo.save(conv, expect_state=S.BOT, events=[old, new])
    assert [e.data["wait_s"] for e in repo.recent_events(EventKind.CLAIMED, 10)][:2] == [2.0, 1.0]


def test_unknown_id_is_a_typed_error(repo: ConversationRepository) -> None:
    missing = Conversation(id=uuid.uuid4().hex, channel="widget", locale="en-GB", token_hash="x")
    with pytest.raises(ConversationNotFoundError):
        repo.get(missing.id)
    with pytest.raises(ConversationNotFoundError):
        repo.save(missing, expect_state=S.BOT, turns=[NewTurn(TurnRole.CUSTOMER, "x", {}, "c")])
    with pytest.raises(ConversationNotFoundError):
        repo.turns(missing.id)


def test_serialised_holds_one_sender_at_a_time(repo: ConversationRepository) -> None:
    conv = _new(repo)
    inside: list[int] = []
    overlap: list[bool] = []

    def work() -> None:
        with repo.serialised(conv.id):
            inside.append(1)
            overlap.append(len(inside) > 1)
            threading.Event().wait(0.01)
            inside.pop()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert overlap == [False] * 6


# ---------------------------------------------------------------------------------------- SQL specifics


def test_embedded_sqlite_upgrades_itself_and_uses_wal(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "wal.db"
    repo = SqlConversationRepository(f"sqlite:///{path}")
    _new(repo)
    assert current_revision(repo.engine) == head_revision()
    repo.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.integration
@pytest.mark.skipif(not POSTGRES_URL, reason="ATTUNE_TEST_DATABASE_URL is not set")
def test_unmigrated_postgres_is_refused_naming_the_command() -> None:
    assert POSTGRES_URL is not None
    with fresh_schema() as schema:
        repo = SqlConversationRepository(POSTGRES_URL, schema=schema)
        with pytest.raises(DatabaseNotMigratedError, match="attune db upgrade"):
            repo.ping()
        from assistant.integrations.sql import upgrade

        upgrade(make_engine(POSTGRES_URL, schema=schema))
        repo.ping()
        from sqlalchemy import text

        with repo.engine.connect() as conn:
            kind = conn.execute(
                text(
                    "SELECT data_type FROM information_schema.columns WHERE table_schema = :s "
                    "AND table_name = 'conversation_turns' AND column_name = 'payload'"
                ),
                {"s": schema},
            ).scalar_one()
        assert kind == "jsonb"
        repo.dispose()


@pytest.mark.parametrize("db", DB_PARAMS)
def test_migrations_build_exactly_the_module_schema(db: str) -> None:
    """The Alembic migrations and ``schema.py`` describe the same tables, columns, types and indexes."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from assistant.integrations.sql import upgrade
    from assistant.integrations.sql.schema import METADATA

    def diff(url: str, schema: str | None) -> list[object]:
        engine = make_engine(url, schema=schema)
        upgrade(engine)
        with engine.connect() as conn:
            found = list(compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), METADATA))
        engine.dispose()
        return found

    if db == "sqlite":
        assert diff("sqlite://", None) == []
    else:
        assert POSTGRES_URL is not None
        with fresh_schema() as schema:
            assert diff(POSTGRES_URL, schema) == []


def test_a_pre_migration_sqlite_file_is_upgraded_and_its_rows_kept(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE conversations (id TEXT PRIMARY KEY, status TEXT, handoff TEXT)")
        conn.execute("CREATE TABLE turns (id INTEGER PRIMARY KEY, conversation_id TEXT, idx INTEGER, text TEXT)")
        conn.execute("INSERT INTO conversations VALUES ('old', 'handed_off', NULL)")
    repo = SqlConversationRepository(f"sqlite:///{path}")
    conv = _new(repo)
    assert repo.get(conv.id).state is S.BOT
    repo.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT id FROM legacy_conversations").fetchall() == [("old",)]
        assert conn.execute("SELECT count(*) FROM legacy_turns").fetchone() == (0,)


def test_dialogue_state_round_trips(repo: ConversationRepository) -> None:
    from assistant.dialogue.state import DialogueState, OpenQuestion, Topic
    from assistant.types import Choice

    conv = _new(repo)
    assert repo.get(conv.id).dialogue == DialogueState()
    state = DialogueState(
        topic=Topic("card-arrival", "card_arrival"),
        layer="Details",
        sections=("Details",),
        alternatives=("card-delivery-estimate",),
        tried=("card-arrival",),
        query="where is my card? my number is <CARD_NUMBER>",
        open_question=OpenQuestion("send money", (Choice("c1", "transfer-timing", "Transfer times"),)),
        offer_shown=True,
        turns=3,
    )
    repo.save(Conversation(**{**conv.__dict__, "dialogue": state}), expect_state=S.BOT)
    assert repo.get(conv.id).dialogue == state


def test_history_is_the_conversation_and_the_turns_a_turn_reads(repo: ConversationRepository) -> None:
    conv = _new(repo)
    repo.save(
        conv,
        expect_state=S.BOT,
        turns=[
            NewTurn(TurnRole.CUSTOMER, "hi", {"signals": {"distress": "none"}}, "customer", "m1"),
            NewTurn(TurnRole.ASSISTANT, "hello", {"status": "answered"}, "bot"),
        ],
    )
    repo.save(
        conv,
        expect_state=S.BOT,
        turns=[
            NewTurn(TurnRole.SYSTEM, "note", {}, "agent:a", "s1"),  # not the customer's, but a retry may look it up
            NewTurn(TurnRole.AGENT, "I'm Sam", {}, "agent:sam"),
            NewTurn(TurnRole.CUSTOMER, "again", {}, "customer"),
        ],
    )
    got, turns = repo.history(conv.id)
    assert (got.id, got.state, got.token_hash) == (conv.id, S.BOT, conv.token_hash)
    assert [(t.index, t.role, t.text, t.client_message_id) for t in turns] == [
        (0, TurnRole.CUSTOMER, "hi", "m1"),
        (2, TurnRole.SYSTEM, "note", "s1"),
        (4, TurnRole.CUSTOMER, "again", None),
    ]
    assert turns[0].payload == {"signals": {"distress": "none"}}
    assert [t for t in repo.turns(conv.id) if t.role is TurnRole.CUSTOMER or t.client_message_id] == turns
    with pytest.raises(ConversationNotFoundError):
        repo.history(uuid.uuid4().hex)


def test_the_prebuilt_save_statement_writes_every_column_of_the_row() -> None:
    from assistant.integrations.sql import statements
    from assistant.integrations.sql.repository import _row_values

    conv = _queued(Conversation(id="c1", channel="widget", locale="en-GB", token_hash="h"), "high", 1)
    assert tuple(_row_values(conv)) == statements.ROW_COLUMNS
