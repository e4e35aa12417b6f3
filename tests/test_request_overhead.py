"""Fixed per-request cost: the API's dependencies never hop to the thread pool (the in-memory rate limiter included),
the limit still holds, and the embedded SQLite database commits in WAL mode without an fsync per commit."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import fastapi.dependencies.utils as fastapi_deps
import fastapi.routing as fastapi_routing
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from assistant.api.dependencies import CustomerToken, Metrics, RequestId, Service, customer_limit
from assistant.errors import RateLimitedError
from assistant.integrations.metrics import PrometheusMetrics
from assistant.integrations.ratelimit import InMemoryRateLimiter
from assistant.integrations.sql import make_engine, upgrade
from assistant.settings import Settings


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Names of the callables FastAPI sent to its thread pool during the test."""
    seen: list[str] = []
    original = fastapi_routing.run_in_threadpool

    def counting(module: Any) -> Callable[..., Any]:
        async def run(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            seen.append(getattr(func, "__name__", repr(func)))
            return await original(func, *args, **kwargs)

        return run

    monkeypatch.setattr(fastapi_routing, "run_in_threadpool", counting(fastapi_routing))
    monkeypatch.setattr(fastapi_deps, "run_in_threadpool", counting(fastapi_deps))
    yield seen


def _app(per_ip: int) -> FastAPI:
    app = FastAPI(dependencies=[Depends(customer_limit)])
    app.state.settings = Settings(rate_limit_per_ip=per_ip, rate_limit_per_token=per_ip)
    app.state.limiter = InMemoryRateLimiter()
    app.state.metrics = PrometheusMetrics(queue_length=lambda: 0)
    app.state.service = "the service"

    @app.post("/v1/probe")
    async def probe(service: Service, token: CustomerToken, metrics: Metrics, rid: RequestId) -> dict[str, Any]:
        return {"service": service, "token": token, "metrics": metrics is app.state.metrics, "rid": rid}

    return app


def test_dependencies_run_on_the_event_loop_without_thread_hops(hops: list[str]) -> None:
    with TestClient(_app(per_ip=100)) as client:
        r = client.post("/v1/probe", headers={"Authorization": "Bearer tok-1"})
    assert r.status_code == 200
    assert r.json() == {"service": "the service", "token": "tok-1", "metrics": True, "rid": "-"}
    assert hops == []


def test_the_rate_limit_still_holds_inline() -> None:
    with TestClient(_app(per_ip=2)) as client:
        assert client.post("/v1/probe").status_code == 200
        assert client.post("/v1/probe").status_code == 200
        with pytest.raises(RateLimitedError):
            client.post("/v1/probe")


def test_embedded_sqlite_is_wal_with_normal_sync(tmp_path: Path) -> None:
    path = tmp_path / "conversations.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cur = raw.cursor()
        assert cur.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cur.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL (FULL is 2)
    engine.dispose()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persisted in the file
