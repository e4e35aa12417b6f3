"""Extending a trained router with new intents, without retraining what it already knows.

``attune train routing --extend`` (``extend_routing``) loads the committed routing head and adapter, keeps every
weight of the intents the head already has (and its fusion weights and calibration), and fits only the new
intents' columns of its three branches: (a) the linear head on ``[embedding, hashed n-grams]``, (b) the MLP's
output layer on its frozen hidden layer, and (c) the cosine classifier on the routing adapter's (frozen) view.
Each is a softmax over all classes, old columns fixed, so a new intent must out-score the old intents on its own
examples and stay below them on theirs.

Data: the new intents' examples (their articles' questions and ``uk_train.tsv`` rows) and, as the context the new
columns must not take over, a seeded sample of our BANKING77 train part (``per_class`` texts per category), every
other ``uk_train.tsv`` row and article question, and the out-of-scope training queries. Dev and test messages
are never used (``splits.without_held_out``).

It exists because a full ``attune train routing`` (five adapters fine-tuned on every training text) takes about
25 minutes on two idle cores and hours on a shared, loaded machine; the full retrain stays the reference and
should be run when time allows. The model card says which was done.

>>> old = np.zeros((3, 2), np.float32)
>>> new = _merge_columns(old, np.ones((3, 1), np.float32), ("a", "b"), ("a", "c", "b"), ("c",))
>>> new.tolist()
[[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from assistant.integrations.layer_adapter import ADAPTER_FILE, LayerAdapter
from assistant.kb.intents import ALL_INTENTS, OUT_OF_SCOPE
from assistant.kb.routing import CARD_FILE, HEAD_FILE, FeatureSpec, RoutingHead, cached_views, questions_fingerprint
from assistant.settings import Settings

logger = logging.getLogger(__name__)

L2_NEW = 1e-4  # penalty on the new columns (per example, as the routing trainer's linear head)


def _merge_columns(
    old: np.ndarray, new: np.ndarray, old_classes: Sequence[str], classes: Sequence[str], added: Sequence[str]
) -> np.ndarray:
    """Columns of ``old`` (over ``old_classes``) and ``new`` (over ``added``) placed in the order of ``classes``."""
    out = np.zeros((*old.shape[:-1], len(classes)), dtype=np.float32)
    for j, c in enumerate(classes):
        out[..., j] = old[..., list(old_classes).index(c)] if c in old_classes else new[..., list(added).index(c)]
    return out


def fit_new_columns(
    logits_old: Callable[[Any], Any],
    x: Any,
    targets: np.ndarray,
    width: int,
    n_new: int,
    *,
    seed: int,
    l2: float = L2_NEW,
    scale: float = 1.0,
    epochs: int = 30,
) -> tuple[np.ndarray, np.ndarray]:
    """Fit ``n_new`` columns (weight ``(width, n_new)``, bias) appended to fixed old logits.

    ``logits_old(x)`` gives the old classes' logits (a torch tensor, no gradient); ``x`` is the input of the new
    columns (dense or sparse torch tensor, ``width`` features); ``targets`` soft labels over old + new classes
    (old first). Class-balanced softmax cross-entropy, full-batch L-BFGS, seeded.
    """
    import torch

    torch.manual_seed(seed)
    with torch.no_grad():
        fixed = logits_old(x)
    y = torch.tensor(targets, dtype=torch.float32)
    counts = y.sum(0)
    class_w = torch.where(counts > 0, (counts.sum() / (len(counts) * counts.clamp(min=1))) ** 0.5, torch.zeros(1))
    row_w = (y * class_w).sum(1)
    weight = torch.zeros((width, n_new), requires_grad=True)
    bias = torch.zeros(n_new, requires_grad=True)
    opt = torch.optim.LBFGS(
        [weight, bias], lr=1.0, max_iter=epochs * 10, history_size=20, line_search_fn="strong_wolfe"
    )

    def new_logits() -> Any:
        product = torch.sparse.mm(x, weight) if x.is_sparse else x @ weight
        return scale * (product + bias)

    def closure() -> Any:
        opt.zero_grad()
        logits = torch.cat([fixed, new_logits()], 1)
        loss = -(row_w * (y * torch.log_softmax(logits, 1)).sum(1)).sum() / row_w.sum()
        loss = loss + l2 * weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return weight.detach().numpy().astype(np.float32), bias.detach().numpy().astype(np.float32)


def _extension_data(settings: Settings, head: RoutingHead, seed: int, per_class: int) -> tuple[list[str], list[dict]]:
    """(texts, soft targets as {class: weight}) for the extension: new intents' examples plus sampled context."""
    from assistant.kb.loader import load_kb
    from assistant.training.splits import banking77_split, out_of_scope_training, uk_paraphrases, without_held_out

    kb = load_kb(settings.kb_dir)
    split = banking77_split(settings.shared_data_dir, seed=seed)
    rng = random.Random(seed)
    by_cat: dict[str, list[str]] = {}
    for text, cat in split.train:
        by_cat.setdefault(cat, []).append(text)
    sampled = [(t, c) for c in sorted(by_cat) for t in rng.sample(by_cat[c], min(per_class, len(by_cat[c])))]
    rows: list[tuple[str, dict[str, float]]] = [(t, {c: 1.0}) for t, c in sampled]
    rows += [(t, {c: 1.0}) for t, c in uk_paraphrases("train")]
    rows += [(t, {OUT_OF_SCOPE: 1.0}) for t in out_of_scope_training()]
    for article in kb.articles:
        share = 1.0 / len(article.meta.intents)
        rows += [(q, dict.fromkeys(article.meta.intents, share)) for q in article.meta.questions]
    dev_texts = [t for t, _ in split.dev]
    keep = without_held_out([t for t, _ in rows], dev_texts)
    return [rows[i][0] for i in keep], [rows[i][1] for i in keep]


