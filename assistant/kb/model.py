"""What a loaded knowledge base is: the validated schemas of article front matter and facts files, the
:class:`Article`, :class:`Fact` and :class:`KnowledgeBase` types, and fact rendering.

:mod:`assistant.kb.loader` reads the files into these types (and re-exports the names other code imports from it).

>>> render_facts("Call {{phone}}.", {"phone": Fact("phone", "0800 000", "contact", "line", "x.yaml")})
'Call 0800 000.'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.errors import KnowledgeBaseError
from assistant.kb.intents import ALL_INTENTS

SECTION_HEADINGS: tuple[str, ...] = ("In short", "Details", "For the technically minded")
GLOSSARY_SECTION = "Glossary"
Product = Literal[
    "cards", "payments", "cash", "exchange", "top_up", "transfers", "account", "identity", "savings",
    "lending", "support",
]  # fmt: skip
FactKind = Literal["fee", "limit", "rate", "time", "count", "contact", "age", "other"]
Severity = Literal["error", "warning"]

FACT_REF = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_KNOWN_INTENTS = frozenset(ALL_INTENTS)


@dataclass(frozen=True)
class KbProblem:
    """One finding of the loader or linter; ``error`` fails ``attune kb check``, ``warning`` does not."""

    path: str
    severity: Severity
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity.upper()} {self.path}: [{self.code}] {self.message}"


class FactEntry(BaseModel):
    """One fact as written in ``facts/<domain>.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: str = Field(min_length=1)
    kind: FactKind
    description: str = Field(min_length=1)

    @field_validator("value", mode="before")
    @classmethod
    def _number_to_text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        return str(value) if isinstance(value, int | float) else value


class FactsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    facts: dict[str, FactEntry]


@dataclass(frozen=True)
class Fact:
    """A named figure (fee, limit, rate, time, contact...) defined once in a facts file."""

    name: str
    value: str
    kind: str
    description: str
    source: str  # facts file name, e.g. "cards.yaml"


class GlossaryEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    term: str = Field(min_length=1)
    definition: str = Field(min_length=1)


class ArticleMeta(BaseModel):
    """An article's front matter, validated: unknown keys, unknown intents or a wrong product are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID_PATTERN)
    title: str = Field(min_length=1)
    intents: tuple[str, ...] = Field(min_length=1)
    product: Product
    reviewed_on: date
    sensitive: bool
    risk_warning: str | None = None
    questions: tuple[str, ...] = Field(min_length=5, max_length=8)
    glossary: tuple[GlossaryEntry, ...] = Field(min_length=1, max_length=4)

    @field_validator("intents")
    @classmethod
    def _known_intents(cls, intents: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [i for i in intents if i not in _KNOWN_INTENTS]
        if unknown:
            raise ValueError(f"unknown intent(s) {unknown}: use BANKING77 category names or the extra intents")
        if len(set(intents)) != len(intents):
            raise ValueError("an intent is listed twice")
        return intents

    @field_validator("questions")
    @classmethod
    def _non_empty_questions(cls, questions: tuple[str, ...]) -> tuple[str, ...]:
        if any(not q or not str(q).strip() for q in questions):
            raise ValueError("empty example question")
        return tuple(str(q).strip() for q in questions)

    @field_validator("risk_warning")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


@dataclass(frozen=True)
class Article:
    """One article: validated front matter plus its three ``##`` sections (raw, fact references intact)."""

    meta: ArticleMeta
    sections: dict[str, str]  # heading -> raw Markdown
    path: Path

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def intents(self) -> tuple[str, ...]:
        return self.meta.intents

    @property
    def product(self) -> str:
        return self.meta.product

    @property
    def sensitive(self) -> bool:
        return self.meta.sensitive

    @property
    def risk_warning(self) -> str | None:
        return self.meta.risk_warning

    @property
    def questions(self) -> tuple[str, ...]:
        return self.meta.questions

    @property
    def glossary(self) -> tuple[GlossaryEntry, ...]:
        return self.meta.glossary

    def texts(self) -> Iterable[str]:
        """Every piece of text that may carry a fact reference (title, sections, glossary, risk warning)."""
        yield self.meta.title
        yield from self.sections.values()
        for entry in self.meta.glossary:
            yield entry.definition
        if self.meta.risk_warning:
            yield self.meta.risk_warning

    def fact_refs(self) -> set[str]:
        return {m.group(1) for text in self.texts() for m in FACT_REF.finditer(text)}


@dataclass(frozen=True)
class KnowledgeBase:
    """The loaded knowledge base: articles (sorted by id) and facts by name."""

    root: Path
    articles: tuple[Article, ...]
    facts: dict[str, Fact] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {a.id: a for a in self.articles})

    def article(self, article_id: str) -> Article:
        try:
            return self._by_id[article_id]  # type: ignore[attr-defined,no-any-return]
        except KeyError as exc:
            raise KnowledgeBaseError(f"no article with id {article_id!r}") from exc

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.articles)

    def render(self, text: str) -> str:
        """Substitute ``{{fact}}`` references; an undefined fact raises :class:`KnowledgeBaseError`."""
        return render_facts(text, self.facts)

    def rendered_sections(self, article: Article) -> list[tuple[str, str]]:
        """(section, text) for the three sections and the glossary (``term: definition`` lines), facts
        filled in."""
        out = [(name, self.render(article.sections[name]).strip()) for name in SECTION_HEADINGS]
        glossary = "\n".join(f"{g.term}: {self.render(g.definition)}" for g in article.meta.glossary)
        if glossary:
            out.append((GLOSSARY_SECTION, glossary))
        return out

    def intents_index(self) -> dict[str, tuple[str, ...]]:
        """intent -> ids of the articles declaring it."""
        out: dict[str, list[str]] = {}
        for article in self.articles:
            for intent in article.meta.intents:
                out.setdefault(intent, []).append(article.id)
        return {k: tuple(v) for k, v in out.items()}

    def fingerprint(self) -> str:
        """A short hash of every article and fact, to tell whether a derived artifact is stale."""
        digest = hashlib.sha256()
        for article in self.articles:
            digest.update(article.path.read_bytes() if article.path.exists() else article.id.encode())
        for name in sorted(self.facts):
            digest.update(f"{name}={self.facts[name].value}".encode())
        return digest.hexdigest()[:16]


def render_facts(text: str, facts: dict[str, Fact]) -> str:
    """Replace each ``{{name}}`` with the fact's value.

    >>> render_facts("Call {{phone}}.", {"phone": Fact("phone", "0800 000", "contact", "line", "x.yaml")})
    'Call 0800 000.'
    """

    def _sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in facts:
            raise KnowledgeBaseError(f"fact {name!r} is referenced but not defined in any facts file")
        return facts[name].value

    return FACT_REF.sub(_sub, text)
