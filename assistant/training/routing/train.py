"""Training the routing model: intent heads, the routing adapter, fusion weights and calibration.

``train_routing`` (``attune train routing``) fits everything reproducibly from ``settings.shared_data_dir``,
the knowledge base's example questions and our out-of-scope queries, and writes
``assistant/artifacts/routing_head.npz``, ``routing_adapter.npz`` and the model card ``routing_head.md``.
Inference lives in :mod:`assistant.kb.routing`.

The steps live beside it: :mod:`~assistant.training.routing.pool` (the training data),
:mod:`~assistant.training.routing.fit` (each model part) and :mod:`~assistant.training.routing.card` (the model
card); their names that other code imports from here are re-exported.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from assistant.integrations.layer_adapter import ADAPTER_FILE, LayerAdapter, adapter_views, fit_layer_adapter
from assistant.kb.intents import OUT_OF_SCOPE
from assistant.kb.routing import (
    CARD_FILE,
    HEAD_FILE,
    ArticleTable,
    FeatureSpec,
    RoutingHead,
    article_signals,
    cached_encode,
    cached_states,
    confidence_features,
    fuse,
    questions_fingerprint,
    softmax,
)
from assistant.settings import Settings
from assistant.training.routing.card import write_model_card
from assistant.training.routing.fit import (
    L2,
    TrainingSet,
    fit_head,
    fit_logistic,
    fit_mlp,
    fit_view_classifier,
    stratified_folds,
)
from assistant.training.routing.metrics import rank_metrics
from assistant.training.routing.pool import RoutingPool, dense_by_article, routing_pool

__all__ = [
    "ADAPTER_START_LAYER",
    "ADAPTER_TRAINING",
    "L2",
    "RoutingPool",
    "TrainingSet",
    "dense_by_article",
    "fit_head",
    "fit_logistic",
    "fit_mlp",
    "fit_view_classifier",
    "routing_pool",
    "train_routing",
    "write_model_card",
]

logger = logging.getLogger(__name__)

ADAPTER_START_LAYER = 4  # the routing adapter tunes copies of MiniLM's layers 4 and 5 (of 0-5)
ADAPTER_TRAINING: dict[str, Any] = {"epochs": 8, "lr": 3e-4}


def train_routing(
    settings: Settings, *, seed: int = 13, progress: bool = True, folds: int = 4, reuse_adapter: Path | None = None
) -> dict[str, Any]:
    """Train the routing head, fusion weights and calibration; write ``routing_head.npz`` and
    ``routing_head.md``.

    Data: our stratified train part of BANKING77 train (``banking77_split``, seed ``seed``), our British-English
    messages (``uk_paraphrases("train")``), the articles' example questions and the out-of-scope training
    queries (``out_of_scope_training()``, class ``out_of_scope``). Fusion weights and calibration are fitted on
    ``folds``-fold out-of-fold predictions over that training data; the dev split is only used for the figures
    in the model card.

    ``reuse_adapter`` (a ``routing_adapter.npz``) keeps that adapter's fine-tuned layers as they are and refits
    only the cosine classifier on its view (``fit_view_classifier``), with the linear head, the MLP, fusion and
    calibration as usual: a cheaper retrain after new intents or articles, for when fine-tuning five adapters does
    not fit the time there is. The model card says which was done.
    """
    from assistant.integrations.encoder import shared_encoder
    from assistant.kb.ingest import kb_documents
    from assistant.training.routing.evaluate import evaluate_routing

    started = time.perf_counter()
    say: Callable[[str], None] = (lambda m: print(m, flush=True)) if progress else (lambda m: logger.info("%s", m))
    encoder = shared_encoder()
    cache = settings.data_dir / "cache"
    kept = LayerAdapter.load(reuse_adapter) if reuse_adapter is not None else None
    pool = routing_pool(settings, seed=seed, encoder=encoder, adapter=kept)
    kb, classes, col = pool.kb, pool.classes, pool.col
    uk_train, oos_train = pool.uk_train, pool.oos_train
    pool_texts, pool_labels, pool_vec, pool_y = pool.texts, pool.labels, pool.vectors, pool.targets
    q_texts, q_targets, q_vec = pool.q_texts, pool.q_targets, pool.q_vectors
    say(
        f"training data: {len(pool_texts) - len(oos_train)} labelled (BANKING77 train part and {len(uk_train)} "
        f"British-English), {len(q_texts)} article questions, {len(oos_train)} OOS"
    )
    spec = FeatureSpec(dim=encoder.dimension, emb_scale=2.0, word_buckets=4096, char_buckets=8192)
    spec.fit_idf(pool_texts + q_texts)

    # ---- article lookups (same documents as the index)
    table = ArticleTable.build(kb, classes)
    docs = kb_documents(kb, encoder.name)
    doc_vec = cached_encode(encoder, [d.text for d in docs], cache, "kb-docs")
    a_index = {a: i for i, a in enumerate(table.ids)}
    doc_article = np.array([a_index[d.metadata["article_id"]] for d in docs])
    doc_is_q = np.array([d.metadata["kind"] == "question" for d in docs])
    intents_index = kb.intents_index()

    # ---- hidden states entering the tuned layers (the routing adapter trains from these)
    start = ADAPTER_START_LAYER if kept is None else kept.start_layer
    pool_states = cached_states(encoder, pool_texts, start, cache, "pool") if kept is None else []
    q_states = cached_states(encoder, q_texts, start, cache, "kb-questions") if kept is None else []
    auto_model = encoder.auto_model

    def fit_tuned(idx: np.ndarray, fold_seed: int, label: str) -> tuple[LayerAdapter, dict[str, np.ndarray]]:
        from rich.progress import Progress

        if kept is not None:
            assert pool.views is not None and pool.q_views is not None
            targets = np.vstack([pool_y[idx], np.array(q_targets)])
            return kept, fit_view_classifier(np.vstack([pool.views[idx], pool.q_views]), targets, seed=fold_seed)

        with Progress(transient=True, disable=not progress) as bar:
            task = bar.add_task(f"tuning layers {start}+ ({label})", total=1)
            adapter, weight, bias = fit_layer_adapter(
                auto_model,
                [pool_states[i] for i in idx] + q_states,
                np.vstack([pool_y[idx], np.array(q_targets)]),
                start_layer=start,
                seed=fold_seed,
                **ADAPTER_TRAINING,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        return adapter, {"weight": weight, "bias": bias}

    # ---- out-of-fold head predictions over the pool
    fold = stratified_folds(pool_labels, folds, seed)
    oof_frozen = np.zeros((len(pool_texts), len(classes)), np.float32)
    oof_tuned = np.zeros((len(pool_texts), len(classes)), np.float32)
    for k in range(folds):
        tr, te = fold != k, fold == k
        data = TrainingSet(
            [t for t, m in zip(pool_texts, tr, strict=True) if m] + q_texts,
            np.vstack([pool_vec[tr], q_vec]),
            np.vstack([pool_y[tr], np.array(q_targets)]),
        )
        w_k, b_k = fit_head(data, spec, seed=seed + k, l2=L2)
        mlp_k = fit_mlp(data, seed=seed + k)
        adapter_k, tuned_k = fit_tuned(np.where(tr)[0], seed + k, f"fold {k + 1}/{folds}")
        if kept is not None and pool.views is not None:
            views_te = pool.views[te]
        else:
            views_te = adapter_views(adapter_k, auto_model, [pool_states[i] for i in np.where(te)[0]])
        head_k = RoutingHead(
            classes, spec, w_k, b_k, {}, np.zeros(7), 0.0, np.zeros(7), np.ones(7), mlp=mlp_k, tuned=tuned_k
        )
        oof_frozen[te] = head_k.predict_proba(pool_vec[te], [t for t, m in zip(pool_texts, te, strict=True) if m])
        oof_tuned[te] = softmax(head_k.tuned_logits(views_te))
        acc = [(p[te].argmax(1) == pool_y[te].argmax(1)).mean() for p in (oof_frozen, oof_tuned)]
        say(f"fold {k + 1}/{folds}: intent accuracy frozen {acc[0]:.4f}, tuned {acc[1]:.4f}")

    # ---- how much the tuned branch counts: out-of-fold intent top-1 (ties: closest to an even split)
    gold_class = pool_y.argmax(1)
    weights = (0.3, 0.4, 0.5, 0.6, 0.7)
    scores = [(((1 - w) * oof_frozen + w * oof_tuned).argmax(1) == gold_class).mean() for w in weights]
    tuned_weight = max(zip(scores, (-abs(w - 0.5) for w in weights), weights, strict=True))[2]
    oof = (1 - tuned_weight) * oof_frozen + tuned_weight * oof_tuned
    say(f"tuned branch weight {tuned_weight}: out-of-fold intent accuracy {max(scores):.4f}")

    dq, ds = dense_by_article(pool_vec, doc_vec, doc_article, doc_is_q, len(table.ids))
    sigs = [
        article_signals(oof[i], table, dq[i], ds[i], pool_texts[i], col[OUT_OF_SCOPE]) for i in range(len(pool_texts))
    ]
    in_scope = [i for i, lab in enumerate(pool_labels) if lab != OUT_OF_SCOPE and lab in intents_index]
    gold = [set(intents_index[pool_labels[i]]) for i in in_scope]

    # ---- fusion weights: grid search on out-of-fold top-1 + top-3 (both are targets), then MRR
    best: tuple[float, float, dict[str, float]] = (-1.0, -1.0, {})
    best_m: dict[str, float] = {}
    for a_q in (0.0, 1.0, 2.0, 4.0, 6.0, 8.0):
        for a_s in (0.0, 2.0, 4.0):
            for beta in (0.0, 0.5, 1.0, 2.0):
                fusion: dict[str, float] = {"head": 1.0, "a_q": a_q, "a_s": a_s, "b": beta}
                ranked = [
                    [table.ids[j] for j in np.argsort(-fuse(sigs[i], fusion), kind="stable")[:10]] for i in in_scope
                ]
                m = rank_metrics(ranked, gold)
                if (m["top1"] + m["top3"], m["mrr"]) > best[:2]:
                    best, best_m = (m["top1"] + m["top3"], m["mrr"], fusion), m
    fusion = best[2]
    say(f"fusion {fusion}: out-of-fold top-1 {best_m['top1']:.4f}, top-3 {best_m['top3']:.4f}, MRR {best[1]:.4f}")

    # ---- confidence calibration on out-of-fold rankings (OOS queries count as wrong)
    feats, correct = [], []
    for i, sig in enumerate(sigs):
        fused = fuse(sig, fusion)
        top_id = table.ids[int(np.argmax(fused))]
        feats.append(confidence_features(sig, fused))
        lab = pool_labels[i]
        correct.append(float(lab != OUT_OF_SCOPE and top_id in intents_index.get(lab, ())))
    coef, cbias, cmean, cstd = fit_logistic(np.array(feats), np.array(correct))

    # ---- final head on everything
    data = TrainingSet(pool_texts + q_texts, np.vstack([pool_vec, q_vec]), np.vstack([pool_y, np.array(q_targets)]))
    w, b = fit_head(data, spec, seed=seed, l2=L2)
    mlp = fit_mlp(data, seed=seed)
    adapter, tuned = fit_tuned(np.arange(len(pool_texts)), seed, "final")
    adapter_path = settings.artifacts_dir / ADAPTER_FILE
    if kept is None or reuse_adapter is None or reuse_adapter.resolve() != adapter_path.resolve():
        adapter.save(adapter_path)
        say(f"wrote {adapter_path} ({adapter_path.stat().st_size / 1e6:.2f} MB)")
    meta = {
        "trained": True,
        "seed": seed,
        "encoder": encoder.name,
        "kb_fingerprint": kb.fingerprint(),
        "questions_fingerprint": questions_fingerprint(kb),
        "extra_data_fingerprint": hashlib.sha256(json.dumps([uk_train, oos_train]).encode()).hexdigest()[:16],
        "kb_articles": len(kb.articles),
        "train_texts": len(data.texts),
        "oof_top1": round(best_m["top1"], 4),
        "oof_top3": round(best_m["top3"], 4),
        "oof_mrr": round(best[1], 4),
        "folds": folds,
        "adapter": adapter.fingerprint(),
        "adapter_training": {"start_layer": start, **(ADAPTER_TRAINING if kept is None else kept.meta)}
        | ({"reused": True} if kept is not None else {}),
        "tuned_weight": tuned_weight,
    }
    head = RoutingHead(
        classes, spec, w, b, fusion, coef, cbias, cmean, cstd, meta, mlp=mlp, tuned=tuned, tuned_weight=tuned_weight
    )
    path = settings.artifacts_dir / HEAD_FILE
    head.save(path)
    say(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")

    # ---- figures on the held-out dev split and the OOS test half, through the real retriever
    metrics = evaluate_routing(settings, seed=seed, encoder=encoder, progress=progress)
    metrics.update({"fusion": fusion, "seconds": round(time.perf_counter() - started, 1), **meta})
    write_model_card(settings.artifacts_dir / CARD_FILE, metrics, path)
    return metrics
