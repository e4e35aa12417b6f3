"""The conversation lifecycle: customer turns, the queue, claim, agent replies, release, resolve and rating."""

from __future__ import annotations

import asyncio
import hmac
import logging
import math
import statistics
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from assistant.answers.base import chunk_text
from assistant.conversations.hours import OpeningHours
from assistant.conversations.model import (
    Conversation,
    ConversationState,
    Event,
    EventKind,
    HandoffTicket,
    NewTurn,
    Reason,
    Turn,
    TurnRole,
    utcnow,
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
    InvalidTransitionError,
)
from assistant.pipeline import DialogueContext, Pipeline, TurnOutcome, Understanding
from assistant.serialize import signals_from_dict, to_jsonable
from assistant.settings import Settings
from assistant.stages.redact import validate_text
from assistant.types import Channel, Escalation, Message, Reply, Signals

logger = logging.getLogger(__name__)

S = ConversationState
REQUEST_PERSON = "request_person"


class ConversationService:
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
    ) -> CustomerReply:
        """One customer message: answered by the bot, or queued for / passed to a person."""
        result: CustomerReply | None = None
        for event in self._turn(conversation_id, text, client_message_id, action, channel):
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
    ) -> AsyncIterator[StreamEvent]:
        """The same turn as :meth:`handle` as events: ``signals``, ``delta`` text pieces, then ``reply``."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[StreamEvent | BaseException | None] = asyncio.Queue()

        def run() -> None:  # the whole turn on one thread: the per-conversation lock is held by one thread
            try:
                for item in self._turn(conversation_id, text, client_message_id, action, channel):
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
    ) -> Iterator[StreamEvent]:
        """The one turn generator behind :meth:`handle` and :meth:`stream`; sends into one conversation run one
        after another, and nothing is stored unless the whole turn is (one transaction)."""
        if action is not None and action != REQUEST_PERSON:
            raise InvalidMessageError(f"unknown action {action!r}; the only one is {REQUEST_PERSON!r}")
        if action is None or text:
            text = validate_text(text, self.settings.max_message_chars)
        else:
            text = self.pipeline.escalation.rules.offer_action.label
        with self.repository.serialised(conversation_id):
            conv = self.repository.get(conversation_id)
            if client_message_id is not None:
                earlier = self.repository.find_turn(conversation_id, client_message_id)
                if earlier is not None:
                    body = dict(earlier.payload.get("response") or {})
                    body["duplicate"] = True
                    yield StreamEvent("reply", CustomerReply(body=body))
                    return
            turns = self.repository.turns(conversation_id)
            message = Message(conversation_id, text, channel or conv.channel, conv.locale)  # type: ignore[arg-type]
            context = self._context(conv, turns)
            understanding = self.pipeline.understand(message, context)
            yield StreamEvent("signals", to_jsonable(understanding.signals))
            yield StreamEvent(
                "reply", self._after_understanding(conv, message, understanding, context, action, client_message_id)
            )

    def _context(self, conv: Conversation, turns: list[Turn]) -> DialogueContext:
        history = tuple(
            signals_from_dict(t.payload["signals"])
            for t in turns
            if t.role is TurnRole.CUSTOMER and t.payload.get("signals")
        )
        return DialogueContext(
            history=history,
            failed_turns=conv.failed_turns,
            asks_for_person=conv.asks_for_person,
            handled_codes=conv.handled_codes,
        )

    def _after_understanding(
        self,
        conv: Conversation,
        message: Message,
        understanding: Understanding,
        context: DialogueContext,
        action: str | None,
        client_message_id: str | None,
    ) -> CustomerReply:
        now = self._clock()
        expect = conv.state
        events: list[Event] = [
            Event(EventKind.MESSAGE_RECEIVED, "customer", _signal_summary(understanding.signals), now)
        ]
        asks = conv.asks_for_person + (1 if understanding.signals.handoff_requested or action else 0)
        if conv.state is S.RESOLVED:
            events.append(Event(EventKind.REOPENED, "customer", {"handled": list(conv.handled_codes)}, now))
            conv = replace(conv, state=conv.state.to(S.BOT), ticket=None, failed_turns=0)
        reply: Reply | None = None
        escalation: Escalation | None = None
        actions: list[dict[str, str]] = []
        if conv.state is S.BOT:
            if action == REQUEST_PERSON:
                escalation = self._accepted_offer(understanding.signals)
                text, status = escalation.text, "escalated"
                conv = replace(conv, failed_turns=0)
            else:
                outcome: TurnOutcome = self.pipeline.respond(message, understanding, context)
                reply, escalation = outcome.reply, outcome.reply.escalation
                text, status = reply.text, reply.status
                conv = replace(conv, failed_turns=outcome.failed_turns)
                if escalation is not None and escalation.offer:
                    offer = self.pipeline.escalation.rules.offer_action
                    actions.append({"id": offer.id, "label": offer.label})
                    events.append(Event(EventKind.PERSON_OFFERED, "bot", {"codes": list(escalation.codes)}, now))
            if escalation is not None and escalation.escalate:
                conv = self._escalate(conv, escalation, understanding, now, events)
                queue = self._queue_info(conv)
                text = f"{text}\n\n{self._queue_text(conv, queue, first=True)}".strip()
        elif conv.state is S.WAITING_FOR_HUMAN:
            status = "waiting_for_human"
            conv, crisis_text = self._crisis_while_waiting(conv, understanding, message, events, now)
            text = f"{crisis_text}{self._queue_text(conv, self._queue_info(conv), first=False)}"
        else:
            status, text = "with_human", ""
        if reply is None:
            escalation = escalation or _ticket_escalation(conv.ticket)
            reply = _observed_reply(message, understanding, context, status, text, escalation)
        conv = replace(conv, asks_for_person=asks)
        queue_info = self._queue_info(conv) if conv.state is S.WAITING_FOR_HUMAN else None
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
            "duplicate": False,
        }
        customer_payload: dict[str, Any] = {
            "signals": to_jsonable(understanding.signals),
            "entities": list(understanding.redacted.entities),
            "response": body,
        }
        assert reply is not None
        new_turns = [
            NewTurn(TurnRole.CUSTOMER, understanding.redacted.text, customer_payload, "customer", client_message_id)
        ]
        if text:
            role = TurnRole.ASSISTANT if conv.state is S.BOT or status == "escalated" else TurnRole.SYSTEM
            new_turns.append(NewTurn(role, text, _reply_payload(reply, status), "bot"))
            events.append(Event(EventKind.REPLY_SENT, "bot", _reply_event(reply, status), now))
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

    def _accepted_offer(self, signals: Signals) -> Escalation:
        rule = self.pipeline.escalation.rules.rules["asked_for_person"]
        return Escalation(
            escalate=True,
            reasons=("customer chose to talk to a person",),
            priority=rule.priority,
            codes=("asked_for_person",),
            cues=(("tapped: talk to a person",),),
            kind="asked",
            text=rule.text,
        )

    def _escalate(
        self,
        conv: Conversation,
        escalation: Escalation,
        understanding: Understanding,
        now: datetime,
        events: list[Event],
    ) -> Conversation:
        cues = escalation.cues or tuple(() for _ in escalation.codes)
        reasons = tuple(
            Reason(code, detail, tuple(c))
            for code, detail, c in zip(escalation.codes, escalation.reasons, cues, strict=False)
        )
        ticket = HandoffTicket(
            reasons=reasons,
            priority=escalation.priority,
            crisis=escalation.crisis,
            queued_at=now,
            open_question=understanding.redacted.text,
        )
        events.append(
            Event(
                EventKind.ESCALATED,
                "bot",
                {"codes": list(ticket.codes), "priority": ticket.priority, "crisis": ticket.crisis},
                now,
            )
        )
        return replace(conv, state=conv.state.to(S.WAITING_FOR_HUMAN), ticket=ticket, failed_turns=0)

    def _crisis_while_waiting(
        self, conv: Conversation, understanding: Understanding, message: Message, events: list[Event], now: datetime
    ) -> tuple[Conversation, str]:
        """A crisis while queued moves the ticket to the top (urgent) and gives the crisis contacts at once."""
        signals = understanding.signals
        if signals.distress != "crisis" or conv.ticket is None or conv.ticket.crisis:
            return conv, ""
        policy = self.pipeline.escalation
        reason = Reason(
            "crisis", f"crisis: {signals.crisis_kind or 'risk to life or safety'}", signals.cues.get("crisis", ())
        )
        ticket = replace(conv.ticket, reasons=(*conv.ticket.reasons, reason), priority="urgent", crisis=True)
        events.append(
            Event(EventKind.ESCALATED, "bot", {"codes": ["crisis"], "priority": "urgent", "crisis": True}, now)
        )
        contacts = "\n".join(f"- {c}" for c in policy.crisis_contacts(message.locale, signals.crisis_kind))
        text = f"{policy.rules.rules['crisis'].text}\n\n{policy.prompts.notices.crisis_contacts_intro}\n{contacts}\n\n"
        return replace(conv, ticket=ticket), text

    # ------------------------------------------------------------------ the queue

    def queue(self) -> list[tuple[Conversation, QueueInfo]]:
        """Waiting conversations, most urgent first, then longest waiting; each with its place and wait."""
        waiting = self.repository.queue()
        per_place = self._minutes_per_place()
        open_now = self.hours.is_open(self._clock())
        return [(c, QueueInfo(i + 1, round(per_place * (i + 1), 1), open_now)) for i, c in enumerate(waiting)]

    def queue_info(self, conv: Conversation) -> QueueInfo:
        """Place in the queue and wait estimate of a waiting conversation."""
        return self._queue_info(conv)

    def _queue_info(self, conv: Conversation) -> QueueInfo:
        if conv.state is not S.WAITING_FOR_HUMAN or conv.ticket is None:
            return QueueInfo(0, 0.0, self.hours.is_open(self._clock()))
        waiting = self.repository.queue()
        ahead = [
            c
            for c in waiting
            if c.id != conv.id
            and c.ticket is not None
            and (c.priority_rank, -c.ticket.queued_at.timestamp())
            > (conv.priority_rank, -conv.ticket.queued_at.timestamp())
        ]
        place = len(ahead) + 1
        minutes = round(self._minutes_per_place() * place, 1)
        return QueueInfo(place, minutes, self.hours.is_open(self._clock()))

    def _minutes_per_place(self) -> float:
        waits = [float(e.data["wait_s"]) for e in self.repository.recent_events(EventKind.CLAIMED, 20)]
        if not waits:
            return self.settings.default_wait_minutes
        return max(1.0, statistics.median(waits) / 60)

    def _queue_text(self, conv: Conversation, queue: QueueInfo, *, first: bool) -> str:
        texts = self.pipeline.escalation.rules.queue
        if not queue.open_now:
            return texts.closed.format(hours=self.hours.describe(), phone=self.settings.phone_number)
        template = texts.waiting if first else texts.still_waiting
        return template.format(place=queue.place, minutes=max(1, math.ceil(queue.wait_minutes)))

    # ------------------------------------------------------------------ agents

    def claim(self, conversation_id: str, agent_id: str) -> Conversation:
        """Take a waiting conversation; of two concurrent claims one wins, the other gets
        :class:`ClaimConflictError`."""
        conv = self.repository.get(conversation_id)
        if conv.state is S.WITH_HUMAN:
            raise ClaimConflictError(f"already claimed by {conv.ticket.claimed_by if conv.ticket else 'someone'}")
        if conv.state is not S.WAITING_FOR_HUMAN or conv.ticket is None:
            raise InvalidTransitionError(f"only a waiting conversation can be claimed; this one is {conv.state}")
        now = self._clock()
        ticket = replace(conv.ticket, claimed_by=agent_id, claimed_at=now)
        wait_s = (now - conv.ticket.queued_at).total_seconds()
        claimed = replace(conv, state=conv.state.to(S.WITH_HUMAN), ticket=ticket)
        event = Event(EventKind.CLAIMED, f"agent:{agent_id}", {"wait_s": round(wait_s, 3)}, now)
        self.repository.save(claimed, expect_state=S.WAITING_FOR_HUMAN, events=[event])
        return claimed

    def claimed_by(self, conversation_id: str, agent_id: str) -> Conversation:
        """The conversation when ``agent_id`` holds it (else 409-style errors)."""
        return self._claimed_by(conversation_id, agent_id)

    def _claimed_by(self, conversation_id: str, agent_id: str) -> Conversation:
        conv = self.repository.get(conversation_id)
        if conv.state is not S.WITH_HUMAN or conv.ticket is None:
            raise InvalidTransitionError(f"claim the conversation first; it is {conv.state}")
        if conv.ticket.claimed_by != agent_id:
            raise ClaimConflictError(f"this conversation is claimed by {conv.ticket.claimed_by}")
        return conv

    def agent_reply(self, conversation_id: str, agent_id: str, text: str) -> Turn:
        """An agent's message to the customer (redacted, stored as an ``agent`` turn)."""
        clean = validate_text(text, self.settings.max_message_chars)
        with self.repository.serialised(conversation_id):
            conv = self._claimed_by(conversation_id, agent_id)
            redacted = self.pipeline.redactor.run(message=Message(conversation_id, clean))
            actor = f"agent:{agent_id}"
            event = Event(EventKind.AGENT_MESSAGE, actor, {"entities": list(redacted.entities)}, self._clock())
            (turn,) = self.repository.save(
                conv,
                expect_state=S.WITH_HUMAN,
                turns=[NewTurn(TurnRole.AGENT, redacted.text, {"agent_id": agent_id}, actor)],
                events=[event],
            )
        return turn

    def release(self, conversation_id: str, agent_id: str) -> Conversation:
        """Hand the conversation back to the bot (the reasons count as handled)."""
        with self.repository.serialised(conversation_id):
            conv = self.repository.get(conversation_id)
            if conv.state is S.WITH_HUMAN:
                conv = self._claimed_by(conversation_id, agent_id)
            expect = conv.state
            released = self._close(conv, S.BOT)
            note = self.pipeline.escalation.rules.queue.released
            now = self._clock()
            self.repository.save(
                released,
                expect_state=expect,
                turns=[NewTurn(TurnRole.SYSTEM, note, {}, f"agent:{agent_id}")] if note else [],
                events=[Event(EventKind.RELEASED, f"agent:{agent_id}", {}, now)],
            )
        return released

    def resolve(self, conversation_id: str, agent_id: str) -> Conversation:
        """Close the hand-off; if the customer writes again the bot answers (without re-escalating for it)."""
        with self.repository.serialised(conversation_id):
            conv = self.repository.get(conversation_id)
            if conv.state is S.WITH_HUMAN:
                conv = self._claimed_by(conversation_id, agent_id)
            expect = conv.state
            resolved = self._close(conv, S.RESOLVED)
            now = self._clock()
            queued = conv.ticket.queued_at if conv.ticket else now
            data = {"codes": list(conv.ticket.codes) if conv.ticket else [], "since_queued_s": _secs(now, queued)}
            self.repository.save(
                resolved, expect_state=expect, events=[Event(EventKind.RESOLVED, f"agent:{agent_id}", data, now)]
            )
        self._notify("conversation.resolved", resolved)
        return resolved

    def _close(self, conv: Conversation, to: ConversationState) -> Conversation:
        codes = conv.ticket.codes if conv.ticket else ()
        handled = tuple(dict.fromkeys((*conv.handled_codes, *codes)))
        ticket = replace(conv.ticket, resolved_at=self._clock()) if conv.ticket and to is S.RESOLVED else None
        return replace(conv, state=conv.state.to(to), ticket=ticket, handled_codes=handled, failed_turns=0)

    def rate(self, conversation_id: str, score: int) -> Conversation:
        """The customer's 1-5 rating of a resolved conversation."""
        if not 1 <= score <= 5:
            raise InvalidMessageError("a rating is a whole number from 1 to 5")
        with self.repository.serialised(conversation_id):
            conv = self.repository.get(conversation_id)
            if conv.state is not S.RESOLVED:
                raise InvalidTransitionError("only a resolved conversation can be rated")
            rated = replace(conv, rating=score)
            event = Event(EventKind.RATED, "customer", {"score": score}, self._clock())
            self.repository.save(rated, expect_state=S.RESOLVED, events=[event])
        return rated

    def customer_view(self, conversation_id: str) -> list[Turn]:
        """Every turn the customer sees (their own, the bot's, the agents' and system notes), in order."""
        return self.repository.turns(conversation_id)

    def _notify(self, event: str, conv: Conversation) -> None:
        payload: dict[str, Any] = {
            "event": event,
            "conversation_id": conv.id,
            "state": conv.state.value,
            "priority": conv.ticket.priority if conv.ticket else None,
            "reasons": list(conv.ticket.codes) if conv.ticket else list(conv.handled_codes),
            "at": self._clock().isoformat(),
        }
        try:
            self.notifier.notify(event, payload)
        except Exception:  # a webhook must never break a customer's turn
            logger.exception("notifier failed for %s", event)


def _ticket_escalation(ticket: HandoffTicket | None) -> Escalation | None:
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


def _observed_reply(
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


def _secs(later: datetime, earlier: datetime) -> float:
    return round((later - earlier).total_seconds(), 3)


def _signal_summary(signals: Signals) -> dict[str, Any]:
    return {
        "sentiment_score": round(signals.sentiment_score, 4),
        "distress": signals.distress,
        "handoff_requested": signals.handoff_requested,
    }


def _reply_payload(reply: Reply, status: str) -> dict[str, Any]:
    payload: dict[str, Any] = to_jsonable(reply)
    payload.pop("text", None)
    payload.pop("signals", None)
    payload["status"] = status
    return payload


def _reply_event(reply: Reply | None, status: str) -> dict[str, Any]:
    data: dict[str, Any] = {"status": status}
    if reply is not None and reply.style is not None:
        data.update(register=reply.style.register, tone=reply.style.tone, generator=reply.generator)
    if reply is not None and reply.citations:
        data["sources"] = sorted({c.article_id for c in reply.citations})
    return data
