"""Result assembly and output of an evaluation run: threshold checks, the ``results.json`` payload,
``cases.jsonl`` and ``report.html``, and the console summary."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from eval.runner import EvalContext, SuiteResult

RESULTS_SCHEMA = 1


def check_thresholds(results: Sequence[SuiteResult]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for res in results:
        for key, th in res.config.thresholds.items():
            value = res.metrics.get(key)
            out[key] = {
                "suite": res.name,
                "min": th.min,
                "max": th.max,
                "tolerance": th.tolerance,
                "value": value,
                "passed": th.passes(value) if res.status == "ok" else False,
                "status": res.status,
            }
    return out


def build_results(
    results: Sequence[SuiteResult],
    prov: dict[str, Any],
    ctx: EvalContext,
    started: dt.datetime,
    wall_s: float,
    data_root: Path,
    data_file: Path | None,
    fast: bool,
) -> dict[str, Any]:
    metrics: dict[str, float | int | None] = {}
    for res in results:
        metrics.update(res.metrics)
    thresholds = check_thresholds(results)
    prov = {**prov, "model_versions": dict(ctx.seen_versions)}
    return {
        "schema": RESULTS_SCHEMA,
        "created": started.isoformat(timespec="seconds"),
        "wall_s": wall_s,
        "fast": fast,
        "data": {"root": str(data_root), "file": str(data_file) if data_file else None},
        "provenance": prov,
        "suites": {
            res.name: {
                "version": res.config.version,
                "status": res.status,
                "message": res.message,
                "config": res.config.model_dump(mode="json"),
                "datasets": res.datasets,
                "n_cases": len(res.cases),
                "wall_s": res.wall_s,
                "details": res.details,
            }
            for res in results
        },
        "metrics": metrics,
        "thresholds": thresholds,
        "passed": all(t["passed"] for t in thresholds.values()) and all(r.status == "ok" for r in results),
        "cases_file": "cases.jsonl",
    }


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def write_outputs(payload: dict[str, Any], results: Sequence[SuiteResult], out_dir: Path, report: bool) -> None:
    """``results.json``, ``cases.jsonl`` (one line per case, tagged with its suite) and ``report.html``."""
    (out_dir / "results.json").write_text(json.dumps(payload, indent=2, default=_json_default), encoding="utf-8")
    with (out_dir / "cases.jsonl").open("w", encoding="utf-8") as fh:
        for res in results:
            for case in res.cases:
                fh.write(json.dumps({"suite": res.name, **case}, default=_json_default, ensure_ascii=False) + "\n")
    if report:
        from eval.report import render_report

        (out_dir / "report.html").write_text(render_report(payload), encoding="utf-8")


def fmt_value(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) >= 10 else f"{value:.3f}"
    return str(value)


def print_summary(payload: dict[str, Any], console: Console) -> None:
    table = Table(title=f"eval summary ({payload['wall_s']:.0f} s{', fast' if payload['fast'] else ''})")
    for col in ("metric", "value", "threshold", "result"):
        table.add_column(col)
    for key, th in payload["thresholds"].items():
        bound = f">= {th['min']:g}" if th["min"] is not None else f"<= {th['max']:g}"
        verdict = "[green]pass[/green]" if th["passed"] else "[red]FAIL[/red]"
        table.add_row(key, fmt_value(th["value"]), bound, verdict)
    for name, suite in payload["suites"].items():
        if suite["status"] != "ok":
            table.add_row(name, suite["status"], "", f"[red]{suite['message'][:80]}[/red]")
    console.print(table)
    console.print(f"results: {payload.get('out_dir', '')}")
