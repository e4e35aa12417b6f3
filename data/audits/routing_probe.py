"""Probe the committed router: top-3 articles and confidence for chosen queries, and the dev split's confident
mistakes between articles (top-1 wrong with confidence >= 0.5), grouped by (gold intent, predicted article).

    python data/audits/routing_probe.py probe "How do I pay someone?" ...
    python data/audits/routing_probe.py dev [--out FILE.json]
    python data/audits/routing_probe.py tsv FILE.tsv        # intent<TAB>question lines: top-1/top-3 by intent

Used for issue #18 item 3 (breadth): the before/after figures in data/audits/README.md.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from assistant.integrations.encoder import shared_encoder
from assistant.integrations.vectorstore import InMemoryVectorIndex
from assistant.kb.ingest import ingest_kb
from assistant.kb.routing import cached_views, load_adapter
from assistant.kb.splits import banking77_split, read_tagged
from assistant.kb.intents import ALL_INTENTS
from assistant.settings import Settings
from assistant.stages.retrieve import KnowledgeRetriever
from assistant.types import Encoded


def _retriever(settings: Settings) -> tuple[KnowledgeRetriever, object]:
    encoder = shared_encoder()
    index = InMemoryVectorIndex()
    ingest_kb(settings, encoder=encoder, index=index, progress=False)
    retriever = KnowledgeRetriever(settings, encoder=encoder, index=index)
    retriever.warm_up()
    return retriever, encoder


def rank_all(texts: list[str]) -> list[tuple[list[str], float]]:
    settings = Settings()
    retriever, encoder = _retriever(settings)
    vectors, views = cached_views(encoder, load_adapter(settings), texts, None, "probe")  # type: ignore[arg-type]
    out = []
    for i, text in enumerate(texts):
        r = retriever.rank(encoded=Encoded(text, vectors[i], None if views is None else views[i]))
        out.append((list(r.ids[:3]), round(float(r.confidence), 3)))
    return out


def main(argv: list[str]) -> None:
    mode = argv[0]
    settings = Settings()
    if mode == "probe":
        for text, (ids, conf) in zip(argv[1:], rank_all(argv[1:]), strict=True):
            print(f"{conf:.3f}  {ids}  <- {text}")
        return
    if mode == "tsv":
        rows = [(text, tag) for _, tag, text in read_tagged(Path(argv[1]), ALL_INTENTS.__contains__)]
    else:
        rows = list(banking77_split(settings.shared_data_dir, seed=13).dev)
    from assistant.kb.loader import load_kb

    gold_index = load_kb(settings.kb_dir).intents_index()
    ranked = rank_all([t for t, _ in rows])
    top1 = top3 = 0
    confident_wrong: Counter[tuple[str, str]] = Counter()
    misses = []
    for (text, intent), (ids, conf) in zip(rows, ranked, strict=True):
        gold = set(gold_index.get(intent, ()))
        top1 += ids[0] in gold
        top3 += bool(gold & set(ids))
        if ids[0] not in gold:
            misses.append({"text": text, "intent": intent, "top3": ids, "confidence": conf})
            if conf >= 0.5:
                confident_wrong[(intent, ids[0])] += 1
    n = len(rows)
    print(f"n={n} top-1 {top1}/{n} = {top1 / n:.4f}, top-3 {top3}/{n} = {top3 / n:.4f}")
    print("confident (>= 0.5) top-1 mistakes by (gold intent -> predicted article):")
    for (intent, art), k in confident_wrong.most_common(25):
        print(f"  {k:3d}  {intent} -> {art}")
    if "--out" in argv:
        Path(argv[argv.index("--out") + 1]).write_text(json.dumps(misses, indent=1), encoding="utf-8")
    if mode == "tsv":
        for m in misses:
            print(f"  MISS {m['confidence']:.3f} {m['intent']} -> {m['top3']} <- {m['text']}")


if __name__ == "__main__":
    main(sys.argv[1:])
