"""What the routing model trains on: the routing pool (labelled texts, out-of-scope texts and the articles'
questions, with their cached encoder views) and the dense similarity of queries to each article.

Only our train part of BANKING77 train, our British-English messages and the out-of-scope training queries
enter; no dev or test message does, even re-punctuated (``splits.without_held_out``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.integrations.encoder import TextEncoder
from assistant.integrations.layer_adapter import LayerAdapter
from assistant.kb.intents import ALL_INTENTS, OUT_OF_SCOPE
from assistant.kb.loader import KnowledgeBase
from assistant.kb.routing import cached_views
from assistant.settings import Settings


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


@dataclass
class RoutingPool:
    """What the routing model trains on, in training order, with the frozen embeddings (cached).

    >>> from assistant.integrations.encoder import shared_encoder
    >>> from assistant.settings import get_settings
    >>> pool = routing_pool(get_settings(), seed=13, encoder=shared_encoder())  # reads ../shared/data
    >>> len(pool.texts) == len(pool.labels) == len(pool.targets) == len(pool.vectors)
    True
    """

    kb: KnowledgeBase
    classes: tuple[str, ...]
    col: dict[str, int]
    dev: list[tuple[str, str]]  # the held-out dev split (text, BANKING77 category): figures only
    uk_train: list[tuple[str, str]]
    oos_train: tuple[str, ...]
    texts: list[str]  # labelled texts, then out-of-scope texts
    labels: list[str]
    vectors: np.ndarray
    targets: np.ndarray  # one-hot over ``classes``
    q_texts: list[str]  # the articles' example questions
    q_targets: list[np.ndarray]  # soft: an article with several intents splits its target evenly
    q_vectors: np.ndarray
    views: np.ndarray | None = None  # the routing view of ``texts`` through ``adapter`` (when one was given)
    q_views: np.ndarray | None = None


def routing_pool(
    settings: Settings, *, seed: int, encoder: TextEncoder, adapter: LayerAdapter | None = None
) -> RoutingPool:
    """The routing training data: our train part of BANKING77 train (seed ``seed``), British-English messages,
    out-of-scope training queries (no dev or test message, even re-punctuated) and the articles' questions."""
    from assistant.kb.loader import load_kb
    from assistant.training.splits import banking77_split, out_of_scope_training, uk_paraphrases, without_held_out

    kb = load_kb(settings.kb_dir)
    split = banking77_split(settings.shared_data_dir, seed=seed)
    uk_train = uk_paraphrases("train")
    cache = settings.data_dir / "cache"
    classes = (*ALL_INTENTS, OUT_OF_SCOPE)
    col = {c: i for i, c in enumerate(classes)}
    labelled = [*split.train, *uk_train]
    dev_texts = [t for t, _ in split.dev]  # no dev or test message trains, even re-punctuated
    labelled = [labelled[i] for i in without_held_out([t for t, _ in labelled], dev_texts)]
    oos_all = out_of_scope_training()
    oos_train = tuple(oos_all[i] for i in without_held_out(oos_all, dev_texts))
    q_texts, q_targets = [], []
    for article in kb.articles:
        for q in article.meta.questions:
            q_texts.append(q)
            row = np.zeros(len(classes), np.float32)
            row[[col[i] for i in article.meta.intents]] = 1.0 / len(article.meta.intents)
            q_targets.append(row)
    labelled_texts = [t for t, _ in labelled]
    labels = [c for _, c in labelled] + [OUT_OF_SCOPE] * len(oos_train)
    targets = np.zeros((len(labels), len(classes)), np.float32)
    targets[np.arange(len(labels)), [col[x] for x in labels]] = 1.0
    parts = [
        cached_views(encoder, adapter, labelled_texts, cache, "labelled-train"),
        cached_views(encoder, adapter, list(oos_train), cache, "oos-train"),
        cached_views(encoder, adapter, q_texts, cache, "kb-questions"),
    ]
    vectors = np.vstack([parts[0][0], parts[1][0]])
    with_views = all(view is not None for _, view in parts)
    return RoutingPool(
        kb=kb,
        classes=classes,
        col=col,
        dev=list(split.dev),
        uk_train=list(uk_train),
        oos_train=oos_train,
        texts=labelled_texts + list(oos_train),
        labels=labels,
        vectors=vectors,
        targets=targets,
        q_texts=q_texts,
        q_targets=q_targets,
        q_vectors=parts[2][0],
        views=np.vstack([parts[0][1], parts[1][1]]) if with_views else None,  # type: ignore[list-item]
        q_views=parts[2][1],
    )
