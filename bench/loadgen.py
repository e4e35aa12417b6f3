"""HTTP load: N concurrent conversations for a bounded time (httpx + asyncio), with a /health prober alongside.

Each simulated customer starts a conversation (``POST /v1/conversations``) and sends messages one after another
(``POST /v1/conversations/{id}/messages``) until the time is up. A 503 (load shed) is counted apart from errors.
Standalone (stdlib, numpy, httpx): ``bench/measure.py`` imports it by path, whatever tree it measures.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np


@dataclass
class LoadResult:
    concurrency: int
    duration_s: float
    latencies_ms: list[float] = field(default_factory=list)  # successful turns
    shed: int = 0  # 503 with Retry-After
    errors: int = 0  # anything else that is not a 2xx
    error_kinds: dict[str, int] = field(default_factory=dict)
    health_ms: list[float] = field(default_factory=list)
    health_errors: int = 0

    def summary(self) -> dict[str, Any]:
        def pct(values: list[float], q: float) -> float | None:
            return round(float(np.percentile(values, q)), 1) if values else None

        return {
            "concurrency": self.concurrency,
            "duration_s": round(self.duration_s, 1),
            "turns": len(self.latencies_ms),
            "turns_per_s": round(len(self.latencies_ms) / self.duration_s, 2) if self.duration_s else 0.0,
            "p50_ms": pct(self.latencies_ms, 50),
            "p95_ms": pct(self.latencies_ms, 95),
            "p99_ms": pct(self.latencies_ms, 99),
            "shed_503": self.shed,
            "errors": self.errors,
            "error_kinds": dict(self.error_kinds),
            "health_p50_ms": pct(self.health_ms, 50),
            "health_p99_ms": pct(self.health_ms, 99),
            "health_max_ms": round(max(self.health_ms), 1) if self.health_ms else None,
            "health_errors": self.health_errors,
        }


async def _customer(client: httpx.AsyncClient, queries: list[str], offset: int, end: float, out: LoadResult) -> None:
    token: str | None = None
    cid: str | None = None
    i = offset
    while time.monotonic() < end:
        try:
            if cid is None:
                r = await client.post("/v1/conversations", json={})
                if r.status_code == 503:
                    out.shed += 1
                    await asyncio.sleep(float(r.headers.get("retry-after", "1")))
                    continue
                r.raise_for_status()
                body = r.json()
                cid, token = body["conversation_id"], body["customer_token"]
            start = time.perf_counter()
            r = await client.post(
                f"/v1/conversations/{cid}/messages",
                json={"text": queries[i % len(queries)]},
                headers={"Authorization": f"Bearer {token}"},
            )
            elapsed = (time.perf_counter() - start) * 1000
            i += 1
            if r.status_code == 503 and "retry-after" in r.headers:
                out.shed += 1
                await asyncio.sleep(float(r.headers["retry-after"]))
            elif r.is_success:
                out.latencies_ms.append(elapsed)
                if r.json().get("state") != "bot":
                    cid = None  # handed to a person (or resolved): the next message starts a new conversation
            else:
                out.errors += 1
                key = f"{r.status_code}:{r.text[:60]}"
                out.error_kinds[key] = out.error_kinds.get(key, 0) + 1
                cid = None
        except httpx.HTTPError as exc:
            out.errors += 1
            key = type(exc).__name__
            out.error_kinds[key] = out.error_kinds.get(key, 0) + 1
            cid = None
            await asyncio.sleep(0.1)


def probe_health(base_url: str, duration_s: float, every_s: float, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """``GET /health`` every ``every_s`` for ``duration_s``, in its own process (so the load generator's busy event
    loop does not inflate what a load balancer would see); puts (latencies in ms, failures) on ``out``."""
    latencies: list[float] = []
    failures = 0
    end = time.monotonic() + duration_s
    with httpx.Client(base_url=base_url, timeout=30) as client:
        while time.monotonic() < end:
            start = time.perf_counter()
            try:
                if client.get("/health").is_success:
                    latencies.append((time.perf_counter() - start) * 1000)
                else:
                    failures += 1
            except httpx.HTTPError:
                failures += 1
            time.sleep(every_s)
    out.put((latencies, failures))


async def run_load(base_url: str, queries: list[str], concurrency: int, duration_s: float) -> LoadResult:
    out = LoadResult(concurrency, duration_s)
    limits = httpx.Limits(max_connections=concurrency + 4, max_keepalive_connections=concurrency + 4)
    ctx = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    prober = ctx.Process(target=probe_health, args=(base_url, duration_s, 0.1, results), daemon=True)
    prober.start()
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        start = time.monotonic()
        end = start + duration_s
        await asyncio.gather(*[_customer(client, queries, k * 7, end, out) for k in range(concurrency)])
        out.duration_s = time.monotonic() - start
    out.health_ms, out.health_errors = await asyncio.to_thread(results.get, True, duration_s + 120)
    prober.join(timeout=10)
    return out
