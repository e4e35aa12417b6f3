"""The retrieval suite: rank of the gold intent's articles per query, calibration, and the BM25 / untuned kNN
baselines side by side."""

from __future__ import annotations

from collections.abc import Sequence

from eval import metrics as M
from eval.config import SuiteConfig
from eval.formats import LabelledText
from eval.runner import Dataset, EvalContext, SuiteResult
from eval.suite_runs.common import rounded


def _article_intents(ctx: EvalContext) -> dict[str, tuple[str, ...]]:
    from assistant.kb.loader import load_kb

    kb = load_kb(ctx.settings.kb_dir)
    return {a.id: tuple(a.meta.intents) for a in kb.articles}


def run_retrieval(ctx: EvalContext, cfg: SuiteConfig, datasets: dict[str, Dataset], res: SuiteResult) -> None:
    ds = datasets["queries"]
    items: list[LabelledText] = ctx.slice(ds.items, cfg.cap(ctx.fast), key=lambda x: x.label)
    res.datasets.append(ds.info(len(items)))
    top_k = int(cfg.options.get("top_k", 10))
    retriever = ctx.stage("retrieve")
    intents_of = _article_intents(ctx)
    covered = {i for intents in intents_of.values() for i in intents}
    encoded = ctx.encode([x.text for x in items])
    ranks: list[int | None] = []
    answered: list[bool] = []
    intent_hits: list[bool] = []
    for item, enc in ctx.track(list(zip(items, encoded, strict=True)), "retrieval: ranking"):
        r = retriever.run(encoded=enc, top_k=top_k)
        rank = next((i + 1 for i, aid in enumerate(r.article_ids) if item.label in intents_of.get(aid, ())), None)
        ranks.append(rank)
        answered.append(bool(r.in_scope and rank == 1))
        if r.intent is not None:
            intent_hits.append(r.intent == item.label)
        res.cases.append(
            {
                "role": "queries",
                "id": item.id,
                "text": item.text,
                "gold": item.label,
                "article_ids": list(r.article_ids),
                "rank": rank,
                "confidence": rounded(r.confidence),
                "in_scope": r.in_scope,
                "intent": r.intent,
                "gold_covered": item.label in covered,
            }
        )
    res.metrics.update({f"retrieval.{k}": rounded(v) for k, v in M.ranking_metrics(ranks, (1, 3)).items()})
    res.metrics["retrieval.answered_top1"] = rounded(M.mean(answered))
    res.metrics["retrieval.in_scope_rate"] = rounded(M.mean([c["in_scope"] for c in res.cases]))
    res.metrics["retrieval.intent_accuracy"] = rounded(M.mean(intent_hits))
    res.metrics["retrieval.gold_coverage"] = rounded(M.mean([c["gold_covered"] for c in res.cases]))
    res.metrics["retrieval.n"] = len(items)
    conf = [c["confidence"] or 0.0 for c in res.cases]
    rel = M.reliability(conf, [c["rank"] == 1 for c in res.cases], int(cfg.options.get("ece_bins", 10)))
    res.metrics["retrieval.confidence_ece"] = rounded(rel["ece"])
    res.details["reliability"] = {"confidence vs top-1 correct": rel}
    res.details["side_by_side"] = {"ours": {k: res.metrics[f"retrieval.{k}"] for k in ("top1", "top3", "mrr")}}
    if cfg.options.get("baselines", True):
        _retrieval_baselines(ctx, items, res)


def _retrieval_baselines(ctx: EvalContext, items: Sequence[LabelledText], res: SuiteResult) -> None:
    try:
        from assistant.training.routing.evaluate import compare_retrievers
    except ImportError as exc:
        res.details["baselines_error"] = f"assistant.training.routing.evaluate.compare_retrievers unavailable: {exc}"
        return
    from assistant.integrations.encoder import shared_encoder

    with ctx.console.status("retrieval: BM25 and untuned kNN baselines..."):
        table = compare_retrievers(
            [(x.text, x.label) for x in items],
            ctx.settings,
            encoder=shared_encoder(),
            retriever=ctx.stage("retrieve"),
            progress=False,
        )
    res.details["baseline_notes"] = {k: table[k] for k in ("uncovered", "ms_per_query") if k in table}
    for name, values in table.items():
        if not isinstance(values, dict) or name == "ours":
            continue
        row = {k: rounded(values.get(k)) for k in ("top1", "top3", "mrr") if isinstance(values.get(k), int | float)}
        res.details["side_by_side"][name] = row
        for k, v in row.items():
            res.metrics[f"retrieval.{name}.{k}"] = v
    if isinstance(table.get("ours"), dict):
        res.details["side_by_side"]["ours (compare_retrievers)"] = {
            k: rounded(table["ours"].get(k)) for k in ("top1", "top3", "mrr") if table["ours"].get(k) is not None
        }
