"""The PII finding type and span helpers shared by the PII engines (no third-party imports).

>>> merge_spans([PiiFinding("A", 0, 4, 0.5), PiiFinding("B", 2, 9, 0.9)])
[PiiFinding(entity_type='B', start=0, end=9, score=0.9)]
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PiiFinding:
    """One span of PII: its type, character offsets in the text and a confidence."""

    entity_type: str
    start: int
    end: int
    score: float


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` without trailing punctuation (a secret or address that ends a sentence)."""
    while end > start and text[end - 1] in ".,;:!?)]}":
        end -= 1
    return start, end


def drop_overlaps(findings: list[PiiFinding]) -> list[PiiFinding]:
    """Keep the longest, then highest-scoring, finding where spans overlap."""
    kept: list[PiiFinding] = []
    for f in sorted(findings, key=lambda f: (-(f.end - f.start), -f.score, f.start)):
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


def merge_spans(findings: list[PiiFinding]) -> list[PiiFinding]:
    """Overlapping findings become one span covering all of them, typed as the longest (then surest) of them,
    so that nothing a finding covered survives replacement."""
    groups: list[list[PiiFinding]] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if groups and f.start < max(g.end for g in groups[-1]):
            groups[-1].append(f)
        else:
            groups.append([f])
    merged: list[PiiFinding] = []
    for group in groups:
        best = max(group, key=lambda f: (f.end - f.start, f.score))
        merged.append(PiiFinding(best.entity_type, group[0].start, max(g.end for g in group), best.score))
    return merged
