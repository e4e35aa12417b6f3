"""Outcome analytics over stored conversations: containment, escalations by reason, time to claim and resolve,
sentiment first -> last customer turn, CSAT and the share of answers per style.

>>> percentile([1.0, 2.0, 3.0, 4.0], 50)
2.0
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from assistant.conversations.model import EventKind
from assistant.conversations.repository import ConversationRepository


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return round(ordered[rank - 1], 3)


def _share(counter: Counter[str]) -> dict[str, float]:
    total = sum(counter.values())
    return {k: round(v / total, 4) for k, v in counter.most_common()} if total else {}


def outcome_report(repository: ConversationRepository) -> dict[str, Any]:
    """The report as a JSON-ready dict (what ``attune report`` prints and ``GET /v1/agent/report`` returns)."""
    talked = escalated = 0
    reasons: Counter[str] = Counter()
    claim_s: list[float] = []
    resolve_s: list[float] = []
    first_scores: list[float] = []
    last_scores: list[float] = []
    ratings: list[int] = []
    registers: Counter[str] = Counter()
    tones: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for conv in repository.conversations():
        events = repository.events(conv.id)
        moods = [float(e.data["sentiment_score"]) for e in events if e.kind is EventKind.MESSAGE_RECEIVED]
        if not moods:
            continue
        talked += 1
        first_scores.append(moods[0])
        last_scores.append(moods[-1])
        escalations = [e for e in events if e.kind is EventKind.ESCALATED]
        escalated += bool(escalations)
        for e in escalations:
            reasons.update(e.data.get("codes", ()))
        claim_s += [float(e.data["wait_s"]) for e in events if e.kind is EventKind.CLAIMED]
        resolve_s += [float(e.data["since_queued_s"]) for e in events if e.kind is EventKind.RESOLVED]
        ratings += [int(e.data["score"]) for e in events if e.kind is EventKind.RATED]
        for e in events:
            if e.kind is EventKind.REPLY_SENT:
                statuses[e.data.get("status", "")] += 1
                if e.data.get("status") == "answered" and e.data.get("register"):
                    registers[e.data["register"]] += 1
                    tones[e.data.get("tone", "")] += 1
    mean = lambda xs: round(sum(xs) / len(xs), 4) if xs else None  # noqa: E731
    return {
        "conversations": talked,
        "containment": round(1 - escalated / talked, 4) if talked else None,
        "escalated": escalated,
        "escalations_by_reason": dict(reasons.most_common()),
        "time_to_claim_s": {"p50": percentile(claim_s, 50), "p95": percentile(claim_s, 95), "n": len(claim_s)},
        "time_to_resolve_s": {"p50": percentile(resolve_s, 50), "p95": percentile(resolve_s, 95), "n": len(resolve_s)},
        "sentiment": {
            "first": mean(first_scores),
            "last": mean(last_scores),
            "change": mean([b - a for a, b in zip(first_scores, last_scores, strict=True)]),
        },
        "csat": {
            "mean": mean([float(r) for r in ratings]),
            "n": len(ratings),
            "satisfied_share": round(sum(r >= 4 for r in ratings) / len(ratings), 4) if ratings else None,
        },
        "replies_by_status": dict(statuses.most_common()),
        "answers_by_register": _share(registers),
        "answers_by_tone": _share(tones),
    }


def report_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The report as (metric, value) rows for a table."""

    def fmt(value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, dict):
            return ", ".join(f"{k} {fmt(v)}" for k, v in value.items()) or "-"
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    return [(key.replace("_", " "), fmt(value)) for key, value in report.items()]
