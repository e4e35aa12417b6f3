"""Load control at the HTTP edge: a saturated server sheds /v1/ requests with 503 + Retry-After at once, keeps
/health answering, and admits requests again when a slot frees. Deterministic: the gated route holds its slot on
an event the test releases, so no timing decides the outcome."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from fastapi import FastAPI

from assistant.api.load import LoadCounters, install_load_control
from assistant.settings import Settings


def _app(threads: int, pending: int) -> tuple[FastAPI, threading.Event, threading.Event, LoadCounters]:
    app = FastAPI()
    counters = install_load_control(app, Settings(turn_threads=threads, max_pending_turns=pending, retry_after_s=2))
    entered, release = threading.Event(), threading.Event()

    @app.post("/v1/slow")
    def slow() -> dict[str, str]:  # blocking work, run on a worker thread like every /v1/ route
        entered.set()
        release.wait(timeout=30)
        return {"ok": "yes"}

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app, entered, release, counters


async def _wait_for(event: threading.Event) -> None:
    for _ in range(3000):
        if event.is_set():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the gated request never started")


@pytest.mark.anyio
async def test_a_saturated_server_sheds_with_retry_after_and_health_still_answers() -> None:
    app, entered, release, counters = _app(threads=1, pending=1)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        running = asyncio.create_task(client.post("/v1/slow"))
        await _wait_for(entered)
        waiting = asyncio.create_task(client.post("/v1/slow"))
        while counters.waiting < 1:
            await asyncio.sleep(0.01)
        shed = await client.post("/v1/slow")
        assert shed.status_code == 503 and shed.headers["retry-after"] == "2"
        assert shed.json()["error"] == "overloaded"
        health = await client.get("/health")
        assert health.status_code == 200
        assert (counters.running, counters.waiting, counters.shed) == (1, 1, 1)
        release.set()
        first, second = await running, await waiting
        assert first.status_code == second.status_code == 200
        again = await client.post("/v1/slow")
        assert again.status_code == 200
        assert (counters.running, counters.waiting, counters.admitted, counters.shed) == (0, 0, 3, 1)


@pytest.mark.anyio
async def test_without_a_queue_the_second_request_is_shed_at_once() -> None:
    app, entered, release, counters = _app(threads=1, pending=0)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        running = asyncio.create_task(client.post("/v1/slow"))
        await _wait_for(entered)
        assert (await client.post("/v1/slow")).status_code == 503
        release.set()
        assert (await running).status_code == 200
    assert counters.shed == 1 and counters.admitted == 1


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
