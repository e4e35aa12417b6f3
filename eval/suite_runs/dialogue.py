"""The conversations and escalation suites: whole conversations through ``Pipeline.handle`` (one run shared by
both), scored per turn against each turn's expectations and, for escalation, per conversation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.errors import AssistantError
from assistant.serialize import to_jsonable
from assistant.types import DISTRESS_LEVELS, LITERACY_LEVELS, SENTIMENTS, VULNERABILITY_DRIVERS
from eval import metrics as M
from eval.config import SuiteConfig
from eval.formats import EXPECT_KEYS, ConversationCase
from eval.runner import Dataset, EvalContext, SuiteResult
from eval.suite_runs.answers import OfferDetector
from eval.suite_runs.common import compact_reply, predictions, rounded


def run_conversation_file(ctx: EvalContext, cases: Sequence[ConversationCase], literacy_field: str) -> list[dict]:
    """Every turn of every case through ``ConversationService.handle`` (fresh conversation per case, in memory);
    memoised."""
    key = (
        "conversations",
        tuple(c.id for c in cases),
        hash(tuple(c.model_dump_json() for c in cases)),
        literacy_field,
    )
    if key in ctx.shared:
        ctx.shared[("reused", key)] = True
        return list(ctx.shared[key])
    ctx.warm_pipeline()
    conversations = ctx.conversations()
    offers = OfferDetector.from_prompts(ctx.settings.prompts_dir)
    turns: list[dict[str, Any]] = []
    for case in ctx.track(cases, "conversations through the pipeline"):
        cid = conversations.start(channel=case.channel, locale=case.locale).conversation.id
        for index, turn in enumerate(case.turns):
            record: dict[str, Any] = {
                "role": "conversations",
                "id": f"{case.id}#{index}",
                "conversation": case.id,
                "turn": index,
                "customer": turn.customer,
                "expect": to_jsonable(turn.expect.present()),
            }
            try:
                reply = conversations.handle(cid, turn.customer, channel=case.channel).reply
            except AssistantError as exc:
                record.update(error=f"{type(exc).__name__}: {exc}", pred={k: None for k in EXPECT_KEYS})
            else:
                assert reply is not None  # the pipeline ran (only a retried client_message_id has no Reply)
                if reply.signals is not None:
                    ctx.note_version("signals", reply.signals.model_version)
                if reply.style is not None:
                    ctx.note_version("style_policy", reply.style.policy_version)
                pred = predictions(reply, literacy_field)
                shown = offers.find(reply.text)
                pred["offer_shown"] = bool(shown)
                record.update(pred=pred, reply=compact_reply(reply), offers_shown=shown)
            turns.append(record)
    ctx.shared[key] = turns
    return list(turns)


def _conversation_items(ctx: EvalContext, cfg: SuiteConfig, ds: Dataset, res: SuiteResult) -> list[ConversationCase]:
    items: list[ConversationCase] = ctx.slice(ds.items, cfg.cap(ctx.fast))
    info = ds.info(len(items))
    info["turns"] = sum(len(c.turns) for c in items)
    res.datasets.append(info)
    return items


def conversation_metrics(turns: Sequence[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``conversations.*`` metrics and confusion details from per-turn records (``expect`` and ``pred``)."""
    label_sets: dict[str, Sequence[str]] = {
        "sentiment": SENTIMENTS,
        "distress": DISTRESS_LEVELS,
        "literacy": LITERACY_LEVELS,
    }
    metrics: dict[str, Any] = {}
    details: dict[str, Any] = {"confusion": {}}
    for key in EXPECT_KEYS:
        scored = [t for t in turns if key in t["expect"]]
        if not scored:
            continue
        gold = [t["expect"][key] for t in scored]
        pred = [t["pred"][key] for t in scored]
        metrics[f"conversations.{key}.n"] = len(scored)
        if key == "vulnerability":
            rep = M.multilabel_report(gold, [p or [] for p in pred], VULNERABILITY_DRIVERS)
            metrics["conversations.vulnerability.f1"] = rounded(rep["micro_f1"])
            metrics["conversations.vulnerability.macro_f1"] = rounded(rep["macro_f1"])
            metrics["conversations.vulnerability.exact_match"] = rounded(rep["exact_match"])
            details["vulnerability"] = rep
            continue
        metrics[f"conversations.{key}.accuracy"] = rounded(M.mean([g == p for g, p in zip(gold, pred, strict=True)]))
        if key in label_sets:
            rep = M.classification_report([str(g) for g in gold], [str(p) for p in pred], label_sets[key])
            metrics[f"conversations.{key}.macro_f1"] = rounded(rep["macro_f1"])
            details["confusion"][f"{key} (conversations)"] = rep
        elif isinstance(gold[0], bool):
            rep = M.binary_report([bool(g) for g in gold], [bool(p) for p in pred])
            for k in ("precision", "recall", "f1"):
                metrics[f"conversations.{key}.{k}"] = rounded(rep[k])
            details["confusion"][f"{key} (conversations)"] = {
                "labels": ["false", "true"],
                "confusion": rep["confusion"],
                "n": rep["n"],
            }
    smoothed = [t for t in turns if "literacy" in t["expect"] and "literacy_conversation" in t["pred"]]
    if smoothed:
        metrics["conversations.literacy.conversation_accuracy"] = rounded(
            M.mean([t["expect"]["literacy"] == t["pred"]["literacy_conversation"] for t in smoothed])
        )
    metrics["conversations.errors"] = sum(1 for t in turns if "error" in t)
    metrics["conversations.turns"] = len(turns)
    metrics["conversations.n"] = len({t["conversation"] for t in turns})
    return metrics, details


