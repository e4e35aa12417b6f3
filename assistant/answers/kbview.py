"""The knowledge base as the answer stages see it: facts, and articles turned into :class:`Passage` tuples.

Uses ``assistant.kb.loader`` (``load_kb``, ``load_facts``) when it is importable and falls back to a small
reader of the documented format (``knowledge_base/README.md``) otherwise, so the answer tests and the answer
evaluation also run on a standalone fixture knowledge base.

>>> from assistant.settings import Settings
>>> articles = load_articles(Settings().kb_dir)
>>> passages = article_passages(articles[0])
>>> passages[0].section
'In short'
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import KnowledgeBaseError
from assistant.types import Passage, Retrieval

logger = logging.getLogger(__name__)

SECTIONS = ("In short", "Details", "For the technically minded")
GLOSSARY_SECTION = "Glossary"
_FACT_REF = re.compile(r"\{\{\s*([a-z0-9_]+)\s*\}\}")


@dataclass(frozen=True)
class ArticleView:
    """One article with facts substituted."""

    id: str
    title: str
    product: str
    intents: tuple[str, ...]
    sensitive: bool
    risk_warning: str | None
    sections: Mapping[str, str]
    glossary: tuple[tuple[str, str], ...] = ()
    questions: tuple[str, ...] = field(default=())


def _facts_fallback(kb_dir: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for path in sorted((kb_dir / "facts").glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, spec in (raw.get("facts") or {}).items():
            values[name] = str(spec["value"]) if isinstance(spec, dict) else str(spec)
    return values


def fact_values(kb_dir: Path) -> dict[str, str]:
    """Every fact's value by name (``{"card_dispatch_time": "1 working day", ...}``)."""
    kb_dir = Path(kb_dir)
    try:
        from assistant.kb.loader import load_facts
    except ImportError:
        return _facts_fallback(kb_dir)
    facts: Any = load_facts(kb_dir)
    out: dict[str, str] = {}
    items = facts.items() if isinstance(facts, Mapping) else ((getattr(f, "name", ""), f) for f in facts)
    for name, fact in items:
        value = fact.get("value") if isinstance(fact, Mapping) else getattr(fact, "value", fact)
        out[str(name)] = str(value)
    return out


def substitute(text: str, facts: Mapping[str, str]) -> str:
    """Replace every ``{{fact}}`` by its value; an unknown fact is a :class:`KnowledgeBaseError`."""

    def _one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in facts:
            raise KnowledgeBaseError(f"undefined fact {{{{{name}}}}}")
        return facts[name]

    return _FACT_REF.sub(_one, text)


def _parse_article(path: Path, facts: Mapping[str, str]) -> ArticleView:
    text = path.read_text(encoding="utf-8")
    parts = text.split("---", 2)
    if not text.startswith("---") or len(parts) < 3:
        raise KnowledgeBaseError(f"{path}: missing front matter")
    meta = yaml.safe_load(parts[1]) or {}
    sections: dict[str, str] = {}
    current: str | None = None
    buffer: list[str] = []
    for line in parts[2].splitlines():
        if line.startswith("## "):
            if current is not None:
                sections[current] = "\n".join(buffer).strip()
            current, buffer = line[3:].strip(), []
        elif current is not None:
            buffer.append(line)
    if current is not None:
        sections[current] = "\n".join(buffer).strip()
    risk = meta.get("risk_warning")
    return ArticleView(
        id=str(meta["id"]),
        title=str(meta.get("title", meta["id"])),
        product=str(meta.get("product", "")),
        intents=tuple(meta.get("intents") or ()),
        sensitive=bool(meta.get("sensitive", False)),
        risk_warning=substitute(str(risk), facts) if risk else None,
        sections={name: substitute(body, facts) for name, body in sections.items()},
        glossary=tuple(
            (str(g["term"]), substitute(str(g["definition"]), facts)) for g in meta.get("glossary") or ()
        ),
        questions=tuple(str(q) for q in meta.get("questions") or ()),
    )


