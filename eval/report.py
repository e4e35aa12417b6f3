"""``report.html``: one self-contained page (plots embedded as base64 PNG, no external assets or scripts).

Top: a one-screen summary table with pass/fail per threshold. Then per suite its datasets, metrics,
side-by-side baselines, confusion matrices, reliability diagrams, reading-grade distribution by register
and latency histograms. Bottom: provenance (commit, packages, settings without secrets, suite configs).

>>> html = render_report({"created": "now", "wall_s": 1.0, "fast": True, "metrics": {}, "thresholds": {},
...                       "suites": {}, "provenance": {}, "data": {}, "passed": True})
>>> html.startswith("<!DOCTYPE html>") and "Summary" in html
True
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1d2330;
max-width:1200px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin-top:32px;border-bottom:2px solid #dfe3ea;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px} .meta{color:#5b6475;font-size:13px}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{padding:3px 10px;border-bottom:1px solid #e6e9ef;
text-align:left} th{background:#f3f5f9} td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#0a7b34;font-weight:600} .fail{color:#b3261e;font-weight:700} .warn{color:#9a6700}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;font-size:13px;font-weight:600}
.badge.pass{background:#e3f5e9} .badge.fail{background:#fde7e5}
.grid{display:flex;flex-wrap:wrap;gap:12px} .grid img{border:1px solid #e6e9ef;border-radius:4px}
details{margin:8px 0} pre{background:#f6f8fa;padding:8px;font-size:12px;overflow:auto;max-height:400px}
.summary{columns:2;column-gap:24px} .summary table{break-inside:avoid}
"""


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _img(src: str, alt: str) -> str:
    return f'<img src="{src}" alt="{html.escape(alt)}">'


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool) or isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) >= 10 else f"{value:.3f}"
    return html.escape(str(value))


def confusion_png(title: str, labels: Sequence[str], matrix: Sequence[Sequence[int]]) -> str:
    cm = np.asarray(matrix, dtype=float)
    k = len(labels)
    size = max(2.8, 0.55 * k + 1.6)
    fig, ax = plt.subplots(figsize=(size, size * 0.85))
    rows = cm.sum(axis=1, keepdims=True)
    norm = np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    for i in range(k):
        for j in range(k):
            ax.text(
                j,
                i,
                f"{int(cm[i, j])}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if norm[i, j] > 0.6 else "black",
            )
    ax.set_xticks(range(k), labels, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(k), labels, fontsize=8)
    ax.set_xlabel("predicted", fontsize=9)
    ax.set_ylabel("gold", fontsize=9)
    ax.set_title(title, fontsize=9)
    return _png(fig)


def reliability_png(title: str, rel: dict[str, Any]) -> str:
    fig, ax = plt.subplots(figsize=(3.4, 3.2))
    bins = [b for b in rel.get("bins", []) if b.get("count")]
    ax.plot([0, 1], [0, 1], linestyle="--", color="#9aa3b2", linewidth=1)
    if bins:
        centers = [(b["lo"] + b["hi"]) / 2 for b in rel["bins"]]
        acc = [b["accuracy"] if b["count"] else 0 for b in rel["bins"]]
        ax.bar(centers, acc, width=0.09, color="#4c78a8", alpha=0.8, label="observed")
        ax.plot(
            [b["confidence"] for b in bins],
            [b["accuracy"] for b in bins],
            "o",
            color="#e45756",
            markersize=3,
            label="bin mean",
        )
    ece = rel.get("ece")
    ax.set_title(f"{title}\nECE {ece:.3f}" if ece is not None else title, fontsize=9)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("predicted probability", fontsize=8)
    ax.set_ylabel("observed frequency", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="upper left")
    return _png(fig)


def grades_png(grades: dict[str, list[float]], targets: dict[str, float]) -> str:
    registers = [r for r in ("plain", "standard", "technical") if grades.get(r)]
    fig, ax = plt.subplots(figsize=(6.0, 3.2))
    if registers:
        colours = {"plain": "#54a24b", "standard": "#4c78a8", "technical": "#b279a2"}
        hi = max(max(grades[r]) for r in registers)
        lo = min(min(grades[r]) for r in registers)
        edges = [float(x) for x in np.linspace(np.floor(lo), np.ceil(hi) + 1, 25)]
        for r in registers:
            ax.hist(grades[r], bins=edges, alpha=0.55, label=f"{r} (n={len(grades[r])})", color=colours.get(r))
            if r in targets:
                ax.axvline(targets[r], color=colours.get(r), linestyle="--", linewidth=1)
    ax.set_xlabel("Flesch-Kincaid grade of the checked answer (dashed: register target)", fontsize=8)
    ax.set_ylabel("answers", fontsize=8)
    ax.set_title("Reading grade by register", fontsize=9)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7)
    return _png(fig)


