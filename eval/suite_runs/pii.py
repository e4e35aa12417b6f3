"""The PII suite: each message of a PII set through the redact stage; recall per entity type (caught = no letter
or digit of the value survives, see :mod:`eval.pii_data`) and false redactions on PII-free messages. Cases carry
ids, types and outcomes, never texts or values."""

from __future__ import annotations

from collections import Counter
from typing import Any

from assistant.errors import AssistantError
from assistant.stages.redact import PiiRedactor
from assistant.types import Message
from eval.config import SuiteConfig
from eval.pii_data import PII_TYPES, PiiRow, caught, changed_chars, normalise
from eval.runner import Dataset, EvalContext, SuiteResult
from eval.suite_runs.common import rounded


def run_pii(ctx: EvalContext, cfg: SuiteConfig, datasets: dict[str, Dataset], res: SuiteResult) -> None:
    ds = datasets["messages"]
    rows: list[PiiRow] = ctx.slice(ds.items, cfg.cap(ctx.fast), key=lambda r: r.entities[0][0] if r.entities else "")
    res.datasets.append(ds.info(len(rows)))
    redactor = PiiRedactor(ctx.settings)
    redactor.warm_up()
    for row in ctx.track(rows, "pii: messages through the redact stage"):
        case: dict[str, Any] = {"role": "messages", "id": row.id, "voice": row.voice, "pii_free": not row.entities}
        original = normalise(row.text)
        try:
            redacted = redactor.run(message=Message(conversation_id=row.id, text=row.text))
        except AssistantError as exc:
            case.update(error=f"{type(exc).__name__}: {exc}", entities=[], changed_chars=None)
            res.cases.append(case)
            continue
        case["entities"] = [{"type": t, "caught": caught(v, original, redacted.text)} for t, v in row.entities]
        case["found"] = list(redacted.entities)
        case["changed_chars"] = changed_chars(original, redacted.text)
        res.cases.append(case)
    res.metrics.update(pii_metrics(res.cases))


def pii_metrics(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """``pii.*`` from per-case records: recall overall and per type, false redactions on PII-free messages."""
    totals: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for case in cases:
        for e in case.get("entities", []):
            totals[e["type"]] += 1
            hits[e["type"]] += bool(e["caught"])
    metrics: dict[str, Any] = {
        "pii.recall": rounded(sum(hits.values()) / sum(totals.values())) if totals else None,
        "pii.entities": sum(totals.values()),
        "pii.n": len(cases),
        "pii.errors": sum(1 for c in cases if "error" in c),
    }
    for t in PII_TYPES:
        if totals[t]:
            metrics[f"pii.recall.{t.lower()}"] = rounded(hits[t] / totals[t])
            metrics[f"pii.n.{t.lower()}"] = totals[t]
    free = [c for c in cases if c["pii_free"] and c.get("changed_chars") is not None]
    if free:
        metrics["pii.false_redaction_rate"] = rounded(sum(c["changed_chars"] > 0 for c in free) / len(free))
        metrics["pii.n.pii_free"] = len(free)
    return {k: v for k, v in metrics.items() if v is not None}
