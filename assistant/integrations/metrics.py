"""Prometheus metrics behind a small Protocol; only this module imports ``prometheus_client``.

Each app gets its own registry, so that several apps (tests) never clash.

>>> m = PrometheusMetrics()
>>> m.observe_request("/health", "GET", 200, 0.01)
>>> b'attune_requests_total{method="GET",route="/health",status="200"} 1.0' in m.render()[0]
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CLAIM_BUCKETS = (5, 15, 30, 60, 120, 300, 600, 1200, 3600, 7200)


@runtime_checkable
class MetricsSink(Protocol):
    """What the API records: requests and latency per route, stage latency, escalations, queue, time to claim."""

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None: ...

    def observe_stage(self, stage: str, seconds: float) -> None: ...

    def count_escalation(self, reason: str) -> None: ...

    def observe_claim(self, seconds: float) -> None: ...

    def render(self) -> tuple[bytes, str]: ...


class PrometheusMetrics:
    """prometheus-client counters, histograms and a queue-length gauge read at scrape time."""

    def __init__(self, queue_length: Callable[[], int] | None = None) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        self._requests = Counter(
            "attune_requests", "HTTP requests by route", ["route", "method", "status"], registry=self.registry
        )
        self._latency = Histogram(
            "attune_request_seconds",
            "HTTP latency by route",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._stages = Histogram(
            "attune_stage_seconds", "Pipeline stage latency", ["stage"], buckets=LATENCY_BUCKETS, registry=self.registry
        )
        self._escalations = Counter(
            "attune_escalations", "Conversations handed to a person, by reason", ["reason"], registry=self.registry
        )
        self._claim = Histogram(
            "attune_time_to_claim_seconds",
            "Wait from queueing to an agent's claim",
            buckets=CLAIM_BUCKETS,
            registry=self.registry,
        )
        queue = Gauge("attune_queue_length", "Conversations waiting for a person", registry=self.registry)
        if queue_length is not None:
            queue.set_function(lambda: float(queue_length()))

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self._requests.labels(route=route, method=method, status=str(status)).inc()
        self._latency.labels(route=route).observe(seconds)

    def observe_stage(self, stage: str, seconds: float) -> None:
        self._stages.labels(stage=stage).observe(seconds)

    def count_escalation(self, reason: str) -> None:
        self._escalations.labels(reason=reason).inc()

    def observe_claim(self, seconds: float) -> None:
        self._claim.observe(max(0.0, seconds))

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST
