"""The hand-over from the bot to the queue: the ticket an escalation opens, the escalation a tapped "talk to a
person" offer makes, a crisis raised while the customer waits, and the answer to a pick of the clarifying question
shown with a hand-off (pure functions; the service stores the result).

>>> from assistant.settings import Settings
>>> from assistant.stages.escalate import EscalationPolicy
>>> accepted_offer(EscalationPolicy(Settings())).codes
('asked_for_person',)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from assistant.answers.composer_prompts import load_composer_prompts
from assistant.answers.render import without_person_line
from assistant.conversations.model import Conversation, ConversationState, Event, EventKind, HandoffTicket, Reason
from assistant.conversations.records import ticket_escalation
from assistant.pipeline import DialogueContext, Pipeline, Understanding
from assistant.stages.escalate import EscalationPolicy
from assistant.types import Escalation, Message, Reply

S = ConversationState


def accepted_offer(policy: EscalationPolicy) -> Escalation:
    """The escalation of a customer who tapped the "talk to a person" offer (the ``asked_for_person`` rule)."""
    rule = policy.rules.rules["asked_for_person"]
    return Escalation(
        escalate=True,
        reasons=("customer chose to talk to a person",),
        priority=rule.priority,
        codes=("asked_for_person",),
        cues=(("tapped: talk to a person",),),
        kind="asked",
        text=rule.text,
    )


def open_ticket(
    conv: Conversation,
    escalation: Escalation,
    understanding: Understanding,
    now: datetime,
    events: list[Event],
) -> Conversation:
    """``conv`` waiting for a person with the hand-off ticket of ``escalation``; appends the ``escalated`` event."""
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


def crisis_while_waiting(
    policy: EscalationPolicy,
    conv: Conversation,
    understanding: Understanding,
    message: Message,
    events: list[Event],
    now: datetime,
) -> tuple[Conversation, str]:
    """A crisis while queued moves the ticket to the top (urgent) and gives the crisis contacts at once."""
    signals = understanding.signals
    if signals.distress != "crisis" or conv.ticket is None or conv.ticket.crisis:
        return conv, ""
    reason = Reason(
        "crisis", f"crisis: {signals.crisis_kind or 'risk to life or safety'}", signals.cues.get("crisis", ())
    )
    ticket = replace(conv.ticket, reasons=(*conv.ticket.reasons, reason), priority="urgent", crisis=True)
    events.append(Event(EventKind.ESCALATED, "bot", {"codes": ["crisis"], "priority": "urgent", "crisis": True}, now))
    contacts = "\n".join(f"- {c}" for c in policy.crisis_contacts(message.locale, signals.crisis_kind))
    text = f"{policy.rules.rules['crisis'].text}\n\n{policy.prompts.notices.crisis_contacts_intro}\n{contacts}\n\n"
    return replace(conv, ticket=ticket), text


def pick_while_waiting(
    pipeline: Pipeline, conv: Conversation, message: Message, understanding: Understanding, context: DialogueContext
) -> tuple[Conversation, Reply | None]:
    """The bot's answer to a pick of the clarifying question shown with a hand-off (``Pipeline`` keeps the question
    when a person is brought in now, not for a crisis), while the conversation waits for a person: a clicked choice
    or words the dialogue stage reads as one ("the second one"); ``None`` for anything else said while waiting
    (the question stays open), or a pick that found no checked answer. The ticket stays as it is (the
    turn's own escalation is not acted on: a person is already coming). The service calls this only while
    waiting: once a person has claimed the conversation the bot says nothing, and a claim made during the turn
    makes its save fail (the state it expected has changed), so the bot never talks over a person."""
    if conv.dialogue.open_question is None:
        return conv, None
    outcome = pipeline.respond(message, understanding, context)
    reply, verdict = outcome.reply, outcome.reply.verdict
    if reply.dialogue != "choice" or not outcome.answered or verdict is None or not reply.citations:
        return conv, None
    text = without_person_line(verdict.text, load_composer_prompts(pipeline.settings.prompts_dir))
    answer = replace(reply, text=text, escalation=ticket_escalation(conv.ticket), choices=())
    return replace(conv, dialogue=outcome.dialogue), answer
