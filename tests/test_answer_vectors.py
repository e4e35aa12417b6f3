"""The composer's sentence vectors (issue #22): written by ingest, loaded at warm-up, the question's vector taken
from the turn's own encoder pass, so a served turn makes no second encoder pass and a reply does not depend on
which questions came before it."""

from __future__ import annotations

import stat
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from assistant.answers.base import GenerationRequest, make_signals
from assistant.answers.composer import ComposerBackend
from assistant.answers.focus import answer_texts
from assistant.answers.kbview import load_articles, oracle_retrieval
from assistant.answers.sentence_vectors import (
    VECTORS_FILE,
    EmbeddingCache,
    KnownVectors,
    load_vector_file,
    text_key,
    update_vector_file,
)
from assistant.integrations.encoder import HashingEncoder, SentenceTransformerEncoder
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from assistant.stages.ground import AnswerChecker
from assistant.types import Message, Style


class CountingEncoder:
    """The real encoder, counting the texts it is asked to encode (a third-party adapter, wrapped)."""

    def __init__(self, inner: SentenceTransformerEncoder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.encode(texts)


STYLE = Style(tone="neutral", register="standard", target_grade=9, length="medium")


def test_vector_file_is_private_incremental_and_per_encoder(tmp_path: Path) -> None:
    path = tmp_path / VECTORS_FILE
    first = update_vector_file(path, HashingEncoder(), ["a fee of £5", "it takes 3 days", "a fee of £5"])
    assert (first.texts, first.encoded, first.kept) == (2, 2, 0)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = update_vector_file(path, HashingEncoder(), ["it takes 3 days", "a limit of £500"])
    assert (again.texts, again.encoded, again.kept, again.dropped) == (2, 1, 1, 1)
    stored = load_vector_file(path, HashingEncoder().name)
    assert set(stored) == {text_key("hashing-trigram", t) for t in ("it takes 3 days", "a limit of £500")}
    assert load_vector_file(path, "another-encoder") == {}  # never another encoder's vectors
    path.write_bytes(b"not a numpy file")
    assert load_vector_file(path, HashingEncoder().name) == {}
    assert load_vector_file(tmp_path / "missing.npz", HashingEncoder().name) == {}


def test_stored_vectors_are_each_text_encoded_alone(tmp_path: Path, encoder: SentenceTransformerEncoder) -> None:
    texts = ["You can cancel a direct debit in the app.", "A Faster Payment usually arrives within 2 hours."]
    update_vector_file(tmp_path / VECTORS_FILE, encoder, texts)
    stored = load_vector_file(tmp_path / VECTORS_FILE, encoder.name)
    for text in texts:
        alone = encoder.encode([text])[0]
        assert float(stored[text_key(encoder.name, text)] @ alone) > 0.99999


def test_known_vectors_answer_the_question_and_leave_the_shared_cache_alone(
    encoder: SentenceTransformerEncoder,
) -> None:
    counting = CountingEncoder(encoder)
    cache = EmbeddingCache(counting)
    question = "how long does a transfer take?"
    vector = encoder.encode([question])[0]
    got = KnownVectors(cache, {question: vector}).embed([question, "Transfers arrive in 2 hours."])
    assert np.array_equal(got[0], vector)
    assert counting.texts == ["Transfers arrive in 2 hours."]
    assert question not in cache and "Transfers arrive in 2 hours." in cache


def test_served_composer_encodes_nothing_and_answers_as_without_the_file(
    fixture_kb_settings: Settings, encoder: SentenceTransformerEncoder, tmp_path: Path
) -> None:
    """With the ingest-written file and the question's vector handed over, a turn encodes no text; the answer is
    the one the composer gives encoding everything itself."""
    articles = load_articles(fixture_kb_settings.kb_dir)
    assert (fixture_kb_settings.data_dir / VECTORS_FILE).is_file()  # written by the fixture's ingest
    served_encoder = CountingEncoder(encoder)
    served = ComposerBackend(fixture_kb_settings, encoder=served_encoder)
    served.warm_up()
    assert served.cache.preloaded == len(answer_texts(fixture_kb_settings.kb_dir))
    plain = ComposerBackend(
        fixture_kb_settings.model_copy(update={"data_dir": tmp_path}), encoder=encoder
    )  # no file there
    plain.warm_up()
    assert plain.cache.preloaded == 0
    signals = make_signals(literacy="intermediate")
    answered = 0
    for article in articles:
        question = f"tell me about {article.title.lower()}"
        served_encoder.texts.clear()
        retrieval = oracle_retrieval([article])
        vector = encoder.encode([question])[0]
        request = GenerationRequest(question, STYLE, retrieval, signals, query_vector=vector)
        served_text = served.stream(request).collect().text
        assert served_encoder.texts == []
        plain_text = plain.stream(GenerationRequest(question, STYLE, retrieval, signals)).collect().text
        assert served_text == plain_text
        answered += bool(served_text)
    assert answered == len(articles)


def test_a_pipeline_turn_hands_its_vector_to_the_composer(pipeline: Pipeline) -> None:
    composer = pipeline.flow.generator.composer
    assert isinstance(composer, ComposerBackend)
    assert composer.cache.preloaded > 0  # the fixture's ingest wrote the file; warm-up loaded it
    text = "how do I freeze my card when I cannot find it anywhere?"
    outcome = pipeline.handle(Message(conversation_id="vectors-1", text=text))
    assert outcome.reply.text
    assert text not in composer.cache  # came from the turn's pass, never encoded again


def test_served_checker_compares_against_stored_windows(
    fixture_kb_settings: Settings, encoder: SentenceTransformerEncoder
) -> None:
    """The grounding checker's windows (a cited sentence, and it with the next, across sections too) are in the
    file: checking a draft that is not the articles' own wording encodes only the draft's sentences."""
    counting = CountingEncoder(encoder)
    checker = AnswerChecker(fixture_kb_settings, encoder=counting)
    checker.warm_up()
    counting.texts.clear()
    article = load_articles(fixture_kb_settings.kb_dir)[0]
    retrieval = oracle_retrieval([article])
    composer = ComposerBackend(fixture_kb_settings, encoder=encoder)
    draft = composer.stream(GenerationRequest("tell me more", STYLE, retrieval, make_signals())).collect()
    reworded = replace(draft, text="In other words: " + draft.text)  # no longer any article's own sentences
    verdict = checker.run(draft=reworded, retrieval=retrieval, style=STYLE, signals=make_signals())
    assert verdict.grounding_score > 0
    assert counting.texts and all(t.startswith("In other words") or t in reworded.text for t in counting.texts)
