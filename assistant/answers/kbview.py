"""The knowledge base as the answer stages see it: facts, and articles turned into :class:`Passage` tuples.

Reads through ``assistant.kb.loader`` (``load_kb``, ``load_facts``), so the answer tests and the answer
evaluation see the passages the retriever indexes (three sections, then ``Glossary`` as ``term: definition``).

>>> from assistant.settings import Settings
>>> articles = load_articles(Settings().kb_dir)
>>> passages = article_passages(articles[0])
>>> passages[0].section
'In short'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.kb.loader import GLOSSARY_SECTION, SECTION_HEADINGS, load_facts, load_kb
from assistant.types import Passage, Retrieval

SECTIONS = SECTION_HEADINGS
__all__ = [
    "GLOSSARY_SECTION",
    "SECTIONS",
    "ArticleView",
    "article_passages",
    "load_articles",
    "oracle_retrieval",
]


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


def fact_values(kb_dir: Path) -> dict[str, str]:
    """Every fact's value by name (``{"card_dispatch_time": "1 working day", ...}``)."""
    return {name: fact.value for name, fact in load_facts(Path(kb_dir)).items()}


def load_articles(kb_dir: Path) -> list[ArticleView]:
    """Every article of the knowledge base at ``kb_dir``, sorted by id, facts substituted."""
    kb = load_kb(Path(kb_dir))
    views = []
    for article in kb.articles:
        meta = article.meta
        views.append(
            ArticleView(
                id=meta.id,
                title=meta.title,
                product=meta.product,
                intents=tuple(meta.intents),
                sensitive=meta.sensitive,
                risk_warning=kb.render(meta.risk_warning) if meta.risk_warning else None,
                sections={name: kb.render(article.sections[name]).strip() for name in SECTIONS},
                glossary=tuple((g.term, kb.render(g.definition)) for g in meta.glossary),
                questions=tuple(meta.questions),
            )
        )
    return views


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
    out = [
        Passage(section=name, text=article.sections[name], **common) for name in SECTIONS if name in article.sections
    ]
    if article.glossary:
        text = "\n".join(f"{term}: {definition}" for term, definition in article.glossary)
        out.append(Passage(section=GLOSSARY_SECTION, text=text, **common))
    return tuple(out)


def oracle_retrieval(articles: Sequence[ArticleView], confidence: float = 0.9, in_scope: bool = True) -> Retrieval:
    """A :class:`Retrieval` ranking exactly ``articles`` (for tests and the answer evaluation)."""
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
