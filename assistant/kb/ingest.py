"""``attune ingest``: embed the knowledge base into the vector index, incrementally.

Each article becomes several index documents: its title, its three sections and glossary (each prefixed with
the title) and each example question. A document's id is ``<article id>::<part>`` and its metadata carries a
content hash (encoder name + embedded text); on re-ingest only documents whose hash changed are re-embedded,
and documents of deleted articles or questions are removed.

>>> from pathlib import Path
>>> from assistant.integrations.encoder import HashingEncoder
>>> from assistant.integrations.vectorstore import InMemoryVectorIndex
>>> from assistant.settings import Settings
>>> s = Settings(kb_dir=Path("tests/fixtures/kb"))
>>> index = InMemoryVectorIndex()
>>> first = ingest_kb(s, encoder=HashingEncoder(), index=index, progress=False)
>>> again = ingest_kb(s, encoder=HashingEncoder(), index=index, progress=False)
>>> first.embedded == first.documents, again.embedded, again.unchanged == first.documents
(True, 0, True)
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from assistant.integrations.encoder import TextEncoder, shared_encoder
from assistant.integrations.vectorstore import VectorIndex, make_vector_index
from assistant.kb.loader import Article, KnowledgeBase, load_kb
from assistant.settings import Settings

logger = logging.getLogger(__name__)

_SECTION_KEYS = {
    "In short": "short",
    "Details": "details",
    "For the technically minded": "technical",
    "Glossary": "glossary",
}
BATCH = 64


@dataclass(frozen=True)
class IndexDocument:
    """One unit of the index: what is embedded, and the metadata stored with it."""

    id: str
    text: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did: documents embedded (new or changed), left unchanged, and deleted."""

    articles: int
    documents: int
    embedded: int
    unchanged: int
    deleted: int
    seconds: float
    location: str = ""


def content_hash(encoder_name: str, text: str) -> str:
    return hashlib.sha256(f"{encoder_name}\x00{text}".encode()).hexdigest()[:20]


def article_documents(kb: KnowledgeBase, article: Article) -> Iterator[tuple[str, str, str, str]]:
    """(id, kind, section, text) for each index document of ``article``; kinds: title, section, question."""
    yield f"{article.id}::title", "title", "Title", article.title
    for section, text in kb.rendered_sections(article):
        yield f"{article.id}::{_SECTION_KEYS[section]}", "section", section, f"{article.title}\n{text}"
    for i, question in enumerate(article.meta.questions):
        yield f"{article.id}::q{i}", "question", "Questions", question


def kb_documents(kb: KnowledgeBase, encoder_name: str) -> list[IndexDocument]:
    """Every index document of the knowledge base, with metadata (article fields, kind, section, hash)."""
    docs: list[IndexDocument] = []
    for article in kb.articles:
        common = {
            "article_id": article.id,
            "title": article.title,
            "intents": ",".join(article.meta.intents),
            "product": article.meta.product,
            "sensitive": article.meta.sensitive,
            "encoder": encoder_name,
        }
        for doc_id, kind, section, text in article_documents(kb, article):
            meta = dict(common, kind=kind, section=section, hash=content_hash(encoder_name, text))
            docs.append(IndexDocument(doc_id, text, meta))
    return docs


def _batches(items: list[IndexDocument], progress: bool) -> Iterator[list[IndexDocument]]:
    chunks = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
    if not progress or not chunks:
        yield from chunks
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("embedding knowledge base", total=len(items))
        for chunk in chunks:
            yield chunk
            bar.advance(task, len(chunk))


def ingest_kb(
    settings: Settings,
    *,
    encoder: TextEncoder | None = None,
    index: VectorIndex | None = None,
    progress: bool = True,
) -> IngestReport:
    """Load and validate ``settings.kb_dir`` and bring the index up to date; only changed documents are
    embedded.

    Raises :class:`~assistant.errors.KnowledgeBaseError` when the knowledge base is malformed and
    :class:`~assistant.errors.StoreUnavailableError` when the index cannot be reached.
    """
    started = time.perf_counter()
    kb = load_kb(settings.kb_dir)
    encoder = encoder or shared_encoder()
    index = index if index is not None else make_vector_index(settings, encoder)
    docs = kb_documents(kb, encoder.name)
    existing = index.all_metadata()
    wanted = {d.id for d in docs}
    stale = sorted(set(existing) - wanted)
    if stale:
        index.delete(stale)
    todo = [d for d in docs if existing.get(d.id, {}).get("hash") != d.metadata["hash"]]
    for chunk in _batches(todo, progress):
        vectors = encoder.encode([d.text for d in chunk])
        index.upsert([d.id for d in chunk], vectors, [d.text for d in chunk], [d.metadata for d in chunk])
    report = IngestReport(
        articles=len(kb.articles),
        documents=len(docs),
        embedded=len(todo),
        unchanged=len(docs) - len(todo),
        deleted=len(stale),
        seconds=round(time.perf_counter() - started, 3),
        location=str(getattr(index, "location", type(index).__name__)),
    )
    logger.info(
        "ingested %s articles: %s documents, %s embedded, %s unchanged, %s deleted",
        report.articles, report.documents, report.embedded, report.unchanged, report.deleted,
    )  # fmt: skip
    return report
