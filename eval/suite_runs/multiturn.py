"""The ``dialogue`` suite: follow-ups, clarifying questions and topic switches over whole conversations, and the
clarifying-question rule on the BANKING77 dev split.

Every conversation runs turn by turn through ``Pipeline.handle`` with the dialogue state carried from turn to
turn (as the conversation service does). A turn's topic is the article its answer cites, or the active topic
after a close. When the reply is a clarifying question, a simulated customer picks the right choice when it is
offered and says "none of these" when not; the turn is then scored on the answer that follows. Blind rows are
reported only as aggregate figures (cases carry ids, kinds and topics, never texts).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.dialogue.clarify import clarify_outcome
from assistant.dialogue.state import DialogueState
from assistant.pipeline import DialogueContext, Pipeline, TurnOutcome
from assistant.signals.crisis_view import WINDOW_TURNS
from assistant.types import Message, Signals
from eval import metrics as M
from eval.config import SuiteConfig
from eval.dialogue_data import DialogueCase, SgdDialogue
from eval.formats import LabelledText
from eval.runner import Dataset, EvalContext, SuiteResult
from eval.suite_runs.common import rounded

NONE_OF_THESE = "none of these"
PRIVATE_ROLES = frozenset({"blind"})


@dataclass
class _Chat:
    """One conversation's dialogue so far, carried as the conversation service carries it."""

    pipeline: Pipeline
    cid: str
    history: list[Signals] = field(default_factory=list)
    failed: int = 0
    state: DialogueState = field(default_factory=DialogueState)
    said: list[str] = field(default_factory=list)  # the customer's earlier messages, redacted

    def say(self, text: str, choice_id: str | None = None) -> TurnOutcome:
        context = DialogueContext(
            history=tuple(self.history),
            failed_turns=self.failed,
            state=self.state,
            choice_id=choice_id,
            recent_texts=tuple(self.said[-WINDOW_TURNS:]),
        )
        outcome = self.pipeline.handle(Message(self.cid, text), context)
        self.said.append(outcome.redacted.text)
        if outcome.reply.signals is not None:
            self.history.append(outcome.reply.signals)
        self.failed, self.state = outcome.failed_turns, outcome.dialogue
        return outcome


@dataclass(frozen=True)
class _Scored:
    topic: str | None  # the article the answer was about (None: out of scope, refused, nothing cited)
    status: str
    decision: str | None
    asked: bool
    choices_had_gold: bool | None


def _topic(outcome: TurnOutcome) -> str | None:
    reply = outcome.reply
    if reply.citations:
        return reply.citations[0].article_id
    if reply.status == "answered" and reply.dialogue in ("close", "more_detail") and outcome.dialogue.topic:
        return outcome.dialogue.topic.article_id
    return None


def _turn(chat: _Chat, text: str, right: Callable[[str], bool]) -> _Scored:
    """One customer turn; a clarifying question is answered by the simulated customer."""
    outcome = chat.say(text)
    first = outcome.reply
    if not first.choices:
        return _Scored(_topic(outcome), first.status, first.dialogue, False, None)
    pick = next((c for c in first.choices if right(c.article_id)), None)
    outcome = chat.say(pick.label if pick else NONE_OF_THESE, pick.id if pick else None)
    return _Scored(_topic(outcome), outcome.reply.status, first.dialogue, True, pick is not None)


