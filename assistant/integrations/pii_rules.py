"""Rule-based PII recognisers for a bank's chat, one module per family: numbers (``pii_numbers``), secrets after a
cue (``pii_secrets``), dates of birth and addresses (``pii_places``) and personal names (``pii_names``). Pure
Python over ``re``; the names come from faker's MIT-licensed lists (see ``pii_names``).

>>> [(f.entity_type, "NI QQ 12 34 56 C"[f.start : f.end]) for f in rule_findings("NI QQ 12 34 56 C")]
[('UK_NINO', 'QQ 12 34 56 C')]
"""

from __future__ import annotations

from assistant.integrations.pii_names import name_findings
from assistant.integrations.pii_numbers import number_findings
from assistant.integrations.pii_places import address_findings, dob_findings
from assistant.integrations.pii_secrets import secret_findings
from assistant.integrations.pii_types import PiiFinding, merge_spans


def rule_findings(text: str) -> list[PiiFinding]:
    """Every rule's findings on ``text``, overlaps resolved (one span covering each overlapping group)."""
    found = [
        *number_findings(text),
        *secret_findings(text),
        *dob_findings(text),
        *address_findings(text),
        *name_findings(text),
    ]
    return merge_spans([f for f in found if f.end > f.start])
