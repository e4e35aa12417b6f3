"""The seeded stratified BANKING77 split and the out-of-scope query split."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from assistant.errors import ConfigurationError
from assistant.kb.intents import ALL_INTENTS
from assistant.settings import Settings
from assistant.training.splits import (
    OOS_QUERIES,
    banking77_split,
    out_of_scope_blind_test,
    out_of_scope_fresh_test,
    out_of_scope_split,
    out_of_scope_training,
    text_key,
    text_keys,
    uk_paraphrases,
    without_held_out,
)

DATA = Settings().shared_data_dir


@pytest.fixture(scope="module")
def split() -> object:
    if not (DATA / "banking77" / "train.csv").is_file():
        pytest.skip(f"BANKING77 not available under {DATA}")
    return banking77_split(DATA)


def test_split_is_twenty_percent_and_stratified(split: object) -> None:
    train, dev = split.train, split.dev  # type: ignore[attr-defined]
    assert len(train) + len(dev) == 10003
    assert abs(len(dev) / 10003 - 0.2) < 0.005
    tr, dv = Counter(c for _, c in train), Counter(c for _, c in dev)
    assert set(tr) == set(dv) and len(tr) == 77
    for cat in tr:
        assert abs(dv[cat] / (tr[cat] + dv[cat]) - 0.2) < 0.02, cat


def test_no_text_is_on_both_sides(split: object) -> None:
    train_texts = {t for t, _ in split.train}  # type: ignore[attr-defined]
    assert not train_texts & {t for t, _ in split.dev}  # type: ignore[attr-defined]


def test_split_is_reproducible_and_seeded(split: object) -> None:
    assert banking77_split(DATA).dev == split.dev  # type: ignore[attr-defined]
    assert banking77_split(DATA, seed=14).dev != split.dev  # type: ignore[attr-defined]


def test_text_key_ignores_case_punctuation_and_spacing() -> None:
    assert text_key("Tell me a joke.") == text_key("tell me  a JOKE") == "tell me a joke"
    assert text_key("How do I set up auto top-up?") == "how do i set up auto top up"
    assert text_key("top up") != text_key("top-up fee")
    assert text_key("???") == "" and text_key("  ") == ""


def test_training_drops_sentences_that_a_held_out_set_repeats() -> None:
    # "how do i set up auto top up" is a BANKING77 train sentence that uk_test.tsv also holds
    # and "Tell me a joke." is in the test half of queries.txt
    texts = ["How do I set up auto top-up?", "what is the exchange rate on a Tuesday", "TELL ME A JOKE!", "zq zq"]
    assert without_held_out(texts) == [1, 3]
    assert without_held_out(texts, also=["What is the exchange-rate on a tuesday?"]) == [3]
    assert without_held_out([]) == []


def test_article_questions_repeat_no_dev_or_test_message(split: object) -> None:
    """The router trains on the articles' example questions and matches queries against them, so none may be a
    dev query or a test message in other punctuation."""
    from assistant.kb.loader import load_kb

    questions = [q for article in load_kb(Settings().kb_dir).articles for q in article.meta.questions]
    assert len(questions) > 500
    dev = [t for t, _ in split.dev]  # type: ignore[attr-defined]
    assert without_held_out(questions, also=dev) == list(range(len(questions)))


def test_out_of_scope_queries_split_in_halves() -> None:
    dev, test = out_of_scope_split()
    lines = [ln.strip() for ln in OOS_QUERIES.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert len(lines) >= 120 and len(set(lines)) == len(lines)
    assert len(dev) + len(test) == len(lines) and abs(len(dev) - len(test)) <= 1
    assert dev[0] == lines[0] and test[0] == lines[1]
    assert not set(dev) & set(test)


def test_uk_paraphrases_cover_every_intent_and_parts_do_not_overlap() -> None:
    train, test = uk_paraphrases("train"), uk_paraphrases("test")
    assert set(Counter(c for _, c in train)) == set(ALL_INTENTS)
    assert set(Counter(c for _, c in test)) == set(ALL_INTENTS)
    assert min(Counter(c for _, c in test).values()) >= 3
    assert not text_keys(t for t, _ in train) & text_keys(t for t, _ in test)


def test_uk_paraphrases_refuse_unknown_intents_and_parts(tmp_path: Path) -> None:
    (tmp_path / "uk_train.tsv").write_text("card_arrival\twhere's my card then\n", encoding="utf-8")
    assert uk_paraphrases("train", tmp_path) == (("where's my card then", "card_arrival"),)
    assert uk_paraphrases("test", tmp_path) == ()
    (tmp_path / "uk_train.tsv").write_text("card_arival\twhere's my card then\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="line 1"):
        uk_paraphrases("train", tmp_path)
    (tmp_path / "uk_train.tsv").write_text("card_arrival where's my card\n", encoding="utf-8")
    with pytest.raises(ConfigurationError):
        uk_paraphrases("train", tmp_path)
    with pytest.raises(ValueError):
        uk_paraphrases("dev", tmp_path)


def test_fresh_out_of_scope_test_sets_are_separate_from_everything_trained_on() -> None:
    fresh = out_of_scope_fresh_test()
    blind = [text for _, text in out_of_scope_blind_test()]
    assert len(fresh) >= 100 and len(set(fresh)) == len(fresh)
    assert len(blind) >= 100 and len({t.lower() for t in blind}) == len(blind)
    trained = text_keys(out_of_scope_training()) | text_keys(t for t, _ in uk_paraphrases("train"))
    assert not text_keys(fresh) & trained
    assert not text_keys(blind) & trained
    assert not set(fresh) & set(out_of_scope_split()[1])
    assert not trained & text_keys(out_of_scope_split()[1])
    assert out_of_scope_fresh_test(Path("/nonexistent/file.txt")) == ()
    assert out_of_scope_blind_test(Path("/nonexistent/file.tsv")) == ()


def test_blind_out_of_scope_set_refuses_a_line_without_a_tag(tmp_path: Path) -> None:
    path = tmp_path / "blind.tsv"
    path.write_text("# header\nchitchat\thello there\n", encoding="utf-8")
    assert out_of_scope_blind_test(path) == (("chitchat", "hello there"),)
    path.write_text("chitchat\thello there\nhow is the weather\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="line 2"):
        out_of_scope_blind_test(path)
    path.write_text("Chit Chat\thello\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="<tag><TAB><message>"):
        out_of_scope_blind_test(path)