def _dialogue_role(ctx: EvalContext, role: str, cases: Sequence[DialogueCase], res: SuiteResult) -> None:
    pipeline = ctx.pipeline()
    prefix = f"dialogue.{role}"
    rows: list[dict[str, Any]] = []
    for case in ctx.track(cases, f"dialogue: {role} conversations"):
        chat = _Chat(pipeline, f"{role}-{case.id}")
        for index, turn in enumerate(case.turns):
            gold = turn.topic
            active = chat.state.topic.article_id if chat.state.topic is not None else None
            scored = _turn(chat, turn.text, lambda aid, gold=gold: aid == gold)  # type: ignore[misc]
            row: dict[str, Any] = {
                "role": role,
                "id": f"{case.id}#{index}",
                "turn": index,
                "kind": turn.kind,
                "gold": gold,
                "active": active,
                "topic": scored.topic,
                "right": gold is not None and scored.topic == gold,
                "status": scored.status,
                "decision": scored.decision,
                "asked": scored.asked,
                "choices_had_gold": scored.choices_had_gold,
            }
            if role not in PRIVATE_ROLES:
                row["text"] = turn.text
            rows.append(row)
    res.cases.extend(rows)
    scored_rows = [r for r in rows if r["gold"] is not None]
    first = [r for r in scored_rows if r["turn"] == 0]
    later = [r for r in scored_rows if r["turn"] > 0]
    follow = [r for r in later if r["kind"] != "new_topic"]
    switch = [r for r in later if r["kind"] == "new_topic"]
    asked = [r for r in scored_rows if r["asked"]]
    res.metrics.update(
        {
            f"{prefix}.first_turn_accuracy": rounded(M.mean([r["right"] for r in first])),
            f"{prefix}.follow_up_accuracy": rounded(M.mean([r["right"] for r in follow])),
            f"{prefix}.new_topic_switch_accuracy": rounded(M.mean([r["right"] for r in switch])),
            f"{prefix}.follow_up_out_of_scope_rate": rounded(M.mean([r["status"] == "out_of_scope" for r in follow])),
            f"{prefix}.clarification_rate": rounded(M.mean([r["asked"] for r in scored_rows])),
            f"{prefix}.clarification_accuracy": rounded(M.mean([r["right"] for r in asked])),
            f"{prefix}.turn_accuracy": rounded(M.mean([r["right"] for r in scored_rows])),
            f"{prefix}.n_conversations": len(cases),
            f"{prefix}.n_follow_ups": len(follow),
        }
    )
    by_kind: dict[str, list[bool]] = {}
    for r in later:
        by_kind.setdefault(r["kind"], []).append(r["right"])
    res.details[f"{role}_by_kind"] = {k: {"n": len(v), "accuracy": rounded(M.mean(v))} for k, v in by_kind.items()}
    res.details[f"{role}_decisions"] = dict(Counter(str(r["decision"]) for r in rows))
    res.details[f"{role}_errors"] = dict(Counter(error_type(r) for r in later if r["gold"] and not r["right"]))


def error_type(row: dict[str, Any]) -> str:
    """Why a later turn went wrong: ``out_of_scope``; ``stayed_should_switch`` (a new topic answered from the
    active topic); ``switched_should_stay`` (a follow-up on the active topic answered elsewhere);
    ``topic_already_wrong`` (the active topic was not the turn's and the answer was not either: an earlier
    mistake carried on, or a follow-up about a neighbouring article); ``wrong_article`` (anything else)."""
    if row["status"] == "out_of_scope" or row["topic"] is None:
        return "out_of_scope"
    if row["kind"] == "new_topic" and row["topic"] == row["active"]:
        return "stayed_should_switch"
    if row["kind"] != "new_topic" and row["gold"] == row["active"]:
        return "switched_should_stay"
    if row["gold"] != row["active"] and row["topic"] == row["active"]:
        return "topic_already_wrong"
    return "wrong_article"


def _sgd_role(ctx: EvalContext, cfg: SuiteConfig, dialogues: Sequence[SgdDialogue], res: SuiteResult) -> None:
    """SGD Banks: is the first turn in scope and about an accepted article, and do the later turns of the same
    intent stay on the first turn's topic (in scope)?"""
    accepted: dict[str, list[str]] = dict(cfg.options.get("sgd_topics", {}))
    pipeline = ctx.pipeline()
    firsts: list[bool] = []
    follow_same: list[bool] = []
    follow_oos: list[bool] = []
    for d in ctx.track(dialogues, "dialogue: SGD Banks"):
        chat = _Chat(pipeline, f"sgd-{d.id}")
        ok = accepted.get(d.intent, [])
        first = _turn(chat, d.turns[0], lambda aid, ok=ok: aid in ok)  # type: ignore[misc]
        firsts.append(first.topic in ok)
        topics = [first.topic]
        for text in d.turns[1:]:
            scored = _turn(chat, text, lambda aid, ok=ok: aid in ok)  # type: ignore[misc]
            topics.append(scored.topic)
            follow_same.append(scored.topic is not None and scored.topic == first.topic)
            follow_oos.append(scored.status == "out_of_scope")
        res.cases.append({"role": "sgd", "id": d.id, "intent": d.intent, "turns": list(d.turns), "topics": topics})
    res.metrics.update(
        {
            "dialogue.sgd.first_turn_accuracy": rounded(M.mean(firsts)),
            "dialogue.sgd.follow_up_same_topic": rounded(M.mean(follow_same)),
            "dialogue.sgd.follow_up_out_of_scope_rate": rounded(M.mean(follow_oos)),
            "dialogue.sgd.n_conversations": len(dialogues),
            "dialogue.sgd.n_follow_ups": len(follow_same),
        }
    )


