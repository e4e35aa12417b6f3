"""Leave-one-writer-out check of how the high-distress decision is chosen (issue #19, helper H5, stop 36).

A message is raised to ``high`` when the crisis layer reads it as none or mild and an acute rule of the lexicon
(``distress.acute``) fires, the learned high-distress head reaches ``high_distress`` or the crisis view's
p(high or crisis) reaches ``high_distress_view`` (not on a figure of speech or a denial).
``thresholds.choose_high_distress_threshold`` sets the two thresholds on the written dev rows labelled none / mild /
high: the lowest head threshold whose rate on none/mild rows stays within ``MAX_FALSE_HIGH`` (and on a GoEmotions
sample within ``MAX_HIGH_ORDINARY``), then the lowest view threshold within the same limits, the head's fixed.

This audit asks whether that choice holds on a writer it was not made on: for each writer in turn, each candidate
rule picks (head threshold, view threshold) on the dev rows of every **other** writer of the chooser's folders
(``crisis_thresholds.WRITTEN_DIRS``) and the same GoEmotions sample, replaying the chooser's reading of each message
alone; the pair is then scored on the held-out writer's rows that neither the high-distress head nor the crisis view
trained on (its dev rows; every row of rounds 12b, 12k and 12l) through the crisis layer itself, with each row's
earlier turns as history (``CrisisReplay``). A writer is the ``writer`` field where rows have one and the round
otherwise (12, 12b, 12c, 12d: several helpers each, recorded by round only).

For every pair a rule picks, the audit also reports escalation precision and recall on the dev rows the
``signals_dev`` suite reads (escalation needed = crisis, high distress or a request for a person; escalated = what
``EscalationPolicy`` decides from the row's signals with no retrieval). The service view is left out to keep the run
short on a shared machine (it reads hand-off, not distress), so hand-off flags and the level of these escalation
figures differ from the suite's: compare a pair with the shipped pair here; the suite is the real figure. It also
reports how many customer turns of the dialogue dev
sets (``data/dialogue/dev*.jsonl``, ordinary conversations, read as ``crisis_thresholds.dialogue_turns`` reads them)
are read as high or crisis, each with its earlier turns as history. The blind sets are not read. Run from the
repository root (about 30 minutes on 2 heavily shared cores)::

    ATTUNE_SHARED_DATA_DIR=/work/shared/data python data/audits/distress_cross_writer.py

It writes ``distress_cross_writer.json`` beside this file (figures only, no texts).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.integrations.encoder import LayeredEncoder, shared_encoder
from assistant.settings import PROJECT_ROOT, get_settings
from assistant.signals.crisis_view import load_crisis_view
from assistant.signals.heads import HeadBundle
from assistant.signals.model import ARTIFACT_NAME, SignalModel
from assistant.stages.escalate import EscalationPolicy
from assistant.training.signals import datasets as ds
from assistant.training.signals.crisis_thresholds import MODEL_GRID, OFF, WRITTEN_DIRS, CrisisReplay, DevRow
from assistant.training.signals.crisis_thresholds import dialogue_turns as read_dialogue_turns
from assistant.training.signals.thresholds import MAX_FALSE_HIGH, MAX_HIGH_ORDINARY
from assistant.types import Signals

SIGNALS = PROJECT_ROOT / "data" / "signals"
ROUNDS = ("written_2026_12", "written_2026_12b", "written_2026_12c", "written_2026_12d", "written_2026_12e",
          "written_2026_12g", "written_2026_12h", "written_2026_12i", "written_2026_12j", "written_2026_12k",
          "written_2026_12l")  # fmt: skip
# Rounds no head or view trained on (12b is dev-only): every row of them is held-out text.
UNSEEN = ("written_2026_12b", "written_2026_12k", "written_2026_12l")
CHOOSER_ROUNDS = frozenset(d.name for d in WRITTEN_DIRS)
# The rounds whose dev rows the signals_dev suite reads (eval/suites/signals_dev.yaml, version 9).
SUITE_DISTRESS = frozenset(ROUNDS) - {"written_2026_12b"}
SUITE_HANDOFF = ("written_2026_12", "written_2026_12c", "written_2026_12d", "written_2026_12f", "written_2026_12i",
                 "written_2026_12l")  # fmt: skip
GRID: tuple[float, ...] = (*MODEL_GRID, 0.97, 0.99, OFF)
PAIRS: tuple[tuple[float, float], ...] = tuple((t, v) for t in GRID for v in GRID)
N_ORDINARY = 1500  # the GoEmotions sample of ``retune_crisis_layer`` (seed 13)
OUT = Path(__file__).with_suffix(".json")
ESCALATING = ("high", "crisis")


@dataclass(frozen=True)
class Chooser:
    """What a choice rule reads, as ``choose_high_distress_threshold`` reads it: per non-crisis dev row of the
    chooser's folders, the head's p(high), the view's p(high or crisis), whether an acute rule fires, whether a trap
    vetoes the view, whether it is labelled high, and its writer; the same two scores on the ordinary sample."""

    head: np.ndarray
    view: np.ndarray
    rule: np.ndarray
    vetoed: np.ndarray
    high: np.ndarray
    writers: np.ndarray
    plain_head: np.ndarray
    plain_view: np.ndarray

    def subset(self, keep: np.ndarray) -> Chooser:
        return Chooser(
            self.head[keep], self.view[keep], self.rule[keep], self.vetoed[keep], self.high[keep],
            self.writers[keep], self.plain_head, self.plain_view,
        )  # fmt: skip

    def rates(self, t: float, tv: float) -> tuple[np.ndarray, float, float]:
        """(per-row high reading, pooled false rate on none/mild, ordinary rate) at (``t``, ``tv``)."""
        pred = self.rule | (self.head >= t) | ((self.view >= tv) & ~self.vetoed)
        false = float(pred[~self.high].mean()) if (~self.high).any() else 0.0
        plain = float(((self.plain_head >= t) | (self.plain_view >= tv)).mean()) if len(self.plain_head) else 0.0
        return pred, false, plain


Rule = Callable[[Chooser], tuple[float, float]]


def two_stage(max_false: float) -> Rule:
    """The shipped rule (``choose_high_distress_threshold``) with ``max_false`` in place of ``MAX_FALSE_HIGH``: the
    lowest head threshold within the limits, then the lowest view threshold, the head's fixed."""

    def rule(c: Chooser) -> tuple[float, float]:
        def bad(t: float, tv: float) -> float:
            _, false, plain = c.rates(t, tv)
            return max(false, plain * max_false / MAX_HIGH_ORDINARY)

        thr = next((t for t in GRID if bad(t, OFF) <= max_false), GRID[-1])
        view = next((tv for tv in GRID if bad(thr, tv) <= max_false), GRID[-1])
        return thr, view

    return rule


