"""When the router is unsure between its top candidates, ask one short question with 2-3 choices.

The rule reads what retrieval already returns: the calibrated confidence that the top article is right and each
ranked article's share of the fused score. It asks when the confidence is below ``max_confidence`` and the
runner-up holds at least ``min_ratio`` of the top's share; the choices are the top articles down to
``choice_ratio`` of the top's share (2 to ``max_choices``). Thresholds are chosen on the BANKING77 dev split
(``eval/suites/dialogue.yaml``; see ``docs/transcripts/README.md``).

>>> rule = ClarifyRule(max_confidence=0.6, min_ratio=0.3, choice_ratio=0.2, max_choices=3)
>>> rule.choices(confidence=0.4, shares=(0.5, 0.3, 0.05))
2
>>> rule.choices(confidence=0.9, shares=(0.5, 0.3, 0.05))
0
>>> clarify_outcome(rule, 0.4, (0.5, 0.3, 0.05), (False, True, False))
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ClarifyRule:
    """A margin-and-confidence rule for asking a clarifying question (see the module docstring)."""

    max_confidence: float
    min_ratio: float
    choice_ratio: float
    max_choices: int = 3
    min_confidence: float = 0.0  # below this the message is out of scope, not a choice between articles

    def choices(self, *, confidence: float, shares: Sequence[float]) -> int:
        """How many choices to offer (0: answer without asking)."""
        if len(shares) < 2 or shares[0] <= 0:
            return 0
        if confidence >= self.max_confidence or confidence < self.min_confidence:
            return 0
        if shares[1] / shares[0] < self.min_ratio:
            return 0
        n = sum(1 for s in shares[: self.max_choices] if s / shares[0] >= self.choice_ratio)
        return max(2, n)


def clarify_outcome(
    rule: ClarifyRule, confidence: float, shares: Sequence[float], right: Sequence[bool]
) -> tuple[bool, bool]:
    """(asked, right after at most one question) for one query whose ranked articles are ``right`` or not,
    simulating a customer who picks the right choice when it is offered and says "none of these" when not."""
    n = rule.choices(confidence=confidence, shares=shares)
    if n:
        return True, any(right[:n])
    return False, bool(right and right[0])
