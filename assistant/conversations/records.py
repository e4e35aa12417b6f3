"""What a turn leaves behind: the JSON stored with its turns and events, and the :class:`Reply` of a turn the
bot did not answer."""

from __future__ import annotations

from typing import Any

from assistant.conversations.model import HandoffTicket
from assistant.pipeline import DialogueContext, Understanding
from assistant.serialize import dataclass_jsonable
from assistant.types import Escalation, Message, Reply, Signals


def ticket_escalation(ticket: HandoffTicket | None) -> Escalation | None:
    if ticket is None:
        return None
    return Escalation(
        escalate=True,
        reasons=tuple(r.detail for r in ticket.reasons),
        priority=ticket.priority,
        crisis=ticket.crisis,
        codes=ticket.codes,
        cues=tuple(r.cues for r in ticket.reasons),
    )


def observed_reply(
    message: Message,
    understanding: Understanding,
    context: DialogueContext,
    status: str,
    text: str,
    escalation: Escalation | None,
) -> Reply:
    """A turn the bot did not answer (a person has it, or is coming): what was understood, nothing drafted."""
    return Reply(
        conversation_id=message.conversation_id,
        turn_index=len(context.history),
        status=status,  # type: ignore[arg-type]
        text=text,
        style=None,
        citations=(),
        signals=understanding.signals,
        grounding_score=None,
        reading_grade=None,
        escalation=escalation,
        timings_ms=dict(understanding.timings),
        redacted_entities=understanding.redacted.entities,
    )


def signal_summary(signals: Signals) -> dict[str, Any]:
    return {
        "sentiment_score": round(signals.sentiment_score, 4),
        "distress": signals.distress,
        "handoff_requested": signals.handoff_requested,
    }


# The reply turn stores its text as the turn's text and the customer's turn stores the signals: never serialised here.
_NOT_IN_REPLY_PAYLOAD = frozenset({"text", "signals"})


def reply_payload(reply: Reply, status: str) -> dict[str, Any]:
    payload = dataclass_jsonable(reply, _NOT_IN_REPLY_PAYLOAD)
    payload["status"] = status
    return payload


def reply_event(reply: Reply | None, status: str) -> dict[str, Any]:
    data: dict[str, Any] = {"status": status}
    if reply is not None and reply.style is not None:
        data.update(register=reply.style.register, tone=reply.style.tone, generator=reply.generator)
    if reply is not None and reply.citations:
        data["sources"] = sorted({c.article_id for c in reply.citations})
    return data
