"""The composer: answers built from the retrieved article's own layers, with no language model.

Plain register -> ``In short``; standard -> ``Details``; technical -> ``Details`` + ``For the technically
minded``; plus a tone-appropriate opener, glossary lines for terms a novice used or will meet, the
article's risk warning, an offer only where the style allows one, and closers -- all worded in
``prompts/composer.yaml``.

>>> from assistant.settings import Settings
>>> prompts = load_composer_prompts(Settings().prompts_dir)
>>> prompts.layers["technical"]
['Details', 'For the technically minded']
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.answers.base import DraftStream, GenerationRequest, chunk_text, citation_for, top_passages
from assistant.answers.kbview import GLOSSARY_SECTION, SECTIONS
from assistant.errors import PromptError
from assistant.prompts import PromptFile, load_prompt_file, render, template_fields
from assistant.settings import Settings
from assistant.types import Citation, Draft, Passage, Register, Tone

COMPOSER_FILE = "composer.yaml"
NAME = "composer"

_ALLOWED_FIELDS: dict[str, set[str]] = {
    "openers": {"title"},
    "closers": {"title"},
    "glossary_heading": set(),
    "glossary_line": {"term", "definition"},
    "risk_line": {"warning"},
    "offers": set(),
    "out_of_scope": {"topics"},
    "other_organisation": {"organisation", "topics"},
    "topics": set(),
}


class ComposerClosers(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    details_on_request: str
    empathetic: str


class ComposerPrompts(PromptFile):
    """``prompts/composer.yaml``: layers per register and every sentence the composer adds around them."""

    layers: dict[Register, list[str]]
    short_blocks: int = Field(default=1, ge=1)
    openers: dict[Tone, list[str]]
    closers: ComposerClosers
    glossary_heading: str
    glossary_line: str
    risk_line: str
    offers: dict[str, str]
    topics: str
    out_of_scope: str
    other_organisation: str

    @model_validator(mode="after")
    def _check(self) -> ComposerPrompts:
        for register in ("plain", "standard", "technical"):
            sections = self.layers.get(register)  # type: ignore[call-overload]
            if not sections:
                raise ValueError(f"layers.{register} is missing")
            unknown = set(sections) - set(SECTIONS)
            if unknown:
                raise ValueError(f"layers.{register}: unknown sections {sorted(unknown)}")
        templates: list[tuple[str, str]] = [
            ("glossary_heading", self.glossary_heading),
            ("glossary_line", self.glossary_line),
            ("risk_line", self.risk_line),
            ("topics", self.topics),
            ("out_of_scope", self.out_of_scope),
            ("other_organisation", self.other_organisation),
            ("closers", self.closers.details_on_request),
            ("closers", self.closers.empathetic),
        ]
        templates += [("openers", t) for texts in self.openers.values() for t in texts]
        templates += [("offers", t) for t in self.offers.values()]
        for kind, template in templates:
            extra = template_fields(template) - _ALLOWED_FIELDS[kind]
            if extra:
                raise ValueError(f"{kind}: unknown template variable(s) {sorted(extra)} in {template!r}")
        return self

    def fixed_sentences(self) -> list[str]:
        """Every sentence the composer may add that is not from the knowledge base (templates as regexes)."""
        texts = [self.closers.details_on_request, self.closers.empathetic, self.glossary_heading]
        texts += [t for group in self.openers.values() for t in group]
        texts += list(self.offers.values())
        texts.append(self.out_of_scope.replace("{topics}", self.topics))
        return texts

    def fixed_templates(self) -> list[str]:
        """Added sentences whose wording depends on the message; ``{organisation}`` marks the part that varies."""
        return [self.other_organisation.replace("{topics}", self.topics)]


@lru_cache(maxsize=8)
def _load_cached(path: Path, mtime_ns: int) -> ComposerPrompts:
    return load_prompt_file(path, ComposerPrompts)


def load_composer_prompts(prompts_dir: Path) -> ComposerPrompts:
    """Load and validate ``composer.yaml`` (cached until it changes); :class:`PromptError` when invalid."""
    path = Path(prompts_dir) / COMPOSER_FILE
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError as exc:
        raise PromptError(f"composer prompts not found: {path}") from exc
    return _load_cached(path, mtime)


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


def _blocks(text: str) -> list[str]:
    return [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]


class ComposerBackend:
    """Answers from the knowledge base's own words (no model); grounded and figure-exact by construction.

    >>> from assistant.answers.kbview import load_articles, oracle_retrieval
    >>> from assistant.settings import Settings
    >>> from assistant.answers.base import make_signals
    >>> from assistant.types import Style
    >>> settings = Settings()
    >>> article = load_articles(settings.kb_dir)[0]
    >>> signals = make_signals(literacy="novice")
    >>> style = Style(tone="neutral", register="plain", target_grade=6, length="short", glossary=True)
    >>> request = GenerationRequest("help", style, oracle_retrieval([article]), signals)
    >>> draft = ComposerBackend(settings).stream(request).collect()
    >>> draft.citations[0].section
    'In short'
    """

    name = NAME

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

    def compose(self, request: GenerationRequest) -> tuple[str, tuple[Citation, ...], tuple[str, ...]]:
        """The answer text, the passages it used and the offer sentences it contains."""
        return self.compose_layers(request)

    def compose_layers(self, request: GenerationRequest) -> tuple[str, tuple[Citation, ...], tuple[str, ...]]:
        """The first composer's answer: the whole layer(s) of the top article for the register."""
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
            blocks = _blocks(by_section[section].text)
            if style.length == "short" and style.register != "plain" and len(blocks) > p.short_blocks:
                blocks, trimmed = blocks[: p.short_blocks], True
            body.extend(blocks)
            citations.append(citation_for(by_section[section]))
        paragraphs.extend(body)

        glossary = by_section.get(GLOSSARY_SECTION)
        if style.glossary and glossary is not None:
            seen_text = request.query + "\n" + "\n".join(body)
            lines = [
                render(p.glossary_line, term=term, definition=definition)
                for term, definition in parse_glossary(glossary.text)
                if term_pattern(term).search(seen_text)
            ]
            if lines:
                paragraphs.append("\n".join([render(p.glossary_heading), *lines]))
                citations.append(citation_for(glossary))

        if top.risk_warning:
            paragraphs.append(render(p.risk_line, warning=top.risk_warning))

        offers: tuple[str, ...] = ()
        offer = p.offers.get(top.product)
        if (
            offer
            and style.allow_offers
            and not top.sensitive
            and signals.distress == "none"
            and "resilience" not in signals.vulnerability
        ):
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


class LayerComposerBackend(ComposerBackend):
    """The first composer (``composer_v1``): the top article's whole layer(s) for the register, kept so the
    evaluation can show it beside the question-focused composer.

    >>> from assistant.settings import Settings
    >>> LayerComposerBackend(Settings()).name
    'composer_v1'
    """

    name = "composer_v1"

    def compose(self, request: GenerationRequest) -> tuple[str, tuple[Citation, ...], tuple[str, ...]]:
        return self.compose_layers(request)
