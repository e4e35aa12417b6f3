"""Customer routes: start a conversation, send and read messages, rate; ``/v1/chat`` is a convenience over them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, status
from sse_starlette.sse import EventSourceResponse

from assistant.api.dependencies import CustomerToken, Service
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
from assistant.serialize import to_jsonable
from assistant.stages.redact import validate_text

router = APIRouter(prefix="/v1", tags=["customer"])


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
def send_message(conversation_id: str, body: MessageRequest, service: Service, token: CustomerToken) -> MessageReply:
    """Send one message. A retry with the same ``client_message_id`` stores nothing and returns the first reply."""
    service.authenticate(conversation_id, token)
    reply = service.handle(
        conversation_id, body.text, client_message_id=body.client_message_id, action=body.action, choice=body.choice
    )
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


@router.post("/chat")
def chat(body: ChatRequest, service: Service, token: CustomerToken) -> dict[str, Any]:
    """Convenience: one message with the full explanation (signals, style, sources, grounding)."""
    cid, new_token = _chat_target(service, body, token)
    reply = service.handle(cid, body.message, client_message_id=body.client_message_id, channel=body.channel)
    result: dict[str, Any] = to_jsonable(reply.reply) if reply.reply is not None else {}
    result.update(reply.body)
    if new_token is not None:
        result["customer_token"] = new_token
    return result


@router.post("/chat/stream")
async def chat_stream(body: ChatRequest, service: Service, token: CustomerToken) -> EventSourceResponse:
    """Server-sent events: ``conversation`` (new conversations), ``signals``, ``delta`` pieces, then ``reply``."""
    cid, new_token = _chat_target(service, body, token)

    async def events() -> AsyncIterator[dict[str, str]]:
        if new_token is not None:
            yield {"event": "conversation", "data": json.dumps({"conversation_id": cid, "customer_token": new_token})}
        try:
            async for event in service.stream(cid, body.message, client_message_id=body.client_message_id):
                yield {"event": event.event, "data": json.dumps(event.data)}
        except AssistantError as exc:
            yield {"event": "error", "data": json.dumps({"error": exc.code, "detail": str(exc)})}

    return EventSourceResponse(events())
