"""Where the first turns of the written dialogue dev sets go wrong (issue #18, stop 39).

Each conversation's first customer message of ``data/dialogue/dev2.jsonl`` .. ``dev9.jsonl`` runs through
``Pipeline.handle`` in a fresh conversation, and the reply is put in one bucket: ``right`` (it cites the writer's
article), ``clarify_right_offered`` / ``clarify_right_not_offered`` (a clarifying question, with or without the
writer's article among its choices), ``handoff_no_article`` / ``handoff_neighbour_article`` (a person brought in,
citing nothing or another article), ``wrong_article``, or the reply's status. Never reads ``data/blind``.

Run from the repository root (about 20 minutes on two loaded cores)::

    PYTHONPATH=$PWD python data/audits/first_turns_stop39.py --out data/audits/first_turns_stop39.json
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from assistant.dialogue.state import DialogueState
from assistant.pipeline import DialogueContext, Pipeline
from assistant.settings import Settings
from assistant.types import Message

SETS = ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9")


def bucket(gold: str, topic: str | None, status: str, choices: list[str]) -> str:
    """The bucket of one first turn (see the module docstring)."""
    if topic == gold:
        return "right"
    if choices:
        return "clarify_right_offered" if gold in choices else "clarify_right_not_offered"
    if status == "escalated":
        return "handoff_no_article" if topic is None else "handoff_neighbour_article"
    return "wrong_article" if status == "answered" else status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    pipeline = Pipeline.from_settings(Settings())
    rows: list[dict[str, object]] = []
    for name in SETS:
        for line in Path(f"data/dialogue/{name}.jsonl").read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            turn = case["turns"][0]
            if not turn.get("topic"):
                continue
            context = DialogueContext(
                history=(), failed_turns=0, state=DialogueState(), choice_id=None, recent_texts=()
            )
            reply = pipeline.handle(Message(f"audit-{name}-{case['id']}", turn["text"]), context).reply
            topic = reply.citations[0].article_id if reply.citations else None
            choices = [c.article_id for c in reply.choices or ()]
            rows.append(
                {
                    "set": name,
                    "id": case["id"],
                    "gold": turn["topic"],
                    "topic": topic,
                    "status": reply.status,
                    "choices": choices,
                    "bucket": bucket(turn["topic"], topic, reply.status, choices),
                }
            )
    counts = Counter(str(r["bucket"]) for r in rows)
    args.out.write_text(json.dumps({"n": len(rows), "buckets": dict(counts), "rows": rows}, indent=1) + "\n")
    print(len(rows), dict(counts))


if __name__ == "__main__":
    main()
