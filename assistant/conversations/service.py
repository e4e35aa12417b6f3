"""The conversation lifecycle: customer turns, the queue, claim, agent replies, release, resolve and rating.

The customer side is here; :mod:`assistant.conversations.human` holds the agent side (inherited) and
:mod:`assistant.conversations.handover` the hand-over to the queue (ticket, tapped offer, crisis while waiting).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from assistant.answers.base import chunk_text
from assistant.conversations.handover import accepted_offer, crisis_while_waiting, open_ticket, pick_while_waiting
from assistant.conversations.hours import OpeningHours
from assistant.conversations.human import HumanSide
from assistant.conversations.model import (
    Conversation,
    ConversationState,
    Event,
    EventKind,
    NewTurn,
    Turn,
    TurnRole,
    utcnow,
)
from assistant.conversations.records import (
    observed_reply,
    reply_event,
    reply_payload,
    signal_summary,
    ticket_escalation,
)
from assistant.conversations.repository import ConversationRepository
from assistant.conversations.views import (
    CustomerReply,
    NoNotifier,
    Notifier,
    QueueInfo,
    StartedConversation,
    StreamEvent,
    hash_token,
    new_token,
)
from assistant.errors import (
    AuthenticationError,
    ClaimConflictError,
    ConversationNotFoundError,
    InvalidMessageError,
)
from assistant.pipeline import DialogueContext, Pipeline, TurnOutcome, Understanding
from assistant.serialize import signals_from_dict, to_jsonable
from assistant.settings import Settings
from assistant.signals.crisis_view import WINDOW_TURNS
from assistant.stages.redact import validate_text
from assistant.types import Channel, Escalation, Message, Reply

logger = logging.getLogger(__name__)

S = ConversationState
REQUEST_PERSON = "request_person"


class ConversationService(HumanSide):
    """Owns every change to a conversation; the pipeline only computes turns and the repository only stores.

    >>> from assistant.conversations.repository import InMemoryConversationRepository
    >>> from assistant.settings import Settings
    >>> settings = Settings()
    >>> service = ConversationService(settings, Pipeline.from_settings(settings), InMemoryConversationRepository())
    >>> started = service.start()
    >>> service.handle(started.conversation.id, "How do I change my PIN?").state
    'bot'
    """

    def __init__(
        self,
        settings: Settings,
        pipeline: Pipeline,
        repository: ConversationRepository,
        *,
        notifier: Notifier | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.pipeline = pipeline
        self.repository = repository
        self.notifier: Notifier = notifier or NoNotifier()
        self.hours = OpeningHours(settings.agent_hours, settings.agent_days, settings.agent_timezone)
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, pipeline: Pipeline | None = None) -> ConversationService:
        """The service over the configured database (embedded SQLite by default) and webhook, if any."""
        from assistant.integrations.sql import make_repository
        from assistant.integrations.webhook import notifier_from_settings

        return cls(
            settings,
            pipeline or Pipeline.from_settings(settings),
            make_repository(settings.resolved_database_url),
            notifier=notifier_from_settings(settings),
        )

    def warm_up(self) -> None:
        """Check the database first (an unmigrated one stops the start at once), then load the models."""
        self.repository.ping()
        self.pipeline.warm_up()

    # ------------------------------------------------------------------ customers

    def start(self, channel: Channel = "widget", locale: str | None = None) -> StartedConversation:
        token = new_token()
        now = self._clock()
        conversation = Conversation(
            id=uuid.uuid4().hex,
            channel=channel,
            locale=locale or self.settings.locale,
            token_hash=hash_token(token),
            created_at=now,
            updated_at=now,
        )
        self.repository.create(conversation, Event(EventKind.CONVERSATION_STARTED, "customer", {}, now))
        return StartedConversation(conversation, token)

    def authenticate(self, conversation_id: str, token: str | None) -> Conversation:
        """The conversation when ``token`` is its customer token; a token of another conversation reads as
        :class:`ConversationNotFoundError`, anything else as :class:`AuthenticationError`."""
        if not token:
            raise AuthenticationError("a customer token is required (Authorization: Bearer <customer_token>)")
        digest = hash_token(token)
        try:
            conversation = self.repository.get(conversation_id)
        except ConversationNotFoundError:
            conversation = None
        if conversation is not None and hmac.compare_digest(conversation.token_hash, digest):
            return conversation
        if self.repository.by_token(digest) is not None:
            raise ConversationNotFoundError(f"no conversation with id {conversation_id!r} for this token")
        raise AuthenticationError("the customer token is not valid")

    def handle(
        self,
        conversation_id: str,
        text: str | None,
        *,
        client_message_id: str | None = None,
        action: str | None = None,
        channel: Channel | None = None,
        choice: str | None = None,
    ) -> CustomerReply:
        """One customer message: answered by the bot, or queued for / passed to a person."""
        result: CustomerReply | None = None
        for event in self._turn(conversation_id, text, client_message_id, action, channel, choice):
            if event.event == "reply":
                result = event.data
        assert result is not None
        return result

    async def stream(
        self,
        conversation_id: str,
        text: str | None,
        *,
        client_message_id: str | None = None,
        action: str | None = None,
        channel: Channel | None = None,
        choice: str | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """The same turn as :meth:`handle` as events: ``signals``, ``delta`` text pieces, then ``reply``."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[StreamEvent | BaseException | None] = asyncio.Queue()

        def run() -> None:  # the whole turn on one thread: the per-conversation lock is held by one thread
            try:
                for item in self._turn(conversation_id, text, client_message_id, action, channel, choice):
                    loop.call_soon_threadsafe(queue.put_nowait, item)
            except BaseException as exc:
                loop.call_soon_threadsafe(queue.put_nowait, exc)
            else:
                loop.call_soon_threadsafe(queue.put_nowait, None)

        worker = threading.Thread(target=run, name=f"turn-{conversation_id[:8]}", daemon=True)
        worker.start()
        while True:
            event = await queue.get()
            if event is None:
                return
            if isinstance(event, BaseException):
                raise event
            if event.event == "reply":
                reply: CustomerReply = event.data
                for delta in chunk_text(reply.text):
                    yield StreamEvent("delta", delta)
                yield StreamEvent("reply", reply.body)
            else:
                yield event

    def _turn(
        self,
        conversation_id: str,
        text: str | None,
        client_message_id: str | None,
        action: str | None,
        channel: Channel | None,
        choice: str | None = None,
    ) -> Iterator[StreamEvent]:
        """The one turn generator behind :meth:`handle` and :meth:`stream`; sends into one conversation run one
        after another, and nothing is stored unless the whole turn is (one transaction)."""
        if action is not None and action != REQUEST_PERSON:
            raise InvalidMessageError(f"unknown action {action!r}; the only one is {REQUEST_PERSON!r}")
        if (action is None and choice is None) or text:
            text = validate_text(text, self.settings.max_message_chars)
        elif action is not None:
            text = self.pipeline.escalation.rules.offer_action.label
        with self.repository.serialised(conversation_id):
            # one read: the conversation and the turns a turn needs (the customer's; any with a client_message_id)
            conv, turns = self.repository.history(conversation_id)
            if choice is not None:
                text = text or self._choice_label(conv, choice)
            assert text is not None
            if client_message_id is not None:
                earlier = next((t for t in turns if t.client_message_id == client_message_id), None)
                if earlier is not None:
                    body = dict(earlier.payload.get("response") or {})
                    body["duplicate"] = True
                    yield StreamEvent("reply", CustomerReply(body=body))
                    return
            message = Message(conversation_id, text, channel or conv.channel, conv.locale)  # type: ignore[arg-type]
            context = self._context(conv, turns, choice)
            understanding = self.pipeline.understand(message, context)
            signals = to_jsonable(understanding.signals)  # serialised once: the stream's event and the stored turn
            yield StreamEvent("signals", signals)
            yield StreamEvent(
                "reply",
                self._after_understanding(conv, message, understanding, context, action, client_message_id, signals),
            )

    @staticmethod
    def _choice_label(conv: Conversation, choice: str) -> str:
        """The label of quick reply ``choice`` of the open clarifying question (what the customer "said")."""
        question = conv.dialogue.open_question
        for option in question.choices if question is not None else ():
            if option.id == choice:
                return option.label
        raise InvalidMessageError(f"no open question has the choice {choice!r}")

    def _context(self, conv: Conversation, turns: list[Turn], choice: str | None = None) -> DialogueContext:
        history = tuple(
            signals_from_dict(t.payload["signals"])
            for t in turns
            if t.role is TurnRole.CUSTOMER and t.payload.get("signals")
        )
        said = [t.text for t in turns if t.role is TurnRole.CUSTOMER]
        return DialogueContext(
            history=history,
            recent_texts=tuple(said[-WINDOW_TURNS:]),
            failed_turns=conv.failed_turns,
            asks_for_person=conv.asks_for_person,
            handled_codes=conv.handled_codes,
            state=conv.dialogue,
            choice_id=choice,
        )

    def _after_understanding(
        self,
        conv: Conversation,
        message: Message,
        understanding: Understanding,
        context: DialogueContext,
        action: str | None,
        client_message_id: str | None,
        signals: dict[str, Any],
    ) -> CustomerReply:
        now = self._clock()
        expect = conv.state
        events: list[Event] = [
            Event(EventKind.MESSAGE_RECEIVED, "customer", signal_summary(understanding.signals), now)
        ]
        asks = conv.asks_for_person + (1 if understanding.signals.handoff_requested or action else 0)
        if conv.state is S.RESOLVED:
            events.append(Event(EventKind.REOPENED, "customer", {"handled": list(conv.handled_codes)}, now))
            conv = replace(conv, state=conv.state.to(S.BOT), ticket=None, failed_turns=0)
        reply: Reply | None = None
        escalation: Escalation | None = None
        actions: list[dict[str, str]] = []
        queue_info: QueueInfo | None = None  # read once per turn (``repository.queue()``), for the text and the body
        if conv.state is S.BOT:
            if action == REQUEST_PERSON:
                escalation = accepted_offer(self.pipeline.escalation)
                text, status = escalation.text, "escalated"
                conv = replace(conv, failed_turns=0)
            else:
                outcome: TurnOutcome = self.pipeline.respond(message, understanding, context)
                reply, escalation = outcome.reply, outcome.reply.escalation
                text, status = reply.text, reply.status
                conv = replace(conv, failed_turns=outcome.failed_turns, dialogue=outcome.dialogue)
                if escalation is not None and escalation.offer:
                    offer = self.pipeline.escalation.rules.offer_action
                    actions.append({"id": offer.id, "label": offer.label})
                    events.append(Event(EventKind.PERSON_OFFERED, "bot", {"codes": list(escalation.codes)}, now))
            if escalation is not None and escalation.escalate:
                conv = open_ticket(conv, escalation, understanding, now, events)
                queue_info = self._queue_info(conv)
                text = f"{text}\n\n{self._queue_text(conv, queue_info, first=True)}".strip()
        elif conv.state is S.WAITING_FOR_HUMAN:
            status = "waiting_for_human"
            conv, crisis_text = crisis_while_waiting(
                self.pipeline.escalation, conv, understanding, message, events, now
            )
            if not crisis_text:  # a pick of the question shown with the hand-off is answered while waiting
                conv, reply = pick_while_waiting(self.pipeline, conv, message, understanding, context)
            answer = f"{reply.text}\n\n" if reply is not None else ""
            queue_info = self._queue_info(conv)
            text = f"{crisis_text}{answer}{self._queue_text(conv, queue_info, first=False)}"
            if reply is not None:
                reply = replace(reply, text=text)
                escalation = reply.escalation
        else:
            status, text = "with_human", ""
        if reply is None:
            escalation = escalation or ticket_escalation(conv.ticket)
            reply = observed_reply(message, understanding, context, status, text, escalation)
        conv = replace(conv, asks_for_person=asks)
        if conv.state is not S.WAITING_FOR_HUMAN:
            queue_info = None
        elif queue_info is None:
            queue_info = self._queue_info(conv)
        body: dict[str, Any] = {
            "conversation_id": conv.id,
            "turn_index": len(context.history),
            "status": status,
            "text": text,
            "state": conv.state.value,
            "citations": to_jsonable(reply.citations),
            "escalation": to_jsonable(escalation) if escalation else None,
            "queue": to_jsonable(queue_info) if queue_info else None,
            "actions": actions,
            "choices": [{"id": c.id, "label": c.label, "article_id": c.article_id} for c in reply.choices],
            "duplicate": False,
        }
        customer_payload: dict[str, Any] = {
            "signals": signals,
            "entities": list(understanding.redacted.entities),
            "response": body,
        }
        assert reply is not None
        new_turns = [
            NewTurn(TurnRole.CUSTOMER, understanding.redacted.text, customer_payload, "customer", client_message_id)
        ]
        if text:
            answered_by_bot = conv.state is S.BOT or status == "escalated" or bool(reply.citations)
            role = TurnRole.ASSISTANT if answered_by_bot else TurnRole.SYSTEM
            new_turns.append(NewTurn(role, text, reply_payload(reply, status), "bot"))
            events.append(Event(EventKind.REPLY_SENT, "bot", reply_event(reply, status), now))
        try:
            self.repository.save(conv, expect_state=expect, turns=new_turns, events=events)
        except ClaimConflictError:
            if client_message_id is None:
                raise
            earlier = self.repository.find_turn(conv.id, client_message_id)
            if earlier is None:
                raise
            return CustomerReply(body={**earlier.payload.get("response", {}), "duplicate": True})
        if conv.state is S.WAITING_FOR_HUMAN and expect is not S.WAITING_FOR_HUMAN:
            self._notify("conversation.escalated", conv)
        return CustomerReply(body=body, reply=reply)
