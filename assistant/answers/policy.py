"""The style policy: ``prompts/style_policy.yaml`` as strict pydantic models, and the rule engine over it.

>>> from assistant.settings import Settings
>>> policy = load_style_policy(Settings().prompts_dir)
>>> style = policy.select(literacy="novice", channel="widget")
>>> style.register, style.glossary, "literacy_novice" in style.rules
('plain', True, True)
>>> simpler_style(policy.select(literacy="expert", literacy_confidence=0.9, channel="widget")).register
'standard'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.errors import PromptError
from assistant.kb.intents import ALL_INTENTS
from assistant.prompts import PromptFile, load_prompt_file
from assistant.types import (
    Channel,
    DistressLevel,
    Length,
    LiteracyLevel,
    Register,
    SentimentLabel,
    Style,
    Tone,
    VulnerabilityDriver,
)

POLICY_FILE = "style_policy.yaml"
REGISTER_ORDER: tuple[Register, ...] = ("plain", "standard", "technical")
LENGTH_ORDER: tuple[Length, ...] = ("short", "medium", "long")
SIMPLIFY_RULE = "simplify_after_reading_miss"


class _Strict(BaseModel):
    # ``register`` is ``register_`` in Python (BaseModel has a ``register`` attribute), ``register`` in YAML.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class StyleDefaults(_Strict):
    tone: Tone
    register_: Register = Field(alias="register")
    length: Length
    answer_first: bool = True
    glossary: bool = False
    details_on_request: bool = False
    allow_offers: bool = False


class RegisterProfile(_Strict):
    target_grade: float = Field(ge=1, le=20)
    grade_tolerance: float = Field(ge=0, le=10)


class RuleCondition(_Strict):
    """All listed conditions must hold for the rule to fire."""

    channel: list[Channel] | None = None
    sentiment: list[SentimentLabel] | None = None
    distress: list[DistressLevel] | None = None
    literacy: list[LiteracyLevel] | None = None
    literacy_confidence_below: float | None = Field(default=None, ge=0, le=1)
    vulnerability_any: list[VulnerabilityDriver] | None = None
    handoff_requested: bool | None = None
    complaint: bool | None = None  # Signals.complaint (FCA DISP 1.1)

    @model_validator(mode="after")
    def _not_empty(self) -> RuleCondition:
        if not self.model_dump(exclude_none=True):
            raise ValueError("a rule needs at least one condition")
        return self


class StyleChange(_Strict):
    tone: Tone | None = None
    register_: Register | None = Field(default=None, alias="register")
    target_grade: float | None = Field(default=None, ge=1, le=20)
    length: Length | None = None
    answer_first: bool | None = None
    glossary: bool | None = None
    details_on_request: bool | None = None
    allow_offers: bool | None = None
    support_intents: list[str] | None = None

    @field_validator("support_intents")
    @classmethod
    def _known_intents(cls, value: list[str] | None) -> list[str] | None:
        unknown = sorted(set(value or ()) - set(ALL_INTENTS))
        if unknown:
            raise ValueError(f"unknown support intents: {unknown}")
        return value


class StyleCap(_Strict):
    register_: Register | None = Field(default=None, alias="register")
    target_grade: float | None = Field(default=None, ge=1, le=20)
    length: Length | None = None


class StyleRule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str
    when: RuleCondition
    set: StyleChange = StyleChange()
    cap: StyleCap = StyleCap()

    @model_validator(mode="after")
    def _does_something(self) -> StyleRule:
        if not self.set.model_dump(exclude_none=True) and not self.cap.model_dump(exclude_none=True):
            raise ValueError(f"rule {self.id} neither sets nor caps anything")
        return self


class SignalView(_Strict):
    """The parts of :class:`~assistant.types.Signals` (plus the channel) the policy looks at."""

    channel: Channel = "widget"
    sentiment: SentimentLabel = "neutral"
    distress: DistressLevel = "none"
    literacy: LiteracyLevel = "intermediate"
    literacy_confidence: float = 1.0
    vulnerability: tuple[VulnerabilityDriver, ...] = ()
    handoff_requested: bool = False
    complaint: bool = False


class StylePolicy(PromptFile):
    """A versioned rule table from signals and channel to a :class:`~assistant.types.Style`."""

    defaults: StyleDefaults
    registers: dict[Register, RegisterProfile]
    rules: list[StyleRule]

    @model_validator(mode="after")
    def _consistent(self) -> StylePolicy:
        missing = set(REGISTER_ORDER) - set(self.registers)
        if missing:
            raise ValueError(f"registers missing a profile: {sorted(missing)}")
        ids = [rule.id for rule in self.rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate rule ids: {duplicates}")
        return self

    def grade_for(self, register: Register) -> float:
        return self.registers[register].target_grade

    def tolerance_for(self, register: Register) -> float:
        return self.registers[register].grade_tolerance

    def fires(self, rule: StyleRule, view: SignalView) -> bool:
        cond = rule.when
        checks: list[bool] = []
        if cond.channel is not None:
            checks.append(view.channel in cond.channel)
        if cond.sentiment is not None:
            checks.append(view.sentiment in cond.sentiment)
        if cond.distress is not None:
            checks.append(view.distress in cond.distress)
        if cond.literacy is not None:
            checks.append(view.literacy in cond.literacy)
        if cond.literacy_confidence_below is not None:
            checks.append(view.literacy_confidence < cond.literacy_confidence_below)
        if cond.vulnerability_any is not None:
            checks.append(any(v in cond.vulnerability_any for v in view.vulnerability))
        if cond.handoff_requested is not None:
            checks.append(view.handoff_requested == cond.handoff_requested)
        if cond.complaint is not None:
            checks.append(view.complaint == cond.complaint)
        return all(checks)

    def select(self, **signals: Any) -> Style:
        """Apply the rules to signal values given by name (see :class:`SignalView`)."""
        return self.select_view(SignalView(**signals))

    def select_view(self, view: SignalView) -> Style:
        state: dict[str, Any] = self.defaults.model_dump(by_alias=True)
        state["target_grade"] = self.grade_for(state["register"])
        fired: list[str] = []
        for rule in self.rules:
            if not self.fires(rule, view):
                continue
            fired.append(rule.id)
            changes = rule.set.model_dump(exclude_none=True, by_alias=True)
            support = changes.pop("support_intents", ())
            state["support_intents"] = tuple(dict.fromkeys([*state.get("support_intents", ()), *support]))
            if "register" in changes and "target_grade" not in changes:
                changes["target_grade"] = self.grade_for(changes["register"])
            state.update(changes)
            cap = rule.cap
            if cap.register_ is not None and _rank(REGISTER_ORDER, state["register"]) > _rank(
                REGISTER_ORDER, cap.register_
            ):
                state["register"] = cap.register_
                state["target_grade"] = min(state["target_grade"], self.grade_for(cap.register_))
            if cap.length is not None and _rank(LENGTH_ORDER, state["length"]) > _rank(LENGTH_ORDER, cap.length):
                state["length"] = cap.length
            if cap.target_grade is not None:
                state["target_grade"] = min(state["target_grade"], cap.target_grade)
        return Style(**state, rules=tuple(fired), policy_version=self.version)


def _rank(order: Sequence[str], value: str) -> int:
    return list(order).index(value)


@lru_cache(maxsize=8)
def _load_cached(path: Path, mtime_ns: int) -> StylePolicy:
    return load_prompt_file(path, StylePolicy)


def load_style_policy(prompts_dir: Path) -> StylePolicy:
    """Load and validate ``style_policy.yaml`` (cached until it changes); :class:`PromptError` if invalid."""
    path = Path(prompts_dir) / POLICY_FILE
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError as exc:
        raise PromptError(f"style policy not found: {path}") from exc
    return _load_cached(path, mtime)


def simpler_style(style: Style, policy: StylePolicy | None = None) -> Style:
    """The next simpler style after a reading-level miss: one register down, its target grade, glossary on.

    Returns ``style`` itself (the same object) when it is already as simple as the policy allows, so a caller
    can stop re-generating: ``if simpler_style(s) is s: give up``.
    """
    if policy is None:
        from assistant.settings import get_settings

        policy = load_style_policy(get_settings().prompts_dir)
    rank = _rank(REGISTER_ORDER, style.register)
    if rank == 0:
        floor = policy.grade_for("plain")
        if style.target_grade <= floor and style.glossary and style.length == "short":
            return style
        register: Register = "plain"
    else:
        register = REGISTER_ORDER[rank - 1]
    length = LENGTH_ORDER[max(0, _rank(LENGTH_ORDER, style.length) - 1)]
    return replace(
        style,
        register=register,
        target_grade=min(style.target_grade, policy.grade_for(register)),
        length=length,
        glossary=style.glossary or register == "plain",
        details_on_request=True,
        rules=(*style.rules, SIMPLIFY_RULE) if SIMPLIFY_RULE not in style.rules else style.rules,
    )
