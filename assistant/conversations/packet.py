"""The hand-off packet an agent reads before answering: everything the bot learnt, nothing they must ask again.

>>> extractive_summary(["My card is gone.", "I am scared, it's my rent money.", "Please help."], [0.0, -0.8, -0.2])
"My card is gone. I am scared, it's my rent money. Please help."
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.conversations.model import Conversation, Turn, TurnRole

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class MoodPoint:
    turn: int
    sentiment: str
    sentiment_score: float
    distress: str
    vulnerability: tuple[str, ...]
    handoff_requested: bool
    literacy: str


@dataclass(frozen=True)
class SourceUse:
    turn: int
    status: str
    article_id: str
    title: str
    section: str


@dataclass(frozen=True)
class HandoffPacket:
    """What the agent sees for one conversation (all text already redacted); built by :func:`build_packet`.

    >>> from assistant.conversations.model import Conversation
    >>> build_packet(Conversation(id="c1", channel="widget", locale="en-GB", token_hash="h"), []).state
    'bot'
    """

    conversation_id: str
    state: str
    channel: str
    locale: str
    priority: str | None
    crisis: bool
    reasons: list[dict[str, Any]]
    claimed_by: str | None
    open_question: str
    summary: str
    literacy: str | None
    drivers: dict[str, list[str]]
    mood_trail: list[MoodPoint]
    sources: list[SourceUse]
    transcript: list[dict[str, Any]]
    handled_codes: list[str] = field(default_factory=list)


def extractive_summary(texts: list[str], scores: list[float], max_sentences: int = 3) -> str:
    """First, most negative and last customer sentences, in conversation order (no language model)."""
    sentences: list[tuple[int, float, str]] = []
    for i, (text, score) in enumerate(zip(texts, scores, strict=False)):
        for s in _SENTENCE.split(text.strip()):
            s = s.strip()
            if s:
                sentences.append((i, score, s if s[-1] in ".!?" else f"{s}."))
    if not sentences:
        return ""
    chosen = {0, len(sentences) - 1}
    by_mood = sorted(range(len(sentences)), key=lambda k: sentences[k][1])
    for k in by_mood:
        if len(chosen) >= max_sentences:
            break
        chosen.add(k)
    return " ".join(sentences[k][2] for k in sorted(chosen))


def build_packet(conv: Conversation, turns: list[Turn]) -> HandoffPacket:
    """The packet from the stored (redacted) turns and the conversation's ticket."""
    mood: list[MoodPoint] = []
    drivers: dict[str, list[str]] = {}
    sources: list[SourceUse] = []
    customer_texts: list[str] = []
    scores: list[float] = []
    literacy: str | None = None
    for turn in turns:
        signals = turn.payload.get("signals") if turn.role is TurnRole.CUSTOMER else None
        if signals:
            mood.append(
                MoodPoint(
                    turn.index,
                    signals["sentiment"],
                    float(signals["sentiment_score"]),
                    signals["distress"],
                    tuple(signals.get("vulnerability", ())),
                    bool(signals.get("handoff_requested")),
                    signals.get("literacy", ""),
                )
            )
            literacy = signals.get("literacy") or literacy
            for driver in signals.get("vulnerability", ()):
                cues = signals.get("cues", {}).get(f"vulnerability.{driver}", [])
                known = drivers.setdefault(driver, [])
                known.extend(c for c in cues if c not in known)
            customer_texts.append(turn.text)
            scores.append(float(signals["sentiment_score"]))
        if turn.role is TurnRole.ASSISTANT:
            for c in turn.payload.get("citations", ()):
                sources.append(
                    SourceUse(turn.index, turn.payload.get("status", ""), c["article_id"], c["title"], c["section"])
                )
    ticket = conv.ticket
    open_question = ticket.open_question if ticket and ticket.open_question else (customer_texts or [""])[-1]
    return HandoffPacket(
        conversation_id=conv.id,
        state=conv.state.value,
        channel=conv.channel,
        locale=conv.locale,
        priority=ticket.priority if ticket else None,
        crisis=bool(ticket and ticket.crisis),
        reasons=[{"code": r.code, "detail": r.detail, "cues": list(r.cues)} for r in ticket.reasons] if ticket else [],
        claimed_by=ticket.claimed_by if ticket else None,
        open_question=open_question,
        summary=extractive_summary(customer_texts, scores),
        literacy=literacy,
        drivers=drivers,
        mood_trail=mood,
        sources=sources,
        transcript=[
            {"turn": t.index, "role": t.role.value, "actor": t.actor, "text": t.text, "at": t.created_at.isoformat()}
            for t in turns
        ],
        handled_codes=list(conv.handled_codes),
    )
