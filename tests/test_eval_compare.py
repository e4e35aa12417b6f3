"""``--compare``: deltas and regression detection on synthetic results (no models)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from eval.cli import app
from eval.compare import compare_results


def _results(values: dict[str, float], thresholds: dict[str, dict[str, Any]]) -> dict[str, Any]:
    ths = {}
    for key, th in thresholds.items():
        v = values.get(key)
        ok = v is not None and (v >= th["min"] if "min" in th else v <= th["max"])
        ths[key] = {
            "min": th.get("min"),
            "max": th.get("max"),
            "tolerance": th.get("tolerance"),
            "value": v,
            "passed": ok,
        }
    return {"metrics": values, "thresholds": ths, "suites": {"retrieval": {"version": 1}}, "fast": True}


TH: dict[str, dict[str, Any]] = {
    "retrieval.top1": {"min": 0.8, "tolerance": 0.02},
    "escalation.offers_when_no_offer": {"max": 0},
    "speed.total.p95": {"max": 1500, "tolerance": 300},
}


def _write(path: Path, values: dict[str, float]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "results.json").write_text(json.dumps(_results(values, TH)))
    return path


def test_statuses() -> None:
    old = _results({"retrieval.top1": 0.90, "escalation.offers_when_no_offer": 0, "speed.total.p95": 900}, TH)
    same = compare_results(old, old)
    assert {r.metric: r.status for r in same if r.threshold} == {
        "retrieval.top1": "same",
        "escalation.offers_when_no_offer": "same",
        "speed.total.p95": "same",
    }
    new = _results({"retrieval.top1": 0.87, "escalation.offers_when_no_offer": 1, "speed.total.p95": 1100}, TH)
    rows = {r.metric: r for r in compare_results(old, new)}
    assert rows["retrieval.top1"].status == "regressed"  # passes 0.8 still, but fell 0.03 > tolerance 0.02
    assert "tolerance" in rows["retrieval.top1"].reason
    assert rows["escalation.offers_when_no_offer"].status == "regressed"  # now fails a threshold it passed
    assert rows["speed.total.p95"].status == "worse"  # slower, within its 300 ms tolerance
    better = _results({"retrieval.top1": 0.95, "escalation.offers_when_no_offer": 0, "speed.total.p95": 800}, TH)
    assert {r.status for r in compare_results(old, better) if r.threshold} == {"improved", "same"}


def test_missing_metric_in_new_is_a_regression() -> None:
    old = _results({"retrieval.top1": 0.9}, {"retrieval.top1": {"min": 0.8}})
    new = _results({}, {"retrieval.top1": {"min": 0.8}})
    assert [r.status for r in compare_results(old, new)] == ["regressed"]


def test_cli_compare_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    old = _write(
        tmp_path / "old",
        {"retrieval.top1": 0.9, "escalation.offers_when_no_offer": 0, "speed.total.p95": 900},
    )
    same = _write(
        tmp_path / "same",
        {"retrieval.top1": 0.9, "escalation.offers_when_no_offer": 0, "speed.total.p95": 950},
    )
    worse = _write(
        tmp_path / "worse",
        {"retrieval.top1": 0.7, "escalation.offers_when_no_offer": 0, "speed.total.p95": 900},
    )
    ok = runner.invoke(app, ["--compare", str(old), str(same)])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(app, ["--compare", str(old), str(worse / "results.json")])
    assert bad.exit_code == 1, bad.output
    assert "retrieval.top1" in bad.output and "regression" in bad.output
    missing = runner.invoke(app, ["--compare", str(old), str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "no results.json" in " ".join(missing.output.split())
