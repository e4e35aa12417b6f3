"""The first turns a swallowed clarifying question can change, scored as the dialogue suite scores them (stop 41).

Runs, through the tree's pipeline with the suite's own ``_Chat``/``_turn``, every first turn of dev2-dev9 whose
stop-39 reply was ``escalated`` (``first_turns_stop39.json``) plus four controls, and scores each turn for the
stop-41 choice between A and A' (``first_turns_stop41_acceptance.md``): +1 the writer's article, -1 an answer
citing another article, 0 otherwise. Never reads ``data/blind``.

Run from the repository root (a few minutes)::

    PYTHONPATH=$PWD python data/audits/first_turns_stop41.py --label A --out /tmp/hr6/a.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from assistant.pipeline import Pipeline
from assistant.settings import Settings
from eval.suite_runs.multiturn import _Chat, _turn

AUDIT = Path("data/audits/first_turns_stop39.json")
CONTROLS = ("dev2-001", "f-038", "dev2-005", "w5-077")


def score(right: bool, topic: str | None) -> int:
    """+1 the writer's article, -1 an answer citing another article, 0 a question or a hand-off with no answer."""
    if right:
        return 1
    return -1 if topic is not None else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    base = json.loads(AUDIT.read_text(encoding="utf-8"))["rows"]
    chosen = [r for r in base if r["status"] == "escalated" or r["id"] in CONTROLS]
    texts: dict[str, str] = {}
    for name in sorted({r["set"] for r in chosen}):
        for line in Path(f"data/dialogue/{name}.jsonl").read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            texts[case["id"]] = case["turns"][0]["text"]
    pipeline = Pipeline.from_settings(Settings())
    rows = []
    for r in chosen:
        chat = _Chat(pipeline, f"probe-{r['id']}")
        gold = r["gold"]
        first = chat.say(texts[r["id"]])
        scored = _turn(_Chat(pipeline, f"probe2-{r['id']}"), texts[r["id"]], lambda aid, gold=gold: aid == gold)
        right = scored.topic == gold
        rows.append(
            {
                "set": r["set"],
                "id": r["id"],
                "gold": gold,
                "before_bucket": r["bucket"],
                "before_right": r["bucket"] in ("right", "clarify_right_offered"),
                "first_status": first.reply.status,
                "first_choices": [c.article_id for c in first.reply.choices],
                "topic": scored.topic,
                "status": scored.status,
                "decision": scored.decision,
                "asked": scored.asked,
                "had_gold": scored.choices_had_gold,
                "right": right,
                "score": score(right, scored.topic),
            }
        )
    changed = [x for x in rows if x["right"] != x["before_right"] or x["first_choices"] or x["topic"]]
    summary = {
        "label": args.label,
        "n": len(rows),
        "right": sum(x["right"] for x in rows),
        "before_right": sum(x["before_right"] for x in rows),
        "lost": [x["id"] for x in rows if x["before_right"] and not x["right"]],
        "score": sum(x["score"] for x in rows if x["id"] not in CONTROLS),
        "plus": [x["id"] for x in rows if x["score"] == 1 and x["id"] not in CONTROLS],
        "minus": [x["id"] for x in rows if x["score"] == -1 and x["id"] not in CONTROLS],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**summary, "rows": rows}, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(summary))
    for x in changed:
        print(x["id"], x["gold"], x["first_status"], x["first_choices"], "->", x["topic"], x["status"], x["score"])


if __name__ == "__main__":
    main()
