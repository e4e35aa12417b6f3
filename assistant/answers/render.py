"""What both composers share: the backend shell (prompts, streaming, out-of-scope replies) and the rendering of
the parts around an answer's body -- glossary lines, the risk warning, the product offer and the closers.

Offers are decided here only (:func:`offer_for`), so every rule about when a product line may be shown lives in
one place.

>>> parse_glossary("PIN: your four-digit code\\nnot a line")
[('PIN', 'your four-digit code')]
>>> bool(term_pattern("direct debit").search("Two Direct-Debits went out"))
True
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.answers.base import DraftStream, GenerationRequest, chunk_text, citation_for
from assistant.answers.composer_prompts import ComposerPrompts, load_composer_prompts
from assistant.answers.kbview import GLOSSARY_SECTION
from assistant.prompts import render
from assistant.settings import Settings
from assistant.types import Citation, Draft, Passage, Retrieval, Signals, Style

Composed = tuple[str, tuple[Citation, ...], tuple[str, ...]]  # text, citations, offer sentences


def parse_glossary(text: str) -> list[tuple[str, str]]:
    """``term: definition`` lines of a Glossary passage."""
    entries = []
    for line in text.splitlines():
        term, sep, definition = line.partition(":")
        if sep and term.strip() and definition.strip():
            entries.append((term.strip(), definition.strip()))
    return entries


def term_pattern(term: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.split(r"[\s\-]+", term.strip()) if w]
    return re.compile(r"(?<![\w-])" + r"[\s\-]+".join(words) + r"(?:s|es)?(?![\w-])", re.IGNORECASE)


def blocks(text: str) -> list[str]:
    """Paragraphs, lists and tables of a section (blank-line separated)."""
    return [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]


def glossary_passage(retrieval: Retrieval, article_id: str) -> Passage | None:
    return next(
        (p for p in retrieval.passages if p.article_id == article_id and p.section == GLOSSARY_SECTION),
        None,
    )


def glossary_paragraph(
    prompts: ComposerPrompts, glossary: Passage | None, seen_text: str, limit: int | None = None
) -> str | None:
    """ "What some words mean:" and one line per glossary term used in ``seen_text`` (at most ``limit``)."""
    if glossary is None:
        return None
    lines = [
        render(prompts.glossary_line, term=term, definition=definition)
        for term, definition in parse_glossary(glossary.text)
        if term_pattern(term).search(seen_text)
    ]
    if limit is not None:
        lines = lines[:limit]
    if not lines:
        return None
    return "\n".join([render(prompts.glossary_heading), *lines])


def risk_paragraph(prompts: ComposerPrompts, top: Passage) -> str | None:
    return render(prompts.risk_line, warning=top.risk_warning) if top.risk_warning else None


def customer_calm(signals: Signals) -> bool:
    """No distress, no vulnerability, no negative sentiment: the only state in which a product line may appear."""
    return signals.distress == "none" and not signals.vulnerability and signals.sentiment != "negative"


def offer_for(prompts: ComposerPrompts, top: Passage, style: Style, signals: Signals, *, focused: bool) -> str | None:
    """The one product line an answer from ``top`` may carry, or None. Never when the style forbids offers (the
    policy, or a per-conversation switch feeding ``style.allow_offers``), the topic is sensitive or the customer is in
    difficulty. The focused composer also needs a calm customer and an article about that product
    (``focus.offer_intents``); ``composer_v1`` keeps its first rule (no distress, not short of money)."""
    offer = prompts.offers.get(top.product)
    if not offer or not style.allow_offers or top.sensitive:
        return None
    if focused:
        relevant = set(prompts.focus.offer_intents.get(top.product, ())) & set(top.intents)
        return offer if relevant and customer_calm(signals) else None
    if signals.distress != "none" or "resilience" in signals.vulnerability:
        return None
    return offer


def without_person_line(text: str, prompts: ComposerPrompts) -> str:
    r"""``text`` without the composer's "talk to a person" closer: for a reply that already brings a person in or
    offers one (an escalated reply must not also say "just say so"); the closer's paragraph keeps its other
    sentences.

    >>> from assistant.settings import Settings
    >>> p = load_composer_prompts(Settings().prompts_dir)
    >>> without_person_line("It takes 2 days.\n\nWant more detail? Just ask. " + p.focus.person_line, p)
    'It takes 2 days.\n\nWant more detail? Just ask.'
    """
    line = prompts.focus.person_line
    if line not in text:
        return text
    paragraphs = [" ".join(par.replace(line, "").split()) if line in par else par for par in text.split("\n\n")]
    return "\n\n".join(par for par in paragraphs if par.strip())


class ComposerShell:
    """The parts of a composer backend that do not depend on how the body is chosen: settings, prompts, the
    draft stream (word-sized deltas of the finished text) and the out-of-scope replies. Subclasses implement
    :meth:`compose`.

    >>> from assistant.settings import Settings
    >>> "help with" in ComposerShell(Settings()).out_of_scope_text()
    True
    """

    name = "composer_shell"

    def __init__(self, settings: Settings, prompts: ComposerPrompts | None = None) -> None:
        self._settings = settings
        self._prompts = prompts

    @property
    def prompts(self) -> ComposerPrompts:
        if self._prompts is None:
            self._prompts = load_composer_prompts(self._settings.prompts_dir)
        return self._prompts

    def warm_up(self) -> None:
        _ = self.prompts

    def compose(self, request: GenerationRequest) -> Composed:
        raise NotImplementedError

    def stream(self, request: GenerationRequest) -> DraftStream:
        def deltas() -> Iterator[str]:
            text, citations, offers = self.compose(request)
            holder["draft"] = Draft(text=text, citations=citations, generator=self.name, offers=offers)
            yield from chunk_text(text)

        holder: dict[str, Draft] = {}
        return DraftStream(deltas(), lambda _text: holder["draft"])

    def out_of_scope_text(self, organisation: str | None = None) -> str:
        p = self.prompts
        if organisation is not None:
            return render(p.other_organisation, organisation=organisation, topics=p.topics)
        return render(p.out_of_scope, topics=p.topics)


__all__ = [
    "Composed",
    "ComposerShell",
    "blocks",
    "citation_for",
    "customer_calm",
    "glossary_paragraph",
    "glossary_passage",
    "offer_for",
    "parse_glossary",
    "risk_paragraph",
    "term_pattern",
    "without_person_line",
]
