"""The blind suite: the safety signals on the frozen blind sets (``data/blind/``), which nobody tunes on.

Each row runs through the real classify stage with its ``context`` (the customer's earlier messages, oldest first)
classified first as history, and each turn with earlier ones also read as its window over the last turns (as the
pipeline does); escalation is what ``EscalationPolicy`` decides from the row's signals with no
retrieval and no failed turns. Cases record ids, gold labels and predictions only, never the texts, so that a run
folder can be read without reading the blind rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.signals.crisis_view import window_text
from assistant.types import DISTRESS_LEVELS, LITERACY_LEVELS, VULNERABILITY_DRIVERS, Signals
from eval import metrics as M
from eval.config import SuiteConfig
from eval.formats import BlindRow
from eval.runner import Dataset, EvalContext, SuiteResult
from eval.suite_runs.common import rounded

CRISIS_KINDS: tuple[str, ...] = ("self_harm", "abuse", "threat", "emergency")
# Category prefixes of the traps the crisis layer must not fire on (README of data/blind: hyperbole, negation,
# sarcasm). ``dark_humour`` is read as sarcasm.
TRAP_GROUPS: dict[str, tuple[str, ...]] = {
    "hyperbole": ("hyperbole",),
    "negation": ("negation",),
    "sarcasm": ("sarcasm", "dark_humour"),
}
_HIGH = ("high", "crisis")


def _classify_rows(ctx: EvalContext, rows: Sequence[BlindRow], label: str) -> list[Signals]:
    """Signals for each row's message with its context classified first, in order, as history."""
    classifier = ctx.stage("classify")
    turns = [(t, tuple(r.context[:i])) for r in rows for i, t in enumerate((*r.context, r.text))]
    windows = [window_text(t, earlier) for t, earlier in turns]
    encoded = iter(ctx.encode([t for t, _ in turns]))
    distinct = sorted({w for w in windows if w})
    window_vectors = dict(zip(distinct, ctx.window_views(distinct), strict=True))
    window_of = iter(windows)
    out: list[Signals] = []

    def classify(history: Sequence[Signals]) -> Signals:
        window = next(window_of)
        return classifier.run(
            encoded=next(encoded), history=tuple(history), window=window_vectors[window] if window else None
        )

    for row in ctx.track(rows, f"blind: {label}"):
        history: list[Signals] = []
        for _ in row.context:
            history.append(classify(history))
        signals = classify(history)
        ctx.note_version("signals", signals.model_version)
        out.append(signals)
    return out


def _rate(hits: Sequence[bool]) -> float | None:
    return rounded(sum(hits) / len(hits)) if hits else None


def _trap_group(category: str) -> str | None:
    for group, prefixes in TRAP_GROUPS.items():
        if any(category.startswith(p) for p in prefixes):
            return group
    return None


def _case(row: BlindRow, sig: Signals, escalate: bool | None = None) -> dict[str, Any]:
    case: dict[str, Any] = {
        "role": row.id.split(":", 1)[0],
        "id": row.id,
        "context_turns": len(row.context),
        "gold": row.labels,
        "distress": sig.distress,
        "crisis_kind": sig.crisis_kind,
        "handoff_requested": sig.handoff_requested,
        "vulnerability": list(sig.vulnerability),
        "literacy_message": sig.literacy_message,
        "complaint": sig.complaint,
    }
    if escalate is not None:
        case["escalate"] = escalate
    return case


def run_signals_dev(ctx: EvalContext, cfg: SuiteConfig, datasets: dict[str, Dataset], res: SuiteResult) -> None:
    """The blind suite's figures on the dev split of our written rows (where thresholds are chosen)."""
    run_blind(ctx, cfg, datasets, res)


