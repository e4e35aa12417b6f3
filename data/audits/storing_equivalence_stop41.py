"""What a fixed set of conversations leaves behind through the conversation service over SQL (issue #22, stop 41).

Each of the first ``--per-set`` conversations of each dialogue dev set runs turn by turn through
``ConversationService.handle`` over a ``SqlConversationRepository`` (a fresh SQLite file, or a fresh schema of the
PostgreSQL database ``--database-url``, dropped afterwards), every turn with a ``client_message_id``; then the last
message is sent again with the same id (a retry: the first reply comes back marked duplicate), and every third
conversation asks for a person (``request_person``) and writes once more while waiting. Written out, so that two
trees can be compared byte for byte: every reply body, and at the end each conversation's stored turns (role, text,
actor, payload), events (kind, actor, data) and row (state, counters, handled codes, dialogue state, ticket). Left
out: ids, times and stage timings (they differ run to run)::

    PYTHONPATH=<tree> python data/audits/storing_equivalence_stop41.py --out <file> [--per-set 12]

Uses only what both trees have (``handle``, ``turns``, ``events``, ``get``). Never reads ``data/blind``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import uuid
from pathlib import Path
from typing import Any

from assistant.conversations import ConversationService
from assistant.integrations.sql import SqlConversationRepository
from assistant.integrations.sql.repository import ticket_to_json
from assistant.pipeline import Pipeline
from assistant.settings import Settings

VARYING = {"conversation_id", "timings_ms", "queued_at", "claimed_at", "resolved_at"}


def stable(value: Any) -> Any:
    """``value`` without the keys that differ from run to run (ids, times, stage timings)."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in VARYING}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--sets", nargs="+", default=["dev", "dev10"])
    parser.add_argument("--per-set", type=int, default=12)
    parser.add_argument("--root", type=Path, default=Path("data/dialogue"))
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/equivalence.db"
        schema = None if url.startswith("sqlite") else f"attune_eq_{uuid.uuid4().hex[:10]}"  # fresh, dropped after
        repository = SqlConversationRepository(url, schema=schema, auto_upgrade=True)
        settings = Settings()
        service = ConversationService(settings, Pipeline.from_settings(settings), repository)
        rows: list[dict[str, Any]] = []
        for name in args.sets:
            lines = (args.root / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()[: args.per_set]
            for n, line in enumerate(lines):
                case = json.loads(line)
                cid = service.start().conversation.id
                replies = []
                texts = [turn["text"] for turn in case["turns"]]
                for i, text in enumerate(texts):
                    replies.append(service.handle(cid, text, client_message_id=f"m{i}").body)
                replies.append(service.handle(cid, texts[-1], client_message_id=f"m{len(texts) - 1}").body)
                if n % 3 == 0:
                    replies.append(service.handle(cid, None, action="request_person", client_message_id="p").body)
                    replies.append(service.handle(cid, "are you still there?", client_message_id="w").body)
                conv = repository.get(cid)
                rows.append(
                    {
                        "set": name,
                        "id": case["id"],
                        "replies": stable(replies),
                        "turns": [
                            {"i": t.index, "role": t.role.value, "text": t.text, "actor": t.actor}
                            | {"cmid": t.client_message_id, "payload": stable(t.payload)}
                            for t in repository.turns(cid)
                        ],
                        "events": [
                            {"kind": e.kind.value, "actor": e.actor, "data": stable(e.data)}
                            for e in repository.events(cid)
                        ],
                        "conversation": {
                            "state": conv.state.value,
                            "failed_turns": conv.failed_turns,
                            "asks_for_person": conv.asks_for_person,
                            "handled_codes": list(conv.handled_codes),
                            "rating": conv.rating,
                            "dialogue": conv.dialogue.to_dict(),
                            "ticket": stable(ticket_to_json(conv.ticket)),
                        },
                    }
                )
        repository.dispose()
        if schema is not None:
            from sqlalchemy import create_engine, text

            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            engine.dispose()
    args.out.write_text(json.dumps(rows, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    replies, turns = sum(len(r["replies"]) for r in rows), sum(len(r["turns"]) for r in rows)
    print(f"{len(rows)} conversations, {replies} replies, {turns} stored turns -> {args.out}")


if __name__ == "__main__":
    main()
