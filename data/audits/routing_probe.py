"""Probe a router: the BANKING77 dev split's top-1/top-3 and its confident mistakes between neighbouring articles,
our held-out British-English messages (``uk_test.tsv``) split into the intents that existed before issue #18 and
the ones it added, and the questions quoted in issue #18 (top 3 articles and confidence).

    .venv/bin/python data/audits/routing_probe.py [--out FILE.json]

It reads the knowledge base and the routing artifacts named by the usual settings, so the router before a change
can be probed with ``ATTUNE_KB_DIR=... ATTUNE_ARTIFACTS_DIR=...`` pointing at an older checkout's copies.
A confident mistake is a top-1 article that is wrong with calibrated confidence >= 0.5 (the reply would answer).
Figures for issue #18 item 3 are in data/audits/README.md.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from assistant.integrations.encoder import shared_encoder
from assistant.integrations.vectorstore import InMemoryVectorIndex
from assistant.kb.ingest import ingest_kb
from assistant.kb.intents import EXTRA_INTENTS
from assistant.kb.routing import cached_views, load_adapter
from assistant.settings import Settings
from assistant.stages.retrieve import KnowledgeRetriever
from assistant.training.splits import banking77_split, uk_paraphrases
from assistant.types import Encoded

ISSUE_QUESTIONS = (
    "how much does it cost to send euros to my sister in Spain?",
    "How do I send money to a European bank account?",
    "How do I pay someone?",
    "What is the Visa chargeback window?",
    "Can I claim under Section 75?",
    "Will I get reimbursed for an APP fraud?",
)
NEW_INTENTS = frozenset(EXTRA_INTENTS[10:])  # the extra intents issue #18 added


def _rank(settings: Settings, texts: list[str]) -> list[tuple[list[str], float]]:
    encoder = shared_encoder()
    index = InMemoryVectorIndex()
    ingest_kb(settings, encoder=encoder, index=index, progress=False)
    retriever = KnowledgeRetriever(settings, encoder=encoder, index=index)
    retriever.warm_up()
    vectors, views = cached_views(encoder, load_adapter(settings), texts, None, "probe")
    out = []
    for i, text in enumerate(texts):
        r = retriever.rank(encoded=Encoded(text, vectors[i], None if views is None else views[i]))
        out.append((list(r.ids[:3]), round(float(r.confidence), 3)))
    return out


def _score(rows: list[tuple[str, str]], ranked: list[tuple[list[str], float]], gold_index: dict[str, Any]) -> dict:
    top1 = top3 = 0
    confident: Counter[str] = Counter()
    misses = []
    for (text, intent), (ids, conf) in zip(rows, ranked, strict=True):
        gold = set(gold_index.get(intent, ()))
        top1 += ids[0] in gold
        top3 += bool(gold & set(ids))
        if ids[0] not in gold:
            misses.append({"text": text, "intent": intent, "top3": ids, "confidence": conf})
            if conf >= 0.5:
                confident[f"{intent} -> {ids[0]}"] += 1
    n = max(len(rows), 1)
    return {
        "n": len(rows), "top1": top1, "top3": top3, "top1_rate": round(top1 / n, 4), "top3_rate": round(top3 / n, 4),
        "confident_mistakes": sum(confident.values()), "confident_pairs": dict(confident.most_common()),
        "misses": misses,
    }  # fmt: skip


def main(argv: list[str]) -> None:
    from assistant.kb.loader import load_kb

    settings = Settings()
    kb = load_kb(settings.kb_dir)
    gold_index = kb.intents_index()
    dev = list(banking77_split(settings.shared_data_dir, seed=13).dev)
    uk = [(t, i) for t, i in uk_paraphrases("test")]
    texts = [t for t, _ in dev] + [t for t, _ in uk] + list(ISSUE_QUESTIONS)
    ranked = _rank(settings, texts)
    r_dev, r_uk, r_issue = ranked[: len(dev)], ranked[len(dev) : len(dev) + len(uk)], ranked[len(dev) + len(uk) :]
    old = [k for k, (_, i) in enumerate(uk) if i not in NEW_INTENTS]
    new = [k for k, (_, i) in enumerate(uk) if i in NEW_INTENTS]
    report = {
        "kb_articles": len(kb.articles),
        "artifacts_dir": str(settings.artifacts_dir),
        "dev": _score(dev, r_dev, gold_index),
        "uk_test_old_intents": _score([uk[k] for k in old], [r_uk[k] for k in old], gold_index),
        "uk_test_new_intents": _score([uk[k] for k in new], [r_uk[k] for k in new], gold_index),
        "issue_questions": [
            {"text": t, "top3": ids, "confidence": c} for t, (ids, c) in zip(ISSUE_QUESTIONS, r_issue, strict=True)
        ],
    }
    for key in ("dev", "uk_test_old_intents", "uk_test_new_intents"):
        s = report[key]
        print(f"{key}: n={s['n']} top-1 {s['top1']} ({s['top1_rate']}), top-3 {s['top3']} ({s['top3_rate']}), "
              f"confident mistakes {s['confident_mistakes']}")  # fmt: skip
        for pair, k in list(s["confident_pairs"].items())[:15]:
            print(f"    {k:3d}  {pair}")
    for q in report["issue_questions"]:
        print(f"  {q['confidence']:.3f} {q['top3']} <- {q['text']}")
    if "--out" in argv:
        Path(argv[argv.index("--out") + 1]).write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
