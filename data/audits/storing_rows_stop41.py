"""The storing rows of a ``bench/profile_turn.py --dump`` profile (issue #22, stop 41): CPU ms per message turn spent
reading and writing the conversation store and turning the turn into JSON.

Counted: the inclusive CPU of every call into the SQL repository (``get``, ``by_token``, ``history``, ``turns``,
``events``, ``find_turn``, ``save``, ``create``) and into the serialiser (every function of
``assistant/serialize.py``: ``to_jsonable``, ``dataclass_jsonable``, ``signals_from_dict``; and
``records.reply_payload``), each counted only where its caller is not itself counted (no double counting of
``turns`` -> ``get`` or ``reply_payload`` -> ``to_jsonable``)::

    python data/audits/storing_rows_stop41.py <profile.pstats> --turns 100 [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import pstats
from collections import defaultdict
from pathlib import Path

TARGETS: dict[str, tuple[str, ...]] = {
    "integrations/sql/repository.py": ("get", "by_token", "history", "turns", "events", "find_turn", "save", "create"),
    "assistant/serialize.py": ("*",),  # its comprehensions too (functions of their own in Python 3.11's profiles)
    "conversations/records.py": ("reply_payload",),
}


def _is_target(key: tuple[str, int, str]) -> bool:
    filename, _line, name = key
    return any(filename.endswith(suffix) and (name in names or "*" in names) for suffix, names in TARGETS.items())


def storing_rows(path: Path, turns: int) -> dict[str, float]:
    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    rows: dict[str, float] = defaultdict(float)
    for key, (_cc, _nc, _tt, _ct, callers) in stats.items():
        if not _is_target(key):
            continue
        label = f"{Path(key[0]).stem}.{key[2]}".replace("serialize.<", "serialize.to_jsonable <")
        for caller, (_c, _n, _t, cumulative) in callers.items():
            if not _is_target(caller):
                rows[label] += cumulative * 1000 / turns
    out = {k: round(v, 2) for k, v in sorted(rows.items(), key=lambda kv: -kv[1])}
    out["total"] = round(sum(rows.values()), 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--turns", type=int, required=True, help="the profiled message turns (--turns of the bench)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = storing_rows(args.profile, args.turns)
    print(json.dumps(rows, indent=1))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
