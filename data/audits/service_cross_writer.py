"""Leave-one-writer-out check of how the hand-off and complaint flags are chosen (issue #19).

Eleven rounds showed that a threshold or a rule chosen on one writer's rows barely reaches another writer's. This
audit asks the question of the service labels' *choice rules*: for each writer in turn, a rule picks the
(view weight, threshold) pair on the ``dev`` rows of every **other** writer and BANKING77 dev questions (as
``assistant.training.signals.service_thresholds`` does on all of them), and the pair is scored on the held-out
writer's rows that the service view never trained on (its ``dev`` rows; for rounds 12i and 12l, every row). The
shipped pair (chosen on every writer's dev rows) is scored on the same rows beside it.

A writer is the ``writer`` field where the rows have one (rounds 12f, 12i, 12l) and the round otherwise (12, 12c,
12d: several helpers each, recorded by round only). The real CFPB complaint narratives (``../shared/data``, first
600 characters, all complaints) are one more held-out population for complaint recall; the service view trained on
them, so that figure is optimistic for any weight above 0.

Every decision is the classify stage's own (``service_thresholds._decide``: ``SignalModel._handoff`` and
``_complaint`` on the message alone, which is all they read), and the figures are ``eval.metrics.binary_report``'s.
The blind sets are not read. Run from the repository root (about 10 minutes on 2 cores)::

    ATTUNE_SHARED_DATA_DIR=/work/shared/data python data/audits/service_cross_writer.py

It writes ``service_cross_writer.json`` beside this file (figures only, no texts).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.integrations.encoder import shared_encoder
from assistant.settings import PROJECT_ROOT, get_settings
from assistant.signals.crisis_view import load_crisis_view
from assistant.signals.heads import HeadBundle
from assistant.signals.model import ARTIFACT_NAME, SignalModel
from assistant.signals.service_view import load_service_view
from assistant.training.signals import datasets as ds
from assistant.training.signals.service_thresholds import GRID, WEIGHTS, _decide
from assistant.training.signals.thresholds import prepare, with_thresholds
from eval import metrics as M

SIGNALS = PROJECT_ROOT / "data" / "signals"
ROUNDS = ("written_2026_12", "written_2026_12c", "written_2026_12d", "written_2026_12f", "written_2026_12i",
          "written_2026_12l")  # fmt: skip
# Rounds whose train rows the shipped service view never saw (so all their rows are held-out text for it).
UNSEEN_TRAIN = ("written_2026_12i", "written_2026_12l")
CFPB_CHARS = 600
PAIRS: tuple[tuple[float, float], ...] = tuple((w, t) for w in WEIGHTS for t in GRID)
OUT = Path(__file__).with_suffix(".json")


@dataclass(frozen=True)
class Table:
    """Every row of one label with its writer, gold label and whether the chooser / the scorer may read it, and
    the decision of every (weight, threshold) pair of :data:`PAIRS` on it (``flags[pair, row]``)."""

    writers: np.ndarray
    gold: np.ndarray
    dev: np.ndarray
    scored: np.ndarray
    ordinary_question: np.ndarray
    flags: np.ndarray


def written(label: str) -> list[dict[str, Any]]:
    out = []
    for folder in ROUNDS:
        path = SIGNALS / folder / f"{label}.jsonl"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                row["group"] = str(row.get("writer") or folder.removeprefix("written_2026_"))
                row["round"] = folder
                out.append(row)
    return out


def cfpb_texts(shared: Path) -> list[str]:
    with (shared / "cfpb_complaints" / "complaints.csv").open(encoding="utf-8") as fh:
        return [r["consumer_complaint_narrative"][:CFPB_CHARS] for r in csv.DictReader(fh)]


def decisions(model: SignalModel, label: str, prepared: list[Any]) -> np.ndarray:
    key = label
    return np.stack(
        [_decide(with_thresholds(model, {f"service_weight.{label}": w, key: t}), label, prepared) for w, t in PAIRS]
    )


# --- choice rules: (flags on the choosing rows, gold, their writers, flags on ordinary questions) -> pair index ---
Rule = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], int]


def _pick(figure: np.ndarray, breach: np.ndarray) -> int:
    """``service_thresholds.best_pair`` on arrays: the best figure within the limits (first on ties), else the
    least breach."""
    within = breach <= 1.0
    if within.any():
        return int(np.flatnonzero(within)[np.argmax(figure[within])])
    return int(np.argmin(breach))


def recall_rule(max_hard: float, max_ordinary: float, worst_writer: bool = False) -> Rule:
    """Complaint: the most recall (pooled, or of the worst writer) with at most ``max_hard`` of the written
    non-complaints (pooled) and ``max_ordinary`` of ordinary questions flagged. Shipped: 0.12, 0.03, pooled."""

    def rule(flags: np.ndarray, gold: np.ndarray, writers: np.ndarray, plain: np.ndarray) -> int:
        if worst_writer:
            recall = np.min([flags[:, gold & (writers == w)].mean(1) for w in np.unique(writers[gold])], axis=0)
        else:
            recall = flags[:, gold].mean(1)
        hard = flags[:, ~gold].mean(1) / max_hard
        return _pick(recall, np.maximum(hard, plain.mean(1) / max_ordinary))

    return rule


def handoff_rule(min_precision: float, max_ordinary: float, min_recall: float | None = None) -> Rule:
    """Hand-off: the most recall with precision at least ``min_precision`` (shipped: 0.95, 1 % ordinary); or, with
    ``min_recall``, the most precision with recall at least that."""

    def rule(flags: np.ndarray, gold: np.ndarray, writers: np.ndarray, plain: np.ndarray) -> int:
        tp = (flags & gold).sum(1)
        recall = tp / max(int(gold.sum()), 1)
        precision = np.where(flags.sum(1) > 0, tp / np.maximum(flags.sum(1), 1), 1.0)
        ordinary = plain.mean(1) / max_ordinary
        if min_recall is None:
            return _pick(recall, np.maximum((1 - precision) / (1 - min_precision), ordinary))
        return _pick(precision, np.maximum((1 - recall) / max(1 - min_recall, 1e-9), ordinary))

    return rule


def figures(flags: np.ndarray, gold: np.ndarray, ordinary_question: np.ndarray) -> dict[str, Any]:
    rep = M.binary_report(gold.tolist(), flags.tolist())
    out = {k: None if rep[k] is None else round(float(rep[k]), 4) for k in ("recall", "precision")}
    out["false_flag_rate"] = round(float(flags[~gold].mean()), 4) if (~gold).any() else None
    out["ordinary_question_rate"] = (
        round(float(flags[ordinary_question].mean()), 4) if ordinary_question.any() else None
    )
    out["n"] = int(len(gold))
    return out


def leave_one_out(table: Table, plain: np.ndarray, rule: Rule, extra: np.ndarray | None = None) -> dict[str, Any]:
    """For each writer: the pair ``rule`` picks on the other writers' dev rows, scored on this writer's held-out
    rows (and on ``extra``, the CFPB flags, when given)."""
    per: dict[str, Any] = {}
    for writer in np.unique(table.writers):
        choose = table.dev & (table.writers != writer)
        i = rule(table.flags[:, choose], table.gold[choose], table.writers[choose], plain)
        per[str(writer)] = _held_out(table, plain, i, writer, extra)
    return summarise(per)


def fixed(table: Table, plain: np.ndarray, i: int, extra: np.ndarray | None = None) -> dict[str, Any]:
    """Pair ``i`` for every writer, scored as :func:`leave_one_out` scores a chosen pair."""
    return summarise({str(w): _held_out(table, plain, i, w, extra) for w in np.unique(table.writers)})


def _held_out(table: Table, plain: np.ndarray, i: int, writer: str, extra: np.ndarray | None) -> dict[str, Any]:
    """Pair ``i``'s figures on ``writer``'s held-out rows, its BANKING77 dev rate and (with ``extra``) CFPB recall."""
    held = table.scored & (table.writers == writer)
    out: dict[str, Any] = {
        "pair": list(PAIRS[i]),
        **figures(table.flags[i, held], table.gold[held], table.ordinary_question[held]),
        "b77_dev_rate": round(float(plain[i].mean()), 4),
    }
    if extra is not None:
        out["cfpb_recall"] = round(float(extra[i].mean()), 4)
    return out


def summarise(per: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for key in ("recall", "precision", "false_flag_rate", "ordinary_question_rate", "b77_dev_rate", "cfpb_recall"):
        vals = [v[key] for v in per.values() if v.get(key) is not None]
        if vals:
            summary[key] = {"mean": round(float(np.mean(vals)), 4), "min": min(vals), "max": max(vals)}
    return {"summary": summary, "per_writer": per}


def build(model: SignalModel, label: str, encoder: Any, adapters: tuple[Any, Any]) -> Table:
    rows = written(label)
    prepared = prepare(model, encoder, [str(r["text"]) for r in rows], *adapters)
    dev = np.array([r["split"] == "dev" for r in rows])
    return Table(
        writers=np.array([r["group"] for r in rows]),
        gold=np.array([bool(r[label]) for r in rows]),
        dev=dev,
        scored=dev | np.array([r["round"] in UNSEEN_TRAIN for r in rows]),
        ordinary_question=np.array([r.get("category") == "ordinary_question" for r in rows]),
        flags=decisions(model, label, prepared),
    )


CANDIDATES: dict[str, dict[str, Rule]] = {
    "complaint": {
        "shipped rule (hard 0.12, ordinary 0.03)": recall_rule(0.12, 0.03),
        "hard 0.15": recall_rule(0.15, 0.03),
        "hard 0.20": recall_rule(0.20, 0.03),
        "hard 0.25, ordinary 0.05": recall_rule(0.25, 0.05),
        "worst writer, hard 0.12": recall_rule(0.12, 0.03, worst_writer=True),
        "worst writer, hard 0.20": recall_rule(0.20, 0.03, worst_writer=True),
    },
    "handoff": {
        "shipped rule (precision 0.95, ordinary 0.01)": handoff_rule(0.95, 0.01),
        "precision 0.97": handoff_rule(0.97, 0.01),
        "most precision at recall 0.98": handoff_rule(0.95, 0.01, min_recall=0.98),
        "most precision at recall 0.97": handoff_rule(0.95, 0.01, min_recall=0.97),
    },
}


def main() -> dict[str, Any]:
    settings = get_settings()
    target = settings.artifacts_dir / ARTIFACT_NAME
    bundle = HeadBundle.load(target)
    crisis_adapter, view_head = load_crisis_view(target.parent)
    service_adapter, service_head = load_service_view(target.parent)
    model = SignalModel(bundle, view_head=view_head, service_head=service_head)
    encoder = shared_encoder()
    adapters = (crisis_adapter, service_adapter)
    thr = dict(bundle.meta["thresholds"])  # type: ignore[call-overload]
    b77 = ds.banking77_texts(settings)
    ordinary = prepare(model, encoder, [b77[i] for i in ds.b77_split(settings, 13)[1]], *adapters)
    cfpb = prepare(model, encoder, cfpb_texts(settings.shared_data_dir), *adapters)
    report: dict[str, Any] = {}
    for label in ("complaint", "handoff"):
        table = build(model, label, encoder, adapters)
        plain = decisions(model, label, ordinary)
        extra = decisions(model, label, cfpb) if label == "complaint" else None
        shipped = PAIRS.index((float(thr[f"service_weight.{label}"]), float(thr[label])))
        report[label] = {"shipped pair, fixed": fixed(table, plain, shipped, extra)}
        for name, rule in CANDIDATES[label].items():
            report[label][name] = leave_one_out(table, plain, rule, extra)
        sys.stderr.write(f"{label} done\n")
    OUT.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    result = main()
    for label, cands in result.items():
        for name, res in cands.items():
            s = res["summary"]
            figs = " ".join(f"{k}={v['mean']}/{v['min']}" for k, v in s.items())
            sys.stdout.write(f"{label:9} {name:45} {figs}\n")
