"""The openai generator against a fake OpenAI-compatible server on 127.0.0.1, and the generate -> check ->
fall back / simplify flow around it (the real encoder checks every draft)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_answers_fake_llm import FakeChatServer, grounded_reply

from assistant.answers.base import make_signals
from assistant.answers.kbview import load_articles, oracle_retrieval
from assistant.answers.llm import load_generator_prompts
from assistant.integrations.encoder import SentenceTransformerEncoder
from assistant.pipeline import AnswerFlow
from assistant.settings import Settings
from assistant.stages.generate import AnswerGenerator
from assistant.stages.ground import AnswerChecker
from assistant.types import Style

KB = Path(__file__).parent / "fixtures" / "answers_kb"
ARTICLES = {a.id: a for a in load_articles(KB)}
STANDARD = Style(tone="neutral", register="standard", target_grade=9, length="medium")
RETRIEVAL = oracle_retrieval([ARTICLES["card-arrival"], ARTICLES["personal-loan"]])
QUERY = "When does my card come?"


@pytest.fixture
def fake_llm() -> Iterator[FakeChatServer]:
    with FakeChatServer() as server:
        yield server


@pytest.fixture
def settings(fake_llm: FakeChatServer, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "attune",
        kb_dir=KB,
        generator="openai",
        openai_base_url=fake_llm.base_url,
        openai_api_key="sk-test-key",  # type: ignore[arg-type]
        openai_model="fake-model",
        openai_timeout_s=5.0,
    )


def test_prompt_holds_the_style_and_the_focused_sentences_of_the_top_article(
    fake_llm: FakeChatServer, settings: Settings
) -> None:
    style = Style(tone="empathetic", register="plain", target_grade=6, length="short", allow_offers=False)
    draft = AnswerGenerator(settings).run(query=QUERY, style=style, retrieval=RETRIEVAL, signals=make_signals())
    body, headers = fake_llm.requests[-1], fake_llm.headers[-1]
    assert body["stream"] is True and body["model"] == "fake-model"
    assert headers["authorization"] == "Bearer sk-test-key"
    system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
    prompts = load_generator_prompts(settings.prompts_dir)
    for instruction in (prompts.tone["empathetic"], prompts.register_["plain"], prompts.offers["forbidden"]):
        assert instruction in system
    assert "reading grade of about 6" in system and prompts.focus["plain"] in system
    assert f"[{ARTICLES['card-arrival'].title} - {prompts.focused_section}]" in user and QUERY in user
    assert "It then takes 3 to 5 working days to reach you." in user  # the sentence that answers "when"
    assert ARTICLES["card-arrival"].sections["Details"] not in user  # not the whole layer
    assert ARTICLES["card-arrival"].sections["In short"] not in user
    assert "loan" not in user.lower()  # the second-ranked article's sentences do not answer this question
    assert draft.generator == "openai"
    assert {c.article_id for c in draft.citations} == {"card-arrival"}
    assert draft.citations[-1].section == "Glossary"  # plain register: the glossary comes with the sentences


@pytest.mark.parametrize("register", ["plain", "standard", "technical"])
def test_each_register_gets_its_own_focus_instruction(
    fake_llm: FakeChatServer, settings: Settings, register: str
) -> None:
    grade = {"plain": 6, "standard": 9, "technical": 12}[register]
    style = Style(tone="neutral", register=register, target_grade=grade, length="medium")  # type: ignore[arg-type]
    AnswerGenerator(settings).run(query=QUERY, style=style, retrieval=RETRIEVAL, signals=make_signals())
    system = fake_llm.requests[-1]["messages"][0]["content"]
    prompts = load_generator_prompts(settings.prompts_dir)
    assert prompts.focus[register] in system  # type: ignore[index]
    others = {r for r in ("plain", "standard", "technical") if r != register}
    assert not any(prompts.focus[r] in system for r in others)  # type: ignore[index]


def test_tokens_arrive_as_a_stream(fake_llm: FakeChatServer, settings: Settings) -> None:
    stream = AnswerGenerator(settings).stream(query=QUERY, style=STANDARD, retrieval=RETRIEVAL, signals=make_signals())
    deltas = list(stream)
    assert len(deltas) >= 10  # one per word from the server's SSE chunks
    assert "".join(deltas).strip() == stream.draft.text == grounded_reply(fake_llm.requests[-1]["messages"])


@pytest.fixture(scope="module")
def checker(encoder: SentenceTransformerEncoder) -> AnswerChecker:
    return AnswerChecker(Settings(environment="test", kb_dir=KB), encoder=encoder)


@pytest.mark.integration
def test_grounded_model_answer_is_used(settings: Settings, checker: AnswerChecker) -> None:
    result = AnswerFlow(AnswerGenerator(settings), checker).run(
        query=QUERY, style=STANDARD, retrieval=RETRIEVAL, signals=make_signals()
    )
    assert result.draft.generator == "openai" and result.verdict.fallback is None
    assert result.verdict.passed and result.verdict.grounding_score == 1.0


@pytest.mark.integration
def test_server_failure_falls_back_to_the_composer(
    fake_llm: FakeChatServer, settings: Settings, checker: AnswerChecker
) -> None:
    fake_llm.fail = True
    result = AnswerFlow(AnswerGenerator(settings), checker).run(
        query=QUERY, style=STANDARD, retrieval=RETRIEVAL, signals=make_signals()
    )
    assert result.verdict.fallback == "composer" and result.draft.generator == "composer"
    assert "working day" in result.verdict.text.split("\n\n")[0]  # the composer's focused answer leads with when


@pytest.mark.integration
def test_invented_figures_and_promises_never_reach_the_customer(
    fake_llm: FakeChatServer, settings: Settings, checker: AnswerChecker
) -> None:
    fake_llm.reply = lambda messages: (
        "Your card arrives tomorrow for sure. Delivery costs £4.99. You will definitely get it by Friday. "
        "We post your card within 1 working day."
    )
    flow = AnswerFlow(AnswerGenerator(settings), checker)
    result = flow.run(query=QUERY, style=STANDARD, retrieval=RETRIEVAL, signals=make_signals())
    shown = result.verdict.text
    assert result.verdict.fallback == "composer"  # too little of the model's answer was grounded
    assert result.attempts[0].generator == "openai" and not result.attempts[0].verdict.passed  # type: ignore[union-attr]
    assert "£4.99" not in shown and "definitely" not in shown


@pytest.mark.integration
def test_reading_miss_reruns_the_generator_with_a_simpler_style(
    fake_llm: FakeChatServer, settings: Settings, checker: AnswerChecker
) -> None:
    plain_instruction = load_generator_prompts(settings.prompts_dir).register_["plain"]
    hard = (
        "Cards are personalised and mailed by our card bureau; the dispatch event is reported back to us in a daily "
        "file, which is why the app shows the dispatch date rather than a live tracking number."
    )

    def reply(messages: list[dict[str, str]]) -> str:
        if plain_instruction in messages[0]["content"]:
            return "You can see the dispatch date in the app."
        return hard  # far above the reading grade asked for

    fake_llm.reply = reply
    style = Style(tone="neutral", register="technical", target_grade=6, length="long")
    query = "Why can't I track my card? Where do I see when it was sent?"
    result = AnswerFlow(AnswerGenerator(settings), checker, max_rewrites=2).run(
        query=query, style=style, retrieval=RETRIEVAL, signals=make_signals()
    )
    assert result.verdict.rewrites == 2 and result.style.register == "plain"
    assert result.verdict.reading_ok and result.draft.generator == "openai"
    assert result.verdict.text == "You can see the dispatch date in the app."


@pytest.mark.integration
def test_offers_in_a_model_draft_are_removed_for_a_distressed_customer(
    fake_llm: FakeChatServer, settings: Settings, checker: AnswerChecker
) -> None:
    fake_llm.reply = lambda messages: (
        "We post your card within 1 working day. It then takes 3 to 5 working days to reach you. "
        "Why not open a saver with us too?"
    )
    style = Style(tone="empathetic", register="standard", target_grade=9, length="medium", allow_offers=False)
    result = AnswerFlow(AnswerGenerator(settings), checker).run(
        query=QUERY, style=style, retrieval=RETRIEVAL, signals=make_signals(distress="mild")
    )
    assert result.draft.generator == "openai" and result.verdict.passed
    assert "saver" not in result.verdict.text and result.verdict.offers_removed
    assert result.verdict.text.startswith("We post your card within 1 working day.")


def test_a_two_part_question_gives_the_model_both_figures(fake_llm: FakeChatServer, settings: Settings) -> None:
    query = "What rate does the saver pay and how often is the interest paid?"
    retrieval = oracle_retrieval([ARTICLES["easy-access-saver"]])
    AnswerGenerator(settings).run(query=query, style=STANDARD, retrieval=retrieval, signals=make_signals())
    user = fake_llm.requests[-1]["messages"][-1]["content"]
    focused = user.split(f"- {load_generator_prompts(settings.prompts_dir).focused_section}]")[1]
    assert "3.10% AER (variable)" in focused and "monthly" in focused
