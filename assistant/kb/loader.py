"""Load the knowledge base: Markdown articles with validated YAML front matter, and the facts they reference.

Articles live in ``<kb_dir>/articles/<id>.md`` and facts in ``<kb_dir>/facts/*.yaml`` (format in
``knowledge_base/README.md``). :func:`load_kb` is strict (it raises :class:`KnowledgeBaseError` on the first
structural problem); :func:`parse_kb` collects every problem for ``attune kb check``.

>>> from pathlib import Path
>>> kb = load_kb(Path("tests/fixtures/kb"))
>>> kb.render("Delivery takes {{card_delivery_days}}.")
'Delivery takes 3 to 5 working days.'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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
_FACT_NAME = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
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


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _format_validation(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        out.append(f"{loc}: {err['msg']}")
    return out


def parse_facts(kb_dir: Path) -> tuple[dict[str, Fact], list[KbProblem]]:
    """Read every ``facts/*.yaml``; return the facts and the problems found (never raises on bad content)."""
    facts: dict[str, Fact] = {}
    problems: list[KbProblem] = []
    facts_dir = kb_dir / "facts"
    if not facts_dir.is_dir():
        return facts, [KbProblem(_rel(facts_dir, kb_dir), "error", "missing", "no facts/ folder")]
    for path in sorted(facts_dir.glob("*.y*ml")):
        rel = _rel(path, kb_dir)
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            problems.append(KbProblem(rel, "error", "yaml", f"cannot parse: {exc}"))
            continue
        try:
            parsed = FactsFile.model_validate(raw)
        except ValidationError as exc:
            problems.extend(KbProblem(rel, "error", "schema", m) for m in _format_validation(exc))
            continue
        for name, entry in parsed.facts.items():
            if not _FACT_NAME.match(name):
                problems.append(KbProblem(rel, "error", "fact-name", f"fact {name!r} is not snake_case"))
            if name in facts:
                problems.append(
                    KbProblem(
                        rel,
                        "error",
                        "duplicate-fact",
                        f"fact {name!r} already defined in {facts[name].source}",
                    )
                )
                continue
            facts[name] = Fact(name, entry.value, entry.kind, entry.description, path.name)
    return facts, problems


def _split_front_matter(text: str) -> tuple[str, str] | None:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :])
    return None


def _split_sections(body: str) -> tuple[list[tuple[str, str]], str]:
    """(heading, text) for every ``## `` heading in order, and any text before the first heading."""
    sections: list[tuple[str, list[str]]] = []
    preamble: list[str] = []
    for line in body.splitlines():
        if line.startswith("## "):
            sections.append((line[3:].strip(), []))
        elif sections:
            sections[-1][1].append(line)
        else:
            preamble.append(line)
    return [(h, "\n".join(t).strip()) for h, t in sections], "\n".join(preamble).strip()


def parse_article(path: Path, kb_dir: Path | None = None) -> tuple[Article | None, list[KbProblem]]:
    """Parse one article file; return it (or None when unusable) and the structural problems found."""
    rel = _rel(path, kb_dir) if kb_dir else str(path)
    problems: list[KbProblem] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [KbProblem(rel, "error", "read", str(exc))]
    split = _split_front_matter(text)
    if split is None:
        return None, [KbProblem(rel, "error", "front-matter", "file must start with a --- delimited YAML block")]
    front, body = split
    try:
        raw = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        return None, [KbProblem(rel, "error", "yaml", f"front matter is not valid YAML: {exc}")]
    try:
        meta = ArticleMeta.model_validate(raw)
    except ValidationError as exc:
        codes = ["unknown-intent" if "unknown intent" in m else "schema" for m in _format_validation(exc)]
        return None, [KbProblem(rel, "error", c, m) for c, m in zip(codes, _format_validation(exc), strict=True)]
    if meta.id != path.stem:
        problems.append(KbProblem(rel, "error", "id-filename", f"id {meta.id!r} differs from file name {path.stem!r}"))
    sections, preamble = _split_sections(body)
    if preamble:
        problems.append(KbProblem(rel, "error", "headings", "text before the first ## heading"))
    headings = tuple(h for h, _ in sections)
    if headings != SECTION_HEADINGS:
        problems.append(
            KbProblem(
                rel,
                "error",
                "headings",
                f"## headings must be exactly {list(SECTION_HEADINGS)}, got {list(headings)}",
            )
        )
        return None, problems
    for heading, content in sections:
        if not content:
            problems.append(KbProblem(rel, "error", "empty-section", f"section {heading!r} is empty"))
    return Article(meta=meta, sections=dict(sections), path=path), problems


def parse_kb(kb_dir: Path) -> tuple[KnowledgeBase, list[KbProblem]]:
    """Load everything that parses and report every structural problem (schema, ids, headings, facts)."""
    kb_dir = Path(kb_dir)
    facts, problems = parse_facts(kb_dir)
    articles_dir = kb_dir / "articles"
    articles: list[Article] = []
    if not articles_dir.is_dir():
        problems.append(KbProblem("articles", "error", "missing", "no articles/ folder"))
    seen: dict[str, str] = {}
    for path in sorted(articles_dir.glob("*.md")) if articles_dir.is_dir() else []:
        article, found = parse_article(path, kb_dir)
        problems.extend(found)
        if article is None:
            continue
        rel = _rel(path, kb_dir)
        if article.id in seen:
            problems.append(
                KbProblem(rel, "error", "duplicate-id", f"id {article.id!r} also used by {seen[article.id]}")
            )
            continue
        seen[article.id] = rel
        for name in sorted(article.fact_refs()):
            if name not in facts:
                problems.append(
                    KbProblem(rel, "error", "undefined-fact", f"fact {name!r} is referenced but not defined")
                )
        articles.append(article)
    articles.sort(key=lambda a: a.id)
    return KnowledgeBase(root=kb_dir, articles=tuple(articles), facts=facts), problems


def load_facts(kb_dir: Path) -> dict[str, Fact]:
    """All facts by name; raises :class:`KnowledgeBaseError` on a malformed or duplicated fact."""
    facts, problems = parse_facts(Path(kb_dir))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise KnowledgeBaseError(_summarise(errors))
    return facts


def load_kb(kb_dir: Path) -> KnowledgeBase:
    """Load and validate the knowledge base; raises :class:`KnowledgeBaseError` listing structural errors."""
    kb, problems = parse_kb(Path(kb_dir))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise KnowledgeBaseError(_summarise(errors))
    if not kb.articles:
        raise KnowledgeBaseError(f"no articles under {Path(kb_dir) / 'articles'}")
    return kb


def _summarise(errors: list[KbProblem], limit: int = 10) -> str:
    head = "; ".join(str(p) for p in errors[:limit])
    more = f" (and {len(errors) - limit} more)" if len(errors) > limit else ""
    return f"knowledge base has {len(errors)} error(s): {head}{more}"
