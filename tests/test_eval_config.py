"""Suite YAML files, thresholds and ``--set`` overrides."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from assistant.settings import Settings
from eval.cli import app
from eval.config import available_suites, load_suite, make_settings, parse_overrides, safe_settings_dump
from eval.formats import EvalDataError

REQUIRED = {
    "retrieval": ["retrieval.top1", "retrieval.top3", "retrieval.mrr"],
    "signals": [
        "signals.sentiment.macro_f1",
        "signals.handoff.recall",
        "signals.handoff.precision",
        "signals.literacy.accuracy",
    ],
    "answers": ["answers.plain.grade_p95", "answers.grounded_rate", "answers.invented_figures"],
    "scope": ["scope.fraud_refused", "scope.injection_refused", "scope.false_refusal", "scope.false_send_away"],
    "escalation": [
        "escalation.recall",
        "escalation.precision",
        "escalation.crisis_recall",
        "escalation.offers_when_no_offer",
    ],
}


def test_every_suite_loads_versioned_with_fast_slice_and_thresholds() -> None:
    names = available_suites()
    assert names[:7] == ["retrieval", "signals", "answers", "escalation", "conversations", "scope", "speed"]
    for name in names:
        cfg = load_suite(name)
        assert cfg.version >= 1 and cfg.fast >= 1 and cfg.thresholds, name
    for name, keys in REQUIRED.items():
        assert set(keys) <= set(load_suite(name).thresholds), name


def test_unknown_suite_is_a_clear_error() -> None:
    with pytest.raises(EvalDataError, match="no suite 'nope'; available: retrieval"):
        load_suite("nope")


def test_overrides_are_validated_settings() -> None:
    assert parse_overrides(["min_retrieval_confidence=0.9", "top_k=6"]) == {
        "min_retrieval_confidence": "0.9",
        "top_k": "6",
    }
    s = make_settings({"min_retrieval_confidence": "0.9", "top_k": "6"})
    assert s.min_retrieval_confidence == 0.9 and s.top_k == 6
    with pytest.raises(EvalDataError, match="not a setting"):
        parse_overrides(["min_confidence=1"])
    with pytest.raises(EvalDataError, match="key=value"):
        parse_overrides(["top_k"])
    with pytest.raises(EvalDataError, match="top_k"):
        make_settings({"top_k": "0"})


def test_settings_dump_hides_secrets() -> None:
    s = Settings(openai_api_key=SecretStr("sk-very-secret"), database_url="postgresql+psycopg://bob:hunter2@db/attune")
    dump = safe_settings_dump(s)
    text = repr(dump)
    assert "sk-very-secret" not in text and "hunter2" not in text
    assert dump["openai_api_key"] == "***" and dump["database_url"].startswith("postgresql+psycopg://bob:***@")


def test_cli_rejects_bad_set_and_bad_data() -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["retrieval", "--set", "nonsense=1"])
    assert res.exit_code == 2 and "not a setting" in " ".join(res.output.split())
    res = runner.invoke(app, ["retrieval", "--data", "/no/such/place"])
    assert res.exit_code == 2 and "no such file or directory" in " ".join(res.output.split())
