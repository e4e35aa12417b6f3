"""Agent routes under ``/v1/agent/``: the queue, the hand-off packet, claim, reply, release, resolve, copilot and
the outcome report. Every route needs ``Authorization: Bearer <agent key>``."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from assistant.api.chat_models import ERROR_RESPONSES
from assistant.api.dependencies import AgentId, AppSettings, Copilot, Metrics, Service, agent_limit
from assistant.api.models import (
    AgentMe,
    AgentMessageRequest,
    AgentTurnOut,
    DraftCheckRequest,
    DraftReviewOut,
    OutcomeReport,
    PacketOut,
    QueueEntry,
    QueueView,
    StateOut,
    SuggestionOut,
    Suggestions,
    TurnOut,
)
from assistant.conversations.model import utcnow
from assistant.conversations.packet import build_packet
from assistant.conversations.report import outcome_report
from assistant.serialize import to_jsonable

router = APIRouter(prefix="/v1/agent", tags=["agent"], dependencies=[Depends(agent_limit)], responses=ERROR_RESPONSES)


@router.get("/me")
def me(agent: AgentId, settings: AppSettings) -> AgentMe:
    """Which agent this key belongs to (the console shows it and knows which conversations are its own)."""
    return AgentMe(
        agent_id=agent, requests_per_window=settings.rate_limit_agent_per_token, window_s=settings.rate_limit_window_s
    )


@router.get("/queue")
def queue(service: Service, agent: AgentId) -> QueueView:
    """Waiting conversations: most urgent first, then longest waiting."""
    now = utcnow()
    entries = [
        QueueEntry(
            conversation_id=conv.id,
            priority=conv.ticket.priority,
            crisis=conv.ticket.crisis,
            reasons=list(conv.ticket.codes),
            queued_at=conv.ticket.queued_at.isoformat(),
            waiting_s=round((now - conv.ticket.queued_at).total_seconds(), 1),
            place=info.place,
            wait_minutes=info.wait_minutes,
        )
        for conv, info in service.queue()
        if conv.ticket is not None
    ]
    return QueueView(open_now=service.hours.is_open(now), entries=entries)


@router.get("/conversations/{conversation_id}")
def packet(conversation_id: str, service: Service, agent: AgentId) -> PacketOut:
    """The hand-off packet (redacted)."""
    conv = service.repository.get(conversation_id)
    built = build_packet(conv, service.repository.turns(conversation_id))
    return PacketOut.model_validate(to_jsonable(built))


@router.post("/conversations/{conversation_id}/claim")
def claim(conversation_id: str, service: Service, agent: AgentId, metrics: Metrics) -> StateOut:
    """Take a waiting conversation; of two concurrent claims one wins and the other gets 409."""
    queued = service.repository.get(conversation_id).ticket
    conv = service.claim(conversation_id, agent)
    if queued is not None:
        metrics.observe_claim((utcnow() - queued.queued_at).total_seconds())
    return StateOut(conversation_id=conv.id, state=conv.state.value, claimed_by=agent)


@router.post("/conversations/{conversation_id}/messages")
def agent_message(conversation_id: str, body: AgentMessageRequest, service: Service, agent: AgentId) -> AgentTurnOut:
    """Reply to the customer (redacted, stored as an ``agent`` turn, shown in the customer's view)."""
    turn = service.agent_reply(conversation_id, agent, body.text)
    return AgentTurnOut(
        conversation_id=conversation_id,
        turn=TurnOut(index=turn.index, role=turn.role.value, text=turn.text, at=turn.created_at.isoformat()),
    )


@router.post("/conversations/{conversation_id}/release")
def release(conversation_id: str, service: Service, agent: AgentId) -> StateOut:
    """Hand the conversation back to the bot."""
    conv = service.release(conversation_id, agent)
    return StateOut(conversation_id=conv.id, state=conv.state.value)


@router.post("/conversations/{conversation_id}/resolve")
def resolve(conversation_id: str, service: Service, agent: AgentId) -> StateOut:
    """Close the hand-off; the customer may then rate it, or write again (the bot answers)."""
    conv = service.resolve(conversation_id, agent)
    return StateOut(conversation_id=conv.id, state=conv.state.value)


@router.get("/report")
def report(service: Service, agent: AgentId) -> OutcomeReport:
    """Outcome analytics (the same figures as ``attune report``)."""
    return OutcomeReport.model_validate(outcome_report(service.repository))


@router.get("/conversations/{conversation_id}/suggestions")
def suggestions(conversation_id: str, service: Service, copilot: Copilot, agent: AgentId) -> Suggestions:
    """2-3 grounded replies, with citations, in the customer's register (the conversation must be yours)."""
    service.claimed_by(conversation_id, agent)
    conv = service.repository.get(conversation_id)
    found = copilot.suggest(service.repository.turns(conversation_id), conv.channel)
    return Suggestions(
        conversation_id=conversation_id, suggestions=[SuggestionOut.model_validate(to_jsonable(s)) for s in found]
    )


@router.post("/drafts/check")
def check_draft(body: DraftCheckRequest, service: Service, copilot: Copilot, agent: AgentId) -> DraftReviewOut:
    """Reading grade vs the customer's literacy, jargon for a novice, offers to a customer in difficulty, figures
    that contradict the facts file."""
    conv = service.repository.get(body.conversation_id)
    review = copilot.check_draft(service.repository.turns(conv.id), body.text, conv.channel)
    return DraftReviewOut.model_validate(to_jsonable(review))
