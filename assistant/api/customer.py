"""Customer routes: start a conversation, send and read messages, rate; ``/v1/chat`` is a convenience over them.
Every route is rate limited per IP and per customer token."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, status
from sse_starlette.sse import EventSourceResponse

from assistant.api.chat_models import ERROR_RESPONSES, ChatReply
from assistant.api.dependencies import CustomerToken, Metrics, Service, customer_limit
from assistant.api.models import (
    ChatRequest,
    ConversationOut,
    ConversationRequest,
    Created,
    MessageReply,
    MessageRequest,
    QueueOut,
    RatingRequest,
    StateOut,
    Transcript,
    TurnOut,
)
from assistant.conversations import ConversationService, ConversationState
from assistant.errors import AssistantError
from assistant.integrations.metrics import MetricsSink
from assistant.serialize import to_jsonable
from assistant.stages.redact import validate_text
from assistant.types import Reply

router = APIRouter(prefix="/v1", tags=["customer"], dependencies=[Depends(customer_limit)], responses=ERROR_RESPONSES)


def observe_turn(metrics: MetricsSink, reply: Reply | None, body: dict[str, object]) -> None:
    """Stage latencies and escalation reasons of one turn, for ``/metrics``."""
    if reply is not None:
        for stage, ms in reply.timings_ms.items():
            metrics.observe_stage(stage, ms / 1000)
    escalation = body.get("escalation")
    if isinstance(escalation, dict) and escalation.get("escalate"):
        for code in escalation.get("codes") or escalation.get("reasons") or ["unspecified"]:
            metrics.count_escalation(str(code))


@router.post("/conversations", status_code=status.HTTP_201_CREATED)
def start_conversation(service: Service, body: ConversationRequest | None = None) -> Created:
    """Start a conversation; the ``customer_token`` is shown only now (it is stored hashed)."""
    body = body or ConversationRequest()
    started = service.start(channel=body.channel, locale=body.locale)
    return Created(
        conversation_id=started.conversation.id,
        customer_token=started.customer_token,
        state=started.conversation.state.value,
    )


@router.get("/conversations/{conversation_id}")
def get_conversation(conversation_id: str, service: Service, token: CustomerToken) -> ConversationOut:
    conv = service.authenticate(conversation_id, token)
    queue = None
    if conv.state is ConversationState.WAITING_FOR_HUMAN:
        info = service.queue_info(conv)
        queue = QueueOut(place=info.place, wait_minutes=info.wait_minutes, open_now=info.open_now)
    return ConversationOut(
        conversation_id=conv.id,
        state=conv.state.value,
        channel=conv.channel,
        locale=conv.locale,
        created_at=conv.created_at.isoformat(),
        queue=queue,
        rating=conv.rating,
    )


@router.post("/conversations/{conversation_id}/messages")
def send_message(
    conversation_id: str, body: MessageRequest, service: Service, token: CustomerToken, metrics: Metrics
) -> MessageReply:
    """Send one message. A retry with the same ``client_message_id`` stores nothing and returns the first reply."""
    service.authenticate(conversation_id, token)
    reply = service.handle(
        conversation_id, body.text, client_message_id=body.client_message_id, action=body.action, choice=body.choice
    )
    observe_turn(metrics, reply.reply, reply.body)
    return MessageReply.model_validate(reply.body)


@router.get("/conversations/{conversation_id}/messages")
def list_messages(conversation_id: str, service: Service, token: CustomerToken) -> Transcript:
    """The customer's view: every turn, agents' replies included."""
    conv = service.authenticate(conversation_id, token)
    turns = [
        TurnOut(index=t.index, role=t.role.value, text=t.text, at=t.created_at.isoformat())
        for t in service.customer_view(conversation_id)
    ]
    return Transcript(conversation_id=conv.id, state=conv.state.value, turns=turns)


@router.post("/conversations/{conversation_id}/rating")
def rate(conversation_id: str, body: RatingRequest, service: Service, token: CustomerToken) -> StateOut:
    """Rate a resolved conversation from 1 to 5."""
    service.authenticate(conversation_id, token)
    conv = service.rate(conversation_id, body.score)
    return StateOut(conversation_id=conv.id, state=conv.state.value, rating=conv.rating)


def _chat_target(service: ConversationService, body: ChatRequest, token: str | None) -> tuple[str, str | None]:
    """The conversation to write to (a new one, with its token, when none is named); validates first."""
    validate_text(body.message, service.settings.max_message_chars)
    if body.conversation_id is None:
        started = service.start(channel=body.channel, locale=body.locale)
        return started.conversation.id, started.customer_token
    service.authenticate(body.conversation_id, token)
    return body.conversation_id, None


@router.post("/chat", response_model_exclude_unset=True)
def chat(body: ChatRequest, service: Service, token: CustomerToken, metrics: Metrics) -> ChatReply:
    """Convenience: one message with the full explanation (signals, style, sources, grounding)."""
    cid, new_token = _chat_target(service, body, token)
    reply = service.handle(cid, body.message, client_message_id=body.client_message_id, channel=body.channel)
    observe_turn(metrics, reply.reply, reply.body)
    result = to_jsonable(reply.reply) if reply.reply is not None else {}
    result.update(reply.body)
    if new_token is not None:
        result["customer_token"] = new_token
    return ChatReply.model_validate(result)


@router.post(
    "/chat/stream",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events"}},
)
async def chat_stream(
    body: ChatRequest, service: Service, token: CustomerToken, metrics: Metrics
) -> EventSourceResponse:
    """Server-sent events: ``conversation`` (new conversations), ``signals``, ``delta`` pieces, then ``reply``.

    The turn is started, and its first event awaited, before the response begins: a message that fails
    validation (or a conversation that cannot take it) gets its 4xx, never a 200 with an error event."""
    cid, new_token = _chat_target(service, body, token)
    turn = service.stream(cid, body.message, client_message_id=body.client_message_id)
    try:
        first = await turn.__anext__()  # raises here (mapped to its status) when the turn cannot start
    except StopAsyncIteration:
        first = None

    async def events() -> AsyncIterator[dict[str, str]]:
        if new_token is not None:
            yield {"event": "conversation", "data": json.dumps({"conversation_id": cid, "customer_token": new_token})}
        if first is not None:
            yield {"event": first.event, "data": json.dumps(first.data)}
        try:
            async for event in turn:
                if event.event == "reply" and isinstance(event.data, dict):
                    observe_turn(metrics, None, event.data)
                yield {"event": event.event, "data": json.dumps(event.data)}
        except AssistantError as exc:
            yield {"event": "error", "data": json.dumps({"error": exc.code, "detail": str(exc)})}

    return EventSourceResponse(events())
