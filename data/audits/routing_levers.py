"""Experiment: which levers move dev top-3 routing accuracy towards the 0.99 target (issue #3)?

Not product code: it measures alternatives to the committed router on our BANKING77 dev split and writes
``data/audits/routing_levers.json``. Every variant keeps the committed head's frozen branch, its fusion weights
and its tuned-branch weight; only the named part changes. Run from the repository root (about 20 minutes on
2 CPU cores; it trains three adapters on the same data as ``attune train routing``):

    .venv/bin/python data/audits/routing_levers.py

Variants:
- ``committed``: the router as shipped (reproduces ``python -m assistant.training.routing.report``'s "ours" row).
- ``seed N``: the tuned branch replaced by an adapter trained with seed N (same data, same settings).
- ``mean of seeds``: the tuned branch averaged over the committed adapter and the other seeds' (an ensemble).
- ``layers 2-5``: an adapter that tunes four layers instead of two (twice the adapter's size and cost).
- ``intent-diverse``: the committed ranking, but an article whose intents are all covered by a better-ranked
  article moves behind the others (intent-aware diversification; top-1 and confidence unchanged).
- ``kNN k, lambda``: the intent probabilities mixed with a k-nearest-neighbour vote over the training texts
  (frozen embeddings). Chosen among six settings *on dev*, so the best of them is an optimistic upper bound.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from assistant.integrations.encoder import shared_encoder
from assistant.integrations.layer_adapter import ADAPTER_FILE, LayerAdapter, adapter_views, fit_layer_adapter
from assistant.kb.ingest import kb_documents
from assistant.kb.intents import OUT_OF_SCOPE
from assistant.kb.routing import (
    HEAD_FILE,
    ArticleTable,
    RoutingHead,
    article_signals,
    cached_encode,
    cached_states,
    fuse,
    softmax,
)
from assistant.settings import get_settings
from assistant.training.routing.metrics import rank_metrics
from assistant.training.routing.train import ADAPTER_START_LAYER, ADAPTER_TRAINING, dense_by_article, routing_pool
from eval.provenance import provenance


def diversify(order: list[str], intents: dict[str, set[str]]) -> list[str]:
    """Articles that add an intent not yet covered come first, in ``order``; the rest keep their order after."""
    covered: set[str] = set()
    novel: list[str] = []
    repeated: list[str] = []
    for aid in order:
        (repeated if intents[aid] <= covered else novel).append(aid)
        covered |= intents[aid]
    return novel + repeated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[14, 15])
    parser.add_argument("--deep-start", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("data/audits/routing_levers.json"))
    args = parser.parse_args()
    started = time.perf_counter()
    settings = get_settings()
    encoder = shared_encoder()
    cache = settings.data_dir / "cache"
    pool = routing_pool(settings, seed=13, encoder=encoder)
    kb, col = pool.kb, pool.col
    head = RoutingHead.load(settings.artifacts_dir / HEAD_FILE)
    committed = LayerAdapter.load(settings.artifacts_dir / ADAPTER_FILE)
    dev_texts = [t for t, _ in pool.dev]
    index = kb.intents_index()
    gold = [set(index.get(c, ())) for _, c in pool.dev]
    table = ArticleTable.build(kb, pool.classes)
    docs = kb_documents(kb, encoder.name)
    doc_vec = cached_encode(encoder, [d.text for d in docs], cache, "kb-docs")
    position = {a: i for i, a in enumerate(table.ids)}
    doc_article = np.array([position[d.metadata["article_id"]] for d in docs])
    doc_is_q = np.array([d.metadata["kind"] == "question" for d in docs])
    dev_vec = cached_encode(encoder, dev_texts, cache, "dev")
    dq, ds = dense_by_article(dev_vec, doc_vec, doc_article, doc_is_q, len(table.ids))
    frozen = head.predict_proba(dev_vec, dev_texts)
    weight = head.tuned_weight
    intents = {a.id: set(a.meta.intents) for a in kb.articles}
    results: dict[str, dict[str, float]] = {}

    def ranking(probs: np.ndarray, diverse: bool = False) -> list[list[str]]:
        out = []
        for i, text in enumerate(dev_texts):
            sig = article_signals(probs[i], table, dq[i], ds[i], text, col[OUT_OF_SCOPE])
            order = [table.ids[j] for j in np.argsort(-fuse(sig, head.fusion), kind="stable")]
            out.append((diversify(order, intents) if diverse else order)[:10])
        return out

    def record(name: str, probs: np.ndarray, diverse: bool = False) -> None:
        m = rank_metrics(ranking(probs, diverse), gold)
        results[name] = {k: round(v, 4) for k, v in m.items() if k != "n"}
        print(f"{name:<28} top-1 {m['top1']:.4f}  top-3 {m['top3']:.4f}  MRR {m['mrr']:.4f}", flush=True)

    def tuned_probs(start: int, adapter: LayerAdapter, tuned: dict[str, np.ndarray]) -> np.ndarray:
        views = adapter_views(adapter, encoder.auto_model, cached_states(encoder, dev_texts, start, cache, "dev"))
        return softmax(head.tuned_scale * (views @ tuned["weight"] + tuned["bias"]))

    def train(start: int, seed: int) -> np.ndarray:
        print(f"training an adapter over layers {start}+ with seed {seed}", flush=True)
        states = cached_states(encoder, pool.texts, start, cache, "pool")
        q_states = cached_states(encoder, pool.q_texts, start, cache, "kb-questions")
        adapter, w, b = fit_layer_adapter(
            encoder.auto_model,
            states + q_states,
            np.vstack([pool.targets, np.array(pool.q_targets)]),
            start_layer=start,
            seed=seed,
            **ADAPTER_TRAINING,
        )
        return tuned_probs(start, adapter, {"weight": w, "bias": b})

    assert head.tuned is not None
    base_tuned = tuned_probs(ADAPTER_START_LAYER, committed, head.tuned)
    base = (1 - weight) * frozen + weight * base_tuned
    record("committed", base)
    record("intent-diverse", base, diverse=True)
    ensemble = [base_tuned]
    for seed in args.seeds:
        tuned = train(ADAPTER_START_LAYER, seed)
        record(f"seed {seed}", (1 - weight) * frozen + weight * tuned)
        ensemble.append(tuned)
    if len(ensemble) > 1:
        mean = (1 - weight) * frozen + weight * np.mean(ensemble, axis=0)
        record(f"mean of seeds 13, {', '.join(map(str, args.seeds))}", mean)
        record("mean of seeds, intent-diverse", mean, diverse=True)
    record(f"layers {args.deep_start}-5, seed 13", (1 - weight) * frozen + weight * train(args.deep_start, 13))
    pool_vec = pool.vectors
    sims = dev_vec @ pool_vec.T
    for k in (5, 10, 20):
        nearest = np.argpartition(-sims, k, axis=1)[:, :k]
        vote = np.zeros_like(base)
        for i, row in enumerate(nearest):
            vote[i] = (np.exp(10 * sims[i, row])[:, None] * pool.targets[row]).sum(0)
        vote /= vote.sum(1, keepdims=True)
        for lam in (0.2, 0.4):
            record(f"kNN k={k}, lambda={lam}", (1 - lam) * base + lam * vote)

    report: dict[str, Any] = {
        "experiment": "routing levers for dev top-3 (issue #3)",
        "provenance": provenance(settings, {}, sys.argv),
        "dev_queries": len(dev_texts),
        "train_texts": len(pool.texts) + len(pool.q_texts),
        "committed_head": head.meta.get("adapter"),
        "fusion": head.fusion,
        "tuned_weight": weight,
        "adapter_training": ADAPTER_TRAINING,
        "seeds": args.seeds,
        "deep_start_layer": args.deep_start,
        "seconds": round(time.perf_counter() - started, 1),
        "results": results,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
