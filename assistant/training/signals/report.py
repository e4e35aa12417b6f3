"""The signals dev report as a table and as the model card written beside the artefact.

Pure formatting: :func:`assistant.training.signals.evaluate.evaluate_signals` computes every figure; ``attune
train signals`` writes the card, ``python -m assistant.training.signals.evaluate`` prints the table.
"""

from __future__ import annotations

import json
from pathlib import Path
from string import Template


def format_report(report: dict[str, object]) -> str:
    """The dev report as a plain-text table (model vs VADER where VADER applies)."""
    r = report
    s = r["sentiment"]
    d = r["distress"]
    c = r["crisis"]
    h = r["handoff"]
    v = r["vulnerability"]
    lt = r["literacy"]
    assert isinstance(s, dict) and isinstance(d, dict) and isinstance(c, dict) and isinstance(h, dict)
    assert isinstance(v, dict) and isinstance(lt, dict)
    rows: list[tuple[str, str, str, str]] = [
        (
            "sentiment macro-F1",
            f"GoEmotions group dev (n={s['goemotions_dev_rows']})",
            f"{s['macro_f1']:.3f}",
            f"{s['vader_macro_f1']:.3f}",
        ),
        ("sentiment accuracy", "GoEmotions group dev", f"{s['accuracy']:.3f}", f"{s['vader_accuracy']:.3f}"),
        ("sentiment ECE", "GoEmotions group dev", f"{s['ece']:.3f}", "-"),
        (
            "sentiment macro-F1",
            f"finance wording dev (ours, n={s['finance_dev_rows']})",
            f"{s['finance_macro_f1']:.3f}",
            f"{s['finance_vader_macro_f1']:.3f}",
        ),
        (
            "distress recall",
            f"GoEmotions dev, any distress emotion (n={d['goemotions_dev_rows']})",
            f"{d['distressed_vs_none']['recall']:.3f}",
            f"{d['vader_negative_as_distressed']['recall']:.3f}",
        ),
        (
            "distress precision",
            "GoEmotions dev",
            f"{d['distressed_vs_none']['precision']:.3f}",
            f"{d['vader_negative_as_distressed']['precision']:.3f}",
        ),
        ("distress level macro-F1", "GoEmotions dev none/mild/high", f"{d['level_macro_f1']:.3f}", "-"),
        ("distress ECE", "GoEmotions dev", f"{d['ece']:.3f}", "-"),
        (
            "distress accuracy",
            f"banking distress dev (ours, n={d['own_dev_rows']})",
            f"{d['own_dev_accuracy']:.3f}",
            "-",
        ),
        (
            "crisis recall",
            f"crisis cases (ours, n={c['cases']}, {c['support']} crisis)",
            f"{c['recall']:.3f}",
            "-",
        ),
        ("crisis precision", "crisis cases incl. hard negatives", f"{c['precision']:.3f}", "-"),
        ("crisis kind accuracy", "crisis cases", f"{c['kind_accuracy']:.3f}", "-"),
        (
            "handoff recall",
            f"NLU++ folds {h['dev_folds']} ({h['support']} handoff)",
            f"{h['recall']:.3f}",
            "-",
        ),
        ("handoff precision", f"NLU++ folds {h['dev_folds']}", f"{h['precision']:.3f}", "-"),
        ("handoff ECE", f"NLU++ folds {h['dev_folds']}", f"{h['ece']:.3f}", "-"),
        (
            "handoff false-positive rate",
            "BANKING77 rows not trained on",
            f"{h['banking77_dev_false_positive_rate']:.3f}",
            "-",
        ),
        (
            "vulnerability micro-F1",
            f"banking vulnerability dev (ours, n={v['own_dev_rows']})",
            f"{v['micro']['f1']:.3f}",
            "-",
        ),
        ("vulnerability ECE", "banking vulnerability dev (per driver)", f"{v['ece']:.3f}", "-"),
        (
            "vulnerability any-driver rate",
            "BANKING77 rows not trained on",
            f"{v['banking77_dev_any_driver_rate']:.3f}",
            "-",
        ),
        (
            "literacy accuracy",
            f"our labelled dev (n={lt['dev_rows']})",
            f"{lt['accuracy']:.3f}",
            f"majority {lt['majority_baseline_accuracy']:.3f}",
        ),
        ("literacy macro-F1", "our labelled dev", f"{lt['macro_f1']:.3f}", "-"),
        ("literacy ECE", "our labelled dev", f"{lt['ece']:.3f}", "-"),
        (
            "literacy label kappa",
            f"2nd pass on {lt['labelling_agreement']['items']} items",
            f"{lt['labelling_agreement']['cohen_kappa']:.3f}",
            "-",
        ),
    ]
    sp = r.get("speed")
    if isinstance(sp, dict):
        rows.append(
            (
                "signals latency (median)",
                f"{sp['messages']} msgs, 2 threads, excl. encoder",
                f"{sp['signals_median_ms']:.2f} ms",
                "-",
            )
        )
        rows.append(
            (
                "encoder latency (median)",
                "one MiniLM pass per message",
                f"{sp['encoder_median_ms']:.2f} ms",
                "-",
            )
        )
    widths = [max(len(row[i]) for row in rows + [("metric", "data", "attune", "VADER / baseline")]) for i in range(4)]
    head = ("metric", "data", "attune", "VADER / baseline")
    lines = [
        " | ".join(x.ljust(w) for x, w in zip(head, widths, strict=True)),
        "-+-".join("-" * w for w in widths),
    ]
    lines += [" | ".join(x.ljust(w) for x, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def write_model_card(report: dict[str, object], path: Path) -> None:
    """Write ``signals_heads.md``: data, seed, command and the dev metrics of this artifact."""
    from assistant.training.signals.datasets import N_B77_NEGATIVES

    train = report.get("train", {})
    assert isinstance(train, dict)
    template = Template((Path(__file__).parent / "model_card_template.md").read_text(encoding="utf-8"))
    text = template.safe_substitute(
        version=report.get("model_version"),
        seed=train.get("seed"),
        seconds=train.get("seconds"),
        kb=train.get("artifact_kb"),
        n_b77=N_B77_NEGATIVES,
        table=format_report(report),
        json=json.dumps({k: v for k, v in report.items() if k != "train"}, indent=1, default=str),
    )
    path.write_text(text, encoding="utf-8")
