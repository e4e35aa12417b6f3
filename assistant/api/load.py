"""Load control for the HTTP server: blocking work in a bounded pool, and 503 + Retry-After when saturated.

Every ``/v1/...`` request does blocking work (the database, a turn through the pipeline) on a worker thread.
:class:`LoadShedder` (a pure ASGI middleware) lets at most ``settings.turn_threads`` of them run at once per
worker process and at most ``settings.max_pending_turns`` more wait for a slot (an async wait: the event loop
stays free); beyond that it answers ``503`` with ``Retry-After`` at once instead of queueing for many seconds.
``/health`` and the widget are never gated, and because gated requests hold at most ``turn_threads`` of the
server's threads, ``/health`` always finds a free one and answers in milliseconds under any load.

>>> from fastapi import FastAPI
>>> from assistant.settings import Settings
>>> app = FastAPI()
>>> counters = install_load_control(app, Settings(turn_threads=2, max_pending_turns=1))
>>> app.state.load is counters, counters.shed
(True, 0)
>>> shedder = LoadShedder(app.router, threads=2, max_pending=1, retry_after_s=1)
>>> shedder.capacity, shedder.gated("/v1/chat"), shedder.gated("/health")
(3, True, False)
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass

import anyio
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.settings import Settings

logger = logging.getLogger("attune.api.load")

GATED_PREFIX = "/v1/"
SERVER_THREADS = 64  # the server's thread pool: gated work holds at most turn_threads of it
SWITCH_INTERVAL_S = 0.001  # the GIL changes hands every 1 ms (5 ms by default) so /health is not starved


@dataclass
class LoadCounters:
    """What the shedder has seen (``app.state.load``): requests running, waiting, admitted and shed."""

    running: int = 0
    waiting: int = 0
    admitted: int = 0
    shed: int = 0


class LoadShedder:
    """ASGI middleware: admits ``/v1/`` requests to a bounded pool (``threads`` running, ``max_pending``
    waiting) and sheds the rest with ``503`` + ``Retry-After`` (``{"error": "overloaded"}``).

    See the module docstring for an example (``install_load_control``).
    """

    def __init__(
        self, app: ASGIApp, threads: int, max_pending: int, retry_after_s: int, counters: LoadCounters | None = None
    ) -> None:
        self.app = app
        self.threads = threads
        self.max_pending = max_pending
        self.retry_after_s = retry_after_s
        self.counters = counters or LoadCounters()
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def capacity(self) -> int:
        """Requests held at once (running + waiting) before shedding."""
        return self.threads + self.max_pending

    @staticmethod
    def gated(path: str) -> bool:
        return path.startswith(GATED_PREFIX)

    def _setup(self) -> anyio.CapacityLimiter:
        """Created on the first request, inside the server's event loop."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.threads)
            pool = anyio.to_thread.current_default_thread_limiter()
            pool.total_tokens = max(pool.total_tokens, SERVER_THREADS, self.threads + 8)
            sys.setswitchinterval(SWITCH_INTERVAL_S)
        return self._limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.gated(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        limiter = self._setup()
        c = self.counters
        if c.running + c.waiting >= self.capacity:
            c.shed += 1
            if c.shed == 1 or c.shed % 100 == 0:
                logger.warning("overloaded: %d running, %d waiting; shed %d so far", c.running, c.waiting, c.shed)
            await self._overloaded(send)
            return
        c.waiting += 1
        try:
            await limiter.acquire()
        finally:
            c.waiting -= 1
        c.running += 1
        c.admitted += 1
        try:
            await self.app(scope, receive, send)
        finally:
            c.running -= 1
            limiter.release()

    async def _overloaded(self, send: Send) -> None:
        body = json.dumps({"error": "overloaded", "detail": "the assistant is busy; retry shortly"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(self.retry_after_s).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def install_load_control(app: FastAPI, settings: Settings) -> LoadCounters:
    """Wrap ``app`` in a :class:`LoadShedder` sized by ``settings``; its counters are ``app.state.load``."""
    counters = LoadCounters()
    app.add_middleware(
        LoadShedder,
        threads=settings.turn_threads,
        max_pending=settings.max_pending_turns,
        retry_after_s=settings.retry_after_s,
        counters=counters,
    )
    app.state.load = counters
    return counters
