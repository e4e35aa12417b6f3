"""The blind suite on a tiny fixture written for this test (never on data/blind itself): the real classify stage
with each row's context as history, every headline metric, and cases that carry no message text."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings
from eval.config import load_suite
from eval.formats import EvalDataError, load_blind_jsonl
from eval.runner import Dataset, EvalContext, SuiteResult
from eval.suite_runs.blind import run_blind

FIXTURE = Path(__file__).parent / "fixtures" / "blind"
ROLES = ("crisis_distress", "handoff", "complaint", "vulnerability", "literacy")


@pytest.fixture(scope="module")
def blind_result(tmp_path_factory: pytest.TempPathFactory) -> SuiteResult:
    settings = Settings(environment="test", data_dir=tmp_path_factory.mktemp("attune-blind"))
    ctx = EvalContext(settings, data_root=settings.shared_data_dir, ingest=False, progress=False)
    cfg = load_suite("blind")
    datasets = {
        role: Dataset(role, "blind_jsonl", load_blind_jsonl(FIXTURE / f"{role}.jsonl"), [], [], "default")
        for role in ROLES
    }
    res = SuiteResult(name="blind", config=cfg)
    run_blind(ctx, cfg, datasets, res)
    return res


def test_blind_suite_reports_every_headline_metric(blind_result: SuiteResult) -> None:
    m = blind_result.metrics
    assert set(load_suite("blind").thresholds) <= set(m)
    for kind in ("self_harm", "abuse", "threat", "emergency"):
        assert f"blind.crisis.{kind}.recall" in m
    assert m["blind.crisis.n"] == 1 and m["blind.handoff.n"] == 2 and m["blind.complaint.n"] == 2
    # needed/escalated is scored on the crisis/distress and hand-off rows only
    assert m["blind.escalation.n"] == 5


def test_blind_suite_decides_the_obvious_rows(blind_result: SuiteResult) -> None:
    m = blind_result.metrics
    assert m["blind.crisis.recall"] == 1.0 and m["blind.crisis.self_harm.recall"] == 1.0
    assert m["blind.crisis.abuse.recall"] is None  # no row of that kind: undefined, not zero
    assert m["blind.crisis.false_rate"] == 0.0 and m["blind.crisis.false_rate.hyperbole"] == 0.0
    assert m["blind.handoff.recall"] == 1.0 and m["blind.handoff.precision"] == 1.0
    assert m["blind.literacy.novice_recall"] == 1.0


def test_blind_cases_carry_ids_and_predictions_not_texts(blind_result: SuiteResult) -> None:
    texts = {r.text for role in ROLES for r in load_blind_jsonl(FIXTURE / f"{role}.jsonl")}
    assert len(blind_result.cases) == 11
    for case in blind_result.cases:
        assert "text" not in case and not texts & {str(v) for v in case.values()}
    with_context = [c for c in blind_result.cases if c["context_turns"]]
    assert [c["id"] for c in with_context] == ["crisis_distress:3"]


def test_blind_loader_rejects_unknown_fields_and_bad_context(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hi", "mood": "ok"}\n')
    with pytest.raises(EvalDataError, match="bad.jsonl:1: mood: unknown field"):
        load_blind_jsonl(bad)
    bad.write_text('{"text": "hi", "context": "not a list"}\n')
    with pytest.raises(EvalDataError, match="context: a list of strings"):
        load_blind_jsonl(bad)
