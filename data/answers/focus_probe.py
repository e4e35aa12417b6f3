"""Dev probe for the question-focused composer: every ``focus_dev.jsonl`` question and every query of the dev half
of our out-of-scope set (``data/out_of_scope/queries.txt``, odd lines) through the real encoder, style policy,
retriever, composer and checks, at the question's own literacy (out-of-scope queries: each literacy).

Prints the key-fact figures on dev (contains, leads, answered) and how many out-of-scope dev queries got an answer
instead of the out-of-scope reply -- the two sides the composer's below-bar rule (``composer.yaml``
``focus.low_confidence``) and fact route (``focus.fact_route``) are chosen on. Never reads the blind sets.

    PYTHONPATH=$PWD python data/answers/focus_probe.py [--data data/answers/focus_dev.jsonl] [--show] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.answers.kbview import fact_values  # noqa: E402
from assistant.pipeline import Pipeline  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.training.splits import out_of_scope_split  # noqa: E402
from assistant.types import LITERACY_LEVELS, Redacted  # noqa: E402
from eval.formats import load_key_facts_jsonl  # noqa: E402
from eval.suite_runs.answers import _neutral_signals, score_key_fact  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "answers" / "focus_dev.jsonl")
    ap.add_argument("--show", action="store_true", help="print every missed dev question with its answer")
    ap.add_argument("--oos", action="store_true", help="print the out-of-scope dev queries that got an answer")
    ap.add_argument("--json", type=Path, help="write per-case rows here")
    args = ap.parse_args()
    if "blind" in args.data.parts:
        sys.exit("the blind sets are never probed")
    settings = Settings()
    pipe = Pipeline.from_settings(settings)
    for name in ("encode", "style", "retrieve", "generate", "check"):
        pipe.stages[name].warm_up()
    facts = fact_values(settings.kb_dir)
    cases = load_key_facts_jsonl(args.data)
    rows = []
    encoded = pipe.encoder.run_batch([Redacted(c.text) for c in cases])
    for case, enc in zip(cases, encoded, strict=True):
        signals = _neutral_signals(case.literacy)
        style = pipe.style.run(signals=signals, channel="widget")
        retrieval = pipe.retriever.run(encoded=enc)
        draft = pipe.generator.run(query=case.text, style=style, retrieval=retrieval, signals=signals)
        verdict = pipe.checker.run(draft=draft, retrieval=retrieval, style=style, signals=signals)
        score = score_key_fact(case, verdict.text, facts)
        rows.append(
            {
                "id": case.id,
                "register": style.register,
                "in_scope": retrieval.in_scope,
                "confidence": round(retrieval.confidence, 3),
                "answered": bool(draft.citations),
                "grounded": verdict.grounding_score >= settings.grounding_threshold,
                "invented": list(verdict.invented_figures),
                "grade": verdict.reading_grade,
                "fact_retrieved": score_key_fact(case, "\n".join(p.text for p in retrieval.passages), facts)[
                    "contains"
                ],
                **score,
                "text": case.text,
                "answer": verdict.text,
            }
        )
    oos_dev, _ = out_of_scope_split()
    oos_enc = pipe.encoder.run_batch([Redacted(t) for t in oos_dev])
    oos_answered = []
    for text, enc in zip(oos_dev, oos_enc, strict=True):
        retrieval = pipe.retriever.run(encoded=enc)
        for level in LITERACY_LEVELS:
            signals = _neutral_signals(level)
            style = pipe.style.run(signals=signals, channel="widget")
            draft = pipe.generator.run(query=text, style=style, retrieval=retrieval, signals=signals)
            if draft.citations:
                oos_answered.append((text, level, retrieval.in_scope, draft.text))
    n = len(rows)

    def rate(key: str) -> float:
        return round(sum(bool(r[key]) for r in rows) / n, 3)

    plain = [r for r in rows if r["register"] == "plain"]
    grades = sorted(r["grade"] for r in plain)
    print(f"dev n={n} contains={rate('contains')} leads={rate('leads')} answered={rate('answered')}")
    print(
        f"  in_scope={rate('in_scope')} fact_retrieved={rate('fact_retrieved')} neighbour={rate('neighbour')} "
        f"grounded={rate('grounded')} invented={sum(len(r['invented']) for r in rows)}"
    )
    if plain:
        p95 = grades[min(len(grades) - 1, round(0.95 * (len(grades) - 1)))]
        print(f"  plain words_p50={statistics.median(r['words'] for r in plain)} grade_p95~{p95:.2f}")
    for reg in ("plain", "standard", "technical"):
        mine = [r for r in rows if r["register"] == reg]
        if mine:
            c = sum(r["contains"] for r in mine) / len(mine)
            ld = sum(r["leads"] for r in mine) / len(mine)
            w = statistics.median(r["words"] for r in mine)
            print(f"  {reg}: n={len(mine)} contains={c:.3f} leads={ld:.3f} words_p50={w}")
    oos_queries = {t for t, *_ in oos_answered}
    print(f"oos dev: {len(oos_queries)} of {len(oos_dev)} queries answered at some literacy ({len(oos_answered)})")
    if args.show:
        for r in rows:
            if not (r["contains"] and r["leads"]):
                print(
                    f"\n--- {r['id']} [{r['register']}] conf={r['confidence']} in={r['in_scope']} "
                    f"ans={r['answered']} ret={r['fact_retrieved']} c={r['contains']} l={r['leads']}\nQ: {r['text']}"
                )
                print("A: " + r["answer"].replace("\n", "\n   "))
    if args.oos:
        for text, level, in_scope, answer in oos_answered:
            print(f"\n--- OOS [{level}] in_scope={in_scope}\nQ: {text}\nA: {answer}")
    if args.json:
        args.json.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
