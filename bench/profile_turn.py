"""Where one HTTP turn's CPU goes: the real app (middleware, validation, service, pipeline, SQLite, serialisation)
driven in process through ASGI, one conversation turn after another, with the CPU time of each request, a
cProfile breakdown and the encoder passes per turn.

Wall-clock figures on a shared machine are inflated by the other processes; CPU time (``time.process_time``) is
what a turn costs the server whatever the load, and what caps throughput (2 cores / CPU ms per turn).

    PYTHONPATH=$PWD python -m bench.profile_turn --index-dir .attune --turns 200
    PYTHONPATH=$PWD python -m bench.profile_turn --index-dir .attune --turns 200 --threads   # real thread hops

By default every blocking call FastAPI would send to its thread pool runs inline on the event loop thread, so
one cProfile sees the whole request; ``--threads`` keeps the pool (CPU per turn then includes the hops; the
profile covers only the event-loop thread).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import link_index, queries

# Functions whose inclusive CPU time makes up the breakdown (matched on "file:function" suffixes).
BREAKDOWN: list[tuple[str, str]] = [
    ("request (whole ASGI call)", "middleware.py:__call__"),
    ("authenticate (token, SQLite read)", "service.py:authenticate"),
    ("rate limit", "dependencies.py:_limit"),
    ("service.handle (turn)", "service.py:handle"),
    ("  SQLite: the locked read (conversation + history)", "sql/repository.py:history"),
    ("  dialogue context from the history", "service.py:_context"),
    ("  pipeline.understand", "pipeline.py:understand"),
    ("    redact", "redact.py:run"),
    ("    encode (encoder pass)", "encode.py:run"),
    ("    encode (one turn's texts queued together)", "encode.py:run_turn"),
    ("    classify (signals)", "classify.py:run"),
    ("  pipeline.respond", "pipeline.py:respond"),
    ("    dialogue", "dialogue.py:run"),
    ("    retrieve", "retrieve.py:run"),
    ("    generate + check", "pipeline.py:_answer"),
    ("    escalate", "escalate.py:run"),
    ("  respond and store the turn", "service.py:_after_understanding"),
    ("    SQLite write (save)", "sql/repository.py:save"),
    ("response model_validate", "main.py:model_validate"),
    ("encoder forward (all callers)", "encoder.py:encode_multi"),
    ("encoder crisis view alone (all callers)", "encoder.py:encode_view"),
    ("encoder encode() (all callers)", "integrations/encoder.py:encode"),
    ("encoder packed pass: messages, readings and windows (all callers)", "encoder.py:encode_packed"),
]

CALIBRATION_LOOP = 2_000_000


def calibration_ms() -> float:
    """CPU ms of a fixed pure-Python loop (about 100 ms on an idle 2 GHz core with Python 3.11): per-turn CPU
    divided by it is comparable across load conditions, since a busy host slows every CPU-second too."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        total = 0
        for i in range(CALIBRATION_LOOP):
            total += i
        best = min(best, time.process_time() - start)
    return best * 1000


class EncoderCounter:
    """Counts encoder passes and texts per caller (by the stage that asked), by wrapping the shared encoder."""

    def __init__(self) -> None:
        self.passes: Counter[str] = Counter()
        self.texts: Counter[str] = Counter()

    def install(self) -> None:
        from assistant.integrations import encoder as enc

        cls = enc.SentenceTransformerEncoder
        for name in ("encode", "encode_views", "encode_multi", "encode_view", "encode_packed"):
            original = getattr(cls, name, None)
            if original is not None:  # a tree from before the packed pass has no encode_packed
                setattr(cls, name, self._wrap(original, name))

    def _wrap(self, original: Callable[..., Any], name: str) -> Callable[..., Any]:
        counter = self

        def wrapped(self_: Any, texts: Any, *args: Any, **kwargs: Any) -> Any:
            caller = sys._getframe(1)
            while caller is not None and "integrations" in caller.f_code.co_filename:
                caller = caller.f_back  # type: ignore[assignment]
            where = f"{Path(caller.f_code.co_filename).stem}.{caller.f_code.co_name}" if caller else "?"
            counter.passes[f"{name} <- {where}"] += 1
            counter.texts[f"{name} <- {where}"] += len(texts)
            return original(self_, texts, *args, **kwargs)

        return wrapped

    def reset(self) -> None:
        self.passes.clear()
        self.texts.clear()


def inline_threadpool() -> None:
    """Run what FastAPI/Starlette send to the thread pool inline (one thread: one profile sees everything)."""
    import fastapi.dependencies.utils as deps
    import fastapi.routing as routing
    import starlette.concurrency as conc

    async def run_inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    for module in (conc, routing, deps):
        module.run_in_threadpool = run_inline  # type: ignore[attr-defined]


