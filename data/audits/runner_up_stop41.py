"""The composer's runner-up pool, offline (issue #18, stop 41, analysis only): what a stricter runner-up condition
would gain on the dev2-dev9 first turns and lose on the key-fact sets (``data/answers/focus_dev*.jsonl``).

Each message is read once (encode, classify, style, retrieve, dialogue stage, as the pipeline does on a first turn;
key-fact questions as ``focus_probe.py`` reads them, at the question's own literacy with neutral signals); then the
answer loop runs once per composer variant on the same readings. A variant changes ``composer.yaml``'s
``focus.runner_up_share`` (other retrieved articles compete when their retrieval score is at least this share of the
top article's) or ``focus.runner_up_scale`` (their penalty grows by this times 1 - share). First turns whose
dialogue decision is a clarifying question (or that draft no answer) are left out: the composer never runs there.
Never reads ``data/blind``.

    PYTHONPATH=$PWD python data/audits/runner_up_stop41.py --out /tmp/hr6/runner_up.json
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.answers.composer_prompts import ComposerPrompts
from assistant.answers.kbview import fact_values
from assistant.answers.selection import _candidate_pool
from assistant.dialogue.state import DialogueState
from assistant.pipeline import DialogueContext, Pipeline
from assistant.settings import Settings
from assistant.turns import TurnScratch
from assistant.types import Message, Redacted, Retrieval, Signals, Style
from eval.formats import load_key_facts_jsonl
from eval.suite_runs.answers import _neutral_signals, score_key_fact

SETS = ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9")
VARIANTS: dict[str, dict[str, float]] = {
    "base": {},
    "share_0.1": {"runner_up_share": 0.1},
    "share_0.2": {"runner_up_share": 0.2},
    "share_0.3": {"runner_up_share": 0.3},
    "share_0.5": {"runner_up_share": 0.5},
    "scale_0.3": {"runner_up_scale": 0.3},
}


def _variant(base: ComposerPrompts, update: dict[str, float]) -> ComposerPrompts:
    return base.model_copy(update={"focus": base.focus.model_copy(update=update)})


def _share(retrieval: Retrieval, article: str | None) -> float | None:
    """The cited article's retrieval score as a share of the top article's (None: the top itself or nothing)."""
    if article is None or not retrieval.article_ids or article == retrieval.article_ids[0]:
        return None
    top = next((p.score for p in retrieval.passages if p.article_id == retrieval.article_ids[0]), 0.0)
    mine = next((p.score for p in retrieval.passages if p.article_id == article), 0.0)
    return round(mine / top, 4) if top > 0 else None


def _first_turns(pipe: Pipeline) -> Iterator[tuple[str, str, str, Style, Retrieval, Signals]]:
    for name in SETS:
        for line in Path(f"data/dialogue/{name}.jsonl").read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            turn = case["turns"][0]
            if not turn.get("topic"):
                continue
            context = DialogueContext(history=(), failed_turns=0, state=DialogueState(), choice_id=None)
            message = Message(f"ru-{case['id']}", turn["text"])
            understanding = pipe.understand(message, context)
            scratch = TurnScratch(message=message, context=context, timings={})
            scratch.redacted, scratch.encoded = understanding.redacted, understanding.encoded
            scratch.signals, scratch.in_context = understanding.signals, understanding.in_context
            pipe._route(scratch)
            if not pipe._should_answer(scratch):
                continue
            assert scratch.style is not None and scratch.retrieval is not None and scratch.signals is not None
            query = scratch.decision.query if scratch.decision is not None else understanding.redacted.text
            yield f"{name}:{case['id']}", turn["topic"], query, scratch.style, scratch.retrieval, scratch.signals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    settings = Settings()
    pipe = Pipeline.from_settings(settings)
    pipe.warm_up()
    backends = [pipe.generator.backend, pipe.fallback_generator.backend]
    base_prompts: ComposerPrompts = backends[0].prompts  # type: ignore[attr-defined]
    prompts = {name: _variant(base_prompts, update) for name, update in VARIANTS.items()}

    def answer(query: str, style: Style, retrieval: Retrieval, signals: Signals) -> dict[str, tuple[str | None, str]]:
        out: dict[str, tuple[str | None, str]] = {}
        pools: dict[tuple[object, ...], str] = {}
        for name, variant in prompts.items():
            f = variant.focus
            pool, penalties = _candidate_pool(retrieval, f.runner_up_share, f.runner_up_penalty, f.runner_up_scale)
            key = (tuple((x.article_id, x.score, x.text) for x in pool), tuple(sorted(penalties.items())))
            if key in pools:  # the same candidate pool and penalties as a variant already run: the same answer
                out[name] = out[pools[key]]
                continue
            pools[key] = name
            for backend in backends:
                backend._prompts = variant  # type: ignore[attr-defined]
            result = pipe.flow.run(query=query, style=style, retrieval=retrieval, signals=signals)
            cited = result.draft.citations[0].article_id if result.draft.citations else None
            out[name] = (cited if result.verdict.passed else None, result.verdict.text)
        return out

    first_rows: list[dict[str, Any]] = []
    for key, gold, query, style, retrieval, signals in _first_turns(pipe):
        got = answer(query, style, retrieval, signals)
        top = retrieval.article_ids[0] if retrieval.article_ids else None
        first_rows.append(
            {
                "id": key,
                "gold": gold,
                "top": top,
                "cited": {n: c for n, (c, _) in got.items()},
                "share": _share(retrieval, got["base"][0]),
            }
        )
    facts = fact_values(settings.kb_dir)
    fact_rows: list[dict[str, Any]] = []
    for path in sorted(Path("data/answers").glob("focus_dev*.jsonl")):
        cases = load_key_facts_jsonl(path)
        encoded = pipe.encoder.run_batch([Redacted(c.text) for c in cases])
        for case, enc in zip(cases, encoded, strict=True):
            signals = _neutral_signals(case.literacy)
            style = pipe.style.run(signals=signals, channel="widget")
            retrieval = pipe.retriever.run(encoded=enc)
            got = answer(case.text, style, retrieval, signals)
            scores = {n: score_key_fact(case, text, facts) for n, (_, text) in got.items()}
            fact_rows.append(
                {
                    "id": f"{path.stem}:{case.id}",
                    "topic": case.topic,
                    "top": retrieval.article_ids[0] if retrieval.article_ids else None,
                    "cited": {n: c for n, (c, _) in got.items()},
                    "share": _share(retrieval, got["base"][0]),
                    "contains": {n: s["contains"] for n, s in scores.items()},
                    "leads": {n: s["leads"] for n, s in scores.items()},
                }
            )
    summary: dict[str, dict[str, object]] = {}
    for name in VARIANTS:
        right = [r for r in first_rows if r["cited"][name] == r["gold"]]
        base_right = {r["id"] for r in first_rows if r["cited"]["base"] == r["gold"]}
        summary[name] = {
            "first_answered": len(first_rows),
            "first_right": len(right),
            "first_gained": sorted({r["id"] for r in right} - base_right),
            "first_lost": sorted(base_right - {r["id"] for r in right}),
            "facts_n": len(fact_rows),
            "facts_contains": sum(r["contains"][name] for r in fact_rows),
            "facts_leads": sum(r["leads"][name] for r in fact_rows),
            "facts_lost": sorted(r["id"] for r in fact_rows if r["contains"]["base"] and not r["contains"][name]),
            "facts_gained": sorted(r["id"] for r in fact_rows if r["contains"][name] and not r["contains"]["base"]),
        }
        print(name, {k: (len(v) if isinstance(v, list) else v) for k, v in summary[name].items()})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"variants": VARIANTS, "summary": summary, "first_turns": first_rows, "key_facts": fact_rows}
    args.out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
