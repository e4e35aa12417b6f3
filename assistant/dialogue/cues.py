"""Which cue a customer's words carry: the patterns of ``prompts/dialogue.yaml``, compiled once.

The dialogue stage (:class:`~assistant.stages.dialogue.DialogueTracker`) reads a message's words through
:class:`DialogueCues` ("thanks" is a close, "that didn't help" is not_helpful, "the second one" picks a choice,
"unrelated: ..." marks a switch); what it decides from them, and from the router's readings, is its own.

>>> normalise("  That DIDN\u2019T   help ")
"that didn't help"
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.dialogue.config import DialogueConfig
from assistant.dialogue.marker import without_marker
from assistant.dialogue.state import Choice


def compile_patterns(patterns: Sequence[str]) -> list[re.Pattern[str]]:
    """Each pattern compiled case-insensitively."""
    return [re.compile(p, re.IGNORECASE) for p in patterns]


def normalise(text: str) -> str:
    """``text`` lower-cased, curly apostrophes straightened and runs of white space made one space."""
    return re.sub(r"\s+", " ", text.strip().lower().replace("\u2019", "'"))


class DialogueCues:
    """The cue patterns of one :class:`~assistant.dialogue.config.DialogueConfig`, compiled; matches are read on
    :func:`normalise`-d text and named ``"<group>: <matched words>"``.

    >>> from assistant.dialogue.config import load_dialogue_config
    >>> from assistant.settings import Settings
    >>> cues = DialogueCues(load_dialogue_config(Settings().prompts_dir))
    >>> cues.matches("not_helpful", normalise("That didn't help")) is not None
    True
    >>> cues.matches("close", normalise("how do I order a card?")) is None
    True
    """

    def __init__(self, config: DialogueConfig) -> None:
        self.config = config
        self._patterns = {name: compile_patterns(p) for name, p in config.patterns.model_dump().items()}
        self._ordinals = [compile_patterns(group) for group in config.ordinals]

    def matches(self, name: str, text: str) -> str | None:
        """The first cue of the group ``name`` found in ``text``, or None."""
        for pattern in self._patterns[name]:
            found = pattern.search(text)
            if found:
                return f"{name}: {found.group(0).strip() or pattern.pattern}"
        return None

    def follow_cue(self, text: str, words: int) -> str | None:
        """A word that points back at the topic ("that", "the fee", "what about abroad?"), or a question opener
        ("and", "can I", "how long") in a message too short to name its own subject."""
        cue = self.matches("follow_up", text)
        if cue is None and words <= self.config.thresholds.opener_words:
            cue = self.matches("opener", text)
        return cue

    def picked(self, text: str, choices: Sequence[Choice], choice_id: str | None) -> Choice | None:
        """The choice a clicked quick reply (``choice_id``), an ordinal ("the second one") or a choice's own
        label in ``text`` picks, or None."""
        by_id = {c.id: c for c in choices}
        if choice_id is not None and choice_id in by_id:
            return by_id[choice_id]
        for i, group in enumerate(self._ordinals):
            if i < len(choices) and any(p.search(text) for p in group):
                return choices[i]
        for choice in choices:
            if normalise(choice.label) in text:
                return choice
        return None

    def without_marker(self, message: str) -> str | None:
        """``message`` without its switch marker ("unrelated question: what's the fee?" -> "what's the fee?"), or
        None when it has none (or nothing is left once it is taken out)."""
        return without_marker(
            message,
            self._patterns["switch"],
            self._patterns["switch_filler"],
            lambda before: any(self.matches(name, normalise(before)) for name in ("close", "acknowledge")),
        )
