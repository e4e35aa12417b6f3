"""Turn latency per stage (p50/p95), throughput, cold start to first answer and peak RSS.

Run with ``make bench`` (or ``python -m bench.run --out bench/results.json``). No LLM: the default composer.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import track

FALLBACK_QUERIES = [
    "I think someone stole my card",
    "How long does a transfer to a European account take?",
    "Why was I charged a fee for taking cash out?",
    "My top-up hasn't gone through yet",
    "what's the exchange rate for dollars",
    "I want to talk to a real person",
    "I lost my job and can't pay my overdraft",
    "How do I change my PIN?",
]

COLD_START = """
import time, sys
t0 = time.perf_counter()
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from assistant.types import Message
p = Pipeline.from_settings(Settings(data_dir=sys.argv[1]))
p.handle(Message(conversation_id="bench", text="I think someone stole my card"))
print(time.perf_counter() - t0)
"""


def _queries(shared: Path, n: int) -> tuple[list[str], str]:
    path = shared / "banking77" / "train.csv"
    if path.exists():
        with path.open(newline="", encoding="utf-8") as fh:
            texts = [row["text"] for row in csv.DictReader(fh)]
        rng = np.random.default_rng(7)
        return [texts[i] for i in rng.choice(len(texts), size=n, replace=False)], str(path)
    return [FALLBACK_QUERIES[i % len(FALLBACK_QUERIES)] for i in range(n)], "built-in queries"


def _pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="bench/results.json")
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--data-dir", default=".attune")
    args = parser.parse_args()

    from assistant.pipeline import Pipeline
    from assistant.settings import Settings
    from assistant.types import Message

    with tempfile.TemporaryDirectory() as tmp:
        # Conversations go to a scratch database; the knowledge-base index is the built one.
        settings = Settings(data_dir=Path(args.data_dir), database_url=f"sqlite:///{tmp}/bench.db")
        cold = subprocess.run(
            [sys.executable, "-c", COLD_START, str(settings.data_dir)],
            capture_output=True,
            text=True,
            check=True,
        )
        cold_start_s = float(cold.stdout.strip().splitlines()[-1])

        pipeline = Pipeline.from_settings(settings)
        warm_start = time.perf_counter()
        pipeline.warm_up()
        warm_up_s = time.perf_counter() - warm_start
        queries, source = _queries(settings.shared_data_dir, args.turns)
        for q in queries[:10]:  # warm caches outside the measurement
            pipeline.handle(Message(conversation_id="bench", text=q))

        per_stage: dict[str, list[float]] = {}
        statuses: dict[str, int] = {}
        start = time.perf_counter()
        for q in track(queries, description="bench turns"):
            reply = pipeline.handle(Message(conversation_id="bench", text=q)).reply
            statuses[reply.status] = statuses.get(reply.status, 0) + 1
            for stage, ms in reply.timings_ms.items():
                per_stage.setdefault(stage, []).append(ms)
        wall = time.perf_counter() - start

    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    signals_ms = [c + e for c, e in zip(per_stage["classify"], per_stage["encode"], strict=True)]
    results: dict[str, Any] = {
        "turns": len(queries),
        "query_source": source,
        "generator": settings.generator,
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "latency_ms": {
            stage: {"p50": _pct(v, 50), "p95": _pct(v, 95), "n": len(v)} for stage, v in sorted(per_stage.items())
        },
        "signals_ms": {
            "classify_heads_p50": _pct(per_stage["classify"], 50),
            "encode_plus_classify_p50": _pct(signals_ms, 50),
        },
        "throughput_turns_per_s": round(len(queries) / wall, 2),
        "cold_start_to_first_answer_s": round(cold_start_s, 2),
        "warm_up_s": round(warm_up_s, 2),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "statuses": statuses,
        "note": "one process, sequential turns, a new conversation each; SQLite store; composer",
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