def joint(max_false: float, worst_writer: bool = False) -> Rule:
    """Over every pair within the same limits, the most recall of high rows (pooled, or of the worst writer), then
    the lower false rate; the pair of both thresholds off if none is within."""

    def rule(c: Chooser) -> tuple[float, float]:
        best: tuple[float, float, tuple[float, float]] = (-1.0, 0.0, (OFF, OFF))
        for t, tv in PAIRS:
            pred, false, plain = c.rates(t, tv)
            if max(false, plain * max_false / MAX_HIGH_ORDINARY) > max_false:
                continue
            if worst_writer:
                recall = min(float(pred[c.high & (c.writers == w)].mean()) for w in np.unique(c.writers[c.high]))
            else:
                recall = float(pred[c.high].mean())
            if (recall, -false) > best[:2]:
                best = (recall, -false, (t, tv))
        return best[2]

    return rule


CANDIDATES: dict[str, Rule] = {
    "shipped rule (MAX_FALSE_HIGH 0.10, two-stage)": two_stage(MAX_FALSE_HIGH),
    "MAX_FALSE_HIGH 0.12, two-stage": two_stage(0.12),
    "MAX_FALSE_HIGH 0.15, two-stage": two_stage(0.15),
    "joint pair, pooled recall, 0.10": joint(MAX_FALSE_HIGH),
    "joint pair, worst writer's recall, 0.10": joint(MAX_FALSE_HIGH, worst_writer=True),
    "joint pair, worst writer's recall, 0.12": joint(0.12, worst_writer=True),
}


def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _ctx(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(c) for c in row.get("context") or ())


def _p(raw: dict[str, np.ndarray], key: str) -> float:
    return float(np.asarray(raw[key]).ravel()[0]) if key in raw else 0.0


@dataclass(frozen=True)
class Scored:
    """The rows the audit reads, in the replay's order: crisis/distress rows of every round, the suite's hand-off
    dev rows, then the dialogue dev turns."""

    distress: list[dict[str, Any]]
    handoff: list[dict[str, Any]]
    turns: list[tuple[str, tuple[str, ...]]]

    def dev_rows(self) -> list[DevRow]:
        rows = [DevRow(str(r["text"]), _ctx(r), r["distress"] == "crisis") for r in self.distress]
        rows += [DevRow(str(r["text"]), _ctx(r), False, "handoff") for r in self.handoff]
        return rows + [DevRow(t, earlier, False, "conversation") for t, earlier in self.turns]


