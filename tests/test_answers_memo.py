"""The composer's per-turn memos (issue #22): an article's candidate sentences and a text's content words are
computed once per distinct input and give exactly what computing them afresh gives (the same candidates, the same
set in the same iteration order), stay bounded, and agree when many turns use them at once. Real knowledge base,
real encoder for the composed answers."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant.answers.base import GenerationRequest, make_signals
from assistant.answers.composer import ComposerBackend
from assistant.answers.focus import (
    CANDIDATES_CACHE_SIZE,
    _article_candidates,
    _Part,
    _split_candidates,
    article_candidates,
    article_facts,
    kb_facts,
)
from assistant.answers.kbview import load_articles, oracle_retrieval
from assistant.answers.text import _WORD, STOPWORDS, _content_words, clean_markdown, content_words, stem
from assistant.integrations.encoder import TextEncoder
from assistant.settings import Settings
from assistant.types import Passage, Style

SETTINGS = Settings(environment="test")
KB = SETTINGS.kb_dir
ARTICLES = load_articles(KB)
SOME = ARTICLES[:: max(1, len(ARTICLES) // 16)]  # a spread of the knowledge base's articles
SMALLEST = min(ARTICLES, key=lambda a: sum(len(t) for t in a.sections.values()))
STYLE = Style(tone="neutral", register="standard", target_grade=9, length="medium")


def fresh_candidates(passages: tuple[Passage, ...], referenced: dict[str, frozenset[str]] | None) -> list:
    """What article_candidates computed before it was memoised: the split of these very passages."""
    parts = [_Part(p.article_id, p.section, p.text) for p in passages]
    refs = None if referenced is None else {p.article_id: referenced.get(p.article_id) for p in passages}
    return _split_candidates(parts, kb_facts(KB), refs)


def retrievals() -> list[tuple[Passage, ...]]:
    """Articles alone, and pairs (a top article with a runner-up)."""
    out = [oracle_retrieval([a]).passages for a in SOME]
    out += [oracle_retrieval([a, b]).passages for a, b in zip(SOME, SOME[1:], strict=False)]
    return out


def fresh_words(text: str) -> set[str]:
    return {stem(w) for w in _WORD.findall(clean_markdown(text).lower()) if w not in STOPWORDS and len(w) > 1}


@pytest.mark.parametrize("with_references", [True, False])
def test_memoised_candidates_are_those_computed_afresh(with_references: bool) -> None:
    referenced = article_facts(KB) if with_references else None
    _article_candidates.cache_clear()
    for passages in retrievals():
        first = article_candidates(passages, kb_facts(KB), referenced)
        again = article_candidates(passages, kb_facts(KB), referenced)  # from the memo
        assert first == again == fresh_candidates(passages, referenced)
        assert first is not again  # each call owns its list
        again.clear()
        assert article_candidates(passages, kb_facts(KB), referenced) == first
    assert _article_candidates.cache_info().hits >= 2 * len(retrievals())


def test_candidates_memo_is_keyed_by_text_not_by_score() -> None:
    """Two retrievals of the same article with different scores share an entry; a changed text does not."""
    article = ARTICLES[0]
    high, low = oracle_retrieval([article], confidence=0.9), oracle_retrieval([article], confidence=0.4)
    facts = kb_facts(KB)
    assert article_candidates(high.passages, facts) == article_candidates(low.passages, facts)
    first = high.passages[0]
    edited = (Passage(first.article_id, first.title, first.section, first.text + " Call us on 0800 000 000.", 0.9),)
    assert article_candidates(edited, facts) == fresh_candidates(edited, None)
    assert article_candidates(edited, facts) != article_candidates(high.passages[:1], facts)


def test_candidates_memo_is_bounded() -> None:
    info = _article_candidates.cache_info()
    assert info.maxsize == CANDIDATES_CACHE_SIZE
    base = oracle_retrieval([SMALLEST]).passages[0]
    facts = kb_facts(KB)[:3]  # few facts to match: the test is about the memo's size, not the matching
    for i in range(CANDIDATES_CACHE_SIZE + 50):
        text = f"{base.text}\n\nExtra line {i}."
        article_candidates((Passage(base.article_id, base.title, base.section, text, 0.9),), facts)
    assert _article_candidates.cache_info().currsize <= CANDIDATES_CACHE_SIZE


def test_candidates_memo_under_concurrent_turns() -> None:
    referenced = article_facts(KB)
    work = retrievals() * 3
    expected = [fresh_candidates(p, referenced) for p in work]
    _article_candidates.cache_clear()
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda p: article_candidates(p, kb_facts(KB), referenced), work))
    assert got == expected


def test_content_words_memo_gives_the_same_set_in_the_same_order() -> None:
    texts = [p.text for passages in retrievals() for p in passages] + [
        "How long does a transfer to a European account take?",
        "Why was I charged a fee for taking cash out?",
        "",
    ]
    for text in texts:
        fresh = fresh_words(text)
        memo = content_words(text)
        assert memo == fresh
        assert list(memo) == list(fresh)  # same iteration order: sums over the words add up alike
        memo.add("zzz-not-a-word")  # the caller's own set: the memo is untouched
        assert "zzz-not-a-word" not in content_words(text)
    assert _content_words.cache_info().maxsize is not None


def test_content_words_under_concurrent_turns() -> None:
    texts = [a.title + " " + " ".join(a.sections.values()) for a in SOME] * 4
    expected = [fresh_words(t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(content_words, texts))
    assert got == expected


def test_composer_answers_alike_cold_and_warm(encoder: TextEncoder) -> None:
    """The same questions composed with empty memos and again with warm ones: identical answers."""
    composer = ComposerBackend(SETTINGS, encoder=encoder)
    composer.warm_up()
    questions = [(a, re.sub(r"\s+", " ", a.title).strip() + "?") for a in SOME[:4]]

    def answers() -> list[tuple[str, tuple[str, ...]]]:
        out = []
        for article, question in questions:
            request = GenerationRequest(question, STYLE, oracle_retrieval([article]), make_signals())
            text, citations, offers = composer.compose(request)
            out.append((text, tuple(c.article_id for c in citations)))
        return out

    _article_candidates.cache_clear()
    _content_words.cache_clear()
    cold = answers()
    warm = answers()
    assert cold == warm
    assert _article_candidates.cache_info().hits > 0
