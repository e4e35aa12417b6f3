"""The style policy (prompts/style_policy.yaml): every rule fires where it should and does what it says, the
file is strictly validated, and simpler_style walks down to the simplest style and stops."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.answers.base import make_signals
from assistant.answers.policy import SIMPLIFY_RULE, SignalView, load_style_policy, simpler_style
from assistant.errors import PromptError
from assistant.settings import Settings
from assistant.stages.style import StyleSelector
from assistant.types import Channel, Style

POLICY = load_style_policy(Settings().prompts_dir)

# rule id -> (signals that make it fire, channel, fields the resulting Style must have)
RULE_CASES: dict[str, tuple[dict[str, Any], Channel, dict[str, Any]]] = {
    "channel_copilot": (
        {},
        "copilot",
        {"allow_offers": False, "length": "long", "details_on_request": False},
    ),
    "literacy_novice": (
        {"literacy": "novice"},
        "widget",
        {
            "register": "plain",
            "glossary": True,
            "length": "short",
            "target_grade": 6,
            "details_on_request": True,
        },
    ),
    "literacy_expert": ({"literacy": "expert"}, "widget", {"register": "technical", "target_grade": 12}),
    "literacy_uncertain_expert": (
        {"literacy": "expert", "literacy_confidence": 0.3},
        "widget",
        {"register": "standard", "target_grade": 9},
    ),
    "sentiment_positive": ({"sentiment": "positive"}, "widget", {"tone": "warm", "allow_offers": True}),
    "sentiment_negative": (
        {"sentiment": "negative"},
        "widget",
        {"tone": "empathetic", "allow_offers": False},
    ),
    "vulnerability_capability": (
        {"literacy": "expert", "vulnerability": ("capability",)},
        "widget",
        {"register": "plain", "glossary": True, "target_grade": 6},
    ),
    "vulnerability_health_or_life_event": (
        {"vulnerability": ("life_event",)},
        "widget",
        {"tone": "empathetic", "allow_offers": False},
    ),
    "vulnerability_resilience": (
        {"vulnerability": ("resilience",)},
        "widget",
        {"tone": "empathetic", "allow_offers": False, "support_intents": ("financial_difficulty",)},
    ),
    "complaint": (
        {"complaint": True},
        "widget",
        {"tone": "empathetic", "allow_offers": False, "support_intents": ("complaint",)},
    ),
    "distress_mild": ({"distress": "mild"}, "widget", {"tone": "empathetic", "allow_offers": False}),
    "distress_high": (
        {"distress": "high", "literacy": "expert", "sentiment": "positive"},
        "widget",
        {
            "tone": "empathetic",
            "register": "plain",
            "length": "short",
            "allow_offers": False,
            "answer_first": True,
        },
    ),
}


def test_every_rule_in_the_policy_has_a_case() -> None:
    assert {rule.id for rule in POLICY.rules} == set(RULE_CASES)


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_fires_and_shapes_the_style(rule_id: str) -> None:
    signals, channel, expected = RULE_CASES[rule_id]
    style = POLICY.select(channel=channel, **signals)
    assert rule_id in style.rules
    for field, value in expected.items():
        assert getattr(style, field) == value, (rule_id, field)
    assert style.policy_version == POLICY.version


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_does_not_fire_for_a_calm_intermediate_widget_customer(rule_id: str) -> None:
    style = POLICY.select(channel="widget")
    assert rule_id not in style.rules


def test_defaults_for_a_calm_intermediate_customer() -> None:
    style = POLICY.select(channel="widget")
    assert style == Style(
        tone="neutral",
        register="standard",
        target_grade=9,
        length="medium",
        answer_first=True,
        glossary=False,
        details_on_request=False,
        allow_offers=True,
        rules=(),
        policy_version=POLICY.version,
    )


def test_support_intents_add_up_across_rules_and_default_to_none(tmp_path: Path) -> None:
    assert POLICY.select(channel="widget").support_intents == ()
    prompts = _copy_prompts(tmp_path)

    def also_bereavement(data: dict[str, Any]) -> None:
        rule = next(r for r in data["rules"] if r["id"] == "vulnerability_health_or_life_event")
        rule["set"]["support_intents"] = ["bereavement", "financial_difficulty"]

    _edit_policy(prompts, also_bereavement)
    style = load_style_policy(prompts).select(vulnerability=("life_event", "resilience"))
    assert style.support_intents == ("bereavement", "financial_difficulty")


def test_rules_are_recorded_in_policy_order() -> None:
    style = POLICY.select(literacy="novice", sentiment="negative", distress="high", vulnerability=("resilience",))
    order = [r.id for r in POLICY.rules]
    assert list(style.rules) == sorted(style.rules, key=order.index)
    assert {"literacy_novice", "sentiment_negative", "vulnerability_resilience", "distress_high"} <= set(style.rules)


def test_selector_stage_reads_the_signals_dataclass() -> None:
    selector = StyleSelector(Settings())
    selector.warm_up()
    signals = make_signals(literacy="expert", literacy_confidence=0.9, sentiment="positive")
    style = selector.run(signals=signals, channel="widget")
    assert style.register == "technical" and style.tone == "warm"
    assert style.rules == ("literacy_expert", "sentiment_positive")
    view = SignalView(literacy="expert", literacy_confidence=0.9, sentiment="positive")
    assert style == POLICY.select_view(view)


def test_simpler_style_walks_down_to_plain_and_then_stops() -> None:
    expert = POLICY.select(literacy="expert")
    standard = simpler_style(expert, POLICY)
    assert standard.register == "standard" and standard.target_grade == 9 and standard.length == "medium"
    plain = simpler_style(standard, POLICY)
    assert plain.register == "plain" and plain.glossary and plain.target_grade == 6
    floor = simpler_style(plain, POLICY)
    assert floor.length == "short" and floor.register == "plain"
    assert simpler_style(floor, POLICY) is floor
    assert plain.rules.count(SIMPLIFY_RULE) == 1


def _copy_prompts(tmp_path: Path) -> Path:
    target = tmp_path / "prompts"
    shutil.copytree(Settings().prompts_dir, target)
    return target


def _edit_policy(prompts: Path, change: Any) -> None:
    path = prompts / "style_policy.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: d["rules"][0].update({"colour": "red"}), id="unknown-key-in-rule"),
        pytest.param(lambda d: d["rules"][0]["when"].update({"mood": ["sad"]}), id="unknown-condition"),
        pytest.param(lambda d: d["rules"][0]["set"].update({"tone": "cheeky"}), id="unknown-tone"),
        pytest.param(lambda d: d.pop("version"), id="missing-version"),
        pytest.param(lambda d: d["rules"].append(dict(d["rules"][0])), id="duplicate-id"),
        pytest.param(lambda d: d["rules"][0].update({"when": {}}), id="rule-without-condition"),
        pytest.param(lambda d: d["registers"].pop("plain"), id="missing-register-profile"),
        pytest.param(lambda d: d["rules"][0]["set"].update({"support_intents": ["payday"]}), id="unknown-intent"),
    ],
)
def test_invalid_policy_files_are_prompt_errors(tmp_path: Path, change: Any) -> None:
    prompts = _copy_prompts(tmp_path)
    _edit_policy(prompts, change)
    with pytest.raises(PromptError):
        load_style_policy(prompts)


def test_policy_reloads_when_the_file_changes(tmp_path: Path) -> None:
    prompts = _copy_prompts(tmp_path)
    _edit_policy(prompts, lambda d: d.update({"version": "test-2"}))
    assert StyleSelector(Settings(prompts_dir=prompts)).run(
        signals=make_signals(), channel="widget"
    ).policy_version == ("test-2")
