"""The first composer (``composer_v1``): the top article's whole layer(s) for the register (plain -> ``In short``;
standard -> ``Details``; technical -> ``Details`` + ``For the technically minded``), kept so the evaluation can
show it beside the question-focused composer (:mod:`assistant.answers.composer`).
"""

from __future__ import annotations

import zlib

from assistant.answers.base import GenerationRequest, citation_for, top_passages
from assistant.answers.kbview import GLOSSARY_SECTION, SECTIONS
from assistant.answers.render import (
    Composed,
    ComposerShell,
    blocks,
    glossary_paragraph,
    offer_for,
    risk_paragraph,
)
from assistant.prompts import render
from assistant.types import Citation, Passage


class LayerComposerBackend(ComposerShell):
    """The whole-layer composer, for side-by-side evaluation.

    >>> from assistant.settings import Settings
    >>> LayerComposerBackend(Settings()).name
    'composer_v1'
    """

    name = "composer_v1"

    def compose(self, request: GenerationRequest) -> Composed:
        return self.compose_layers(request)

    def compose_layers(self, request: GenerationRequest) -> Composed:
        """The whole layer(s) of the top article for the register, with opener by tone, glossary, risk warning,
        offer and closers."""
        p = self.prompts
        style, retrieval, signals = request.style, request.retrieval, request.signals
        passages = top_passages(retrieval)
        if not retrieval.in_scope or not passages:
            return self.out_of_scope_text(retrieval.other_organisation), (), ()
        by_section: dict[str, Passage] = {ps.section: ps for ps in passages}
        top = passages[0]
        wanted = [s for s in p.layers[style.register] if s in by_section] or [s for s in SECTIONS if s in by_section][
            :1
        ]
        if not wanted:
            return self.out_of_scope_text(), (), ()

        paragraphs: list[str] = []
        citations: list[Citation] = []
        openers = p.openers.get(style.tone) or []
        if openers:
            pick = zlib.crc32(request.query.encode("utf-8")) % len(openers)
            paragraphs.append(render(openers[pick], title=top.title))

        body: list[str] = []
        trimmed = False
        for section in wanted:
            parts = blocks(by_section[section].text)
            if style.length == "short" and style.register != "plain" and len(parts) > p.short_blocks:
                parts, trimmed = parts[: p.short_blocks], True
            body.extend(parts)
            citations.append(citation_for(by_section[section]))
        paragraphs.extend(body)

        glossary = by_section.get(GLOSSARY_SECTION)
        if style.glossary and glossary is not None:
            words = glossary_paragraph(p, glossary, request.query + "\n" + "\n".join(body))
            if words:
                paragraphs.append(words)
                citations.append(citation_for(glossary))

        risk = risk_paragraph(p, top)
        if risk:
            paragraphs.append(risk)

        offers: tuple[str, ...] = ()
        offer = offer_for(p, top, style, signals, focused=False)
        if offer:
            paragraphs.append(render(offer))
            offers = (offer,)

        closers = []
        deepest = max(SECTIONS.index(s) for s in wanted)
        more_available = trimmed or any(s in by_section for s in SECTIONS[deepest + 1 :])
        if style.details_on_request and more_available:
            closers.append(render(p.closers.details_on_request, title=top.title))
        if style.tone == "empathetic":
            closers.append(render(p.closers.empathetic, title=top.title))
        if closers:
            paragraphs.append(" ".join(closers))
        return "\n\n".join(paragraphs), tuple(citations), offers