def load_rows() -> Scored:
    distress = []
    for folder in ROUNDS:
        for r in _jsonl(SIGNALS / folder / "crisis_distress.jsonl"):
            r["group"] = str(r.get("writer") or folder.removeprefix("written_2026_"))
            r["round"] = folder
            if r["split"] == "dev" or folder in UNSEEN:  # what the chooser or the scorer reads
                distress.append(r)
    handoff = [r for f in SUITE_HANDOFF for r in _jsonl(SIGNALS / f / "handoff.jsonl") if r.get("split") == "dev"]
    turns = read_dialogue_turns(sorted((PROJECT_ROOT / "data" / "dialogue").glob("dev*.jsonl")))
    return Scored(distress, handoff, turns)


def chooser_table(replay: CrisisReplay, rows: list[dict[str, Any]], plain: tuple[np.ndarray, np.ndarray]) -> Chooser:
    """The chooser's rows (non-crisis dev rows of the chooser's folders) read from the replay's prepared texts."""
    pick = [r for r in rows if r["round"] in CHOOSER_ROUNDS and r["split"] == "dev" and r["distress"] != "crisis"]
    prep = [replay._prep[str(r["text"])] for r in pick]
    return Chooser(
        head=np.array([_p(p.raw, "high_distress") for p in prep]),
        view=np.array([_p(p.raw, "crisis_view_high") for p in prep]),
        rule=np.array([bool(p.feats.cues("distress.acute")) for p in prep]),
        vetoed=np.array([bool(p.feats.hit_groups("traps")) for p in prep]),
        high=np.array([r["distress"] == "high" for r in pick]),
        writers=np.array([r["group"] for r in pick]),
        plain_head=plain[0],
        plain_view=plain[1],
    )


def figures(gold: list[str], pred: list[str]) -> dict[str, Any]:
    """Recall of rows labelled high (read as high or crisis), false high on none/mild (read as high; read as high
    or crisis) and counts."""
    high = [p in ESCALATING for g, p in zip(gold, pred, strict=True) if g == "high"]
    calm = [p for g, p in zip(gold, pred, strict=True) if g in ("none", "mild")]
    return {
        "high_recall": round(float(np.mean(high)), 4) if high else None,
        "false_high": round(float(np.mean([p == "high" for p in calm])), 4) if calm else None,
        "false_escalating": round(float(np.mean([p in ESCALATING for p in calm])), 4) if calm else None,
        "n_high": len(high),
        "n_calm": len(calm),
    }


class Audit:
    """Exact readings of every row at a pair, cached per pair (one crisis-layer replay each)."""

    def __init__(self, replay: CrisisReplay, scored: Scored, policy: EscalationPolicy) -> None:
        self.replay = replay
        self.scored = scored
        self.policy = policy
        self._cache: dict[tuple[float, float], list[Signals]] = {}

    def signals(self, pair: tuple[float, float]) -> list[Signals]:
        if pair not in self._cache:
            self._cache[pair] = self.replay.run({"high_distress": pair[0], "high_distress_view": pair[1]})
        return self._cache[pair]

    def held_out(self, pair: tuple[float, float], writer: str) -> dict[str, Any]:
        sigs = self.signals(pair)
        idx = [
            i
            for i, r in enumerate(self.scored.distress)
            if r["group"] == writer and (r["split"] == "dev" or r["round"] in UNSEEN)
        ]
        out = figures([self.scored.distress[i]["distress"] for i in idx], [sigs[i].distress for i in idx])
        return {"pair": list(pair), **out}

    def wide(self, pair: tuple[float, float]) -> dict[str, Any]:
        """Escalation on the suite's dev rows, the suite's own distress figures and the dialogue dev turns."""
        sigs = self.signals(pair)
        nd, nh = len(self.scored.distress), len(self.scored.handoff)
        needed: list[bool] = []
        escalated: list[bool] = []
        gold_d: list[str] = []
        pred_d: list[str] = []
        for r, s in zip(self.scored.distress, sigs[:nd], strict=True):
            if r["split"] != "dev" or r["round"] not in SUITE_DISTRESS:
                continue
            needed.append(r["distress"] in ESCALATING)
            escalated.append(self.policy.run(signals=s, retrieval=None, failed_turns=0).escalate)
            gold_d.append(r["distress"])
            pred_d.append(s.distress)
        for r, s in zip(self.scored.handoff, sigs[nd : nd + nh], strict=True):
            needed.append(bool(r["handoff"]))
            escalated.append(self.policy.run(signals=s, retrieval=None, failed_turns=0).escalate)
        n, e = np.array(needed), np.array(escalated)
        turns = sigs[nd + nh :]
        return {
            "pair": list(pair),
            "escalation_precision": round(float(n[e].mean()), 4),
            "escalation_recall": round(float(e[n].mean()), 4),
            "escalated": int(e.sum()),
            "suite_distress": figures(gold_d, pred_d),
            "dialogue_turns": len(turns),
            "dialogue_turns_high": sum(s.distress == "high" for s in turns),
            "dialogue_turns_high_or_crisis": sum(s.distress in ESCALATING for s in turns),
            "dialogue_turns_escalated": sum(
                self.policy.run(signals=s, retrieval=None, failed_turns=0).escalate for s in turns
            ),
        }


