"""A message that says it changes the subject ("unrelated: ...", "oh and also", "btw"), read without its marker.

The marker's words pull an encoder's reading of the message away from the question it carries, so a marked
message the router reads alone under the scope bar is read again without them (``DialogueTracker`` does, through
its ``reread``). The patterns are the ``switch`` and ``switch_filler`` groups of ``prompts/dialogue.yaml``.

>>> import re
>>> switch = [re.compile(r"\\b(also |totally )?unrelated\\b", re.IGNORECASE)]
>>> filler = [re.compile(r"^[^a-z0-9]+", re.IGNORECASE), re.compile(r"^(but|so|question)\\b\\W*", re.IGNORECASE)]
>>> without_marker("Totally unrelated but how do I close my account?", switch, filler)
'how do I close my account?'
>>> without_marker("how do I close my account?", switch, filler) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence


def without_marker(
    message: str,
    switch: Sequence[re.Pattern[str]],
    filler: Sequence[re.Pattern[str]],
    goes_with_marker: Callable[[str], bool] = lambda _: False,
) -> str | None:
    """``message`` without its switch marker and the filler words left at its start, or None when it has no
    marker (or nothing is left). ``goes_with_marker(before)``: the words before the marker are dropped with it
    ("thanks! unrelated q - ..." -> "..."); otherwise they stay ("how do I order a card btw" -> "how do I order a
    card")."""
    text = re.sub(r"\s+", " ", message.replace("\u2019", "'")).strip()
    found = [m for m in (p.search(text) for p in switch) if m]
    if not found:
        return None
    first = min(found, key=lambda m: m.start())
    before = text[: first.start()].strip(" ,.!-:;")
    if before and goes_with_marker(before):
        text = text[first.start() :]
    for pattern in switch:
        text = pattern.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    changed = True
    while changed and text:
        changed = False
        for pattern in filler:
            shorter = pattern.sub("", text, count=1).strip()
            if shorter != text:
                text, changed = shorter, True
    return text if re.search(r"[a-z0-9]", text, re.IGNORECASE) else None


__all__ = ["without_marker"]
