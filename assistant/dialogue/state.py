"""What a conversation remembers between turns: the active topic, what was last shown, an open question and
whether an offer was already made. Redacted only (article ids, section names, placeholders), stored as JSON.

>>> state = DialogueState(topic=Topic("card-arrival", "card_arrival"), layer="In short", offer_shown=True)
>>> DialogueState.from_dict(state.to_dict()) == state
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.types import Choice


@dataclass(frozen=True)
class Topic:
    """The article a conversation is about and the intent it was routed to."""

    article_id: str
    intent: str | None = None


@dataclass(frozen=True)
class OpenQuestion:
    """A clarifying question the customer has not answered yet: the (redacted) question it is about and the
    choices offered; ``topic_before``/``query_before``: the conversation's topic and its question before it was
    asked (the first choice is the tentative topic meanwhile), where "none of these" returns to."""

    query: str
    choices: tuple[Choice, ...]
    topic_before: Topic | None = None
    query_before: str = ""


@dataclass(frozen=True)
class DialogueState:
    """The dialogue so far, as the dialogue stage needs it on the next turn.

    ``layer``/``sections``: the layer and sections last shown from the topic's article; ``alternatives``: the
    next-best articles of the topic's ranking (for "that didn't help"); ``tried``: articles already shown for
    this topic; ``unhelpful``: how many times the customer said an answer did not help; ``query``: the redacted
    question that opened the topic; ``passed_over``: the article the router read the last message as when the
    stage kept it on the topic instead (a "that didn't help" next tries it first).
    """

    topic: Topic | None = None
    layer: str | None = None
    sections: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()
    tried: tuple[str, ...] = ()
    unhelpful: int = 0
    query: str = ""
    passed_over: str | None = None
    open_question: OpenQuestion | None = None
    more_offered: bool = False  # the last answer offered more detail ("yes please" then means the next layer)
    offer_shown: bool = False
    offers_blocked: bool = False  # a complaint, distress or vulnerability cue was seen: no offers from now on
    turns: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic": _topic_dict(self.topic),
            "layer": self.layer,
            "sections": list(self.sections),
            "alternatives": list(self.alternatives),
            "tried": list(self.tried),
            "unhelpful": self.unhelpful,
            "query": self.query,
            "passed_over": self.passed_over,
            "open_question": None
            if self.open_question is None
            else {
                "query": self.open_question.query,
                "choices": [
                    {"id": c.id, "article_id": c.article_id, "label": c.label} for c in self.open_question.choices
                ],
                "topic_before": _topic_dict(self.open_question.topic_before),
                "query_before": self.open_question.query_before,
            },
            "more_offered": self.more_offered,
            "offer_shown": self.offer_shown,
            "offers_blocked": self.offers_blocked,
            "turns": self.turns,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> DialogueState:
        """The state stored by :meth:`to_dict` (an empty state for None or ``{}``)."""
        if not data:
            return cls()
        question = data.get("open_question")
        return cls(
            topic=_topic_of(data.get("topic")),
            layer=data.get("layer"),
            sections=tuple(data.get("sections") or ()),
            alternatives=tuple(data.get("alternatives") or ()),
            tried=tuple(data.get("tried") or ()),
            unhelpful=int(data.get("unhelpful") or 0),
            query=str(data.get("query") or ""),
            passed_over=data.get("passed_over") or None,
            open_question=None
            if not question
            else OpenQuestion(
                str(question.get("query") or ""),
                tuple(Choice(str(c["id"]), str(c["article_id"]), str(c["label"])) for c in question["choices"]),
                topic_before=_topic_of(question.get("topic_before")),
                query_before=str(question.get("query_before") or ""),
            ),
            more_offered=bool(data.get("more_offered")),
            offer_shown=bool(data.get("offer_shown")),
            offers_blocked=bool(data.get("offers_blocked")),
            turns=int(data.get("turns") or 0),
        )


def _topic_dict(topic: Topic | None) -> dict[str, Any] | None:
    return None if topic is None else {"article_id": topic.article_id, "intent": topic.intent}


def _topic_of(data: dict[str, Any] | None) -> Topic | None:
    return None if not data else Topic(str(data["article_id"]), data.get("intent"))
