"""What more than one suite uses: rounding and metric helpers, the shared constants, and how a reply is read
back as predictions and as a compact per-turn record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.serialize import to_jsonable
from assistant.types import Reply
from eval.runner import SuiteResult

ESCALATED_STATUSES = frozenset({"escalated", "handed_off", "waiting_for_human", "with_human"})
REGISTERS = ("plain", "standard", "technical")


def rounded(value: float | None, nd: int = 4) -> float | None:
    return None if value is None else round(float(value), nd)


def put_metrics(res: SuiteResult, prefix: str, values: dict[str, Any], keys: Sequence[str] | None = None) -> None:
    """Copy numeric entries of ``values`` into ``res.metrics`` as ``<prefix>.<key>``."""
    for key in keys or list(values):
        value = values.get(key)
        if value is None or isinstance(value, int | float):
            res.metrics[f"{prefix}.{key}"] = value


def predictions(reply: Reply, literacy_field: str = "literacy_message") -> dict[str, Any]:
    """What a reply says about each expect key (None where the reply carries no such output)."""
    s = reply.signals
    if reply.status == "out_of_scope":
        intent: str | None = "out_of_scope"
    else:
        intent = reply.intent if reply.intent is not None else ("out_of_scope" if reply.signals else None)
    escalated = reply.status in ESCALATED_STATUSES or bool(reply.escalation and reply.escalation.escalate)
    return {
        "sentiment": s.sentiment if s else None,
        "distress": s.distress if s else None,
        "vulnerability": list(s.vulnerability) if s else None,
        "literacy": getattr(s, literacy_field) if s else None,
        "handoff_requested": s.handoff_requested if s else None,
        "escalate": escalated,
        "intent": intent,
        "no_offer": not (reply.style.allow_offers if reply.style else False),
        "literacy_conversation": s.literacy if s else None,  # smoothed over the turns so far
    }


def compact_reply(reply: Reply) -> dict[str, Any]:
    s, st, v, e = reply.signals, reply.style, reply.verdict, reply.escalation
    return {
        "status": reply.status,
        "text": reply.text,
        "intent": reply.intent,
        "retrieval_confidence": rounded(reply.retrieval_confidence),
        "other_organisation": reply.other_organisation,
        "citations": [c.article_id for c in reply.citations],
        "signals": None
        if s is None
        else {
            "sentiment": s.sentiment,
            "sentiment_score": rounded(s.sentiment_score),
            "distress": s.distress,
            "crisis_kind": s.crisis_kind,
            "vulnerability": list(s.vulnerability),
            "handoff_requested": s.handoff_requested,
            "handoff_prob": rounded(s.handoff_prob),
            "literacy": s.literacy,
            "literacy_message": s.literacy_message,
            "cues": to_jsonable(s.cues),
        },
        "style": None
        if st is None
        else {
            "tone": st.tone,
            "register": st.register,
            "target_grade": st.target_grade,
            "allow_offers": st.allow_offers,
            "rules": list(st.rules),
        },
        "verdict": None
        if v is None
        else {
            "passed": v.passed,
            "grounding_score": rounded(v.grounding_score),
            "reading_grade": rounded(v.reading_grade, 2),
            "invented_figures": list(v.invented_figures),
            "offers_removed": list(v.offers_removed),
            "fallback": v.fallback,
        },
        "escalation": None if e is None else to_jsonable(e),
        "timings_ms": to_jsonable(reply.timings_ms),
    }
