"""Dialogue state kept with a conversation (redacted), and the clarifying-question rule.

>>> from assistant.dialogue.state import DialogueState
>>> DialogueState().topic is None
True
"""

from assistant.dialogue.clarify import ClarifyRule, clarify_outcome
from assistant.dialogue.state import Choice, DialogueState, OpenQuestion, Topic

__all__ = ["Choice", "ClarifyRule", "DialogueState", "OpenQuestion", "Topic", "clarify_outcome"]
