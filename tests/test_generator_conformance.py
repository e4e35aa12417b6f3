"""One conformance suite for every answer generator: composer (no model), openai (against a fake
OpenAI-compatible server on 127.0.0.1) and local (the real SmolLM2-135M on CPU; integration).

Each backend generates one in-scope answer (cached per module, so SmolLM2 loads and generates once) and
every contract is checked on it: streamed deltas join to the Draft, the Draft names its backend and cites only
the retrieved passages, the stream is lazy, out-of-scope goes to the vetted reply, failures are
GenerationError, and whatever the checker lets through is grounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_answers_fake_llm import FakeChatServer

from assistant.answers.base import AnswerBackend, GenerationRequest, make_signals
from assistant.answers.composer import load_composer_prompts
from assistant.answers.kbview import load_articles, oracle_retrieval
from assistant.answers.llm import LocalBackend, OpenAIBackend
from assistant.errors import GenerationError
from assistant.integrations.local_lm import LocalChatModel
from assistant.prompts import render
from assistant.settings import Settings
from assistant.stages.generate import AnswerGenerator
from assistant.stages.ground import AnswerChecker
from assistant.stages.style import StyleSelector
from assistant.types import Draft, Retrieval, Signals, Style

KB = Path(__file__).parent / "fixtures" / "answers_kb"
BACKENDS = ["composer", "openai", pytest.param("local", marks=pytest.mark.integration)]
QUERY = "My new card still hasn't come, where is it?"


@dataclass
class Generated:
    name: str
    settings: Settings
    generator: AnswerGenerator
    retrieval: Retrieval
    style: Style
    signals: Signals
    deltas: list[str]
    draft: Draft
    stats: dict[str, float]


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[FakeChatServer]:
    with FakeChatServer() as server:
        yield server


@pytest.fixture(scope="module")
def module_settings(tmp_path_factory: pytest.TempPathFactory, fake_llm: FakeChatServer) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path_factory.mktemp("attune"),
        kb_dir=KB,
        openai_base_url=fake_llm.base_url,
        openai_api_key="sk-test",  # type: ignore[arg-type]
        openai_model="fake-model",
        openai_timeout_s=5.0,
        local_max_new_tokens=16,
    )


@pytest.fixture(scope="module")
def retrieval(module_settings: Settings) -> Retrieval:
    articles = {a.id: a for a in load_articles(module_settings.kb_dir)}
    return oracle_retrieval([articles["card-arrival"], articles["easy-access-saver"]])


_cache: dict[str, Generated] = {}


@pytest.fixture(params=BACKENDS)
def generated(request: pytest.FixtureRequest, module_settings: Settings, retrieval: Retrieval) -> Generated:
    name: str = request.param
    if name not in _cache:
        signals = make_signals(literacy="novice", sentiment="negative", distress="mild")
        style = StyleSelector(module_settings).run(signals=signals, channel="widget")
        generator = AnswerGenerator(module_settings, backend=name)
        generator.warm_up()
        stream = generator.stream(query=QUERY, style=style, retrieval=retrieval, signals=signals)
        deltas = list(stream)
        _cache[name] = Generated(
            name,
            module_settings,
            generator,
            retrieval,
            style,
            signals,
            deltas,
            stream.draft,
            dict(stream.stats),
        )
    return _cache[name]


def test_stream_yields_text_deltas_that_join_to_the_draft(generated: Generated) -> None:
    assert generated.deltas, "a backend must stream at least one delta"
    assert all(isinstance(d, str) for d in generated.deltas)
    assert "".join(generated.deltas).strip() == generated.draft.text
    assert generated.stats["ttft_s"] <= generated.stats["total_s"]


def test_draft_names_its_backend_and_cites_only_the_top_article(generated: Generated) -> None:
    draft = generated.draft
    assert draft.generator == generated.name
    assert draft.citations, "an in-scope answer cites the passages it used"
    retrieved = {(p.article_id, p.section) for p in generated.retrieval.passages}
    for citation in draft.citations:
        assert (citation.article_id, citation.section) in retrieved
        assert citation.article_id == generated.retrieval.article_ids[0]


def test_whatever_passes_the_checker_is_grounded(generated: Generated, encoder: object) -> None:
    checker = AnswerChecker(generated.settings, encoder=encoder)  # type: ignore[arg-type]
    verdict = checker.run(
        draft=generated.draft, retrieval=generated.retrieval, style=generated.style, signals=generated.signals
    )
    assert checker.checker.invented_figures(verdict.text, generated.retrieval) == []
    assert not checker.checker.offer_sentences(verdict.text, generated.retrieval, generated.draft.offers)
    if verdict.passed:
        assert verdict.grounding_score >= generated.settings.grounding_threshold
        assert verdict.text.strip()
    if generated.name != "local":  # the composer and a passage-quoting model are grounded by construction
        assert verdict.passed and verdict.dropped_sentences == ()


@pytest.mark.parametrize("name", BACKENDS)
def test_out_of_scope_gets_the_vetted_reply_without_citations(name: str, module_settings: Settings) -> None:
    retrieval = Retrieval(passages=(), article_ids=(), confidence=0.05, in_scope=False)
    style = Style(tone="neutral", register="standard", target_grade=9, length="medium")
    draft = AnswerGenerator(module_settings, backend=name).run(
        query="What's the weather tomorrow?", style=style, retrieval=retrieval, signals=make_signals()
    )
    prompts = load_composer_prompts(module_settings.prompts_dir)
    assert draft.text == render(prompts.out_of_scope, topics=prompts.topics)
    assert draft.citations == ()


def _failing_backend(name: str, settings: Settings, tmp_path: Path) -> AnswerBackend | None:
    if name == "openai":
        dead = settings.model_copy(update={"openai_base_url": "http://127.0.0.1:9/v1", "openai_timeout_s": 2.0})
        return OpenAIBackend(dead)
    if name == "local":
        return LocalBackend(settings, model=LocalChatModel(max_new_tokens=4, gguf_path=tmp_path / "missing.gguf"))
    return None  # the composer has nothing that can fail at run time


@pytest.mark.parametrize("name", BACKENDS)
def test_backend_failure_is_a_generation_error_raised_lazily(
    name: str, module_settings: Settings, retrieval: Retrieval, tmp_path: Path
) -> None:
    backend = _failing_backend(name, module_settings, tmp_path)
    if backend is None:
        pytest.skip("the composer cannot fail at run time")
    request = GenerationRequest(QUERY, Style("neutral", "standard", 9, "medium"), retrieval, make_signals())
    stream = backend.stream(request)  # no I/O yet
    assert not stream.done
    with pytest.raises(GenerationError):
        list(stream)
