"""The human side of a conversation: the queue (place and wait), claim, agent replies, release, resolve and rating.
:class:`ConversationService` inherits these; they share its repository, pipeline, settings and clock."""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from assistant.conversations.hours import OpeningHours
from assistant.conversations.model import (
    Conversation,
    ConversationState,
    Event,
    EventKind,
    NewTurn,
    Turn,
    TurnRole,
)
from assistant.conversations.repository import ConversationRepository
from assistant.conversations.views import Notifier, QueueInfo
from assistant.errors import ClaimConflictError, InvalidMessageError, InvalidTransitionError
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from assistant.stages.redact import validate_text
from assistant.types import Message

logger = logging.getLogger(__name__)
S = ConversationState


class HumanSide:
    """Queue, claim, reply, release, resolve, rate (mixed into :class:`ConversationService`, which sets the
    attributes below).

    >>> HumanSide.claim.__doc__.split(";")[0]
    'Take a waiting conversation'
    """

    settings: Settings
    pipeline: Pipeline
    repository: ConversationRepository
    notifier: Notifier
    hours: OpeningHours
    _clock: Callable[[], datetime]

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
        :class:`ClaimConflictError`. Waits for a customer turn in flight (serialised like every change), and the
        state is compared-and-set in the database, so two server processes cannot both win either."""
        with self.repository.serialised(conversation_id):
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


def _secs(later: datetime, earlier: datetime) -> float:
    return round((later - earlier).total_seconds(), 3)
