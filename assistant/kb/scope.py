"""Questions about other organisations' own products: a rule screen read from ``prompts/scope.yaml``.

The routing head learns the out-of-scope class from examples, but a message in banking words about another bank
("wells fargo overdraft fee how much") still looks like one of ours. A named organisation is an exact signal, so
it is screened by a maintained list instead, with the relations that keep a mention in scope (money moving between
that organisation and the customer's Harbourlight account).

>>> screen = OrganisationScreen.from_file()
>>> screen.other_organisation("what's the overdraft fee at Wells Fargo?")
'Wells Fargo'
>>> screen.other_organisation("I moved money from my Barclays account and it hasn't arrived") is None
True
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from assistant.prompts import PromptFile, load_prompt_file
from assistant.signals.lexicon import normalise

SCOPE_FILE = "scope.yaml"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "prompts" / SCOPE_FILE
_ORG = "@ORG"
_PLACEHOLDER = "xorgx"  # what a mention becomes before the relations are matched


def _compile(pattern: str) -> re.Pattern[str]:
    """A pattern matched on word boundaries, as in the signals lexicon."""
    return re.compile(rf"(?<![\w'])(?:{pattern})(?![\w])")


def _mark(mention: re.Match[str], key: re.Pattern[str] | None) -> str:
    """The mention with the organisation's name replaced by the placeholder the relations look for."""
    return _PLACEHOLDER if key is None else key.sub(_PLACEHOLDER, mention.group(0), count=1)


class OrganisationEntry(BaseModel):
    """One organisation: the name shown to the customer and the pattern that finds it (default: the name)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    pattern: str | None = None
    key: str | None = None  # the name itself inside a match, where ``pattern`` also matches the words around it

    @property
    def regex(self) -> str:
        return self.pattern if self.pattern is not None else re.escape(self.name.lower())


class ScopeRules(PromptFile):
    """``prompts/scope.yaml``: other organisations, the money words and the relations that keep a mention in scope."""

    organisations: list[OrganisationEntry]
    money_words: str
    relations: list[str]

    @field_validator("relations")
    @classmethod
    def _relations_name_the_organisation(cls, value: list[str]) -> list[str]:
        for relation in value:
            if _ORG not in relation:
                raise ValueError(f"relation {relation!r} does not contain {_ORG}")
        return value

    @model_validator(mode="after")
    def _patterns_compile(self) -> ScopeRules:
        names = [o.name for o in self.organisations]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"organisations listed twice: {duplicates}")
        patterns = [o.regex for o in self.organisations] + [o.key for o in self.organisations if o.key]
        patterns += [self.money_words]
        patterns += [r.replace(_ORG, _PLACEHOLDER) for r in self.relations]
        for pattern in patterns:
            try:
                _compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad pattern {pattern!r}: {exc}") from exc
        return self


class OrganisationScreen:
    """Finds a message about another organisation's own products (see the module docstring for examples).

    ``other_organisation(text)`` returns the first such organisation's name, or None when no organisation is
    named or every mention is about money moving to or from the customer's Harbourlight account.
    """

    def __init__(self, rules: ScopeRules) -> None:
        self._organisations = [
            (o.name, _compile(o.regex), re.compile(o.key) if o.key else None) for o in rules.organisations
        ]
        self._money = _compile(rules.money_words)
        self._relations = [_compile(r.replace(_ORG, _PLACEHOLDER)) for r in rules.relations]

    @classmethod
    def from_file(cls, path: Path | None = None) -> OrganisationScreen:
        """Load and validate ``path`` (default: the packaged ``prompts/scope.yaml``); raises ``PromptError``."""
        return cls(load_prompt_file(path or DEFAULT_PATH, ScopeRules))

    def other_organisation(self, text: str) -> str | None:
        norm = normalise(text)
        has_money = self._money.search(norm) is not None
        for name, regex, key in self._organisations:
            if not regex.search(norm):
                continue
            marked = regex.sub(functools.partial(_mark, key=key), norm)
            if has_money and any(r.search(marked) for r in self._relations):
                continue
            return name
        return None
