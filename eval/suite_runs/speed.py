"""The speed suite: one turn per query through the warmed pipeline; per-stage and wall-clock latency
percentiles, throughput and warm-up time."""

from __future__ import annotations

from collections import Counter
from typing import Any

from assistant.serialize import to_jsonable
from assistant.types import Message
from eval import metrics as M
from eval.config import SuiteConfig
from eval.formats import ConversationCase
from eval.runner import Dataset, EvalContext, SuiteResult
from eval.suite_runs.common import rounded


def run_speed(ctx: EvalContext, cfg: SuiteConfig, datasets: dict[str, Dataset], res: SuiteResult) -> None:
    import time

    ds = datasets["queries"]
    items: list[Any] = ctx.slice(ds.items, cfg.cap(ctx.fast), key=_speed_key)
    res.datasets.append(ds.info(len(items)))
    with ctx.console.status("speed: warming up the pipeline..."):
        t0 = time.perf_counter()
        warm = ctx.warm_pipeline()
        warm_ms = (time.perf_counter() - t0) * 1000
    pipeline = ctx.pipeline()
    walls: list[float] = []
    per_stage: dict[str, list[float]] = {}
    start = time.perf_counter()
    for item in ctx.track(items, "speed: one turn per query"):
        text = _speed_text(item)
        t = time.perf_counter()
        reply = pipeline.handle(
            Message(conversation_id=str(getattr(item, "id", "")), text=text, channel="widget")
        ).reply
        wall = (time.perf_counter() - t) * 1000
        walls.append(wall)
        for stage, ms in reply.timings_ms.items():
            per_stage.setdefault(stage, []).append(float(ms))
        res.cases.append(
            {
                "role": "queries",
                "id": getattr(item, "id", ""),
                "status": reply.status,
                "wall_ms": round(wall, 2),
                "timings_ms": to_jsonable(reply.timings_ms),
            }
        )
    elapsed = time.perf_counter() - start
    for stage, values in sorted(per_stage.items()):
        p = M.percentiles(values, (50, 95, 99))
        for k in ("p50", "p95", "p99", "mean"):
            res.metrics[f"speed.{stage}.{k}"] = rounded(p[k], 2)
    wp = M.percentiles(walls, (50, 95, 99))
    for k in ("p50", "p95", "p99"):
        res.metrics[f"speed.wall.{k}"] = rounded(wp[k], 2)
    res.metrics["speed.throughput_per_s"] = rounded(M.ratio(len(items), elapsed), 3)
    res.metrics["speed.warm_up_ms"] = rounded(warm_ms, 1)
    res.metrics["speed.n"] = len(items)
    res.details["latency_ms"] = {stage: [round(v, 3) for v in values] for stage, values in per_stage.items()}
    res.details["warm_up_ms"] = warm
    res.details["counts"] = dict(Counter(c["status"] for c in res.cases))


def _speed_key(item: Any) -> str:
    return str(getattr(item, "label", ""))


def _speed_text(item: Any) -> str:
    if isinstance(item, ConversationCase):
        return item.turns[0].customer
    return str(item.text)
