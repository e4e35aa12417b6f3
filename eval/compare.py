"""``--compare OLD NEW``: metric deltas between two runs, and whether NEW regressed a threshold.

A thresholded metric regresses when NEW fails a threshold that OLD passed, when it falls (in the
threshold's bad direction) by more than the suite's declared ``tolerance``, or when NEW lacks a metric OLD
had. Thresholds and tolerances are NEW's (OLD's where NEW does not declare the metric).

>>> old = {"metrics": {"s.a": 0.9}, "thresholds": {"s.a": {"min": 0.8, "max": None, "tolerance": 0.02,
...        "value": 0.9, "passed": True}}, "suites": {}}
>>> new = {"metrics": {"s.a": 0.85}, "thresholds": {"s.a": {"min": 0.8, "max": None, "tolerance": 0.02,
...        "value": 0.85, "passed": True}}, "suites": {}}
>>> [r.status for r in compare_results(old, new)]
['regressed']
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from eval.formats import EvalDataError

EPS = 1e-9


@dataclass(frozen=True)
class MetricDelta:
    metric: str
    old: float | None
    new: float | None
    threshold: str  # e.g. ">= 0.8" or ""
    status: str  # regressed | improved | worse | same | new | missing | failing | fixed
    reason: str = ""

    @property
    def delta(self) -> float | None:
        if self.old is None or self.new is None:
            return None
        return self.new - self.old


def load_results(path: Path) -> dict[str, Any]:
    """``results.json`` of a run, given the run folder or the file itself."""
    path = Path(path)
    file = path / "results.json" if path.is_dir() else path
    if not file.is_file():
        raise EvalDataError(f"{path}: no results.json there")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise EvalDataError(f"{file}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    if not isinstance(data, dict) or "metrics" not in data:
        raise EvalDataError(f"{file}: not an eval results file (no 'metrics')")
    return data


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _passes(th: dict[str, Any], value: float | None) -> bool:
    if value is None:
        return False
    if th.get("min") is not None:
        return value >= float(th["min"])
    return value <= float(th["max"])


def compare_results(old: dict[str, Any], new: dict[str, Any]) -> list[MetricDelta]:
    """One row per metric in either run; thresholded metrics first."""
    thresholds: dict[str, dict[str, Any]] = {**old.get("thresholds", {}), **new.get("thresholds", {})}
    rows: list[MetricDelta] = []
    for key in sorted(thresholds):
        th = thresholds[key]
        o, n = _num(old["metrics"].get(key)), _num(new["metrics"].get(key))
        bound = f">= {th['min']:g}" if th.get("min") is not None else f"<= {th['max']:g}"
        higher_better = th.get("min") is not None
        if key not in old["metrics"] and key not in new["metrics"]:
            continue
        if key not in new["metrics"] or (n is None and o is not None):
            rows.append(MetricDelta(key, o, n, bound, "regressed", "missing in NEW"))
            continue
        if key not in old["metrics"]:
            rows.append(MetricDelta(key, o, n, bound, "new" if _passes(th, n) else "failing"))
            continue
        old_ok, new_ok = _passes(th, o), _passes(th, n)
        drop = None if o is None or n is None else (o - n if higher_better else n - o)
        tol = th.get("tolerance")
        if old_ok and not new_ok:
            rows.append(MetricDelta(key, o, n, bound, "regressed", f"fails {bound} (passed before)"))
        elif tol is not None and drop is not None and drop > float(tol) + EPS:
            rows.append(MetricDelta(key, o, n, bound, "regressed", f"fell by {drop:.4g} > tolerance {tol:g}"))
        elif not old_ok and new_ok:
            rows.append(MetricDelta(key, o, n, bound, "fixed"))
        elif not new_ok:
            rows.append(MetricDelta(key, o, n, bound, "failing", "failed in both runs"))
        elif drop is not None and drop > EPS:
            rows.append(MetricDelta(key, o, n, bound, "worse", "within tolerance"))
        elif drop is not None and drop < -EPS:
            rows.append(MetricDelta(key, o, n, bound, "improved"))
        else:
            rows.append(MetricDelta(key, o, n, bound, "same"))
    for key in sorted(set(old["metrics"]) | set(new["metrics"])):
        if key in thresholds:
            continue
        o, n = _num(old["metrics"].get(key)), _num(new["metrics"].get(key))
        if key not in new["metrics"]:
            status = "missing"
        elif key not in old["metrics"]:
            status = "new"
        elif o is None or n is None or abs(n - o) <= EPS:
            status = "same"
        else:
            status = "changed"
        rows.append(MetricDelta(key, o, n, "", status))
    return rows


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4g}" if abs(value) >= 10 else f"{value:.3f}"


STYLES = {"regressed": "bold red", "failing": "red", "worse": "yellow", "improved": "green", "fixed": "green"}


def print_comparison(
    rows: list[MetricDelta],
    old: dict[str, Any],
    new: dict[str, Any],
    console: Console,
    show_all: bool = False,
) -> None:
    for name in sorted(set(old.get("suites", {})) & set(new.get("suites", {}))):
        vo, vn = old["suites"][name].get("version"), new["suites"][name].get("version")
        if vo != vn:
            console.print(f"[yellow]suite {name}: version {vo} -> {vn}; deltas may not be like for like[/yellow]")
    if bool(old.get("fast")) != bool(new.get("fast")):
        console.print("[yellow]one run is --fast and the other is not; deltas may not be like for like[/yellow]")
    table = Table(title="eval compare: OLD -> NEW")
    for col in ("metric", "old", "new", "delta", "threshold", "status"):
        table.add_column(col, justify="right" if col in ("old", "new", "delta") else "left")
    for row in rows:
        if not show_all and not row.threshold and row.status == "same":
            continue
        delta = row.delta
        style = STYLES.get(row.status, "")
        status = f"[{style}]{row.status}[/{style}]" if style else row.status
        if row.reason:
            status += f" ({row.reason})"
        table.add_row(
            row.metric,
            _fmt(row.old),
            _fmt(row.new),
            "" if delta is None else f"{delta:+.4g}",
            row.threshold,
            status,
        )
    console.print(table)


def compare_paths(old: Path, new: Path, console: Console | None = None, show_all: bool = False) -> int:
    """Print the comparison; return 1 if any thresholded metric regressed, else 0."""
    console = console or Console()
    old_data, new_data = load_results(old), load_results(new)
    rows = compare_results(old_data, new_data)
    print_comparison(rows, old_data, new_data, console, show_all=show_all)
    regressed = [r for r in rows if r.status == "regressed"]
    if regressed:
        console.print(
            f"[bold red]{len(regressed)} threshold regression(s):[/bold red] " + ", ".join(r.metric for r in regressed)
        )
        return 1
    console.print("[green]no threshold regressed[/green]")
    return 0
