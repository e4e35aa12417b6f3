"""``report.html`` from synthetic results: self-contained, every plot kind embedded, summary first."""

from __future__ import annotations

import re

from eval.metrics import classification_report, reliability
from eval.report import render_report


def test_report_embeds_every_plot_and_no_external_asset() -> None:
    conf = classification_report(["a", "b", "b", "a"], ["a", "b", "a", "a"], ["a", "b"])
    rel = reliability([0.9, 0.8, 0.3, 0.6], [True, True, False, True])
    payload = {
        "created": "2026-11-29T12:00:00+00:00",
        "wall_s": 12.5,
        "fast": True,
        "passed": False,
        "data": {"root": "/data"},
        "provenance": {"git_commit": "abc123", "packages": {"numpy": "2"}},
        "metrics": {"signals.sentiment.macro_f1": 0.7, "answers.plain.grade_p95": 8.1},
        "thresholds": {
            "signals.sentiment.macro_f1": {"min": 0.6, "max": None, "value": 0.7, "passed": True},
            "answers.plain.grade_p95": {"min": None, "max": 7.0, "value": 8.1, "passed": False},
        },
        "suites": {
            "signals": {
                "version": 1,
                "status": "ok",
                "n_cases": 4,
                "wall_s": 1.0,
                "config": {"description": "d"},
                "datasets": [
                    {
                        "role": "emotions",
                        "format": "goemotions_tsv",
                        "files": ["x.tsv"],
                        "sha256": ["f" * 64],
                        "split": None,
                        "used": 4,
                        "available": 9,
                    }
                ],
                "details": {
                    "confusion": {"sentiment": conf},
                    "reliability": {"sentiment": rel},
                    "side_by_side": {"sentiment": {"ours": {"macro_f1": 0.7}, "vader": {"macro_f1": 0.5}}},
                },
            },
            "answers": {
                "version": 1,
                "status": "ok",
                "n_cases": 3,
                "wall_s": 1.0,
                "config": {},
                "datasets": [],
                "details": {
                    "grades_by_register": {"plain": [5.0, 6.5, 8.1], "technical": [12.0, 13.5]},
                    "target_grades": {"plain": 6, "technical": 12},
                },
            },
            "speed": {
                "version": 1,
                "status": "ok",
                "n_cases": 3,
                "wall_s": 1.0,
                "config": {},
                "datasets": [],
                "details": {"latency_ms": {"total": [100.0, 120.0, 300.0], "encode": [10.0, 12.0, 11.0]}},
            },
            "retrieval": {
                "version": 1,
                "status": "error",
                "message": "ImportError: boom",
                "n_cases": 0,
                "wall_s": 0.1,
                "config": {},
                "datasets": [],
                "details": {},
            },
        },
    }
    page = render_report(payload)
    assert page.startswith("<!DOCTYPE html>")
    assert page.index("Summary") < page.index("<h2>signals")
    images = re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]+)"', page)
    assert any(a.startswith("confusion matrix") for a in images)
    assert any(a.startswith("reliability") for a in images)
    assert "reading grade by register" in images and "latency histogram" in images
    assert not re.search(r'(src|href)="https?://', page)
    assert "FAIL" in page and "ImportError: boom" in page and "vader" in page
