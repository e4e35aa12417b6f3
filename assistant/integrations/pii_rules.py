"""Rule-based PII recognisers for a bank's chat, one module per family: numbers (``pii_numbers``, with the
account numbers given in parts, glued to their cue or said in words in ``pii_accounts``), secrets after a cue
(``pii_secrets``, how many words after it are the secret in ``pii_secret_words``) or found through other secrets and
what was done with them (``pii_secret_links``), dates of birth and addresses (``pii_places``) and personal names
(``pii_names``, with the words that are no one's name in ``pii_name_words``). Pure Python over ``re``; the names
come from faker's MIT-licensed lists (see ``pii_names``).

>>> [(f.entity_type, "NI QQ 12 34 56 C"[f.start : f.end]) for f in rule_findings("NI QQ 12 34 56 C")]
[('UK_NINO', 'QQ 12 34 56 C')]
"""

from __future__ import annotations

from assistant.integrations.pii_accounts import account_findings, with_account_suffixes
from assistant.integrations.pii_names import name_findings
from assistant.integrations.pii_numbers import number_findings
from assistant.integrations.pii_places import address_findings, dob_findings
from assistant.integrations.pii_secret_links import context_secrets, linked_secrets
from assistant.integrations.pii_secrets import secret_findings
from assistant.integrations.pii_types import PiiFinding, merge_spans


def rule_findings(text: str) -> list[PiiFinding]:
    """Every rule's findings on ``text``, overlaps resolved (one span covering each overlapping group)."""
    secrets = [*secret_findings(text), *context_secrets(text)]
    found = [
        *number_findings(text),
        *account_findings(text),
        *secrets,
        *linked_secrets(text, secrets),
        *dob_findings(text),
        *address_findings(text),
        *name_findings(text),
    ]
    return merge_spans(with_account_suffixes(text, [f for f in found if f.end > f.start]))
