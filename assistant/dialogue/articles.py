"""The knowledge base as the dialogue stage reads it: each article's rendered sections as passages (to answer a
follow-up from the topic's article), its title (for clarifying choices) and one encoder vector per article (the
mean of its title and questions, to tell how close a message is to a topic).

>>> from assistant.settings import Settings
>>> articles = DialogueArticles.load(Settings())
>>> articles.focused("card-arrival", ("In short",)).article_ids
('card-arrival',)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.integrations.encoder import TextEncoder, shared_encoder
from assistant.kb.loader import load_kb
from assistant.settings import Settings
from assistant.types import Encoded, Passage, Retrieval


@dataclass(frozen=True)
class DialogueArticles:
    """Passages, titles and vectors per article id (built once by :meth:`load`)."""

    passages: dict[str, tuple[Passage, ...]]
    titles: dict[str, str]
    vectors: dict[str, np.ndarray]

    @classmethod
    def load(cls, settings: Settings, encoder: TextEncoder | None = None) -> DialogueArticles:
        kb = load_kb(settings.kb_dir)
        encoder = encoder or shared_encoder()
        texts: list[str] = []
        owners: list[str] = []
        for article in kb.articles:
            for text in (article.title, *article.questions):
                texts.append(text)
                owners.append(article.id)
        encoded = np.asarray(encoder.encode(texts), dtype=np.float32)
        vectors: dict[str, np.ndarray] = {}
        passages: dict[str, tuple[Passage, ...]] = {}
        for article in kb.articles:
            mean = encoded[[i for i, o in enumerate(owners) if o == article.id]].mean(axis=0)
            vectors[article.id] = mean / (np.linalg.norm(mean) or 1.0)
            warning = kb.render(article.meta.risk_warning) if article.meta.risk_warning else None
            passages[article.id] = tuple(
                Passage(
                    article_id=article.id,
                    title=article.title,
                    section=section,
                    text=text,
                    score=1.0,
                    intents=article.meta.intents,
                    product=article.meta.product,
                    sensitive=article.meta.sensitive,
                    risk_warning=warning,
                )
                for section, text in kb.rendered_sections(article)
            )
        return cls(passages, {a.id: a.title for a in kb.articles}, vectors)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self.passages

    def cosine(self, encoded: Encoded, article_id: str) -> float:
        """Cosine of the message's encoder vector to the article's vector (0 for an unknown article)."""
        target = self.vectors.get(article_id)
        if target is None:
            return 0.0
        vector = np.asarray(encoded.vector, dtype=np.float32).reshape(-1)
        return float(vector @ target / (np.linalg.norm(vector) or 1.0))

    def focused(
        self, article_id: str, sections: Sequence[str] = (), intent: str | None = None, confidence: float = 1.0
    ) -> Retrieval:
        """A retrieval holding one article's passages (only ``sections`` when given)."""
        passages = tuple(p for p in self.passages[article_id] if not sections or p.section in sections)
        intents = self.passages[article_id][0].intents if self.passages[article_id] else ()
        return Retrieval(
            passages=passages,
            article_ids=(article_id,),
            confidence=round(confidence, 4),
            in_scope=True,
            intent=intent or (intents[0] if intents else None),
        )


def shares(retrieval: Retrieval) -> list[tuple[str, float]]:
    """(article id, share of the fused score) in ranked order, from the retrieval's passages."""
    seen: dict[str, float] = {}
    for p in retrieval.passages:
        seen.setdefault(p.article_id, p.score)
    return [(aid, seen.get(aid, 0.0)) for aid in retrieval.article_ids]
