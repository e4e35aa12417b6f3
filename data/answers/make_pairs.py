"""Write ``eval/baselines/answers_pairs_dev.json``: question/answer pairs from our own dev set
(``focus_dev.jsonl``), the first composer (``composer_v1``) before and the question-focused composer after, each
through the real retriever, style policy and answer checks, for a calm customer of the question's literacy.

Run: ``python data/answers/make_pairs.py [--per-level 4,3,3]`` (novice, intermediate, expert: the first questions
of each level in file order, so nothing is picked by its result).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.answers.kbview import fact_values  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.stages.encode import MessageEncoder  # noqa: E402
from assistant.stages.generate import AnswerGenerator  # noqa: E402
from assistant.stages.ground import AnswerChecker  # noqa: E402
from assistant.stages.retrieve import KnowledgeRetriever  # noqa: E402
from assistant.stages.style import StyleSelector  # noqa: E402
from assistant.types import Redacted  # noqa: E402
from eval.formats import load_key_facts_jsonl  # noqa: E402
from eval.suite_runs.answers import _neutral_signals, score_key_fact  # noqa: E402

LEVELS = ("novice", "intermediate", "expert")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "answers" / "focus_dev.jsonl")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "baselines" / "answers_pairs_dev.json")
    parser.add_argument("--per-level", default="4,3,3")
    args = parser.parse_args()
    counts = dict(zip(LEVELS, (int(x) for x in args.per_level.split(",")), strict=True))
    cases = [c for c in load_key_facts_jsonl(args.data)]
    picked = [c for level in LEVELS for c in [x for x in cases if x.literacy == level][: counts[level]]]
    settings = Settings()
    encoder, retriever, selector = MessageEncoder(settings), KnowledgeRetriever(settings), StyleSelector(settings)
    checker = AnswerChecker(settings)
    generators = {"before": AnswerGenerator(settings, backend="composer_v1"), "after": AnswerGenerator(settings)}
    for stage in (encoder, retriever, selector, checker, *generators.values()):
        stage.warm_up()
    facts = fact_values(settings.kb_dir)
    out = []
    for case in picked:
        retrieval = retriever.run(encoded=encoder.run(redacted=Redacted(case.text)))
        signals = _neutral_signals(case.literacy)
        style = selector.run(signals=signals, channel="widget")
        row: dict[str, object] = {
            "id": case.id,
            "literacy": case.literacy,
            "register": style.register,
            "question": case.text,
        }
        for label, generator in generators.items():
            draft = generator.run(query=case.text, style=style, retrieval=retrieval, signals=signals)
            verdict = checker.run(draft=draft, retrieval=retrieval, style=style, signals=signals)
            score = score_key_fact(case, verdict.text, facts)
            row |= {
                label: verdict.text,
                f"{label}_words": score["words"],
                f"{label}_contains": score["contains"],
                f"{label}_leads": score["leads"],
            }
        out.append(row)
    args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(out)} pairs to {args.out}")


if __name__ == "__main__":
    main()