def run_blind(ctx: EvalContext, cfg: SuiteConfig, datasets: dict[str, Dataset], res: SuiteResult) -> None:
    P = cfg.name  # metric prefix: "blind", or "signals_dev" for the same figures on our written dev split
    policy = ctx.stage("escalate")
    preds: dict[str, tuple[list[BlindRow], list[Signals]]] = {}
    for role, ds in datasets.items():
        items = [r for r in ds.items if ds.split is None or r.labels.get("split") == ds.split]
        rows: list[BlindRow] = ctx.slice(items, cfg.cap(ctx.fast), key=lambda r: str(sorted(r.labels.items())[:1]))
        res.datasets.append(ds.info(len(rows)))
        preds[role] = (rows, _classify_rows(ctx, rows, role))
    escalations: list[tuple[bool, bool]] = []  # (needed, escalated)
    for rows, sigs in preds.values():
        for row, sig in zip(rows, sigs, strict=True):
            needed: bool | None = None
            if "distress" in row.labels or "handoff" in row.labels:
                needed = (
                    bool(row.labels.get("crisis"))
                    or row.labels.get("distress") in _HIGH
                    or bool(row.labels.get("handoff"))
                )
            escalated = policy.run(signals=sig, retrieval=None, failed_turns=0).escalate
            if needed is not None:
                escalations.append((needed, escalated))
            res.cases.append(_case(row, sig, escalated))
    _crisis_metrics(preds, res, P)
    if "handoff" in preds:
        rows, sigs = preds["handoff"]
        rep = M.binary_report([bool(r.labels["handoff"]) for r in rows], [s.handoff_requested for s in sigs])
        for k in ("recall", "precision", "f1"):
            res.metrics[f"{P}.handoff.{k}"] = rounded(rep[k])
        res.metrics[f"{P}.handoff.n"] = rep["n"]
    if "vulnerability" in preds:
        rows, sigs = preds["vulnerability"]
        vrep = M.multilabel_report(
            [list(r.labels["drivers"]) for r in rows], [list(s.vulnerability) for s in sigs], VULNERABILITY_DRIVERS
        )
        res.metrics[f"{P}.vulnerability.micro_f1"] = rounded(vrep["micro_f1"])
        res.metrics[f"{P}.vulnerability.macro_f1"] = rounded(vrep["macro_f1"])
        for d, row_rep in vrep["per_label"].items():
            res.metrics[f"{P}.vulnerability.{d}.f1"] = rounded(row_rep["f1"])
        res.metrics[f"{P}.vulnerability.n"] = vrep["n"]
    if "literacy" in preds:
        rows, sigs = preds["literacy"]
        lrep = M.classification_report(
            [str(r.labels["literacy"]) for r in rows], [s.literacy_message for s in sigs], LITERACY_LEVELS
        )
        res.metrics[f"{P}.literacy.accuracy"] = rounded(lrep["accuracy"])
        for level in LITERACY_LEVELS:
            res.metrics[f"{P}.literacy.{level}_recall"] = rounded(lrep["per_label"][level]["recall"])
        res.metrics[f"{P}.literacy.n"] = lrep["n"]
        res.details.setdefault("confusion", {})["literacy (blind)"] = lrep
    if "complaint" in preds:
        rows, sigs = preds["complaint"]
        flags = [s.complaint for s in sigs]
        gold = [bool(r.labels["complaint"]) for r in rows]
        res.metrics[f"{P}.complaint.recall"] = _rate([f for f, g in zip(flags, gold, strict=True) if g])
        res.metrics[f"{P}.complaint.false_flag_rate"] = _rate([f for f, g in zip(flags, gold, strict=True) if not g])
        res.metrics[f"{P}.complaint.ordinary_false_flag_rate"] = _rate(
            [f for f, r in zip(flags, rows, strict=True) if r.labels.get("category") == "ordinary_question"]
        )
        res.metrics[f"{P}.complaint.n"] = len(rows)
    if escalations:
        erep = M.binary_report([n for n, _ in escalations], [e for _, e in escalations])
        for k in ("recall", "precision", "f1"):
            res.metrics[f"{P}.escalation.{k}"] = rounded(erep[k])
        res.metrics[f"{P}.escalation.n"] = erep["n"]


def _crisis_metrics(preds: dict[str, tuple[list[BlindRow], list[Signals]]], res: SuiteResult, P: str) -> None:
    if "crisis_distress" not in preds:
        return
    rows, sigs = preds["crisis_distress"]
    detected = [s.distress == "crisis" for s in sigs]
    crisis_rows = [(r, d, s) for r, d, s in zip(rows, detected, sigs, strict=True) if r.labels.get("crisis")]
    res.metrics[f"{P}.crisis.recall"] = _rate([d for _, d, _ in crisis_rows])
    for kind in CRISIS_KINDS:
        res.metrics[f"{P}.crisis.{kind}.recall"] = _rate([d for r, d, _ in crisis_rows if r.labels.get("kind") == kind])
    res.metrics[f"{P}.crisis.kind_accuracy"] = _rate(
        [s.crisis_kind == r.labels.get("kind") for r, d, s in crisis_rows if d]
    )
    res.metrics[f"{P}.crisis.n"] = len(crisis_rows)
    calm = [(r, d) for r, d in zip(rows, detected, strict=True) if not r.labels.get("crisis")]
    res.metrics[f"{P}.crisis.false_rate"] = _rate([d for _, d in calm])
    traps = [(r, d) for r, d in calm if _trap_group(str(r.labels.get("category", ""))) is not None]
    res.metrics[f"{P}.crisis.false_rate.traps"] = _rate([d for _, d in traps])
    for group in TRAP_GROUPS:
        res.metrics[f"{P}.crisis.false_rate.{group}"] = _rate(
            [d for r, d in traps if _trap_group(str(r.labels.get("category", ""))) == group]
        )
    others = [s.distress == "crisis" for role, (_, ss) in preds.items() if role != "crisis_distress" for s in ss]
    res.metrics[f"{P}.crisis.false_rate.other_sets"] = _rate(others)
    gold_d = [str(r.labels["distress"]) for r in rows]
    pred_d = [s.distress for s in sigs]
    res.metrics[f"{P}.distress.accuracy"] = rounded(
        M.classification_report(gold_d, pred_d, DISTRESS_LEVELS)["accuracy"]
    )
    res.metrics[f"{P}.distress.high_recall"] = _rate(
        [p in _HIGH for g, p in zip(gold_d, pred_d, strict=True) if g in _HIGH]
    )
    res.metrics[f"{P}.distress.high_only_recall"] = _rate(
        [p in _HIGH for g, p in zip(gold_d, pred_d, strict=True) if g == "high"]
    )
    res.details.setdefault("confusion", {})["distress (blind)"] = M.classification_report(
        gold_d, pred_d, DISTRESS_LEVELS
    )
