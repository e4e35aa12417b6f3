"""Which fact answers the question: the kinds of figure its wording asks for, and a match of the question to each
fact of the retrieved article(s).

The composer leads with the sentence carrying the fact that best answers the question (:mod:`.answer_choice`). A
fact's match to the question adds three pieces of evidence: the encoder's cosine of the question to the fact's
description (``knowledge_base/facts``), the rare words the question shares with the fact's name and description
(weighted by how few facts use them: "excess", "monthly", "buffer" pick one fact of an article, "card" none), and
whether the fact is of a kind the question's wording asks for (a cost -> ``fee``, a time -> ``time``, an amount ->
``limit``, "how many" -> ``count``, "how old" -> ``age``, "what number" -> ``contact``; cues in
``prompts/composer.yaml`` ``focus.answer_fact.cues``).

>>> cues = {"fee": [r"\\bcost\\b"], "time": [r"\\bhow long\\b"]}
>>> sorted(asked_kinds("How long does it take and what does it cost?", cues))
['fee', 'time']
>>> facts = (FactInfo("a_fee", "£5", "fee", "Fee for a spare card"), FactInfo("b", "2", "limit", "Most spare cards"))
>>> index = FactWords(facts)
>>> index.overlap("what fee do you charge for a spare card?", "a_fee") > index.overlap("what fee?", "b")
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.answers.text import content_words
from assistant.kb.loader import FactKind


@dataclass(frozen=True)
class FactInfo:
    """One fact of the knowledge base: its name, value as written, kind and description."""

    name: str
    value: str
    kind: str
    description: str


def asked_kinds(question: str, cues: Mapping[FactKind, Sequence[str]]) -> frozenset[FactKind]:
    """The fact kinds the question's wording asks for (every kind one of whose cue patterns matches)."""
    return frozenset(kind for kind, patterns in cues.items() if any(_compiled(p).search(question) for p in patterns))


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Words that only say that a figure is asked ("how long", "how much", "usually"): the kind cues weigh those, so
# they do not also count as shared words ("How long to wait ..." is not closer to "how long is delivery?").
_ASK_WORDS = frozenset(
    content_words("long soon quick quickly fast much many take takes get need can usual usually typical typically")
)


# A sum the customer names says which currency they mean ("Sending €500 to Dublin" -> the euro transfer's fee).
# Pounds are the default (most questions name a £ sum), so "£" says nothing about which fact is meant.
_CURRENCY_WORDS = {"€": " euros ", "$": " dollars "}
_CURRENCY = re.compile("[€$]")


def _words(text: str) -> set[str]:
    return content_words(_CURRENCY.sub(lambda m: _CURRENCY_WORDS[m.group()], text)) - _ASK_WORDS


def _fact_words(fact: FactInfo) -> set[str]:
    return _words(f"{fact.name.replace('_', ' ')} {fact.description}")


class FactWords:
    """The words of each fact's name and description, with an inverse document frequency over all facts, so the
    words a question shares with a fact count by how rare they are among facts.

    >>> words = FactWords((FactInfo("x_monthly_max", "£1", "limit", "Most per month"),
    ...                    FactInfo("x_daily_max", "£2", "limit", "Most a day")))
    >>> q = "is there a monthly limit?"
    >>> words.overlap(q, "x_monthly_max") > words.overlap(q, "x_daily_max")
    True
    """

    def __init__(self, facts: Sequence[FactInfo]) -> None:
        self._words = {f.name: _fact_words(f) for f in facts}
        n = max(len(facts), 1)
        df: dict[str, int] = {}
        for words in self._words.values():
            for w in words:
                df[w] = df.get(w, 0) + 1
        self._idf = {w: math.log((n + 1) / (c + 0.5)) for w, c in df.items()}

    def overlap(self, question: str, name: str) -> float:
        """Share (0..1) of the weight of the question's words known to any fact that this fact's words hold."""
        known = [w for w in _words(question) if w in self._idf]
        total = sum(self._idf[w] for w in known)
        if total <= 0:
            return 0.0
        mine = self._words.get(name, set())
        return sum(self._idf[w] for w in known if w in mine) / total


