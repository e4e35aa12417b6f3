"""A server process killed with SIGKILL mid-turn loses no acknowledged message and leaves no torn turn (SQLite, and
PostgreSQL when ATTUNE_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conversation_db import DB_PARAMS, POSTGRES_URL, fresh_schema

from assistant.conversations.model import Conversation, Event, EventKind, TurnRole
from assistant.integrations.sql import SqlConversationRepository, make_engine, upgrade
from assistant.kb.ingest import ingest_kb
from assistant.settings import Settings

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import sys
from assistant.conversations import ConversationService
from assistant.integrations.sql import SqlConversationRepository
from assistant.pipeline import Pipeline
from assistant.settings import Settings

settings = Settings()
repo = SqlConversationRepository(sys.argv[1], schema=sys.argv[3] or None)
service = ConversationService(settings, Pipeline.from_settings(settings), repo)
service.warm_up()
for i in range(200):
    service.handle(sys.argv[2], f"How long will my new card take to arrive? ({i})", client_message_id=f"m{i}")
    print(f"ACK {i}", flush=True)
"""


@pytest.fixture(params=DB_PARAMS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(url, schema): a SQLite file, or a fresh, migrated PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'durable.db'}", ""
        return
    assert POSTGRES_URL is not None
    with fresh_schema() as schema:
        upgrade(make_engine(POSTGRES_URL, schema=schema))
        yield POSTGRES_URL, schema


def test_kill_9_mid_turn_loses_no_acknowledged_message(tmp_path: Path, database: tuple[str, str]) -> None:
    kb = ROOT / "tests" / "fixtures" / "kb"
    settings = Settings(environment="test", data_dir=tmp_path, kb_dir=kb)
    ingest_kb(settings, progress=False)
    url, schema = database
    repo = SqlConversationRepository(url, schema=schema or None)
    cid = uuid.uuid4().hex
    repo.create(
        Conversation(id=cid, channel="widget", locale="en-GB", token_hash=uuid.uuid4().hex),
        Event(EventKind.CONVERSATION_STARTED, "customer"),
    )
    repo.dispose()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ATTUNE_ENVIRONMENT": "test",
        "ATTUNE_DATA_DIR": str(tmp_path),
        "ATTUNE_KB_DIR": str(kb),
        "HF_HUB_OFFLINE": "1",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, cid, schema],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    acked: list[int] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("ACK "):
                acked.append(int(line.split()[1]))
            if len(acked) >= 4:
                break
        child.send_signal(signal.SIGKILL)  # somewhere inside the fifth turn
    finally:
        child.wait(timeout=60)
    assert len(acked) >= 4 and child.returncode == -signal.SIGKILL
    after = SqlConversationRepository(url, schema=schema or None)
    turns = after.turns(cid)
    after.dispose()
    customer = [t for t in turns if t.role is TurnRole.CUSTOMER]
    stored = {t.client_message_id for t in customer}
    assert {f"m{i}" for i in acked} <= stored
    assert [t.index for t in turns] == list(range(len(turns)))
    assert len(turns) == 2 * len(customer)  # every stored message has its reply: no torn turn
