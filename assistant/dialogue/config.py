"""``prompts/dialogue.yaml``: the dialogue stage's cue patterns, thresholds, clarify rule and customer texts.

>>> from assistant.settings import Settings
>>> config = load_dialogue_config(Settings().prompts_dir)
>>> config.thresholds.switch_confidence > 0
True
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.dialogue.clarify import ClarifyRule
from assistant.errors import PromptError
from assistant.prompts import PromptFile, load_prompt_file

DIALOGUE_FILE = "dialogue.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DialoguePatterns(_Strict):
    close: list[str]
    more_detail: list[str]
    accept: list[str]
    simpler: list[str]
    not_helpful: list[str]
    none_of_these: list[str]
    acknowledge: list[str] = Field(default_factory=list)
    follow_up: list[str]
    opener: list[str] = Field(default_factory=list)
    switch: list[str] = Field(default_factory=list)
    # words left at the start of a message once its switch marker is taken out ("question:", "but", "so")
    switch_filler: list[str] = Field(default_factory=list)


class DialogueThresholds(_Strict):
    """Numbers of the follow-up rule (see ``assistant/dialogue/topic_rule.py`` and ``prompts/dialogue.yaml``)."""

    switch_confidence: float = Field(ge=0, le=1)
    switch_confidence_cue: float = Field(ge=0, le=1)
    switch_confidence_frustrated: float = Field(ge=0, le=1)
    follow_up_words: int = Field(ge=1)
    opener_words: int = Field(default=6, ge=0)
    context_margin: float = Field(default=0.0, ge=-1, le=1)
    context_margin_cue: float = Field(default=0.5, ge=-1, le=1)
    context_margin_frustrated: float = Field(default=0.3, ge=-1, le=1)
    neighbour_confidence: float = Field(default=0.9, ge=0, le=1)
    after_last_confidence: float = Field(default=0.5, ge=0, le=1)
    alone_second_confidence: float = Field(default=1.0, ge=0, le=1)
    passed_over_confidence: float = Field(default=0.5, ge=0, le=1)
    min_topic_cosine: float = Field(ge=-1, le=1)
    choice_cosine: float = Field(ge=-1, le=1)
    choice_margin: float = Field(ge=0)


class ClarifyConfig(_Strict):
    max_confidence: float = Field(ge=0, le=1)
    min_ratio: float = Field(ge=0, le=1)
    choice_ratio: float = Field(ge=0, le=1)
    max_choices: int = Field(ge=2, le=3)
    min_confidence: float = Field(default=0.0, ge=0, le=1)

    def rule(self) -> ClarifyRule:
        return ClarifyRule(
            self.max_confidence, self.min_ratio, self.choice_ratio, self.max_choices, self.min_confidence
        )


class DialogueTexts(_Strict):
    close: str
    acknowledge: str
    clarify: str
    clarify_or: str
    none_of_these: str
    no_more_detail: str


class DialogueConfig(PromptFile):
    """The whole ``dialogue.yaml`` (strict, versioned); patterns are checked to compile."""

    patterns: DialoguePatterns
    ordinals: list[list[str]] = Field(min_length=3, max_length=3)
    thresholds: DialogueThresholds
    clarify: ClarifyConfig
    texts: DialogueTexts

    @model_validator(mode="after")
    def _compiles(self) -> DialogueConfig:
        groups = [*self.patterns.model_dump().values(), *self.ordinals]
        for group in groups:
            for pattern in group:
                try:
                    re.compile(pattern, re.IGNORECASE)
                except re.error as exc:
                    raise ValueError(f"invalid pattern {pattern!r}: {exc}") from exc
        if "{choices}" not in self.texts.clarify:
            raise ValueError("texts.clarify needs {choices}")
        return self


@lru_cache(maxsize=8)
def _load_cached(path: Path, mtime_ns: int) -> DialogueConfig:
    return load_prompt_file(path, DialogueConfig)


def load_dialogue_config(prompts_dir: Path) -> DialogueConfig:
    """Load and validate ``dialogue.yaml`` (cached until it changes); :class:`PromptError` when invalid."""
    path = Path(prompts_dir) / DIALOGUE_FILE
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError as exc:
        raise PromptError(f"dialogue prompts not found: {path}") from exc
    return _load_cached(path, mtime)
