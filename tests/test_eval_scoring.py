"""How replies are scored against expectations, on hand-built Replies and per-turn records (no models)."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.types import Escalation, Reply, ReplyStatus, Signals, Style
from eval.suite_runs import conversation_metrics, escalation_metrics, predictions
from eval.suite_runs.scope import scope_metrics


def _signals(**kw: Any) -> Signals:
    base: dict[str, Any] = dict(
        sentiment="neutral",
        sentiment_score=0.0,
        sentiment_probs={},
        distress="none",
        distress_probs={},
        vulnerability=(),
        vulnerability_probs={},
        handoff_requested=False,
        handoff_prob=0.0,
        literacy="intermediate",
        literacy_confidence=0.5,
        literacy_message="novice",
        literacy_probs={},
        cues={},
    )
    base.update(kw)
    return Signals(**base)


def _reply(status: ReplyStatus, signals: Signals | None, style: Style | None, intent: str | None = None) -> Reply:
    return Reply(
        conversation_id="c",
        turn_index=0,
        status=status,
        text="",
        style=style,
        citations=(),
        signals=signals,
        grounding_score=None,
        reading_grade=None,
        escalation=Escalation(escalate=status == "escalated"),
        timings_ms={},
        intent=intent,
    )


def test_predictions_follow_the_documented_rules() -> None:
    style = Style(tone="warm", register="standard", target_grade=9, length="medium", allow_offers=True)
    p = predictions(_reply("answered", _signals(sentiment="positive"), style, intent="card_arrival"))
    assert p["intent"] == "card_arrival" and p["no_offer"] is False and p["escalate"] is False
    assert p["literacy"] == "novice"  # this message alone, as the rubric labels it
    assert p["literacy_conversation"] == "intermediate"  # smoothed, reported alongside
    assert predictions(_reply("answered", _signals(), style), "literacy")["literacy"] == "intermediate"
    oos = predictions(_reply("out_of_scope", _signals(), None, intent="card_arrival"))
    assert oos["intent"] == "out_of_scope" and oos["no_offer"] is True
    closed = predictions(_reply("handed_off", _signals(vulnerability=("health",)), None))
    assert closed["escalate"] is True and closed["vulnerability"] == ["health"]


def _turn(conv: str, turn: int, expect: dict[str, Any], pred: dict[str, Any]) -> dict[str, Any]:
    return {
        "conversation": conv,
        "turn": turn,
        "id": f"{conv}#{turn}",
        "expect": expect,
        "pred": pred,
        "reply": {"escalation": {"crisis": pred.get("escalate", False)}},
    }


def test_escalation_metrics_on_synthetic_turns() -> None:
    turns = [
        # asked for a person on turn 1, escalated on turn 1: on time
        _turn("a", 0, {"escalate": False}, {"escalate": False, "no_offer": True}),
        _turn("a", 1, {"escalate": True}, {"escalate": True, "no_offer": True}),
        # crisis missed on turn 0, escalated one turn late
        _turn(
            "b",
            0,
            {"escalate": True, "distress": "crisis", "no_offer": True},
            {"escalate": False, "no_offer": False, "offer_shown": True},
        ),
        _turn("b", 1, {"escalate": True}, {"escalate": True, "no_offer": True}),
        # routine question, wrongly escalated
        _turn("c", 0, {"escalate": False, "no_offer": False}, {"escalate": True, "no_offer": True}),
    ]
    m, details = escalation_metrics(turns)
    assert m["escalation.recall"] == pytest.approx(2 / 3, abs=1e-3)
    assert m["escalation.precision"] == pytest.approx(2 / 3, abs=1e-3)
    assert m["escalation.crisis_recall"] == 0.0
    assert m["escalation.offers_when_no_offer"] == 1 and m["escalation.offers_allowed_when_no_offer"] == 1
    assert m["escalation.handoff_delay"] == pytest.approx(0.5, abs=1e-3)  # a: 0, b: +1
    assert m["escalation.late_handoffs"] == 1 and m["escalation.turns_to_handoff"] == pytest.approx(2.0, abs=1e-3)
    assert m["escalation.conversation_precision"] == pytest.approx(2 / 3, abs=1e-3)
    assert details["confusion"]["escalate (turns)"]["confusion"] == [[1, 1], [1, 2]]


def test_conversation_metrics_score_each_key_where_present() -> None:
    turns = [
        _turn(
            "a",
            0,
            {"sentiment": "negative", "vulnerability": ["health"], "intent": "card_arrival"},
            {"sentiment": "negative", "vulnerability": ["health", "resilience"], "intent": "card_arrival"},
        ),
        _turn(
            "a",
            1,
            {"sentiment": "positive", "handoff_requested": True},
            {"sentiment": "neutral", "handoff_requested": True},
        ),
        _turn(
            "b",
            0,
            {"vulnerability": [], "intent": "out_of_scope"},
            {"vulnerability": [], "intent": "pin_blocked"},
        ),
    ]
    m, details = conversation_metrics(turns)
    assert m["conversations.sentiment.accuracy"] == 0.5 and m["conversations.sentiment.n"] == 2
    assert m["conversations.intent.accuracy"] == 0.5
    assert m["conversations.handoff_requested.accuracy"] == 1.0
    assert m["conversations.vulnerability.f1"] == pytest.approx(2 / 3, abs=1e-3)  # tp 1, fp 1, fn 0
    assert "conversations.distress.accuracy" not in m  # never expected, never scored
    assert m["conversations.n"] == 2 and m["conversations.turns"] == 3
    assert "sentiment (conversations)" in details["confusion"]


def test_scope_metrics_count_refusals_and_send_aways_per_tag() -> None:
    cases = [
        {"tag": "fraud_request", "misuse": "fraud", "other_organisation": None},
        {"tag": "fraud_request", "misuse": None, "other_organisation": None},
        {"tag": "prompt_injection", "misuse": "prompt_injection", "other_organisation": None},
        {"tag": "other_bank_product", "misuse": None, "other_organisation": "Monzo"},
        {"tag": "fraud_victim", "misuse": None, "other_organisation": None},
        {"tag": "other_bank_in_scope", "misuse": None, "other_organisation": "Barclays"},
    ]
    m = scope_metrics(cases)
    assert m["scope.fraud_refused"] == 0.5 and m["scope.injection_refused"] == 1.0
    assert m["scope.other_bank_sent_away"] == 1.0
    assert m["scope.false_refusal"] == 0.0 and m["scope.false_send_away"] == 0.5
    assert m["scope.fraud_request.refused"] == 0.5 and m["scope.n"] == 6
    assert "scope.security_help.refused" not in m