async def drive(app: Any, texts: list[str], turns: int, per_conversation: int) -> list[tuple[float, float, int]]:
    """``turns`` message turns over ASGI (a new conversation every ``per_conversation`` messages or when the bot
    hands over); returns (cpu ms, wall ms, status) per message request."""
    import httpx

    out: list[tuple[float, float, int]] = []
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        cid = token = None
        sent = 0
        i = 0
        while len(out) < turns:
            if cid is None or sent >= per_conversation:
                r = await client.post("/v1/conversations", json={})
                r.raise_for_status()
                cid, token, sent = r.json()["conversation_id"], r.json()["customer_token"], 0
            c0, w0 = time.process_time(), time.perf_counter()
            r = await client.post(
                f"/v1/conversations/{cid}/messages",
                json={"text": texts[i % len(texts)]},
                headers={"Authorization": f"Bearer {token}"},
            )
            out.append(((time.process_time() - c0) * 1000, (time.perf_counter() - w0) * 1000, r.status_code))
            i += 1
            sent += 1
            if r.status_code != 200 or r.json().get("state") != "bot":
                cid = None
    return out


def breakdown(profile: cProfile.Profile, turns: int) -> list[dict[str, Any]]:
    stats = pstats.Stats(profile)
    rows = []
    by_key = stats.stats  # type: ignore[attr-defined]
    for label, suffix in BREAKDOWN:
        file_part, func = suffix.split(":")
        total = 0.0
        calls = 0
        for (filename, _line, name), (_cc, nc, _tt, ct, _callers) in by_key.items():
            if name == func and filename.endswith(file_part):
                total = max(total, ct)  # recursion-safe: the outermost entry holds the inclusive time
                calls += nc
        rows.append({"part": label, "cpu_ms_per_turn": round(total * 1000 / turns, 2), "calls_per_turn": calls / turns})
    return rows


def serve_threads() -> None:
    """The thread pools ``attune serve`` sets up for the tree measured: torch's (one thread) and, where the tree
    limits them, the BLAS threads numpy uses (``assistant.integrations.threads``)."""
    try:
        from assistant.integrations.threads import limit_threads
    except ImportError:  # a tree from before the BLAS limit: torch only, as its server did
        import torch

        torch.set_num_threads(1)
        return
    from assistant.settings import Settings

    settings = Settings()
    limit_threads(settings.torch_threads, settings.blas_threads)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    serve_threads()
    from assistant.api import create_app
    from assistant.conversations import ConversationService
    from assistant.settings import Settings

    counter = EncoderCounter()
    counter.install()
    if not args.threads:
        inline_threadpool()
    # every measured message is new to the server (its caches keyed by text, e.g. the composer's sentence vectors,
    # see none of them before), as a real server's traffic: warm-up, plain and profiled turns use distinct texts
    texts = queries(Path(args.shared), args.warm + 2 * args.turns)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        link_index(Path(args.index_dir), data)
        settings = Settings(
            data_dir=data,
            database_url=f"sqlite:///{tmp}/profile.db",
            rate_limit_per_ip=10**9,
            rate_limit_per_token=10**9,
        )
        service = ConversationService.from_settings(settings)
        app = create_app(service, settings)
        async with app.router.lifespan_context(app):
            await drive(app, texts, args.warm, args.per_conversation)  # warm caches, as a running server has
            counter.reset()
            plain = await drive(app, texts[args.warm : args.warm + args.turns], args.turns, args.per_conversation)
            counter.reset()
            profile = cProfile.Profile(time.process_time)
            profile.enable()
            await drive(app, texts[args.warm + args.turns :], args.turns, args.per_conversation)
            profile.disable()
    if args.dump:
        profile.dump_stats(args.dump)
    cpu = [c for c, _, _ in plain]
    wall = [w for _, w, _ in plain]
    statuses = Counter(s for _, _, s in plain)
    result = {
        "turns": args.turns,
        "threads": bool(args.threads),
        "statuses": dict(statuses),
        "cpu_ms_per_turn": {"mean": round(float(np.mean(cpu)), 2), "p50": round(float(np.median(cpu)), 2)},
        "wall_ms_per_turn": {"mean": round(float(np.mean(wall)), 2), "p50": round(float(np.median(wall)), 2)},
        "turns_per_s_2_cores_cpu_bound": round(2000 / float(np.mean(cpu)), 1),
        "encoder_passes_per_turn": {k: round(v / args.turns, 3) for k, v in counter.passes.items()},
        "encoder_texts_per_turn": {k: round(v / args.turns, 3) for k, v in counter.texts.items()},
        "breakdown_profiled": breakdown(profile, args.turns),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    calibration = calibration_ms()
    result["calibration_loop_cpu_ms"] = round(calibration, 1)
    result["cpu_per_turn_in_calibration_loops"] = round(float(np.mean(cpu)) / calibration, 3)
    if args.top:
        stats = pstats.Stats(profile)
        stats.sort_stats(args.sort).print_stats(args.top)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", default=".attune", help="data dir with the built index (attune ingest)")
    parser.add_argument("--shared", default=str(Path(__file__).resolve().parent.parent.parent / "shared" / "data"))
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--warm", type=int, default=100, help="turns before measuring (warm caches)")
    parser.add_argument("--per-conversation", type=int, default=4, help="messages per conversation")
    parser.add_argument("--threads", action="store_true", help="keep FastAPI's thread pool (real hops)")
    parser.add_argument("--top", type=int, default=0, help="also print the top N functions")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--out", default="")
    parser.add_argument("--dump", default="", help="write the cProfile stats here (pstats)")
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
