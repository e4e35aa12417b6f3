"""The only module that knows the order of the stages: a pure turn function that never touches storage.

``message → redact → encode → classify → style → retrieve → dialogue → generate → check → escalate → reply``

The dialogue stage decides whether the message follows up the conversation's active topic (answered from that
article's sections), asks a clarifying question, closes, or starts a new topic; the state it reads and the state
after the turn (:class:`~assistant.dialogue.state.DialogueState`) travel in ``DialogueContext.state`` and
``TurnOutcome.dialogue``.

The conversation (its state, turns and hand-off) is ``assistant.conversations.ConversationService``'s; it passes
what the pipeline needs to know about the dialogue so far as a :class:`DialogueContext`.

What a turn carries in and out (:class:`DialogueContext`, :class:`Understanding`, :class:`TurnOutcome`) and its
scratch state are in :mod:`assistant.turns`; the generate -> check loop (:class:`AnswerFlow`) is in
:mod:`assistant.answer_flow`. Both are importable from here as before.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from typing import Any

from assistant.answer_flow import AnswerFlow, Attempt, CheckedAnswer
from assistant.answers.composer_prompts import load_composer_prompts
from assistant.answers.render import without_person_line
from assistant.dialogue.advance import state_after_turn
from assistant.dialogue.state import DialogueState
from assistant.settings import Settings
from assistant.signals.crisis_view import window_text
from assistant.stages.classify import SignalClassifier
from assistant.stages.dialogue import DialogueTracker, blocks_offers
from assistant.stages.encode import MessageEncoder
from assistant.stages.escalate import EscalationPolicy
from assistant.stages.generate import AnswerGenerator
from assistant.stages.ground import AnswerChecker
from assistant.stages.redact import PiiRedactor
from assistant.stages.retrieve import KnowledgeRetriever
from assistant.stages.style import StyleSelector
from assistant.turns import DialogueContext, TurnOutcome, TurnScratch, Understanding
from assistant.types import Escalation, Message, Redacted, Reply, ReplyStatus, Retrieval

__all__ = [  # the turn's data and the answer loop live beside it; imported from here as before
    "AnswerFlow",
    "Attempt",
    "CheckedAnswer",
    "DialogueContext",
    "Pipeline",
    "TurnOutcome",
    "Understanding",
]

logger = logging.getLogger(__name__)


class Pipeline:
    """Runs one customer turn through every stage: a pure function of the message and the dialogue so far.

    It stores nothing and reads nothing from storage; ``ConversationService`` does both.

    >>> from assistant.settings import Settings
    >>> p = Pipeline.from_settings(Settings())
    >>> outcome = p.handle(Message(conversation_id="c1", text="I think someone stole my card"))
    >>> outcome.reply.citations[0].article_id
    'lost-or-stolen-card'
    """

    def __init__(
        self,
        settings: Settings,
        *,
        redactor: PiiRedactor,
        encoder: MessageEncoder,
        classifier: SignalClassifier,
        style: StyleSelector,
        retriever: KnowledgeRetriever,
        generator: AnswerGenerator,
        fallback_generator: AnswerGenerator,
        checker: AnswerChecker,
        escalation: EscalationPolicy,
        dialogue: DialogueTracker | None = None,
    ) -> None:
        self.settings = settings
        self.redactor = redactor
        self.encoder = encoder
        self.classifier = classifier
        self.style = style
        self.retriever = retriever
        self.generator = generator
        self.fallback_generator = fallback_generator
        self.checker = checker
        self.flow = AnswerFlow(generator, checker, composer=fallback_generator)
        self.escalation = escalation
        self.dialogue = dialogue or DialogueTracker(settings, encoder.encoder)
        self._warm = False
        self._warm_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Pipeline:
        encoder = MessageEncoder(settings)
        return cls(
            settings,
            redactor=PiiRedactor(settings),
            encoder=encoder,
            classifier=SignalClassifier(settings),
            style=StyleSelector(settings),
            retriever=KnowledgeRetriever(settings),
            generator=AnswerGenerator(settings),
            fallback_generator=AnswerGenerator(settings, backend="composer"),
            checker=AnswerChecker(settings),
            escalation=EscalationPolicy(settings),
            dialogue=DialogueTracker(settings, encoder.encoder),
        )

    @property
    def stages(self) -> dict[str, Any]:
        return {
            "redact": self.redactor,
            "encode": self.encoder,
            "classify": self.classifier,
            "style": self.style,
            "retrieve": self.retriever,
            "dialogue": self.dialogue,
            "generate": self.generator,
            "fallback": self.fallback_generator,
            "check": self.checker,
            "escalate": self.escalation,
        }

    def warm_up(self) -> dict[str, float]:
        """Load every model and index once; returns the warm-up time per stage in ms."""
        timings: dict[str, float] = {}
        with self._warm_lock:
            if self._warm:
                return timings
            for name, stage in self.stages.items():
                start = time.perf_counter()
                stage.warm_up()
                timings[name] = round((time.perf_counter() - start) * 1000, 1)
            self._check_routing_artifacts()
            self._warm = True
        logger.info("pipeline warm: %s", timings)
        return timings

    def _check_routing_artifacts(self) -> None:
        """Warn when the routing adapter is not the one the routing head was trained with."""
        adapter = self.encoder.adapter
        found = adapter.fingerprint() if adapter is not None else None
        expected = self.retriever.head.meta.get("adapter")
        if found != expected:
            logger.warning(
                "routing adapter %s does not match the routing head (trained with %s): run `attune train routing`",
                found,
                expected,
            )

    # ------------------------------------------------------------------ one turn

    def handle(self, message: Message, context: DialogueContext | None = None) -> TurnOutcome:
        """Answer one customer message (or decide that a person should) given the dialogue so far."""
        context = context or DialogueContext()
        return self.respond(message, self.understand(message, context), context)

    def understand(self, message: Message, context: DialogueContext) -> Understanding:
        """Redact, encode and classify (raises :class:`InvalidMessageError` for bad input, before anything else)."""
        self.warm_up()
        turn = TurnScratch(message=message, context=context)
        redacted = turn.timed("redact", lambda: self.redactor.run(message=message))
        ahead = self._expected_reread(redacted, context)
        window = window_text(redacted.text, context.recent_texts)
        # the message, its reading after the topic's question (routing view only) and the window over the last
        # turns (crisis view only), queued together: one pass shared with concurrent turns
        encoded, in_context, window_view = turn.timed(
            "encode", lambda: self.encoder.run_turn(redacted.text, ahead, window)
        )
        history = context.history
        signals = turn.timed(
            "classify", lambda: self.classifier.run(encoded=encoded, history=history, window=window_view)
        )
        return Understanding(
            redacted=redacted, encoded=encoded, signals=signals, timings=dict(turn.timings), in_context=in_context
        )

    def _expected_reread(self, redacted: Redacted, context: DialogueContext) -> str | None:
        if not (self.settings.dialogue_enabled and self.settings.dialogue_reread_ahead):
            return None
        return self.dialogue.expected_reread(context.state, redacted.text, context.choice_id)

    def respond(self, message: Message, understanding: Understanding, context: DialogueContext) -> TurnOutcome:
        """Style, retrieve, answer and check, then decide on escalation."""
        turn = TurnScratch(message=message, context=context, timings=dict(understanding.timings))
        turn.redacted, turn.encoded, turn.signals = understanding.redacted, understanding.encoded, understanding.signals
        turn.in_context = understanding.in_context
        self._route(turn)
        if self._should_answer(turn):
            self._answer(turn)
        return self._decide(turn)

    def _route(self, turn: TurnScratch) -> None:
        assert turn.signals is not None and turn.encoded is not None
        signals, encoded = turn.signals, turn.encoded
        channel = turn.message.channel
        style = turn.style = turn.timed("style", lambda: self.style.run(signals=signals, channel=channel))
        retrieval = turn.retrieval = turn.timed(
            "retrieve", lambda: self.retriever.run(encoded=encoded, support_intents=style.support_intents)
        )
        context = turn.context
        if not self.settings.dialogue_enabled:
            return

        ahead = turn.in_context

        def reread(text: str) -> Retrieval:  # the router on the message read after the topic's question
            again = ahead if ahead is not None and ahead.text == text else self.encoder.run_reading(text)
            return self.retriever.run(encoded=again, support_intents=style.support_intents)

        decision = turn.decision = turn.timed(
            "dialogue",
            lambda: self.dialogue.run(
                encoded=encoded,
                retrieval=retrieval,
                signals=signals,
                state=context.state,
                choice_id=context.choice_id,
                reread=reread,
                previous=context.recent_texts[-1] if context.recent_texts else None,
            ),
        )
        if decision.retrieval is not None:
            turn.retrieval = decision.retrieval
        allow_offers = style.allow_offers and decision.allow_offers
        register = decision.register or style.register
        glossary = style.glossary if decision.glossary is None else decision.glossary
        if (allow_offers, register, glossary) != (style.allow_offers, style.register, style.glossary):
            turn.style = replace(style, allow_offers=allow_offers, register=register, glossary=glossary)

    @staticmethod
    def _should_answer(turn: TurnScratch) -> bool:
        """No answer is drafted for a crisis (a person takes over at once), a request the assistant refuses, or a
        message it cannot read (another language: a person takes it)."""
        signals, decision = turn.signals, turn.decision
        if decision is not None and (decision.text or decision.kind == "offer_person"):
            return False  # a close, a clarifying question, "none of these": the dialogue stage's own reply
        return (
            signals is not None and signals.distress != "crisis" and signals.misuse is None and signals.language == "en"
        )

    def _answer(self, turn: TurnScratch) -> None:
        assert turn.style is not None and turn.retrieval is not None and turn.redacted is not None
        assert turn.signals is not None
        query = turn.decision.query if turn.decision is not None else turn.redacted.text
        # the query is the message or its reading after the topic's question: both went through this turn's pass
        known = [e for e in (turn.encoded, turn.in_context) if e is not None and e.text == query]
        result = self.flow.run(
            query=query,
            style=turn.style,
            retrieval=turn.retrieval,
            signals=turn.signals,
            query_vector=known[0].vector if known else None,
        )
        turn.record_answer(result)

    def _decide(self, turn: TurnScratch) -> TurnOutcome:
        assert turn.signals is not None and turn.redacted is not None
        context = turn.context
        verdict, retrieval = turn.verdict, turn.retrieval
        # Below the retrieval bar the composer still answers a question whose lead sentence clearly carries a fact
        # of the kind asked (its draft then cites that article); anything else there is out of scope.
        answered_below_bar = bool(
            turn.draft and turn.draft.citations and retrieval and not retrieval.other_organisation
        )
        answered = bool(verdict and verdict.passed and retrieval and (retrieval.in_scope or answered_below_bar))
        failed_turns = 0 if answered else context.failed_turns + 1
        decision = turn.decision
        spoken = decision is not None and bool(decision.text) and turn.signals.misuse is None
        if decision is not None and decision.kind == "offer_person":
            failed_turns = max(failed_turns, self.settings.max_failed_turns)  # "that didn't help" again: a person
        elif spoken and decision is not None and decision.kind != "none_of_these":
            failed_turns = context.failed_turns  # a close or a clarifying question is not a failed answer
        signals, text = turn.signals, turn.redacted.text
        escalation = turn.timed(
            "escalate",
            lambda: self.escalation.run(
                signals=signals,
                retrieval=retrieval,
                failed_turns=failed_turns,
                text=text,
                asks_before=context.asks_for_person,
                handled=context.handled_codes,
            ),
        )
        status: ReplyStatus
        body = turn.verdict.text if turn.verdict else ""
        question_kept = spoken and self._keeps_question(turn, escalation)
        if escalation.escalate:
            status = "escalated"
            body = self._handoff_text(turn, escalation, answered, question_kept)
        elif signals.misuse is not None:
            status = "refused"
            body = self.escalation.prompts.notices.refused
        elif spoken and decision is not None:
            status = "out_of_scope" if decision.kind == "none_of_these" else "answered"
            body = decision.text
        elif turn.retrieval is not None and not turn.retrieval.in_scope and not answered:
            status = "out_of_scope"
        else:
            status = "answered"
        if escalation.escalate or escalation.offer:  # a person is brought in or offered: no "just say so" too
            body = without_person_line(body, load_composer_prompts(self.settings.prompts_dir))
        if escalation.offer:
            body = f"{body}\n\n{escalation.text}" if body else escalation.text
            failed_turns = 0  # offered once; if the customer carries on, the bot keeps helping
        reply = turn.reply(status, body, escalation, question_kept=question_kept)
        state = self._next_state(turn, reply, answered)
        return TurnOutcome(
            reply=reply, redacted=turn.redacted, answered=answered, failed_turns=failed_turns, dialogue=state
        )

    @staticmethod
    def _next_state(turn: TurnScratch, reply: Reply, answered: bool) -> DialogueState:
        """The dialogue state after this turn (see :func:`assistant.dialogue.advance.state_after_turn`)."""
        if turn.decision is None:
            return turn.context.state
        return state_after_turn(
            turn.context.state,
            turn.decision,
            reply=reply,
            retrieval=turn.retrieval,
            offers=turn.draft.offers if turn.draft else (),
            details_on_request=bool(turn.style and turn.style.details_on_request),
            answered=answered,
            offers_blocked=blocks_offers(turn.signals),
        )

    @staticmethod
    def _keeps_question(turn: TurnScratch, escalation: Escalation) -> bool:
        """Whether a clarifying question is shown with the hand-off: a person is brought in now, not for a
        crisis nor because the customer asked for one, so the customer sees the question and its choices with the
        hand-off notice and can pick while waiting (the pick is answered unless a person has taken over,
        :class:`~assistant.conversations.ConversationService`)."""
        decision = turn.decision
        return (
            decision is not None
            and decision.kind == "clarify"
            and bool(decision.choices)
            and escalation.escalate
            and escalation.kind == "now"
            and not escalation.crisis
        )

    def _handoff_text(self, turn: TurnScratch, escalation: Escalation, answered: bool, question_kept: bool) -> str:
        notices = self.escalation.prompts.notices
        assert turn.signals is not None
        if question_kept and turn.decision is not None and turn.decision.text:
            return f"{turn.decision.text}\n\n{notices.handoff_with_question}"
        if escalation.crisis:
            contacts = self.escalation.crisis_contacts(turn.message.locale, turn.signals.crisis_kind)
            lines = "\n".join(f"- {c}" for c in contacts)
            return f"{escalation.text}\n\n{notices.crisis_contacts_intro}\n{lines}"
        asked = escalation.kind == "asked"
        if answered and turn.verdict is not None and not asked and turn.signals.misuse is None:
            return f"{turn.verdict.text}\n\n{notices.handoff_with_answer}"
        return escalation.text