def extend_routing(settings: Settings, *, seed: int = 13, per_class: int = 16, progress: bool = True) -> dict[str, Any]:
    """Add the intents of ``ALL_INTENTS`` that the committed head lacks; rewrite ``routing_head.npz`` and the card.

    Returns the figures of ``evaluate_routing`` (as ``train_routing`` does) plus what the extension trained on.
    """
    import torch

    from assistant.integrations.encoder import shared_encoder
    from assistant.kb.loader import load_kb
    from assistant.training.routing.evaluate import evaluate_routing
    from assistant.training.routing.train import write_model_card

    started = time.perf_counter()
    say: Callable[[str], None] = (lambda m: print(m, flush=True)) if progress else (lambda m: logger.info("%s", m))
    path = settings.artifacts_dir / HEAD_FILE
    old = RoutingHead.load(path)
    adapter = LayerAdapter.load(settings.artifacts_dir / ADAPTER_FILE)
    if old.meta.get("adapter") != adapter.fingerprint() or old.mlp is None or old.tuned is None:
        raise ValueError("extend needs a committed head trained with the committed adapter (all three branches)")
    classes = (*ALL_INTENTS, OUT_OF_SCOPE)
    added = tuple(c for c in classes if c not in old.classes)
    if not added or set(old.classes) - set(classes):
        raise ValueError(f"nothing to extend, or the head has classes no longer listed: {added}")
    texts, soft = _extension_data(settings, old, seed, per_class)
    order = (*old.classes, *added)
    targets = np.zeros((len(texts), len(order)), np.float32)
    for i, row in enumerate(soft):
        for c, w in row.items():
            targets[i, order.index(c)] = w
    n_new = int(targets[:, -len(added) :].sum())
    say(f"extending {len(old.classes)} classes by {len(added)}: {len(texts)} texts ({n_new} of the new intents)")
    encoder = shared_encoder()
    vectors, views = cached_views(encoder, adapter, texts, settings.data_dir / "cache", "extend")
    assert views is not None
    spec = old.spec

    # (a) linear head: [emb_scale * vector, hashed n-grams] -> new columns
    r, c, v = spec.sparse_rows(texts)
    n = len(texts)
    rows = np.concatenate([np.repeat(np.arange(n), spec.dim), r])
    cols = np.concatenate([np.tile(np.arange(spec.dim), n), c])
    vals = np.concatenate([(spec.emb_scale * np.asarray(vectors, np.float32)).ravel(), v])
    x_a = torch.sparse_coo_tensor(
        torch.tensor(np.stack([rows, cols])), torch.tensor(vals, dtype=torch.float32), (n, spec.width)
    ).coalesce()
    w_old, b_old = torch.tensor(old.weight), torch.tensor(old.bias)
    w_a, b_a = fit_new_columns(
        lambda x: torch.sparse.mm(x, w_old) + b_old, x_a, targets, spec.width, len(added), seed=seed, epochs=10
    )
    say("fitted the linear head's new columns")

    # (b) MLP: frozen hidden layer -> new output columns
    assert old.mlp is not None and old.tuned is not None
    hidden = np.asarray(vectors, np.float32) @ old.mlp["w1"] + old.mlp["b1"]
    hidden = 0.5 * hidden * (1.0 + np.tanh(0.7978845608 * (hidden + 0.044715 * hidden**3)))
    w2, b2 = torch.tensor(old.mlp["w2"]), torch.tensor(old.mlp["b2"])
    w_b, b_b = fit_new_columns(
        lambda x: x @ w2 + b2, torch.tensor(hidden), targets, hidden.shape[1], len(added), seed=seed
    )
    say("fitted the MLP's new output columns")

    # (c) cosine classifier on the adapter's view: scale * (view @ W + b)
    wt, bt, sc = torch.tensor(old.tuned["weight"]), torch.tensor(old.tuned["bias"]), old.tuned_scale
    w_c, b_c = fit_new_columns(
        lambda x: sc * (x @ wt + bt), torch.tensor(views), targets, views.shape[1], len(added), seed=seed, scale=sc
    )
    say("fitted the tuned branch's new columns")

    kb = load_kb(settings.kb_dir)
    meta = dict(old.meta)
    meta.update(
        {
            "kb_fingerprint": kb.fingerprint(),
            "questions_fingerprint": questions_fingerprint(kb),
            "kb_articles": len(kb.articles),
            "extended": {
                "from_questions_fingerprint": old.meta.get("questions_fingerprint"),
                "added": list(added),
                "texts": len(texts),
                "per_class": per_class,
                "seed": seed,
                "data_fingerprint": hashlib.sha256(json.dumps(texts).encode()).hexdigest()[:16],
            },
        }
    )
    head = RoutingHead(
        classes,
        FeatureSpec(spec.dim, spec.emb_scale, spec.word_buckets, spec.char_buckets, spec.idf_word, spec.idf_char),
        _merge_columns(old.weight, w_a, old.classes, classes, added),
        _merge_columns(old.bias, b_a, old.classes, classes, added),
        old.fusion, old.calib_coef, old.calib_bias, old.calib_mean, old.calib_std, meta,
        mlp={**old.mlp, "w2": _merge_columns(old.mlp["w2"], w_b, old.classes, classes, added),
             "b2": _merge_columns(old.mlp["b2"], b_b, old.classes, classes, added)},
        mlp_weight=old.mlp_weight,
        tuned={"weight": _merge_columns(old.tuned["weight"], w_c, old.classes, classes, added),
               "bias": _merge_columns(old.tuned["bias"], b_c, old.classes, classes, added)},
        tuned_weight=old.tuned_weight, tuned_scale=old.tuned_scale,
    )  # fmt: skip
    head.save(path)
    say(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    metrics = evaluate_routing(settings, seed=seed, encoder=encoder, progress=progress)
    metrics.update(
        {"fusion": old.fusion, "seconds": round(time.perf_counter() - started, 1), **meta, "train_texts": len(texts)}
    )
    write_model_card(settings.artifacts_dir / CARD_FILE, metrics, path)
    return metrics


def extension_note(metrics: dict[str, Any]) -> str:
    """The model card's line for an extended head (empty otherwise)."""
    ext = metrics.get("extended")
    if not ext:
        return ""
    return (
        f"- **Extended:** this head is the previous one (questions `{ext['from_questions_fingerprint']}`) extended "
        f"by `attune train routing --extend` with {len(ext['added'])} intents: every weight of the earlier classes, "
        "the fusion weights, the calibration and the routing adapter were kept; only the new intents' columns of "
        "(a), (b) and (c) were fitted (class-balanced softmax with the old columns fixed, L-BFGS, L2 "
        f"{L2_NEW:g}), on their examples and a context of {ext['texts']} texts in all ({ext['per_class']} "
        "BANKING77 train texts per category, every British-English message, article question and out-of-scope "
        "training query). A full `attune train routing` refits everything.\n"
    )
