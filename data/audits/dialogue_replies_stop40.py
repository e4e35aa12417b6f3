"""Every reply of a sample of dialogue dev conversations through the conversation service (issue #22, stop 40).

Each conversation of the chosen sets (first ``--per-set`` of each file) runs turn by turn through
``ConversationService.handle`` in a fresh conversation (in-memory repository: the windows over the last turns,
the dialogue state and the readings after the topic's question all as over HTTP); every reply body (status, text,
citations, choices, state, escalation) is written out, so two trees can be compared reply for reply::

    PYTHONPATH=<tree> python data/audits/dialogue_replies_stop40.py --out <file> [--sets dev dev10] \
        [--per-set 30] [--skip 0]

Never reads ``data/blind``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from assistant.conversations import ConversationService
from assistant.conversations.repository import InMemoryConversationRepository
from assistant.pipeline import Pipeline
from assistant.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--sets", nargs="+", default=["dev", "dev10"])
    parser.add_argument("--per-set", type=int, default=30)
    parser.add_argument("--skip", type=int, default=0, help="start after this many conversations of each set")
    parser.add_argument("--root", type=Path, default=Path("data/dialogue"))
    args = parser.parse_args()
    settings = Settings()
    service = ConversationService(settings, Pipeline.from_settings(settings), InMemoryConversationRepository())
    rows: list[dict[str, object]] = []
    for name in args.sets:
        lines = (args.root / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        lines = lines[args.skip : args.skip + args.per_set]
        for line in lines:
            case = json.loads(line)
            conversation = service.start().conversation
            for i, turn in enumerate(case["turns"]):
                body = dict(service.handle(conversation.id, turn["text"]).body)
                body.pop("conversation_id", None)
                rows.append({"set": name, "id": case["id"], "turn": i, "body": body})
    args.out.write_text(json.dumps(rows, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(rows)} replies -> {args.out}")


if __name__ == "__main__":
    main()
