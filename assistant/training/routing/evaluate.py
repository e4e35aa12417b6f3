"""Routing figures: our retriever side by side with BM25 alone and untuned MiniLM nearest neighbour.

An article counts as right for a query when its ``intents`` contain the query's category. Queries whose
category no article covers stay in the denominator (every retriever misses them).

>>> from pathlib import Path
>>> from assistant.settings import Settings
>>> s = Settings(kb_dir=Path("tests/fixtures/kb"))
>>> table = compare_retrievers([("my card never came", "card_arrival")], s, progress=False)
>>> sorted(table)[:3], table["ours"]["top1"]
(['bm25', 'dense', 'head'], 1.0)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.integrations.bm25 import Bm25Index
from assistant.integrations.encoder import TextEncoder, shared_encoder
from assistant.integrations.layer_adapter import LayerAdapter
from assistant.integrations.vectorstore import InMemoryVectorIndex, VectorIndex
from assistant.kb.ingest import ingest_kb
from assistant.kb.loader import KnowledgeBase
from assistant.kb.routing import EPS, cached_encode, cached_views, load_adapter
from assistant.settings import Settings
from assistant.signals.lexicon import load_lexicon
from assistant.signals.misuse import MISUSE_ARTIFACT, MisuseDetector
from assistant.stages.retrieve import KnowledgeRetriever
from assistant.training.routing.metrics import gold_position, rank_metrics
from assistant.types import Encoded
from eval.metrics import reliability

THRESHOLDS = (0.2, 0.35, 0.5, 0.6, 0.7, 0.8)
RETRIEVERS = ("ours", "ours_primary", "bm25", "knn", "head", "dense")
DESCRIPTIONS = {
    "ours": "ours: intent heads (frozen + tuned top layers) + dense + BM25, fused",
    "ours_primary": "ours, counting only an article's primary (first) intent",
    "bm25": "BM25 alone over article texts",
    "knn": "untuned MiniLM nearest neighbour, query vs article texts",
    "head": "ablation: intent head alone",
    "dense": "ablation: dense alone (best of questions, title, sections)",
}


def article_text(kb: KnowledgeBase, article: Any) -> str:
    """An article as a reader sees it (title, sections, glossary; no example questions), facts filled in."""
    return "\n".join([article.title] + [text for _, text in kb.rendered_sections(article)])


def _progress(items: Sequence[Any], label: str, enabled: bool) -> Any:
    if not enabled:
        return items
    from rich.console import Console
    from rich.progress import track

    return track(items, description=label, transient=True, console=Console(stderr=True))  # stdout: the report


def compare_retrievers(
    queries: list[tuple[str, str]],
    settings: Settings,
    *,
    encoder: TextEncoder | None = None,
    index: VectorIndex | None = None,
    retriever: KnowledgeRetriever | None = None,
    progress: bool = True,
    cache_label: str | None = None,
    adapter: LayerAdapter | None = None,
) -> dict[str, Any]:
    """top-1, top-3 and MRR over ``queries`` (text, category) for ours, BM25 alone, kNN and two ablations.

    Without ``index`` the knowledge base at ``settings.kb_dir`` is ingested into an in-memory index first.
    Queries are encoded as the encode stage does, with ``adapter`` (default: the one in ``settings.artifacts_dir``).
    Also returns, per query, ``ours_confidence`` (calibrated), ``ours_correct`` (top-1 right or not) and
    ``ours_position`` (0-based position of the first right article among our top 10, None when absent).
    """
    encoder = encoder or shared_encoder()
    if retriever is None:
        if index is None:
            index = InMemoryVectorIndex()
            ingest_kb(settings, encoder=encoder, index=index, progress=False)
        retriever = KnowledgeRetriever(settings, encoder=encoder, index=index)
    retriever.warm_up()
    kb = retriever.kb
    gold_by_intent = kb.intents_index()
    texts = [t for t, _ in queries]
    gold = [set(gold_by_intent.get(c, ())) for _, c in queries]
    cache = settings.data_dir / "cache" if cache_label else None
    adapter = adapter if adapter is not None else load_adapter(settings)
    vectors, views = cached_views(encoder, adapter, texts, cache, cache_label or "queries")

    primary: dict[str, set[str]] = {}
    for article in kb.articles:
        primary.setdefault(article.meta.intents[0], set()).add(article.id)
    gold_primary = [primary.get(c, set()) for _, c in queries]
    ranked: dict[str, list[list[str]]] = {name: [] for name in RETRIEVERS if name != "ours_primary"}
    confidence: list[float] = []
    started = time.perf_counter()
    for i, text in enumerate(_progress(texts, "ranking", progress)):
        r = retriever.rank(encoded=Encoded(text, vectors[i], None if views is None else views[i]))
        ranked["ours"].append(list(r.ids[:10]))
        confidence.append(r.confidence)
        sig = r.signals
        ids = retriever.kb.ids
        head_score = np.log(sig.head + EPS) + 1e-6 * sig.dense_q  # ties (no head) broken by dense
        ranked["head"].append([ids[i] for i in np.argsort(-head_score, kind="stable")[:10]])
        dense = np.maximum(sig.dense_q, sig.dense_s)
        ranked["dense"].append([ids[i] for i in np.argsort(-dense, kind="stable")[:10]])
    ms_per_query = 1000 * (time.perf_counter() - started) / max(len(texts), 1)

    docs = [article_text(kb, a) for a in kb.articles]
    bm25 = Bm25Index(docs)
    for text in texts:
        ranked["bm25"].append([kb.ids[i] for i, _ in bm25.top(text, 10)])
    doc_vec = cached_encode(encoder, docs, cache, "kb-article-texts")
    sims = vectors @ doc_vec.T
    for row in sims:
        ranked["knn"].append([kb.ids[i] for i in np.argsort(-row, kind="stable")[:10]])

    out: dict[str, Any] = {name: rank_metrics(ranked[name], gold) for name in ranked}
    out["ours_primary"] = rank_metrics(ranked["ours"], gold_primary)
    positions = [gold_position(r, g) for r, g in zip(ranked["ours"], gold, strict=True)]
    out["ours_confidence"] = confidence
    out["ours_correct"] = [pos == 0 for pos in positions]
    out["ours_position"] = positions
    out["uncovered"] = sum(1 for g in gold if not g)
    out["ms_per_query"] = round(ms_per_query, 2)
    return out


def evaluate_routing(
    settings: Settings, *, seed: int = 13, encoder: TextEncoder | None = None, progress: bool = True
) -> dict[str, Any]:
    """Dev-split table (ours vs BM25 vs kNN) and out-of-scope false-match rate at the configured threshold."""
    from assistant.training.splits import (
        banking77_split,
        out_of_scope_blind_test,
        out_of_scope_fresh_test,
        out_of_scope_split,
        uk_paraphrases,
    )

    encoder = encoder or shared_encoder()
    split = banking77_split(settings.shared_data_dir, seed=seed)
    oos_dev, oos_test = out_of_scope_split()
    index = InMemoryVectorIndex()
    ingest_kb(settings, encoder=encoder, index=index, progress=False)
    retriever = KnowledgeRetriever(settings, encoder=encoder, index=index)
    adapter = load_adapter(settings)
    dev = compare_retrievers(
        list(split.dev),
        settings,
        retriever=retriever,
        encoder=encoder,
        progress=progress,
        cache_label="b77-dev",
        adapter=adapter,
    )
    detector = MisuseDetector.load(settings.artifacts_dir / MISUSE_ARTIFACT)
    lexicon = load_lexicon()

    def screened(texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """Messages the pipeline never answers from the KB: a named other organisation, or misuse."""
        kinds = detector.kinds(lexicon, texts, vectors)
        others = [retriever.other_organisation(t) is not None for t in texts]
        return np.array([o or k is not None for o, k in zip(others, kinds, strict=True)])

    dev_texts = [t for t, _ in split.dev]
    dev_screened = screened(dev_texts, cached_encode(encoder, dev_texts, settings.data_dir / "cache", "b77-dev"))
    threshold = settings.min_retrieval_confidence
    conf = np.array(dev["ours_confidence"])
    ok = np.array(dev["ours_correct"])
    rel = reliability(conf.tolist(), ok.astype(bool).tolist())
    accepted = conf >= threshold
    uk: dict[str, Any] = {}
    uk_queries = list(uk_paraphrases("test"))
    if uk_queries:
        got = compare_retrievers(
            uk_queries, settings, retriever=retriever, encoder=encoder, progress=False, cache_label="uk-test",
            adapter=adapter,
        )  # fmt: skip
        uk_accepted = np.array(got["ours_confidence"]) >= threshold
        uk = {
            "uk": {k: got[k] for k in ("ours", "bm25", "knn")},
            "uk_n": len(uk_queries),
            "uk_accept_rate": float(uk_accepted.mean()),
            "uk_answered_right": float((uk_accepted & np.array(got["ours_correct"])).mean()),
        }
    oos: dict[str, Any] = {}
    blind = out_of_scope_blind_test()
    for name, queries in (
        ("test", oos_test),
        ("dev", oos_dev),
        ("fresh", out_of_scope_fresh_test()),
        ("blind", tuple(text for _, text in blind)),
    ):
        if not queries:
            continue
        vecs, oos_views = cached_views(encoder, adapter, list(queries), settings.data_dir / "cache", f"oos-{name}")
        c = np.array(
            [
                retriever.rank(encoded=Encoded(t, vecs[i], None if oos_views is None else oos_views[i])).confidence
                for i, t in enumerate(queries)
            ]
        )
        if name == "test":
            oos["sweep"] = [
                {"threshold": th, "dev_accept": float((conf >= th).mean()), "oos_false_match": float((c >= th).mean())}
                for th in THRESHOLDS
            ]
        oos[f"oos_{name}_false_match"] = float((c >= threshold).mean()) if len(c) else 0.0
        after = (c >= threshold) & ~screened(queries, vecs)
        oos[f"oos_{name}_false_match_screened"] = float(after.mean()) if len(c) else 0.0
        oos[f"oos_{name}_n"] = float(len(c))
        oos[f"oos_{name}_mean_conf"] = float(c.mean()) if len(c) else 0.0
        if name == "blind":
            tags = np.array([tag for tag, _ in blind])
            oos["oos_blind_by_tag"] = {
                str(tag): {
                    "n": int((tags == tag).sum()),
                    "false_match": float((c[tags == tag] >= threshold).mean()),
                    "false_match_screened": float(after[tags == tag].mean()),
                }
                for tag in sorted(set(tags.tolist()))
            }
    return {
        "seed": seed,
        "threshold": threshold,
        "dev": {k: dev[k] for k in RETRIEVERS},
        "dev_n": len(split.dev),
        "dev_uncovered": dev["uncovered"],
        "dev_accept_rate": float(accepted.mean()),
        "dev_screened": int(dev_screened.sum()),
        "dev_accuracy_when_accepted": float(ok[accepted].mean()) if accepted.any() else 0.0,
        "dev_calibration": {k: float(rel[k] or 0.0) for k in ("ece", "brier")},
        "ms_per_query": dev["ms_per_query"],
        "kb_articles": len(retriever.kb.articles),
        **oos,
        **uk,
    }


def _retriever_table(results: dict[str, dict[str, float]]) -> list[str]:
    """Markdown rows: one per retriever in ``results`` (in its order), top-1, top-3 and MRR."""
    rows = ["| retriever | top-1 | top-3 | MRR |", "|---|---|---|---|"]
    return rows + [
        f"| {DESCRIPTIONS[name]} | {m['top1']:.4f} | {m['top3']:.4f} | {m['mrr']:.4f} |" for name, m in results.items()
    ]


def _counts_line(ours: dict[str, float], n: int) -> str:
    """Ours as counts, so that a rate just under a target (1879/1999 = 0.93997) is not read as its rounding;
    then, where known, the rank of the right article for the queries that miss the top 3."""
    line = (
        f"Ours in counts: top-1 {round(ours['top1'] * n)} of {n} ({100 * ours['top1']:.3f} %), "
        f"top-3 {round(ours['top3'] * n)} of {n} ({100 * ours['top3']:.3f} %)."
    )
    if "rank4" not in ours:
        return line
    return line + (
        f" Where the top 3 miss, the right article ranks 4th for {int(ours['rank4'])} queries, "
        f"5th for {int(ours['rank5'])}, 6th to 10th for {int(ours['rank6_10'])} "
        f"and lower for {int(ours['beyond10'])}."
    )


def format_table(metrics: dict[str, Any]) -> str:
    """The metrics of :func:`evaluate_routing` as a Markdown table plus the out-of-scope lines."""
    lines = [
        f"Dev split: {metrics['dev_n']} queries "
        f"({metrics['dev_uncovered']} whose category no article covers), "
        f"{metrics['kb_articles']} articles.",
        "",
        *_retriever_table(metrics["dev"]),
        "",
        _counts_line(metrics["dev"]["ours"], metrics["dev_n"]),
    ]
    cal = metrics["dev_calibration"]
    lines += [
        "",
        f"Threshold (settings.min_retrieval_confidence) = {metrics['threshold']:.2f}: dev accepted "
        f"{metrics['dev_accept_rate']:.4f}, top-1 accuracy when accepted "
        f"{metrics['dev_accuracy_when_accepted']:.4f}; "
        f"dev calibration ECE {cal['ece']:.4f}, Brier {cal['brier']:.4f}.",
        f"Out-of-scope false-match rate (confidence >= threshold): test half "
        f"{metrics['oos_test_false_match']:.4f} "
        f"(n={int(metrics['oos_test_n'])}, mean confidence {metrics['oos_test_mean_conf']:.3f}); "
        f"dev half (trained on) {metrics['oos_dev_false_match']:.4f} (n={int(metrics['oos_dev_n'])}).",
        f"Ours: {metrics['ms_per_query']:.1f} ms per query after encoding (in-memory index).",
    ]
    if metrics.get("oos_fresh_n"):
        lines.insert(
            -1,
            f"Second out-of-scope test set (`data/out_of_scope/test_fresh.txt`, never trained on): false-match "
            f"{metrics['oos_fresh_false_match']:.4f} (n={int(metrics['oos_fresh_n'])}).",
        )
    if metrics.get("oos_blind_n"):
        by_tag = ", ".join(
            f"{tag} {m['false_match']:.3f} (n={m['n']})" for tag, m in metrics["oos_blind_by_tag"].items()
        )
        lines.insert(
            -1,
            f"Third out-of-scope test set (`data/out_of_scope/test_blind.tsv`, written blind, never trained on): "
            f"false-match {metrics['oos_blind_false_match']:.4f} (n={int(metrics['oos_blind_n'])}); by its "
            f"writer's tags: {by_tag}.",
        )
    if "oos_test_false_match_screened" in metrics:
        sets = [("test half", "test"), ("`test_fresh.txt`", "fresh"), ("`test_blind.tsv`", "blind")]
        after = ", ".join(
            f"{label} {metrics[f'oos_{key}_false_match_screened']:.4f}"
            for label, key in sets
            if metrics.get(f"oos_{key}_n")
        )
        lines.insert(
            -1,
            "After the scope screen that the pipeline applies before answering (a named other organisation, "
            f"`prompts/scope.yaml`; misuse, `lexicon.yaml` and the misuse head): out-of-scope false-match {after}; "
            f"dev queries screened out {metrics['dev_screened']} of {metrics['dev_n']}.",
        )
        if metrics.get("oos_blind_by_tag"):
            by_tag = ", ".join(
                f"{tag} {m['false_match_screened']:.3f}" for tag, m in metrics["oos_blind_by_tag"].items()
            )
            lines.insert(-1, f"After the screen, `test_blind.tsv` by tag: {by_tag}.")
    if metrics.get("uk"):
        lines += [
            "",
            f"British-English test set (`data/paraphrases/uk_test.tsv`, {metrics['uk_n']} messages written by us, "
            "never trained on):",
            "",
            *_retriever_table(metrics["uk"]),
            "",
            f"At the threshold {metrics['uk_accept_rate']:.4f} of them are accepted and "
            f"{metrics['uk_answered_right']:.4f} are accepted with the right top article.",
        ]
    if metrics.get("sweep"):
        lines += ["", "| threshold | dev accepted | OOS test false-match |", "|---|---|---|"]
        lines += [
            f"| {r['threshold']:.2f} | {r['dev_accept']:.4f} | {r['oos_false_match']:.4f} |" for r in metrics["sweep"]
        ]
    return "\n".join(lines)