def run_conversations(ctx: EvalContext, cfg: SuiteConfig, datasets: dict[str, Dataset], res: SuiteResult) -> None:
    cases = _conversation_items(ctx, cfg, datasets["conversations"], res)
    turns = run_conversation_file(ctx, cases, str(cfg.options.get("literacy_field", "literacy_message")))
    if any(k[0] == "reused" for k in ctx.shared if isinstance(k, tuple)):
        res.details["note"] = "the pipeline run of these conversations is shared with an earlier suite"
    res.cases.extend(turns)
    metrics, details = conversation_metrics(turns)
    res.metrics.update(metrics)
    res.details.update(details)


# ---------------------------------------------------------------------------------------------- escalation


def escalation_metrics(turns: Sequence[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``escalation.*`` metrics from per-turn records: turn-level recall/precision over ``escalate``
    expectations, crisis recall, offers shown where none may be, and conversation-level timing."""
    metrics: dict[str, Any] = {}
    scored = [t for t in turns if "escalate" in t["expect"]]
    rep = M.binary_report([t["expect"]["escalate"] for t in scored], [bool(t["pred"]["escalate"]) for t in scored])
    for k in ("recall", "precision", "f1"):
        metrics[f"escalation.{k}"] = rounded(rep[k])
    crisis = [t for t in turns if t["expect"].get("distress") == "crisis"]
    metrics["escalation.crisis_recall"] = rounded(M.mean([bool(t["pred"]["escalate"]) for t in crisis]))
    metrics["escalation.crisis_flagged"] = rounded(
        M.mean([bool(t.get("reply") and ((t["reply"].get("escalation") or {}).get("crisis"))) for t in crisis])
    )
    no_offer = [t for t in turns if t["expect"].get("no_offer") is True]
    shown = [t for t in no_offer if t["pred"].get("offer_shown")]
    allowed = [t for t in no_offer if t["pred"]["no_offer"] is False]
    metrics["escalation.offers_when_no_offer"] = len(shown)  # an offer sentence reached the customer
    metrics["escalation.offers_when_no_offer_rate"] = rounded(M.ratio(len(shown), len(no_offer)))
    metrics["escalation.offers_allowed_when_no_offer"] = len(allowed)  # the style permitted offers
    # conversation level: should it reach a human, did it, and how many turns did that take
    by_conv: dict[str, list[dict[str, Any]]] = {}
    for t in turns:
        by_conv.setdefault(t["conversation"], []).append(t)
    conv_gold, conv_pred, delays, turns_to = [], [], [], []
    for conv_turns in by_conv.values():
        expected = [t["turn"] for t in conv_turns if t["expect"].get("escalate") is True]
        actual = [t["turn"] for t in conv_turns if t["pred"]["escalate"]]
        conv_gold.append(bool(expected))
        conv_pred.append(bool(actual))
        if expected and actual:
            delays.append(actual[0] - expected[0])
            turns_to.append(actual[0] + 1)
    crep = M.binary_report(conv_gold, conv_pred)
    metrics["escalation.conversation_recall"] = rounded(crep["recall"])
    metrics["escalation.conversation_precision"] = rounded(crep["precision"])
    metrics["escalation.turns_to_handoff"] = rounded(M.mean(turns_to), 2)
    metrics["escalation.handoff_delay"] = rounded(M.mean(delays), 2)
    metrics["escalation.late_handoffs"] = sum(1 for d in delays if d > 0)
    metrics["escalation.early_handoffs"] = sum(1 for d in delays if d < 0)
    metrics["escalation.n_turns"] = len(scored)
    metrics["escalation.crisis_turns"] = len(crisis)
    details = {
        "confusion": {
            "escalate (turns)": {"labels": ["false", "true"], "confusion": rep["confusion"], "n": rep["n"]},
            "escalate (conversations)": {
                "labels": ["false", "true"],
                "confusion": crep["confusion"],
                "n": crep["n"],
            },
        }
    }
    return metrics, details


def run_escalation(ctx: EvalContext, cfg: SuiteConfig, datasets: dict[str, Dataset], res: SuiteResult) -> None:
    cases = _conversation_items(ctx, cfg, datasets["conversations"], res)
    turns = run_conversation_file(ctx, cases, str(cfg.options.get("literacy_field", "literacy_message")))
    metrics, details = escalation_metrics(turns)
    res.metrics.update(metrics)
    res.details.update(details)
    for t in turns:
        if "escalate" in t["expect"] or "no_offer" in t["expect"] or t["expect"].get("distress") == "crisis":
            reply = t.get("reply") or {}
            res.cases.append(
                {
                    "role": "conversations",
                    "id": t["id"],
                    "conversation": t["conversation"],
                    "turn": t["turn"],
                    "expect": {k: t["expect"][k] for k in ("escalate", "no_offer", "distress") if k in t["expect"]},
                    "escalated": t["pred"]["escalate"],
                    "offers_allowed": not t["pred"]["no_offer"],
                    "offers_shown": t.get("offers_shown", []),
                    "status": reply.get("status"),
                    "reasons": (reply.get("escalation") or {}).get("reasons"),
                }
            )