def summarise(per: dict[str, dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for key in ("high_recall", "false_high", "false_escalating"):
        vals = [v[key] for v in per.values() if v.get(key) is not None]
        summary[key] = {"mean": round(float(np.mean(vals)), 4), "min": min(vals), "max": max(vals)}
    calm = sum(v["n_calm"] for v in per.values())
    summary["false_high_pooled"] = round(sum((v["false_high"] or 0) * v["n_calm"] for v in per.values()) / calm, 4)
    return summary


def main() -> dict[str, Any]:
    settings = get_settings()
    target = settings.artifacts_dir / ARTIFACT_NAME
    bundle = HeadBundle.load(target)
    crisis_adapter, view_head = load_crisis_view(target.parent)
    model = SignalModel(bundle, view_head=view_head)
    encoder = shared_encoder()
    scored = load_rows()
    replay = CrisisReplay(model, encoder, scored.dev_rows(), crisis_adapter)
    sys.stderr.write("replay ready\n")
    ge_texts = [r[0] for r in ds._goemotions_rows(settings, "original", "train")]
    ge_pick = np.random.default_rng(13).choice(len(ge_texts), size=min(N_ORDINARY, len(ge_texts)), replace=False)
    ge_sample = [ge_texts[i] for i in sorted(ge_pick.tolist())]
    if crisis_adapter is not None and isinstance(encoder, LayeredEncoder):
        ge_vec, (ge_view,) = encoder.encode_multi(ge_sample, [crisis_adapter])
    else:
        ge_vec, ge_view = encoder.encode(ge_sample), None
    plain_head, plain_view = [], []
    for i, (text, vec) in enumerate(zip(ge_sample, ge_vec, strict=True)):
        raw = {k: v[0] for k, v in model.raw_probs(model.design(text, vec, model.extractor.extract(text))).items()}
        raw.update(model.view_probs(ge_view[i] if ge_view is not None else None))
        plain_head.append(_p(raw, "high_distress"))
        plain_view.append(_p(raw, "crisis_view_high"))
    table = chooser_table(replay, scored.distress, (np.array(plain_head), np.array(plain_view)))
    audit = Audit(replay, scored, EscalationPolicy(settings))
    thr = dict(bundle.meta["thresholds"])  # type: ignore[call-overload]
    shipped = (float(thr["high_distress"]), float(thr["high_distress_view"]))
    writers = sorted({str(r["group"]) for r in scored.distress})
    report: dict[str, Any] = {
        "shipped_pair": list(shipped),
        "shipped_rule_on_all_dev": list(two_stage(MAX_FALSE_HIGH)(table)),
        "writers": writers,
        "candidates": {},
    }
    report["candidates"]["shipped pair, fixed"] = {
        "summary": summarise(per := {w: audit.held_out(shipped, w) for w in writers}),
        "per_writer": per,
        "on_all_dev": audit.wide(shipped),
    }
    for name, rule in CANDIDATES.items():
        per = {}
        for w in writers:
            per[w] = audit.held_out(rule(table.subset(table.writers != w)), w)
        pair = rule(table)
        report["candidates"][name] = {"summary": summarise(per), "per_writer": per, "on_all_dev": audit.wide(pair)}
        sys.stderr.write(f"{name} done\n")
    OUT.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    result = main()
    for name, res in result["candidates"].items():
        s, wide = res["summary"], res["on_all_dev"]
        sys.stdout.write(
            f"{name:45} recall {s['high_recall']['mean']}/{s['high_recall']['min']} "
            f"false_high {s['false_high']['mean']} (pooled {s['false_high_pooled']}) | all-dev pair {wide['pair']} "
            f"esc P/R {wide['escalation_precision']}/{wide['escalation_recall']} "
            f"suite high {wide['suite_distress']['high_recall']} dialogue high {wide['dialogue_turns_high']}"
            f"/{wide['dialogue_turns']} escalated {wide['dialogue_turns_escalated']}\n"
        )