def _clarify_role(ctx: EvalContext, items: Sequence[LabelledText], res: SuiteResult) -> None:
    """The clarifying-question rule on BANKING77 dev queries (a customer who picks right or says none)."""
    from assistant.kb.loader import load_kb

    retriever = ctx.stage("retrieve")
    tracker = ctx.pipeline().dialogue
    tracker.warm_up()
    rule = tracker.clarify_rule
    intents_of = {a.id: set(a.meta.intents) for a in load_kb(ctx.settings.kb_dir).articles}
    asked_all: list[bool] = []
    right_all: list[bool] = []
    top1: list[bool] = []
    encoded = ctx.encode([x.text for x in items])
    for item, enc in ctx.track(list(zip(items, encoded, strict=True)), "dialogue: clarify on BANKING77 dev"):
        r = retriever.run(encoded=enc, top_k=rule.max_choices + 1)
        shares: dict[str, float] = {}
        for p in r.passages:
            shares.setdefault(p.article_id, p.score)
        ranked_right = [item.label in intents_of.get(a, set()) for a in r.article_ids]
        asked, right = clarify_outcome(rule, r.confidence, [shares[a] for a in r.article_ids], ranked_right)
        if not ctx.settings.dialogue_enabled:  # no dialogue stage: no clarifying question
            asked, right = False, bool(ranked_right and ranked_right[0])
        right = right and (asked or r.in_scope)  # not asked and below the retrieval bar: out of scope
        asked_all.append(asked)
        right_all.append(right)
        top1.append(bool(ranked_right and ranked_right[0]))
        res.cases.append(
            {"role": "clarify", "id": item.id, "gold": item.label, "asked": asked, "right": right, "top1": top1[-1]}
        )
    res.metrics.update(
        {
            "dialogue.clarify.ask_rate": rounded(M.mean(asked_all)),
            "dialogue.clarify.accuracy_after_one_question": rounded(M.mean(right_all)),
            "dialogue.clarify.top1": rounded(M.mean(top1)),
            "dialogue.clarify.accuracy_when_asked": rounded(
                M.mean([r for a, r in zip(asked_all, right_all, strict=True) if a])
            ),
            "dialogue.clarify.n": len(items),
        }
    )
    res.details["clarify_rule"] = {
        "max_confidence": rule.max_confidence,
        "min_ratio": rule.min_ratio,
        "choice_ratio": rule.choice_ratio,
        "max_choices": rule.max_choices,
        "min_confidence": rule.min_confidence,
    }


def run_dialogue(ctx: EvalContext, cfg: SuiteConfig, datasets: dict[str, Dataset], res: SuiteResult) -> None:
    ctx.warm_pipeline()
    res.details["dialogue_enabled"] = ctx.settings.dialogue_enabled
    cap = cfg.cap(ctx.fast)
    for role, ds in datasets.items():
        if ds.format == "dialogues_jsonl":
            cases = ctx.slice(ds.items, cap)
            res.datasets.append(ds.info(len(cases)))
            _dialogue_role(ctx, role, cases, res)
        elif ds.format == "sgd_json":
            sgd_cap = int(cfg.options.get("sgd_limit", 0)) or None
            dialogues = ctx.slice(ds.items, min(x for x in (cap, sgd_cap) if x) if cap or sgd_cap else None)
            res.datasets.append(ds.info(len(dialogues)))
            _sgd_role(ctx, cfg, dialogues, res)
        elif ds.format == "banking77_csv":
            items = ctx.slice(ds.items, cap, key=lambda x: x.label)
            res.datasets.append(ds.info(len(items)))
            _clarify_role(ctx, items, res)
