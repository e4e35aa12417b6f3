"""Answers: the style policy, the generators (composer, openai, local) and the checks on their drafts.

The pipeline uses :func:`simpler_style` after a reading-level miss, and the stages in ``assistant/stages/``
(``StyleSelector``, ``AnswerGenerator``, ``AnswerChecker``) for everything else.
"""

from assistant.answers.base import AnswerBackend, DraftStream, GenerationRequest, chunk_text
from assistant.answers.policy import StylePolicy, load_style_policy, simpler_style

__all__ = [
    "AnswerBackend",
    "DraftStream",
    "GenerationRequest",
    "StylePolicy",
    "chunk_text",
    "load_style_policy",
    "simpler_style",
]