def latency_png(latency: dict[str, list[float]]) -> str:
    stages = [s for s in latency if s != "total" and latency[s]]
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.2))
    total = latency.get("total") or []
    if total:
        axes[0].hist(total, bins=30, color="#4c78a8")
        for q, style in ((50, "-"), (95, "--")):
            v = float(np.percentile(total, q))
            axes[0].axvline(v, color="#e45756", linestyle=style, linewidth=1, label=f"p{q} {v:.0f} ms")
        axes[0].legend(fontsize=7)
    axes[0].set_title("Turn latency (total, ms)", fontsize=9)
    axes[0].set_xlabel("ms", fontsize=8)
    if stages:
        p50 = [float(np.percentile(latency[s], 50)) for s in stages]
        p95 = [float(np.percentile(latency[s], 95)) for s in stages]
        y = np.arange(len(stages))
        axes[1].barh(y - 0.2, p50, height=0.4, label="p50", color="#4c78a8")
        axes[1].barh(y + 0.2, p95, height=0.4, label="p95", color="#f58518")
        axes[1].set_yticks(y, stages, fontsize=7)
        axes[1].invert_yaxis()
        axes[1].legend(fontsize=7)
    axes[1].set_title("Per stage (ms)", fontsize=9)
    for ax in axes:
        ax.tick_params(labelsize=7)
    return _png(fig)


def _summary(payload: dict[str, Any]) -> str:
    rows = []
    for key, th in payload.get("thresholds", {}).items():
        bound = f"&ge; {th['min']:g}" if th.get("min") is not None else f"&le; {th['max']:g}"
        cls, word = ("pass", "pass") if th.get("passed") else ("fail", "FAIL")
        rows.append(
            f"<tr><td>{html.escape(key)}</td><td class=num>{_fmt(th.get('value'))}</td><td>{bound}</td>"
            f"<td class={cls}>{word}</td></tr>"
        )
    for name, suite in payload.get("suites", {}).items():
        if suite.get("status") != "ok":
            rows.append(
                f"<tr><td>{html.escape(name)}</td><td colspan=2 class=warn>{html.escape(suite['status'])}: "
                f"{html.escape(suite.get('message', '')[:160])}</td><td class=fail>FAIL</td></tr>"
            )
    n_pass = sum(1 for t in payload.get("thresholds", {}).values() if t.get("passed"))
    n_all = len(payload.get("thresholds", {}))
    head = "<tr><th>metric</th><th>value</th><th>threshold</th><th>result</th></tr>"
    badge = "pass" if payload.get("passed") else "fail"
    return (
        f"<h2>Summary <span class='badge {badge}'>{n_pass}/{n_all} thresholds met</span></h2>"
        f"<div class=summary><table>{head}{''.join(rows)}</table></div>"
    )


def _metrics_table(name: str, metrics: dict[str, Any]) -> str:
    items = [(k, v) for k, v in metrics.items() if k.startswith(f"{name}.")]
    if not items:
        return ""
    cells = "".join(f"<tr><td>{html.escape(k)}</td><td class=num>{_fmt(v)}</td></tr>" for k, v in items)
    return f"<details><summary>all {len(items)} metrics</summary><table>{cells}</table></details>"


def _datasets_table(datasets: list[dict[str, Any]]) -> str:
    if not datasets:
        return ""
    rows = []
    for d in datasets:
        files = "<br>".join(html.escape(f) for f in d.get("files", []))
        shas = "<br>".join(html.escape(s[:12]) for s in d.get("sha256", []))
        rows.append(
            f"<tr><td>{html.escape(d['role'])}</td><td>{html.escape(d['format'])}</td><td>{files}</td>"
            f"<td>{shas}</td><td>{html.escape(str(d.get('split') or ''))}</td>"
            f"<td class=num>{d.get('used')}/{d.get('available')}</td></tr>"
        )
    head = "".join(f"<th>{c}</th>" for c in ("role", "format", "files", "sha256", "split", "used/available"))
    head = f"<tr>{head}</tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _side_by_side(sbs: dict[str, Any]) -> str:
    if not sbs:
        return ""
    flat: dict[str, dict[str, Any]] = {}
    for name, row in sbs.items():
        if isinstance(row, dict) and all(isinstance(v, dict) for v in row.values()):
            for sub, vals in row.items():
                flat[f"{name}: {sub}"] = vals
        else:
            flat[name] = row
    cols = list(dict.fromkeys(k for row in flat.values() for k in row))  # first-seen order
    head = "<tr><th>system</th>" + "".join(f"<th>{html.escape(c)}</th>" for c in cols) + "</tr>"
    body = "".join(
        f"<tr><td>{html.escape(n)}</td>" + "".join(f"<td class=num>{_fmt(r.get(c))}</td>" for c in cols) + "</tr>"
        for n, r in flat.items()
    )
    return f"<h3>Side by side</h3><table>{head}{body}</table>"


