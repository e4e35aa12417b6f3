"""The harness end to end on the real pipeline with ``--fast`` slices: files written, metrics present,
per-case outputs recorded, single-file ``--data`` overrides, and ``--compare`` catching a worsened setting."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from eval.cli import app

pytestmark = pytest.mark.integration

REQUIRED_METRICS = [
    "retrieval.top1", "retrieval.top3", "retrieval.mrr",
    "signals.sentiment.macro_f1", "signals.handoff.recall", "signals.handoff.precision",
    "signals.literacy.accuracy", "answers.plain.grade_p95", "answers.grounded_rate",
    "answers.invented_figures",
    "escalation.recall", "escalation.precision", "escalation.crisis_recall",
    "escalation.offers_when_no_offer",
    "conversations.sentiment.accuracy", "conversations.distress.accuracy", "conversations.vulnerability.f1",
    "conversations.literacy.accuracy", "conversations.handoff_requested.accuracy",
    "conversations.escalate.accuracy", "conversations.intent.accuracy", "conversations.no_offer.accuracy",
    "scope.fraud_refused", "scope.injection_refused", "scope.other_bank_sent_away", "scope.false_refusal",
    "speed.total.p95", "speed.throughput_per_s",
    "language.recall", "language.false_rate",
]  # fmt: skip


def _invoke(args: list[str]) -> Any:
    result = CliRunner().invoke(app, [*args, "--no-progress"])
    return result


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory, real_kb_data_dir: Path) -> Path:
    """One data dir shared by the module's runs: a copy of the session's real-knowledge-base index, so the
    harness's own incremental ingest finds it up to date (it still checks every article) instead of encoding the
    knowledge base a second time in the session."""
    path = tmp_path_factory.mktemp("attune-eval-data")
    shutil.copytree(real_kb_data_dir, path, dirs_exist_ok=True)
    return path


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory: pytest.TempPathFactory, store_dir: Path) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("eval-runs") / "all-fast"
    result = _invoke(["--fast", "--out", str(out), "--set", "environment=test", "--set", f"data_dir={store_dir}"])
    assert result.exit_code == 0, result.output
    return json.loads((out / "results.json").read_text()), out


def test_fast_run_writes_every_output_with_provenance(fast_run: tuple[dict[str, Any], Path]) -> None:
    results, out = fast_run
    assert {p.name for p in out.iterdir()} >= {"results.json", "cases.jsonl", "report.html"}
    assert set(results["suites"]) == {
        "retrieval",
        "signals",
        "answers",
        "escalation",
        "conversations",
        "scope",
        "speed",
        "blind",
        "signals_dev",
        "pii",
        "dialogue",
        "language",
    }
    for name, suite in results["suites"].items():
        assert suite["status"] == "ok", (name, suite["message"])
        assert suite["version"] >= 1 and suite["n_cases"] > 0
        for ds in suite["datasets"]:
            assert ds["used"] > 0 and all(len(s) == 64 for s in ds["sha256"])
    prov = results["provenance"]
    assert prov["packages"]["numpy"] and prov["settings"]["openai_api_key"] == "***"
    assert prov["settings"]["data_dir"].endswith("attune-eval-data0")
    assert results["fast"] is True and results["wall_s"] > 0


def test_fast_run_has_every_headline_metric(fast_run: tuple[dict[str, Any], Path]) -> None:
    metrics = fast_run[0]["metrics"]
    missing = [k for k in REQUIRED_METRICS if metrics.get(k) is None]
    assert not missing, missing
    assert 0.0 <= metrics["retrieval.top1"] <= metrics["retrieval.top3"] <= 1.0
    assert metrics["retrieval.mrr"] >= metrics["retrieval.top1"]
    assert "signals.sentiment.vader.macro_f1" in metrics  # VADER side by side
    thresholds = fast_run[0]["thresholds"]
    assert all(isinstance(t["passed"], bool) for t in thresholds.values())


def test_fast_run_records_per_case_outputs(fast_run: tuple[dict[str, Any], Path]) -> None:
    results, out = fast_run
    lines = [json.loads(line) for line in (out / "cases.jsonl").read_text().splitlines()]
    by_suite: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        by_suite.setdefault(line["suite"], []).append(line)
    assert {k: len(v) for k, v in by_suite.items()} == {k: s["n_cases"] for k, s in results["suites"].items()}
    turn = next(c for c in by_suite["conversations"] if "pred" in c)
    assert set(turn["pred"]) >= set(turn["expect"]) and turn["reply"]["status"]
    assert all("rank" in c and "article_ids" in c for c in by_suite["retrieval"])


def test_report_embeds_plots(fast_run: tuple[dict[str, Any], Path]) -> None:
    page = (fast_run[1] / "report.html").read_text()
    assert page.count("data:image/png;base64,") >= 5
    for alt in ("confusion matrix", "reliability", "reading grade by register", "latency histogram"):
        assert f'alt="{alt}' in page, alt


def test_single_file_data_replaces_the_dataset(tmp_path: Path, store_dir: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    lines = [
        {"id": "t1", "turns": [{"customer": "Please put me through to a real person.",
                                "expect": {"handoff_requested": True, "escalate": True}}]},
        {"id": "t2", "turns": [{"customer": "Thanks, the app is great!", "expect": {"sentiment": "positive"}},
                               {"customer": "How do I freeze my card?", "expect": {"escalate": False}}]},
    ]  # fmt: skip
    cases.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    out = tmp_path / "run"
    result = _invoke(["conversations", "--data", str(cases), "--out", str(out), "--set", f"data_dir={store_dir}"])
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    ds = results["suites"]["conversations"]["datasets"][0]
    assert ds["files"] == [str(cases)] and ds["source"] == "override" and ds["turns"] == 3
    assert results["metrics"]["conversations.handoff_requested.n"] == 1
    refused = _invoke(["retrieval", "--data", str(cases), "--out", str(tmp_path / "no")])
    assert refused.exit_code == 2 and "read no conversations_jsonl" in " ".join(refused.output.split())


def test_compare_catches_a_worsened_setting(tmp_path: Path, store_dir: Path) -> None:
    from assistant.settings import Settings
    from assistant.training.splits import banking77_split

    dev = banking77_split(Settings().shared_data_dir).dev
    queries = tmp_path / "queries.csv"
    with queries.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "category"])
        writer.writerows(dev[::50])  # 40 dev queries across the categories
    base = [
        "retrieval",
        "--data",
        str(queries),
        "--set",
        "environment=test",
        "--set",
        f"data_dir={store_dir}",
    ]
    good, bad = tmp_path / "good", tmp_path / "bad"
    first = _invoke([*base, "--out", str(good)])
    assert first.exit_code == 0, first.output
    # an absurd confidence bar: every query is declared out of scope, so nothing gets answered
    second = _invoke([*base, "--out", str(bad), "--set", "min_retrieval_confidence=1.0"])
    assert second.exit_code == 0, second.output
    g = json.loads((good / "results.json").read_text())
    assert g["suites"]["retrieval"]["datasets"][0]["files"] == [str(queries)]
    assert g["metrics"]["retrieval.n"] == 40 and g["metrics"]["retrieval.answered_top1"] > 0.1
    same = _invoke(["--compare", str(good), str(good)])
    assert same.exit_code == 0, same.output
    worse = _invoke(["--compare", str(good), str(bad)])
    assert worse.exit_code == 1, worse.output
    assert "retrieval.answered_top1" in worse.output and "regression" in worse.output
