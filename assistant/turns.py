"""What one turn carries in and out of :class:`~assistant.pipeline.Pipeline`, and its scratch state inside it.

:class:`DialogueContext` is what the conversation service tells the pipeline about the dialogue so far;
:class:`Understanding` is the first half of a turn (``Pipeline.understand``) and :class:`TurnOutcome` the whole
turn (``Pipeline.handle``). :class:`TurnScratch` is the mutable state of one turn while the stages run (it never
leaves the pipeline) and assembles the :class:`~assistant.types.Reply` from it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from assistant.answer_flow import CheckedAnswer
from assistant.dialogue.decision import DialogueDecision
from assistant.dialogue.state import DialogueState
from assistant.types import (
    Draft,
    Encoded,
    Escalation,
    Message,
    Redacted,
    Reply,
    ReplyStatus,
    Retrieval,
    Signals,
    Style,
    Verdict,
)

T = TypeVar("T")


@dataclass(frozen=True)
class DialogueContext:
    """What one turn needs to know about the conversation so far (read from storage by the service).

    >>> DialogueContext().failed_turns
    0
    """

    history: tuple[Signals, ...] = ()  # signals of earlier customer turns, oldest first
    failed_turns: int = 0  # consecutive turns the bot could not answer
    asks_for_person: int = 0  # earlier customer turns that asked for a person
    handled_codes: tuple[str, ...] = ()  # escalation reasons a person already dealt with
    state: DialogueState = field(default_factory=DialogueState)  # active topic, last shown, open question, offers
    choice_id: str | None = None  # a clicked quick reply of the open clarifying question
    # the last earlier customer messages, redacted, oldest first (``crisis_view.WINDOW_TURNS`` at most): the
    # crisis view reads them together with this message (``crisis_view.window_text``)
    recent_texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Understanding:
    """The first half of a turn: redacted text, one encoder pass and the signals (enough for a mood trail).
    Built by :meth:`Pipeline.understand` (see the class example there)."""

    redacted: Redacted
    encoded: Encoded
    signals: Signals
    timings: dict[str, float]
    # the message read after the active topic's question, encoded in the message's own pass when the dialogue
    # stage expects to need it (``DialogueTracker.expected_reread``); None otherwise
    in_context: Encoded | None = None


@dataclass(frozen=True)
class TurnOutcome:
    """What one turn produced: the reply, the redacted message, and the dialogue counters after this turn.
    Returned by :meth:`Pipeline.handle` (``outcome.reply.citations`` in the class example)."""

    reply: Reply
    redacted: Redacted
    answered: bool
    failed_turns: int
    dialogue: DialogueState = field(default_factory=DialogueState)  # the dialogue state after this turn


@dataclass
class TurnScratch:
    """Mutable scratch state of one turn inside the pipeline (never leaves it): what each stage produced so far,
    and the time each took.

    >>> scratch = TurnScratch(message=Message(conversation_id="c1", text="hi"), context=DialogueContext())
    >>> scratch.timed("redact", lambda: "done"), sorted(scratch.timings)
    ('done', ['redact'])
    """

    message: Message
    context: DialogueContext
    timings: dict[str, float] = field(default_factory=dict)
    redacted: Redacted | None = None
    encoded: Encoded | None = None
    in_context: Encoded | None = None
    signals: Signals | None = None
    style: Style | None = None
    retrieval: Retrieval | None = None
    draft: Draft | None = None
    verdict: Verdict | None = None
    decision: DialogueDecision | None = None

    def timed(self, name: str, fn: Callable[[], T]) -> T:
        """``fn()``, its time in ms added to ``timings[name]``."""
        start = time.perf_counter()
        try:
            return fn()
        finally:
            # a stage timed twice in one turn (the message's pass, then its window's) adds up
            self.timings[name] = round(self.timings.get(name, 0.0) + (time.perf_counter() - start) * 1000, 3)

    def record_answer(self, result: CheckedAnswer) -> None:
        """Keep the answer loop's final draft, verdict and style, and its generate and check times."""
        self.draft, self.verdict, self.style = result.draft, result.verdict, result.style
        self.timings["generate"] = round(sum(a.stats.get("total_s", 0.0) for a in result.attempts) * 1000, 3)
        self.timings["check"] = round(sum(a.stats.get("check_s", 0.0) for a in result.attempts) * 1000, 3)

    def reply(
        self, status: ReplyStatus, text: str, escalation: Escalation | None, *, question_kept: bool = False
    ) -> Reply:
        """The turn's :class:`~assistant.types.Reply` with ``text`` as its body (totals the timings first); the
        clarifying question's choices go with an answered reply, or with a hand-off that keeps the question
        (``question_kept``)."""
        assert self.redacted is not None
        verdict, draft, retrieval = self.verdict, self.draft, self.retrieval
        self.timings["total"] = round(sum(v for k, v in self.timings.items() if k != "total"), 3)
        return Reply(
            conversation_id=self.message.conversation_id,
            turn_index=len(self.context.history),
            status=status,
            text=text,
            style=self.style,
            citations=draft.citations if draft and status in ("answered", "escalated") else (),
            signals=self.signals,
            grounding_score=verdict.grounding_score if verdict else None,
            reading_grade=verdict.reading_grade if verdict else None,
            escalation=escalation,
            timings_ms=dict(self.timings),
            generator=(verdict.fallback or draft.generator) if verdict and draft else None,
            verdict=verdict,
            intent=retrieval.intent if retrieval else None,
            retrieval_confidence=retrieval.confidence if retrieval else None,
            redacted_entities=self.redacted.entities,
            other_organisation=retrieval.other_organisation if retrieval else None,
            choices=self.decision.choices
            if self.decision is not None and (status == "answered" or question_kept)
            else (),
            dialogue=self.decision.kind if self.decision is not None else None,
        )
