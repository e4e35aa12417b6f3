"""The rules the answer checks apply, from ``prompts/compliance.yaml``: grounding bars and phatic phrases,
personalised-advice and promise patterns with their flags, the risk-warning flag and offer phrasing.

:class:`~assistant.answers.checks.DraftChecker` applies them; this module only defines and loads them.

>>> from assistant.settings import Settings
>>> rules = load_compliance_rules(Settings().prompts_dir)
>>> rules.promises.flag
'outcome_promise'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.errors import PromptError
from assistant.prompts import PromptFile, load_prompt_file

COMPLIANCE_FILE = "compliance.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _compile_all(patterns: Sequence[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"invalid pattern {pattern!r}: {exc}") from exc
    return list(patterns)


class GroundingRules(_Strict):
    min_cosine: float = Field(ge=0, le=1)
    min_overlap: float = Field(ge=0, le=1)
    phatic_patterns: list[str]

    _v = field_validator("phatic_patterns")(_compile_all)


class AdviceRule(_Strict):
    flag: str
    patterns: list[str]
    replacement: str

    _v = field_validator("patterns")(_compile_all)


class PatternRule(_Strict):
    flag: str
    patterns: list[str]

    _v = field_validator("patterns")(_compile_all)


class FlagRule(_Strict):
    flag: str


class OfferRules(_Strict):
    patterns: list[str]

    _v = field_validator("patterns")(_compile_all)


class ComplianceRules(PromptFile):
    """``prompts/compliance.yaml`` (loaded by :func:`load_compliance_rules`).

    >>> from assistant.settings import Settings
    >>> isinstance(load_compliance_rules(Settings().prompts_dir), ComplianceRules)
    True
    """

    grounding: GroundingRules
    advice: dict[str, AdviceRule]
    promises: PatternRule
    risk_warning: FlagRule
    offers: OfferRules


@lru_cache(maxsize=8)
def _load_cached(path: Path, mtime_ns: int) -> ComplianceRules:
    return load_prompt_file(path, ComplianceRules)


def load_compliance_rules(prompts_dir: Path) -> ComplianceRules:
    """Load and validate ``compliance.yaml`` (cached until it changes)."""
    path = Path(prompts_dir) / COMPLIANCE_FILE
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError as exc:
        raise PromptError(f"compliance rules not found: {path}") from exc
    return _load_cached(path, mtime)