@lru_cache(maxsize=4)
def fact_words(facts: tuple[FactInfo, ...]) -> FactWords:
    """The :class:`FactWords` of a knowledge base's facts (built once per set of facts)."""
    return FactWords(facts)


@dataclass(frozen=True)
class AnswerFactWeights:
    """How a fact's match to the question adds up (``composer.yaml`` ``focus.answer_fact``)."""

    lexical: float = 0.3
    kind: float = 0.15
    money: float = 0.0  # added to a money-valued fact's match when the question names a sum of money
    variant: float = 0.0  # taken from a variant of a more general fact when the question names no part of it
    window: float = 0.0  # x a fact's :func:`window_shift`: the customer's time to act, asked for or not
    named_variant: float = 0.0  # taken from a general fact when the question names one of its variants' extra words
    place: float = 0.0  # x a fact's :func:`place_shift`: where the customer, their card or their bank is


_MONEY_VALUE = re.compile(r"[£€$]\s?\d")


def names_money(question: str, cues: Sequence[str]) -> bool:
    """Whether the question names a sum of money ("£600", "$1,800", "16 grand"; ``money_cues``)."""
    return any(_compiled(p).search(question) for p in cues)


def money_valued(fact: FactInfo) -> bool:
    """Whether the fact's value is a sum of money ("£25,000", "£1, €1 or $1"; not "2", "7 days" or "1%")."""
    return bool(_MONEY_VALUE.search(fact.value))


def unasked_variants(question: str, names: Sequence[str], kinds: Mapping[str, str]) -> frozenset[str]:
    """The facts that are a variant of a more general fact of the same kind (its name's words and more:
    ``support_bereavement_hours`` of ``support_hours``) whose extra words the question does not name: "what time
    do the phone lines open" asks the general hours, not the bereavement team's.

    >>> sorted(unasked_variants("when are you open?", ["support_hours", "support_chat_hours"], {
    ...     "support_hours": "time", "support_chat_hours": "time"}))
    ['support_chat_hours']
    >>> sorted(unasked_variants("is the chat open?", ["support_hours", "support_chat_hours"], {
    ...     "support_hours": "time", "support_chat_hours": "time"}))
    []
    """
    asked = content_words(question)
    return frozenset(variant for _, variant, extra in _variant_pairs(names, kinds) if not extra & asked)


def named_variants(question: str, names: Sequence[str], kinds: Mapping[str, str]) -> frozenset[str]:
    """The general facts (see :func:`unasked_variants`) one of whose variants the question names by a word the
    general fact's name lacks: "is the chat open at 3am?" names ``support_chat_hours``'s "chat", so it asks the
    chat's hours, not ``support_hours``.

    >>> sorted(named_variants("is the chat open at 3am?", ["support_hours", "support_chat_hours"], {
    ...     "support_hours": "time", "support_chat_hours": "time"}))
    ['support_hours']
    >>> sorted(named_variants("when are you open?", ["support_hours", "support_chat_hours"], {
    ...     "support_hours": "time", "support_chat_hours": "time"}))
    []
    """
    asked = content_words(question)
    return frozenset(general for general, _, extra in _variant_pairs(names, kinds) if extra & asked)


def _variant_pairs(names: Sequence[str], kinds: Mapping[str, str]) -> list[tuple[str, str, frozenset[str]]]:
    """(general fact, its variant, the variant's extra name words) for every pair of facts of one kind whose
    names' words are a strict subset one of the other (``support_hours`` < ``support_chat_hours``: "chat")."""
    tokens = {n: frozenset(content_words(n.replace("_", " "))) for n in names}
    return [
        (g, v, tokens[v] - tokens[g])
        for g in names
        for v in names
        if g != v and kinds[g] == kinds[v] and tokens[g] < tokens[v]
    ]


