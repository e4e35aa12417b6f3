"""Loading versioned prompt and policy data from ``prompts/*.yaml`` into strict pydantic models.

>>> from pydantic import BaseModel, ConfigDict
>>> render("Hello {name}", name="Sam")
'Hello Sam'
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.errors import PromptError


class PromptFile(BaseModel):
    """Base of every prompt/policy file: strict (``extra="forbid"``) and versioned."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str


P = TypeVar("P", bound=PromptFile)


def load_prompt_file(path: Path, model: type[P]) -> P:
    """Read YAML at ``path`` and validate it as ``model``; raise :class:`PromptError` saying what is wrong."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PromptError(f"prompt file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise PromptError(f"{path}: invalid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise PromptError(f"{path}: expected a mapping at the top level")
    if "version" in raw:
        raw["version"] = str(raw["version"])
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise PromptError(f"{path}: {exc}") from exc


def template_fields(template: str) -> set[str]:
    """Names of the ``{placeholders}`` in a format-string template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def render(template: str, **values: object) -> str:
    """Fill a ``{name}`` template; a missing variable is a :class:`PromptError`, never a silent blank."""
    missing = template_fields(template) - values.keys()
    if missing:
        raise PromptError(f"template variable(s) missing: {', '.join(sorted(missing))}")
    return template.format(**values)
