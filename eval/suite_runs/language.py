"""The language suite: each message of a language set through ``Pipeline.handle`` (one fresh conversation each);
whether the classify stage read it as another language, and whether the reply brought in a person for that reason.
Cases carry ids, labels and outcomes, never texts (the blind set is read with ``--data``)."""

from __future__ import annotations

from typing import Any

from assistant.errors import AssistantError
from assistant.types import Message
from eval.config import SuiteConfig
from eval.language_data import LanguageRow
from eval.runner import Dataset, EvalContext, SuiteResult
from eval.suite_runs.common import rounded


def run_language(ctx: EvalContext, cfg: SuiteConfig, datasets: dict[str, Dataset], res: SuiteResult) -> None:
    ds = datasets["messages"]
    rows: list[LanguageRow] = ctx.slice(ds.items, cfg.cap(ctx.fast), key=lambda r: r.label)
    res.datasets.append(ds.info(len(rows)))
    ctx.warm_pipeline()
    pipeline = ctx.pipeline()
    for row in ctx.track(rows, "language: messages through the pipeline"):
        case: dict[str, Any] = {
            "role": "messages",
            "id": row.id,
            "label": row.label,
            "language": row.language,
            "content": row.content,
        }
        try:
            reply = pipeline.handle(Message(conversation_id=row.id, text=row.text)).reply
        except AssistantError as exc:
            case.update(error=f"{type(exc).__name__}: {exc}", read_as=None, codes=[])
        else:
            case["read_as"] = reply.signals.language if reply.signals is not None else None
            case["status"] = reply.status
            case["codes"] = list(reply.escalation.codes) if reply.escalation is not None else []
        res.cases.append(case)
    res.metrics.update(language_metrics(res.cases))


def language_metrics(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """``language.*`` from per-case records: other languages seen (overall and on crisis messages), English read as
    another language, and other-language messages handed to a person."""
    scored = [c for c in cases if c.get("read_as") is not None]
    other = [c for c in scored if c["label"] == "other"]
    english = [c for c in scored if c["label"] == "english"]
    crisis = [c for c in other if c["content"] == "crisis"]

    def share(rows: list[dict[str, Any]], test: Any) -> float | None:
        return rounded(sum(1 for c in rows if test(c)) / len(rows)) if rows else None

    metrics: dict[str, Any] = {
        "language.recall": share(other, lambda c: c["read_as"] != "en"),
        "language.crisis_recall": share(crisis, lambda c: c["read_as"] != "en"),
        "language.false_rate": share(english, lambda c: c["read_as"] != "en"),
        "language.other_to_person": share(other, lambda c: c.get("status") == "escalated"),
        "language.english_sent_away": share(english, lambda c: "other_language" in c.get("codes", [])),
        "language.n.other": len(other),
        "language.n.english": len(english),
        "language.errors": sum(1 for c in cases if "error" in c),
    }
    return {k: v for k, v in metrics.items() if v is not None}
