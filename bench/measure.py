"""One bench measurement of the Attune tree it runs in (``cwd``; ``assistant`` imported from ``PYTHONPATH``).

``bench/run.py`` runs this script (by path) in the working tree and in a ``git worktree`` of the baseline ref,
with the same arguments, so both sets of figures come from one run on one machine. It must therefore only use
what every measured tree has: ``Pipeline.from_settings``, ``handle``, ``Reply.timings_ms``, ``attune serve``.

Sections: ``in_process`` (sequential turns with a per-stage profile, and ``threads`` turns at once through one
pipeline), ``retrieval_scaling`` (the retrieve stage's ranking on the real knowledge base and on synthetic 10x
and 100x copies of it), ``rss`` (the default one-process server's memory when warm and after ``--rss-turns``
turns, ``bench/rss.py``) and ``http`` (a server on 127.0.0.1 under 1/10/50/200 concurrent conversations).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import run_load
from rss import server_memory, wait_healthy

FALLBACK_QUERIES = [
    "I think someone stole my card",
    "How long does a transfer to a European account take?",
    "Why was I charged a fee for taking cash out?",
    "My top-up hasn't gone through yet",
    "what's the exchange rate for dollars",
    "How do I change my PIN?",
]


def queries(shared: Path, n: int, seed: int = 7) -> list[str]:
    path = shared / "banking77" / "train.csv"
    if not path.exists():
        return [FALLBACK_QUERIES[i % len(FALLBACK_QUERIES)] for i in range(n)]
    with path.open(newline="", encoding="utf-8") as fh:
        texts = [row["text"] for row in csv.DictReader(fh)]
    rng = np.random.default_rng(seed)
    return [texts[i] for i in rng.choice(len(texts), size=n, replace=False)]


def pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


def dist(values: list[float]) -> dict[str, Any]:
    return {"p50": pct(values, 50), "p95": pct(values, 95), "p99": pct(values, 99), "n": len(values)}


def rss_mib(pids: list[int]) -> dict[str, float]:
    import psutil

    rss = pss = 0.0
    for pid in pids:
        try:
            info = psutil.Process(pid).memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
    return {"rss_mib": round(rss / 2**20, 1), "pss_mib": round(pss / 2**20, 1)}


def server_cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds used so far by the processes ``pids`` (those still alive)."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        total += times.user + times.system
    return total


# ------------------------------------------------------------------------------------------------ in process


def in_process(settings: Any, texts: list[str], threads: int) -> dict[str, Any]:
    from assistant.pipeline import Pipeline
    from assistant.types import Message

    pipeline = Pipeline.from_settings(settings)
    start = time.perf_counter()
    pipeline.warm_up()
    warm_s = time.perf_counter() - start
    for q in texts:  # a server that has run a while: the composer's sentence caches are warm
        pipeline.handle(Message(conversation_id="bench", text=q))

    per_stage: dict[str, list[float]] = {}
    totals: list[float] = []
    start = time.perf_counter()
    for q in texts:
        t0 = time.perf_counter()
        reply = pipeline.handle(Message(conversation_id="bench", text=q)).reply
        totals.append((time.perf_counter() - t0) * 1000)
        for stage, ms in reply.timings_ms.items():
            per_stage.setdefault(stage, []).append(ms)
    sequential_s = time.perf_counter() - start
    stage_total = sum(float(np.mean(v)) for k, v in per_stage.items() if k != "total")
    profile = {
        k: {"mean_ms": round(float(np.mean(v)), 2), "share": round(float(np.mean(v)) / stage_total, 3)}
        for k, v in sorted(per_stage.items(), key=lambda kv: -float(np.mean(kv[1])))
        if k != "total"
    }

    batcher = getattr(pipeline.encoder, "batcher", None)
    before = (batcher.stats.batches, batcher.stats.items) if batcher is not None else (0, 0)
    concurrent: list[float] = []
    lock = threading.Lock()

    def one(q: str) -> None:
        t0 = time.perf_counter()
        pipeline.handle(Message(conversation_id="bench", text=q))
        with lock:
            concurrent.append((time.perf_counter() - t0) * 1000)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, texts))
    batched_s = time.perf_counter() - start
    batches = {}
    if batcher is not None:
        n_batches, n_items = batcher.stats.batches - before[0], batcher.stats.items - before[1]
        batches = {"encoder_passes": n_batches, "mean_batch": round(n_items / n_batches, 2) if n_batches else 0}
    return {
        "warm_up_s": round(warm_s, 2),
        "sequential": {
            "turns": len(texts),
            "turn_ms": dist(totals),
            "turns_per_s": round(len(texts) / sequential_s, 2),
            "stage_ms": {k: dist(v) for k, v in sorted(per_stage.items())},
        },
        "batched": {
            "threads": threads,
            "turns": len(texts),
            "turn_ms": dist(concurrent),
            "turns_per_s": round(len(texts) / batched_s, 2),
            **batches,
        },
        "profile": profile,
        "rss": rss_mib([os.getpid()]),
    }


# ----------------------------------------------------------------------------------------- retrieval scaling


def _renamed(meta: Any, new_id: str) -> Any:
    """The article metadata under another id (pydantic model or dataclass)."""
    if hasattr(meta, "model_copy"):
        return meta.model_copy(update={"id": new_id})
    from dataclasses import replace

    return replace(meta, id=new_id)


def retrieval_scaling(settings: Any, texts: list[str], factors: list[int], repeat: int) -> dict[str, Any]:
    """Time the retrieve stage's ranking over the real KB and synthetic copies of it (``factor`` x the articles).

    A synthetic copy repeats every article under a new id, its index vectors slightly perturbed (distinct rows),
    in a fresh in-memory index, so the same code path (``KnowledgeRetriever.rank``) is timed at every size. A
    tree whose retriever cannot take a knowledge base and index this way reports the real KB only.
    """
    from dataclasses import replace

    from assistant.integrations.encoder import shared_encoder
    from assistant.integrations.vectorstore import InMemoryVectorIndex, make_vector_index
    from assistant.kb.loader import load_kb
    from assistant.stages.retrieve import KnowledgeRetriever
    from assistant.types import Encoded

    encoder = shared_encoder()
    sample = texts[:repeat]
    encoded = [Encoded(t, v) for t, v in zip(sample, encoder.encode(sample), strict=True)]
    store = make_vector_index(settings, encoder)
    kb = load_kb(settings.kb_dir)
    rng = np.random.default_rng(3)
    out: dict[str, Any] = {}
    for factor in factors:
        try:
            if factor == 1:
                retriever = KnowledgeRetriever(settings, encoder=encoder)
            else:
                snap = store.snapshot()  # type: ignore[attr-defined]
                ids, metas, blocks = [], [], []
                for c in range(factor):
                    blocks.append(snap.vectors + (rng.normal(0, 0.01, snap.vectors.shape) if c else 0.0))
                    for rid, meta in zip(snap.ids, snap.metadatas, strict=True):
                        ids.append(f"{rid}~{c}")
                        metas.append(
                            {**meta, "article_id": f"{meta.get('article_id')}~{c}" if c else meta.get("article_id")}
                        )
                index = InMemoryVectorIndex()
                index.upsert(ids, np.concatenate(blocks).astype(np.float32), [""] * len(ids), metas)
                articles = list(kb.articles) + [
                    replace(a, meta=_renamed(a.meta, f"{a.id}~{c}")) for c in range(1, factor) for a in kb.articles
                ]
                big = replace(kb, articles=tuple(sorted(articles, key=lambda a: a.id)))
                retriever = KnowledgeRetriever(settings, encoder=encoder, index=index, kb=big)  # type: ignore[call-arg]
            retriever.warm_up()
            for e in encoded[:3]:
                retriever.rank(encoded=e)
        except (TypeError, AttributeError) as exc:
            out[f"{factor}x"] = {"skipped": f"this tree cannot scale the KB: {str(exc)[:120]}"}
            continue
        times = []
        for e in encoded:
            t0 = time.perf_counter()
            retriever.rank(encoded=e)
            times.append((time.perf_counter() - t0) * 1000)
        out[f"{factor}x"] = {"articles": len(retriever.kb.articles), "rank_ms": dist(times)}
    return out


# ------------------------------------------------------------------------------------------------------ http


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(tree: Path, texts: list[str], levels: list[int], duration: float, workers: int, env: dict[str, str]) -> Any:
    import psutil

    port = _free_port()
    cmd = [sys.executable, "-c", "from assistant.cli import app; app()", "serve", "--port", str(port)]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    log = open(Path(env["ATTUNE_DATA_DIR"]) / "server.log", "w")
    server = subprocess.Popen(cmd, cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        error = wait_healthy(base, server)
        if error is not None:
            return {"error": error}
        # Not measured: a running server has seen customers (the composer's sentence caches are warm).
        asyncio.run(run_load(base, texts, 10, min(20.0, duration)))
        results = []
        for level in levels:
            pids = [server.pid] + [c.pid for c in psutil.Process(server.pid).children(recursive=True)]
            cpu_before = server_cpu_s(pids)
            res = asyncio.run(run_load(base, texts, level, duration)).summary()
            cpu_s = server_cpu_s(pids) - cpu_before
            # The server's CPU per successful turn (all its processes; /health probes and shed requests included):
            # what caps throughput on a CPU-bound box, and far less sensitive to other load than wall-clock time.
            res["server_cpu_ms_per_turn"] = round(1000 * cpu_s / res["turns"], 2) if res["turns"] else None
            res["server_cpu_s"] = round(cpu_s, 2)
            res.update(rss_mib(pids))
            results.append(res)
            print(json.dumps(res), file=sys.stderr, flush=True)
        return {"workers": workers, "levels": results}
    finally:
        for child in psutil.Process(server.pid).children(recursive=True):
            child.terminate()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def link_index(index_dir: Path, data: Path) -> None:
    """Make ``data`` a data dir over ``index_dir``'s built index: its Chroma store and, where ingest wrote it, the
    answer sentence vectors (a tree older than that file simply does not read it)."""
    data.mkdir(parents=True, exist_ok=True)
    os.symlink(index_dir.resolve() / "chroma", data / "chroma")
    vectors = index_dir.resolve() / "answer_vectors.npz"
    if vectors.is_file():
        os.symlink(vectors, data / vectors.name)


def _server_env(tree: Path, data: Path, index_dir: Path, shared: Path, torch_threads: int) -> dict[str, str]:
    """The environment of a server in ``tree`` with its own data dir ``data`` over the built index."""
    env = dict(os.environ)
    link_index(index_dir, data)
    env.update({"ATTUNE_DATA_DIR": str(data), "PYTHONPATH": str(tree)})
    env.update({"OMP_NUM_THREADS": str(torch_threads), "ATTUNE_TORCH_THREADS": str(torch_threads)})
    env.setdefault("ATTUNE_SHARED_DATA_DIR", str(shared))
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--index-dir", required=True, help="the data dir holding the built Chroma index")
    parser.add_argument("--shared", default=str(Path.cwd().parent / "shared" / "data"))
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--levels", default="1,10,50,200")
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--factors", default="1,10,100")
    parser.add_argument("--sections", default="in_process,retrieval,http")
    parser.add_argument("--torch-threads", type=int, default=1)
    parser.add_argument("--rss-turns", type=int, default=50)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.torch_threads)
    sections = set(args.sections.split(","))
    tree = Path.cwd()

    from assistant.settings import Settings

    texts = queries(Path(args.shared), args.turns)
    results: dict[str, Any] = {"tree": str(tree)}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(args.index_dir), database_url=f"sqlite:///{tmp}/bench.db")
        if "in_process" in sections:
            results["in_process"] = in_process(settings, texts, args.threads)
        if "retrieval" in sections:
            factors = [int(f) for f in args.factors.split(",")]
            results["retrieval_scaling"] = retrieval_scaling(settings, texts, factors, repeat=50)
        if "rss" in sections:  # the default server (`make run`: one process) warm, then after --rss-turns turns
            env = _server_env(tree, Path(tmp) / "rss", Path(args.index_dir), Path(args.shared), args.torch_threads)
            results["rss"] = server_memory(tree, texts, args.rss_turns, env, _free_port())
        if "http" in sections:
            env = _server_env(tree, Path(tmp) / "server", Path(args.index_dir), Path(args.shared), args.torch_threads)
            # Every simulated customer comes from 127.0.0.1: the per-IP and per-token limits would measure the rate
            # limiter, not the server (set these variables to bench with the limits on).
            env.setdefault("ATTUNE_RATE_LIMIT_PER_IP", str(10**9))
            env.setdefault("ATTUNE_RATE_LIMIT_PER_TOKEN", str(10**9))
            levels = [int(c) for c in args.levels.split(",")]
            results["http"] = http(tree, texts, levels, args.duration, args.workers, env)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