def _suite_section(name: str, suite: dict[str, Any], metrics: dict[str, Any]) -> str:
    parts = [
        f"<h2>{html.escape(name)} <span class=meta>v{suite.get('version')} &middot; {suite.get('n_cases')} "
        f"cases &middot; {suite.get('wall_s')} s</span></h2>"
    ]
    cfg = suite.get("config", {})
    if cfg.get("description"):
        parts.append(f"<p class=meta>{html.escape(cfg['description'])}</p>")
    if suite.get("details", {}).get("note"):
        parts.append(f"<p class=meta>{html.escape(str(suite['details']['note']))}</p>")
    if suite.get("status") != "ok":
        parts.append(
            f"<p class=fail>{html.escape(suite.get('status', ''))}: {html.escape(suite.get('message', ''))}</p>"
        )
    parts.append(_datasets_table(suite.get("datasets", [])))
    details = suite.get("details", {})
    parts.append(_side_by_side(details.get("side_by_side", {})))
    for key in ("baselines_error", "vader_error"):
        if key in details:
            parts.append(f"<p class=warn>{html.escape(str(details[key]))}</p>")
    imgs = []
    for title, rep in details.get("confusion", {}).items():
        if rep.get("confusion"):
            imgs.append(_img(confusion_png(title, rep["labels"], rep["confusion"]), f"confusion matrix {title}"))
    if imgs:
        parts.append("<h3>Confusion matrices</h3><div class=grid>" + "".join(imgs) + "</div>")
    per_label = [(t, r) for t, r in details.get("confusion", {}).items() if r.get("per_label")]
    for title, rep in per_label:
        rows = "".join(
            f"<tr><td>{html.escape(lbl)}</td><td class=num>{_fmt(v['precision'])}</td><td class=num>"
            f"{_fmt(v['recall'])}</td><td class=num>{_fmt(v['f1'])}</td>"
            f"<td class=num>{v['support']}</td></tr>"
            for lbl, v in rep["per_label"].items()
        )
        parts.append(
            f"<details><summary>per-label precision/recall/F1: {html.escape(title)} (macro-F1 "
            f"{_fmt(rep.get('macro_f1'))})</summary><table><tr><th>label</th><th>precision</th>"
            f"<th>recall</th><th>F1</th><th>support</th></tr>{rows}</table></details>"
        )
    rels = details.get("reliability", {})
    if rels:
        parts.append(
            "<h3>Reliability diagrams</h3><div class=grid>"
            + "".join(_img(reliability_png(t, r), f"reliability {t}") for t, r in rels.items())
            + "</div>"
        )
    if details.get("grades_by_register"):
        src = grades_png(details["grades_by_register"], details.get("target_grades", {}))
        parts.append("<h3>Reading grade by register</h3>" + _img(src, "reading grade by register"))
    if details.get("latency_ms"):
        parts.append("<h3>Latency</h3>" + _img(latency_png(details["latency_ms"]), "latency histogram"))
    parts.append(_metrics_table(name, metrics))
    return "".join(parts)


def _data_label(data: dict[str, Any]) -> str:
    label = str(data.get("root", ""))
    return f"{label} + file {data['file']}" if data.get("file") else label


def render_report(payload: dict[str, Any]) -> str:
    """The whole report as one HTML string."""
    prov = payload.get("provenance", {})
    commit = prov.get("git_commit") or "no commit"
    dirty = " (uncommitted changes)" if prov.get("git_dirty") else ""
    status = "all thresholds met" if payload.get("passed") else "some thresholds not met"
    data = html.escape(_data_label(payload.get("data") or {}))
    head = (
        "<h1>Attune offline evaluation</h1>"
        f"<div class=meta>{html.escape(str(payload.get('created')))} &middot; "
        f"wall {payload.get('wall_s')} s{' &middot; --fast' if payload.get('fast') else ''} &middot; commit "
        f"{html.escape(str(commit)[:12])}{dirty} &middot; data {data} "
        f"&middot; <b>{status}</b></div>"
    )
    sections = [
        _suite_section(name, suite, payload.get("metrics", {})) for name, suite in payload.get("suites", {}).items()
    ]
    prov_json = html.escape(json.dumps(prov, indent=2, default=str))
    configs = html.escape(json.dumps({n: s.get("config") for n, s in payload.get("suites", {}).items()}, indent=2))
    tail = (
        f"<h2>Provenance</h2><details><summary>code, packages, settings (no secrets), models</summary>"
        f"<pre>{prov_json}</pre></details><details><summary>suite configs</summary><pre>{configs}</pre>"
        f"</details>"
    )
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>Attune eval {html.escape(str(payload.get('created')))}"
        f"</title><style>{CSS}</style></head><body>{head}{_summary(payload)}{''.join(sections)}{tail}</body></html>"
    )
