"""What the dialogue stage decides for a turn (:class:`DialogueDecision`) and the signal tests it shares with the
pipeline.

>>> DialogueDecision("close", "thanks, that's all", text="You're welcome.").follow_up
False
>>> DialogueDecision("follow_up", "and the fee?", article_id="transfer-timing").follow_up
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assistant.dialogue.state import Choice
from assistant.types import Register, Retrieval, Signals

DecisionKind = Literal[
    "new_topic",  # the router's ranking as it is
    "same_topic",  # the router put the message on the active topic itself
    "follow_up",  # answered from the active topic's article (or the article it leads to), for this message
    "more_detail",  # the next layer of the active article
    "simpler",  # the plain layer and glossary of the active article
    "not_helpful",  # the next-best article for the topic's question
    "offer_person",  # nothing better to show: offer a person
    "close",  # "thanks, that's all" (or a bare "okay"): a short close
    "clarify",  # ask which of 2-3 articles is meant
    "choice",  # the customer picked one of the offered choices
    "none_of_these",  # the customer picked none of them
]
DECISION_KINDS: tuple[DecisionKind, ...] = (
    "new_topic",
    "same_topic",
    "follow_up",
    "more_detail",
    "simpler",
    "not_helpful",
    "offer_person",
    "close",
    "clarify",
    "choice",
    "none_of_these",
)
FOLLOW_UP_KINDS = frozenset({"same_topic", "follow_up", "more_detail", "simpler", "not_helpful", "offer_person"})
NEXT_LAYER: dict[str | None, str | None] = {
    None: "Details",
    "In short": "Details",
    "Details": "For the technically minded",
    "For the technically minded": None,
}
LAYER_REGISTER: dict[str, Register] = {
    "In short": "plain",
    "Details": "standard",
    "For the technically minded": "technical",
}


@dataclass(frozen=True)
class DialogueDecision:
    """What the pipeline does with this turn (see :class:`assistant.stages.dialogue.DialogueTracker`).

    ``retrieval``: the passages to answer from instead of the router's (None: the router's ranking); ``query``:
    the text the answer is written for (the topic's question for "more detail", a choice, "that didn't help");
    ``text``: the reply when nothing is drafted (close, clarifying question, "none of these");
    ``choices``: the clarifying question's quick replies; ``cues``: why this kind was chosen;
    ``overridden``: the article the router preferred for this message when the decision kept the active topic
    instead (a later "that didn't help" turns to it first).
    """

    kind: DecisionKind
    query: str
    article_id: str | None = None
    sections: tuple[str, ...] = ()
    retrieval: Retrieval | None = None
    register: Register | None = None
    glossary: bool | None = None
    text: str = ""
    choices: tuple[Choice, ...] = ()
    allow_offers: bool = True
    cues: tuple[str, ...] = ()
    overridden: str | None = None

    @property
    def follow_up(self) -> bool:
        return self.kind in FOLLOW_UP_KINDS


def frustrated(signals: Signals | None) -> bool:
    """A complaint, negative sentiment or any distress: the customer is upset about what they already asked."""
    return signals is not None and (
        signals.complaint or signals.sentiment == "negative" or signals.distress in ("mild", "high")
    )


def blocks_offers(signals: Signals | None) -> bool:
    """A complaint, distress or a vulnerability cue: no product offers for the rest of the conversation."""
    return signals is not None and (
        signals.complaint
        or signals.distress != "none"
        or bool(signals.vulnerability)
        or signals.sentiment == "negative"
    )


__all__ = [
    "DECISION_KINDS",
    "FOLLOW_UP_KINDS",
    "LAYER_REGISTER",
    "NEXT_LAYER",
    "DecisionKind",
    "DialogueDecision",
    "blocks_offers",
    "frustrated",
]
