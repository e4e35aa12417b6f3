"""Which texts a lexicon change reaches: run two versions of ``assistant/signals/lexicon.yaml`` over every text we
hold and list the texts that the new one matches, and the old one does not, in the rule groups that raise crisis,
acute distress, a hand-off request or a complaint (and those it stops matching).

Rules count as the signal model counts them (:func:`reached`): a denial, a decline or a mention of a person around a
rule's words takes it away. The texts: every row of ``data/signals/written_*`` (with its labels), the dialogue dev
sets, BANKING77 train, the first 3 000 CFPB complaint narratives (first 600 characters) and the GoEmotions train and
dev comments, from the shared data folder (``Settings().shared_data_dir``: ``ATTUNE_SHARED_DATA_DIR``, by default
``../shared/data``). Never ``data/blind/``. A new match on a labelled text that its labels do not
call for (a crisis rule on a row that is not crisis, a complaint rule on a row that is no complaint) is a cost of the
change; on the unlabelled corpora every new match is one to read (most CFPB narratives are complaints, about a bank
or not).

Run from the repository root, the old lexicon taken from git::

    git show HEAD:assistant/signals/lexicon.yaml > /tmp/lexicon_old.yaml
    python data/audits/rule_reach.py /tmp/lexicon_old.yaml assistant/signals/lexicon.yaml --out /tmp/reach.json
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from assistant.settings import Settings
from assistant.signals.lexicon import SignalLexicon, crisis_rule_hits, person_requests

GROUPS = ("crisis.", "distress.acute", "handoff.explicit", "complaint.")
SHARED = Settings().shared_data_dir
CFPB_ROWS = 3000


def texts() -> Iterator[tuple[str, str, dict[str, object]]]:
    """(source, text, labels) for every text we hold outside the blind sets."""
    for path in sorted(Path("data/signals").glob("written_*/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            labels = {k: v for k, v in row.items() if k in ("distress", "crisis_kind", "handoff", "complaint", "split")}
            yield f"{path.parent.name}/{path.stem}", row["text"], labels
    for path in sorted(Path("data/dialogue").glob("dev*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for turn in json.loads(line)["turns"]:
                yield f"dialogue/{path.stem}", turn["text"], {}
    with (SHARED / "banking77/train.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            yield "banking77/train", row["text"], {}
    csv.field_size_limit(sys.maxsize)
    with (SHARED / "cfpb_complaints/complaints.csv").open(encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            if i >= CFPB_ROWS:
                break
            yield "cfpb", row["consumer_complaint_narrative"][:600], {}
    for split in ("train", "dev"):
        with (SHARED / f"goemotions/original/{split}.tsv").open(encoding="utf-8") as fh:
            for line in fh:
                yield f"goemotions/{split}", line.split("\t")[0], {}


def reached(lexicon: SignalLexicon, text: str) -> set[tuple[str, str]]:
    """The (group, cue) pairs that count, as the signal model counts them: crisis rules less those inside a denial
    (none under a professional's framing), requests for a person less those inside a decline or a mention."""
    hits = lexicon.match(text)
    crisis, explicit = crisis_rule_hits(hits), person_requests(hits)
    rest = [h for h in hits if not h.negated and h.group.startswith(("distress.acute", "complaint."))]
    return {(h.group, h.cue) for h in (*crisis, *explicit, *rest)}


def wanted(group: str, labels: dict[str, object]) -> bool | None:
    """Whether the row's labels call for this group (None: the row has no label for it)."""
    if group.startswith("crisis."):
        return labels.get("distress") == "crisis" if "distress" in labels else None
    if group == "distress.acute":
        return labels.get("distress") in ("high", "crisis") if "distress" in labels else None
    if group.startswith("complaint."):
        return bool(labels["complaint"]) if "complaint" in labels else None
    return bool(labels["handoff"]) if "handoff" in labels else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    old, new = SignalLexicon.from_yaml(args.old), SignalLexicon.from_yaml(args.new)
    changes: list[dict[str, object]] = []
    counts: Counter[str] = Counter()
    for source, text, labels in texts():
        before, after = reached(old, text), reached(new, text)
        for change, hits in (("gained", after - before), ("lost", before - after)):
            for group in sorted({g for g, _ in hits}):
                if (change == "gained" and any(g == group for g, _ in before)) or (
                    change == "lost" and any(g == group for g, _ in after)
                ):
                    continue  # the group still fires (another cue): the decision does not change
                right = wanted(group, labels)
                verdict = "unlabelled" if right is None else ("right" if right == (change == "gained") else "wrong")
                counts[f"{change} {group} {verdict}"] += 1
                cues = sorted(c for g, c in hits if g == group)
                changes.append({"change": change, "group": group, "verdict": verdict, "source": source,
                                "labels": labels, "cues": cues, "text": text})  # fmt: skip
    for key, n in sorted(counts.items()):
        print(f"{n:5d}  {key}")
    for c in changes:
        if c["verdict"] != "right":
            print(f"[{c['change']} {c['group']} {c['verdict']}] {c['source']} {c['cues']}: {str(c['text'])[:160]!r}")
    if args.out:
        args.out.write_text(json.dumps({"counts": counts, "changes": changes}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