def place_shift(
    question: str,
    names: Sequence[str],
    descriptions: Mapping[str, str],
    abroad_cues: Sequence[str],
    home_cues: Sequence[str],
    abroad_facts: Sequence[str],
    home_facts: Sequence[str],
) -> dict[str, float]:
    r"""+1 or -1 for each fact whose description places it abroad (``abroad_facts``: "outside the UK", "issued
    abroad", "international") or at home (``home_facts``: "issued in the UK", "UK address"), by where the question
    places the customer, their card or their bank: naming a place outside the UK (``abroad_cues``: "I live in
    Toronto", "my bank in Lagos", "from the States") gives abroad facts +1 and home facts -1; naming only a UK bank
    or place (``home_cues``: "my Barclays debit card") the reverse; both or neither: no entry.

    >>> place_shift("my debit card is from a bank in Lagos, is there a fee?", ["uk", "abroad"],
    ...     {"uk": "Fee for a card issued in the UK", "abroad": "Fee for a card issued abroad"},
    ...     [r"\blagos\b"], [r"\bbarclays\b"], [r"\babroad\b"], [r"\bin the uk\b"])
    {'uk': -1.0, 'abroad': 1.0}
    """
    away = any(_compiled(p).search(question) for p in abroad_cues)
    home = any(_compiled(p).search(question) for p in home_cues)
    if away == home:
        return {}
    sign = 1.0 if away else -1.0
    out = {}
    for n in names:
        if any(_compiled(p).search(descriptions[n]) for p in abroad_facts):
            out[n] = sign
        elif any(_compiled(p).search(descriptions[n]) for p in home_facts):
            out[n] = -sign
    return out


def window_shift(
    question: str,
    names: Sequence[str],
    descriptions: Mapping[str, str],
    window_cues: Sequence[str],
    outcome_cues: Sequence[str],
    window_facts: Sequence[str],
) -> dict[str, float]:
    r"""+1 or -1 for each *window* fact (a time the customer has to act: its description matches one of
    ``window_facts``, "Latest time after the payment date to report ...", "Time limit to raise a card dispute"),
    by what the question asks of time: +1 when it asks how long the customer has (``window_cues``: "is it too
    late to claim?", "when am I allowed to report it?"), -1 when it asks when something reaches them
    (``outcome_cues``: "when do I get my money back?"); no entry for other facts or questions.

    >>> window_shift("when do I get my money back?", ["refund", "report"],
    ...     {"refund": "When we refund it", "report": "Latest time after the payment to report it"},
    ...     [r"\btoo late\b"], [r"\bwhen (do|will) i get\b"], [r"^latest time (after|before|to)\b"])
    {'report': -1.0}
    """
    if any(_compiled(p).search(question) for p in window_cues):
        sign = 1.0
    elif any(_compiled(p).search(question) for p in outcome_cues):
        sign = -1.0
    else:
        return {}
    return {n: sign for n in names if any(_compiled(p).search(descriptions[n]) for p in window_facts)}


def fact_matches(
    question: str,
    names: Sequence[str],
    cosines: Mapping[str, float],
    kinds: Mapping[str, str],
    asked: frozenset[FactKind],
    words: FactWords,
    weights: AnswerFactWeights,
    money: frozenset[str] = frozenset(),
    variants: frozenset[str] = frozenset(),
    window: Mapping[str, float] | None = None,
    general: frozenset[str] = frozenset(),
    place: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """Each fact's match to the question: cosine to its description + lexical overlap + kind bonus (+ the money
    bonus for the facts named in ``money``: money-valued facts, when the question names a sum; less the variant
    penalty for those in ``variants``, see :func:`unasked_variants`; + the window weight x ``window``'s shift, see
    :func:`window_shift`; less the named-variant penalty for those in ``general``, see :func:`named_variants`; + the
    place weight x ``place``'s shift, see :func:`place_shift`)."""
    shift = window or {}
    where = place or {}
    return {
        n: cosines[n]
        + weights.lexical * words.overlap(question, n)
        + (weights.kind if kinds[n] in asked else 0.0)
        + (weights.money if n in money else 0.0)
        - (weights.variant if n in variants else 0.0)
        + weights.window * shift.get(n, 0.0)
        - (weights.named_variant if n in general else 0.0)
        + weights.place * where.get(n, 0.0)
        for n in names
    }
