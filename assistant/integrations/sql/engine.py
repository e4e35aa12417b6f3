"""Engines and migrations: SQLite (WAL) embedded by default, PostgreSQL for scale-out; Alembic owns the schema.

>>> engine = make_engine("sqlite://")
>>> upgrade(engine); current_revision(engine) == head_revision()
True
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from assistant.errors import ConfigurationError, DatabaseNotMigratedError, StoreUnavailableError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _private_sqlite_file(path: Path) -> None:
    """Create the database file readable and writable by its owner only (0600) before SQLite opens it, and
    tighten an existing one; its -wal/-shm/-journal files take the same mode from SQLite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    for suffix in ("", "-wal", "-shm", "-journal"):
        p = path.with_name(path.name + suffix)
        if p.exists():
            os.chmod(p, 0o600)


def make_engine(url: str, *, schema: str | None = None) -> Engine:
    """An engine for ``url``; on PostgreSQL ``schema`` (created if missing) is the search path, so that test runs
    can each use their own schema."""
    kwargs: dict[str, Any] = {"future": True, "pool_pre_ping": True}
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            _private_sqlite_file(Path(url.removeprefix("sqlite:///").split("?", 1)[0]))
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    elif schema is not None:
        if not _SCHEMA_NAME.match(schema):
            raise ConfigurationError(f"not a valid schema name: {schema!r}")
        kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
        kwargs.update(pool_size=10, max_overflow=20)
    else:
        kwargs.update(pool_size=10, max_overflow=20)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit appends to the WAL without an fsync (the WAL is synced at checkpoints), so a
            # turn's one write transaction no longer waits on the disk while holding SQLite's single write lock. The
            # database stays consistent; a power cut (not a process crash) may lose the last commits.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    elif schema is not None:
        try:
            with create_engine(url, future=True).begin() as conn:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        except SQLAlchemyError as exc:
            raise StoreUnavailableError(f"conversation database unreachable: {exc.__class__.__name__}") from exc
    return engine


def _config(connection: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config(None)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        raise StoreUnavailableError(f"conversation database unreachable: {exc.__class__.__name__}") from exc


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (what ``attune db upgrade`` runs)."""
    try:
        with engine.begin() as conn:
            command.upgrade(_config(conn), "head")
    except SQLAlchemyError as exc:
        raise StoreUnavailableError(f"migration failed: {exc.__class__.__name__}: {exc}") from exc


def ensure_schema(engine: Engine, *, auto_upgrade: bool) -> None:
    """Upgrade (embedded SQLite) or refuse to start (a server database) when the schema is behind."""
    if current_revision(engine) == head_revision():
        return
    if auto_upgrade:
        upgrade(engine)
        return
    raise DatabaseNotMigratedError(
        "the conversation database is not migrated to the current schema: run `attune db upgrade`"
    )