def _from_loader(article: Any, facts: Mapping[str, str]) -> ArticleView:
    def get(name: str, default: Any = None) -> Any:
        if isinstance(article, Mapping):
            return article.get(name, default)
        return getattr(article, name, default)

    raw_sections = get("sections") or {}
    if not isinstance(raw_sections, Mapping):
        raw_sections = {getattr(s, "name", getattr(s, "title", "")): getattr(s, "text", "") for s in raw_sections}
    glossary = []
    for entry in get("glossary") or ():
        term = entry.get("term") if isinstance(entry, Mapping) else getattr(entry, "term", "")
        definition = entry.get("definition") if isinstance(entry, Mapping) else getattr(entry, "definition", "")
        glossary.append((str(term), substitute(str(definition), facts)))
    risk = get("risk_warning")
    return ArticleView(
        id=str(get("id")),
        title=str(get("title", get("id"))),
        product=str(get("product", "")),
        intents=tuple(get("intents") or ()),
        sensitive=bool(get("sensitive", False)),
        risk_warning=substitute(str(risk), facts) if risk else None,
        sections={str(k): substitute(str(v), facts) for k, v in raw_sections.items()},
        glossary=tuple(glossary),
        questions=tuple(str(q) for q in get("questions") or ()),
    )


def load_articles(kb_dir: Path) -> list[ArticleView]:
    """Every article of the knowledge base at ``kb_dir``, sorted by id, facts substituted."""
    kb_dir = Path(kb_dir)
    facts = fact_values(kb_dir)
    try:
        from assistant.kb.loader import load_kb
    except ImportError:
        load_kb = None  # type: ignore[assignment]
    if load_kb is not None:
        try:
            kb: Any = load_kb(kb_dir)
            articles = getattr(kb, "articles", kb)
            if isinstance(articles, Mapping):
                articles = list(articles.values())
            views = [_from_loader(a, facts) for a in articles]
            if views and all(set(SECTIONS) <= set(v.sections) for v in views):
                return sorted(views, key=lambda v: v.id)
            logger.warning("kb loader returned articles without the three sections; reading files directly")
        except (TypeError, AttributeError, KeyError) as exc:
            logger.warning("kb loader output not understood (%s); reading files directly", exc)
    paths = sorted((kb_dir / "articles").glob("*.md"))
    return [_parse_article(p, facts) for p in paths]


def article_passages(article: ArticleView, score: float = 1.0) -> tuple[Passage, ...]:
    """The article as passages in the retriever's layout (three sections, then ``Glossary``)."""
    common: dict[str, Any] = {
        "article_id": article.id,
        "title": article.title,
        "score": score,
        "intents": article.intents,
        "product": article.product,
        "sensitive": article.sensitive,
        "risk_warning": article.risk_warning,
    }
    out = [Passage(section=name, text=article.sections[name], **common) for name in SECTIONS if name in article.sections]
    if article.glossary:
        text = "\n".join(f"{term}: {definition}" for term, definition in article.glossary)
        out.append(Passage(section=GLOSSARY_SECTION, text=text, **common))
    return tuple(out)


def oracle_retrieval(
    articles: Sequence[ArticleView], confidence: float = 0.9, in_scope: bool = True
) -> Retrieval:
    """A :class:`Retrieval` whose ranked articles are exactly ``articles`` (tests and the answer evaluation)."""
    passages: list[Passage] = []
    for rank, article in enumerate(articles):
        passages.extend(article_passages(article, score=round(confidence - 0.1 * rank, 3)))
    intent = articles[0].intents[0] if articles and articles[0].intents else None
    return Retrieval(
        passages=tuple(passages),
        article_ids=tuple(a.id for a in articles),
        confidence=confidence,
        in_scope=in_scope,
        intent=intent,
    )
