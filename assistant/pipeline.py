"""The only module that knows the order of the stages.

``message → redact → encode → classify → style → retrieve → generate → check → escalate → reply``
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from assistant.answers import simpler_style
from assistant.integrations.sqlstore import ConversationRecord, ConversationStore, make_conversation_store
from assistant.serialize import signals_from_dict, to_jsonable
from assistant.settings import Settings
from assistant.stages.classify import SignalClassifier
from assistant.stages.encode import MessageEncoder
from assistant.stages.escalate import EscalationPolicy
from assistant.stages.generate import AnswerGenerator
from assistant.stages.ground import AnswerChecker
from assistant.stages.redact import PiiRedactor
from assistant.stages.retrieve import KnowledgeRetriever
from assistant.stages.style import StyleSelector
from assistant.types import (
    Channel,
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

logger = logging.getLogger(__name__)
T = TypeVar("T")

HANDED_OFF = "handed_off"


@dataclass
class _Turn:
    """Mutable scratch state of one turn inside the pipeline (never leaves this module)."""

    message: Message
    conversation: ConversationRecord
    timings: dict[str, float] = field(default_factory=dict)
    redacted: Redacted | None = None
    encoded: Encoded | None = None
    signals: Signals | None = None
    style: Style | None = None
    retrieval: Retrieval | None = None
    draft: Draft | None = None
    verdict: Verdict | None = None

    def timed(self, name: str, fn: Callable[[], T]) -> T:
        start = time.perf_counter()
        try:
            return fn()
        finally:
            self.timings[name] = round((time.perf_counter() - start) * 1000, 3)


@dataclass(frozen=True)
class StreamEvent:
    """One server-sent event of a streamed turn: ``signals`` first, then ``delta`` text, then the ``reply``."""

    event: str
    data: Any


class Pipeline:
    """Runs one customer turn through every stage and persists only redacted text and derived signals.

    >>> from assistant.settings import Settings
    >>> p = Pipeline.from_settings(Settings(data_dir=Path("/tmp/attune-doc")))  # doctest: +SKIP
    >>> cid = p.start_conversation()  # doctest: +SKIP
    >>> p.handle(Message(conversation_id=cid, text="I think someone stole my card")).citations[0].article_id  # doctest: +SKIP
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
        store: ConversationStore,
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
        self.escalation = escalation
        self.store = store
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
            store=make_conversation_store(settings.resolved_database_url),
        )

    @property
    def stages(self) -> dict[str, Any]:
        return {
            "redact": self.redactor,
            "encode": self.encoder,
            "classify": self.classifier,
            "style": self.style,
            "retrieve": self.retriever,
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
            self.store.ping()
            self._warm = True
        logger.info("pipeline warm: %s", timings)
        return timings

    def start_conversation(self, channel: Channel = "widget", locale: str | None = None) -> str:
        return self.store.create_conversation(channel=channel, locale=locale or self.settings.locale).id

    # ------------------------------------------------------------------ one turn

    def handle(self, message: Message) -> Reply:
        """Answer one customer message (or hand it to a human) and persist the redacted turn."""
        turn = self._understand(message)
        if turn.conversation.status == HANDED_OFF:
            return self._after_handoff(turn)
        self._route(turn)
        if turn.signals is not None and turn.signals.distress != "crisis":
            self._answer(turn)
        return self._decide(turn)

    def _understand(self, message: Message) -> _Turn:
        self.warm_up()
        conversation = self.store.get_conversation(message.conversation_id)
        turn = _Turn(message=message, conversation=conversation)
        turn.redacted = turn.timed("redact", lambda: self.redactor.run(message=message))
        redacted = turn.redacted
        turn.encoded = turn.timed("encode", lambda: self.encoder.run(redacted=redacted))
        encoded = turn.encoded
        history = self._history(message.conversation_id)
        turn.signals = turn.timed("classify", lambda: self.classifier.run(encoded=encoded, history=history))
        return turn

    def _route(self, turn: _Turn) -> None:
        assert turn.signals is not None and turn.encoded is not None
        signals, encoded = turn.signals, turn.encoded
        turn.style = turn.timed("style", lambda: self.style.run(signals=signals, channel=turn.message.channel))
        turn.retrieval = turn.timed("retrieve", lambda: self.retriever.run(encoded=encoded))

    def _answer(self, turn: _Turn) -> None:
        assert turn.style is not None and turn.retrieval is not None and turn.redacted is not None
        draft, verdict = self._generate_checked(turn, self.generator, turn.style, "generate", "check")
        if not verdict.passed and self.generator is not self.fallback_generator:
            draft, verdict = self._generate_checked(turn, self.fallback_generator, turn.style, "fallback", "check")
            verdict = replace(verdict, fallback="composer")
        if verdict.passed and not verdict.reading_ok:
            simpler = simpler_style(turn.style)
            if simpler != turn.style:
                gen = self.fallback_generator if verdict.fallback else self.generator
                d2, v2 = self._generate_checked(turn, gen, simpler, "rewrite", "recheck")
                if v2.passed and v2.reading_grade < verdict.reading_grade:
                    draft, verdict = d2, replace(v2, rewrites=verdict.rewrites + 1, fallback=verdict.fallback)
                    turn.style = simpler
        turn.draft, turn.verdict = draft, verdict

    def _generate_checked(
        self, turn: _Turn, generator: AnswerGenerator, style: Style, gen_name: str, check_name: str
    ) -> tuple[Draft, Verdict]:
        assert turn.redacted is not None and turn.retrieval is not None and turn.signals is not None
        query, retrieval, signals = turn.redacted.text, turn.retrieval, turn.signals
        draft = turn.timed(
            gen_name, lambda: generator.run(query=query, style=style, retrieval=retrieval, signals=signals)
        )
        verdict = turn.timed(
            check_name,
            lambda: self.checker.run(draft=draft, retrieval=retrieval, style=style, signals=signals),
        )
        return draft, verdict

    def _decide(self, turn: _Turn) -> Reply:
        assert turn.signals is not None
        conv = turn.conversation
        answered = bool(
            turn.verdict is not None and turn.verdict.passed and turn.retrieval is not None and turn.retrieval.in_scope
        )
        failed_turns = 0 if answered else conv.failed_turns + 1
        signals, retrieval = turn.signals, turn.retrieval
        escalation = turn.timed(
            "escalate",
            lambda: self.escalation.run(signals=signals, retrieval=retrieval, failed_turns=failed_turns),
        )
        status: ReplyStatus
        if escalation.escalate:
            status = "escalated"
            text = self._handoff_text(turn, escalation, answered)
        elif turn.retrieval is not None and not turn.retrieval.in_scope:
            status = "out_of_scope"
            text = turn.verdict.text if turn.verdict else ""
        else:
            status = "answered"
            text = turn.verdict.text if turn.verdict else ""
        reply = self._reply(turn, status, text, escalation)
        self._persist(turn, reply, failed_turns)
        if escalation.escalate:
            self.store.update_conversation(
                conv.id, status=HANDED_OFF, handoff=self._packet(conv.id, escalation, reply)
            )
        return reply

    def _handoff_text(self, turn: _Turn, escalation: Escalation, answered: bool) -> str:
        notices = self.escalation.prompts.notices
        assert turn.signals is not None
        if escalation.crisis:
            contacts = self.escalation.crisis_contacts(turn.conversation.locale, turn.signals.crisis_kind)
            lines = "\n".join(f"- {c}" for c in contacts)
            return f"{notices.crisis}\n\n{notices.crisis_contacts_intro}\n{lines}"
        if answered and turn.verdict is not None and not turn.signals.handoff_requested:
            return f"{turn.verdict.text}\n\n{notices.handoff_with_answer}"
        return notices.handoff

    def _after_handoff(self, turn: _Turn) -> Reply:
        notice = self.escalation.prompts.notices.closed
        handoff = turn.conversation.handoff or {}
        escalation = Escalation(
            escalate=True,
            reasons=tuple(handoff.get("reasons", ())),
            priority=handoff.get("priority", "normal"),
            crisis=bool(handoff.get("crisis", False)),
        )
        reply = self._reply(turn, "handed_off", notice, escalation)
        self._persist(turn, reply, turn.conversation.failed_turns)
        return reply

    def _reply(self, turn: _Turn, status: ReplyStatus, text: str, escalation: Escalation | None) -> Reply:
        assert turn.redacted is not None
        verdict, draft, retrieval = turn.verdict, turn.draft, turn.retrieval
        turn.timings["total"] = round(sum(v for k, v in turn.timings.items() if k != "total"), 3)
        return Reply(
            conversation_id=turn.conversation.id,
            turn_index=len(self._history(turn.conversation.id)),
            status=status,
            text=text,
            style=turn.style,
            citations=draft.citations if draft and status in ("answered", "escalated") else (),
            signals=turn.signals,
            grounding_score=verdict.grounding_score if verdict else None,
            reading_grade=verdict.reading_grade if verdict else None,
            escalation=escalation,
            timings_ms=dict(turn.timings),
            generator=(verdict.fallback or draft.generator) if verdict and draft else None,
            verdict=verdict,
            intent=retrieval.intent if retrieval else None,
            retrieval_confidence=retrieval.confidence if retrieval else None,
            redacted_entities=turn.redacted.entities,
        )

    # ------------------------------------------------------------------ persistence and hand-off

    def _history(self, conversation_id: str) -> list[Signals]:
        return [
            signals_from_dict(t.payload["signals"])
            for t in self.store.list_turns(conversation_id)
            if t.role == "customer" and "signals" in t.payload
        ]

    def _persist(self, turn: _Turn, reply: Reply, failed_turns: int) -> None:
        assert turn.redacted is not None
        cid = turn.conversation.id
        self.store.add_turn(
            cid,
            role="customer",
            text=turn.redacted.text,
            payload={"signals": to_jsonable(turn.signals), "entities": list(turn.redacted.entities)},
        )
        payload = to_jsonable(reply)
        payload.pop("text", None)
        payload.pop("signals", None)
        self.store.add_turn(cid, role="assistant", text=reply.text, payload=payload)
        if failed_turns != turn.conversation.failed_turns:
            self.store.update_conversation(cid, failed_turns=failed_turns)

    def _packet(self, conversation_id: str, escalation: Escalation, reply: Reply) -> dict[str, Any]:
        return {
            "reasons": list(escalation.reasons),
            "priority": escalation.priority,
            "crisis": escalation.crisis,
            "turn_index": reply.turn_index,
            "intent": reply.intent,
            "suggested_reply": reply.verdict.text if reply.verdict and reply.verdict.passed else None,
            "citations": to_jsonable(reply.citations),
        }

    def handoff_packet(self, conversation_id: str) -> dict[str, Any]:
        """Everything a human agent needs: reasons, priority, mood trail, literacy, redacted transcript."""
        conv = self.store.get_conversation(conversation_id)
        turns = self.store.list_turns(conversation_id)
        mood = [
            {
                "turn": t.index,
                "sentiment": t.payload["signals"]["sentiment"],
                "sentiment_score": t.payload["signals"]["sentiment_score"],
                "distress": t.payload["signals"]["distress"],
                "vulnerability": t.payload["signals"]["vulnerability"],
                "handoff_requested": t.payload["signals"]["handoff_requested"],
            }
            for t in turns
            if t.role == "customer" and t.payload.get("signals")
        ]
        last_signals = next(
            (t.payload["signals"] for t in reversed(turns) if t.role == "customer" and t.payload.get("signals")),
            None,
        )
        return {
            "conversation_id": conv.id,
            "status": conv.status,
            "channel": conv.channel,
            "locale": conv.locale,
            "handoff": conv.handoff,
            "mood_trail": mood,
            "literacy": last_signals["literacy"] if last_signals else None,
            "transcript": [{"turn": t.index, "role": t.role, "text": t.text} for t in turns],
        }

    # ------------------------------------------------------------------ streaming

    async def stream(self, message: Message) -> AsyncIterator[StreamEvent]:
        """Events for one turn: ``signals``, then ``delta`` text increments, then the final ``reply``.

        The composer's text is grounded by construction and streams as it is built; a language model's text is
        checked first and then streamed, so no unchecked model output ever reaches the customer.
        """
        turn = await asyncio.to_thread(self._understand, message)
        yield StreamEvent("signals", to_jsonable(turn.signals))
        if turn.conversation.status == HANDED_OFF:
            reply = await asyncio.to_thread(self._after_handoff, turn)
        else:
            await asyncio.to_thread(self._route, turn)
            assert turn.signals is not None
            if turn.signals.distress != "crisis":
                if self.generator.backend == "composer":
                    async for delta in _iterate_in_thread(lambda: self._stream_composer(turn)):
                        yield StreamEvent("delta", delta)
                else:
                    await asyncio.to_thread(self._answer, turn)
            reply = await asyncio.to_thread(self._decide, turn)
        if reply.status != "answered" or self.generator.backend != "composer":
            yield StreamEvent("delta", reply.text)
        yield StreamEvent("reply", to_jsonable(reply))

    def _stream_composer(self, turn: _Turn) -> Iterator[str]:
        assert turn.redacted is not None and turn.style is not None and turn.retrieval is not None
        assert turn.signals is not None
        start = time.perf_counter()
        yield from self.generator.stream(
            query=turn.redacted.text, style=turn.style, retrieval=turn.retrieval, signals=turn.signals
        )
        turn.timings["generate"] = round((time.perf_counter() - start) * 1000, 3)
        draft = self.generator.last_draft
        style, retrieval, signals = turn.style, turn.retrieval, turn.signals
        turn.draft = draft
        turn.verdict = turn.timed(
            "check", lambda: self.checker.run(draft=draft, retrieval=retrieval, style=style, signals=signals)
        )


async def _iterate_in_thread(make: Callable[[], Iterator[str]]) -> AsyncIterator[str]:
    """Run a blocking iterator in a worker thread and yield its items on the event loop."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def pump() -> None:
        try:
            for item in make():
                loop.call_soon_threadsafe(queue.put_nowait, ("item", item))
            loop.call_soon_threadsafe(queue.put_nowait, ("end", None))
        except BaseException as exc:  # re-raised on the event loop
            loop.call_soon_threadsafe(queue.put_nowait, ("error", exc))

    worker = threading.Thread(target=pump, daemon=True)
    worker.start()
    while True:
        kind, value = await queue.get()
        if kind == "item":
            yield value
        elif kind == "error":
            raise value
        else:
            break
