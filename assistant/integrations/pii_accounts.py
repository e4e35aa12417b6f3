"""Account numbers that the digit rules of ``pii_numbers`` cannot see on their own:

* glued to their cue ("Accountnumber50662718", "acctno12345678");
* typed with a letter O for a zero ("acc no 3O118472");
* given in parts ("my account number starts 5530. ... the rest of it is 1184", "the first part of my acct is 43002.
  The second part is 118829"); a part that only ends the number ("ending 4421", "last four 7730") stays, being no
  number on its own;
* given in full after its last digits were named ("account ending 9912 ... the full number is 3300819912").

>>> text = "Accountnumber50662718 sortcode207788"
>>> [(f.entity_type, text[f.start : f.end]) for f in account_findings(text)]
[('ACCOUNT_NUMBER', '50662718')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.integrations.pii_numbers import after_reference, classify_digits, is_quantity, nearest_cue
from assistant.integrations.pii_types import PiiFinding, luhn_ok

_ACCOUNT_WORD = r"(?:accounts?|acount|accout|accont|acct|accnt|acnt|acc|a/c)"
_GLUED = re.compile(rf"(?i)\b{_ACCOUNT_WORD}(?:no|num|nr|number)?(\d{{6,17}})(?!\w)")
# digits with a letter O among them, at least five digits: "3O118472"
_O_FOR_ZERO = re.compile(r"(?<![\w.,/-])(?=[\dOo]*[Oo])(?=(?:[Oo]*\d){5})[\dOo]{6,17}(?![\w/-]|[.,]\d)")
_PART = r"\s*(?:is|are|was|:|-)?\s*(\d{3,8})(?![\d.,/-]\d|\d)"
_FIRST_PART = re.compile(
    r"(?i)\b(?:(?:starts?|begins?)(?: with| off(?: with)?)?"
    rf"|first (?:part|half|bit|section|few digits|digits)(?: of (?:it|my \w+|the \w+(?: number)?))?){_PART}"
)
_NEXT_PART = re.compile(
    r"(?i)\b(?:the )?(?:rest|remainder|second (?:part|half|bit|section)|next (?:part|bit|few digits|digits))"
    rf"(?: of (?:it|the number))?{_PART}"
)
_LAST_DIGITS = re.compile(
    r"(?i)\b(?:ending|ends|ended)(?: in| with| on)?\s*[:-]?\s*(\d{3,6})\b"
    r"|\blast (?:three|four|five|six|3|4|5|6)(?: digits)?(?: (?:are|is|being|of it))?\s*[:-]?\s*(\d{3,6})\b"
)
_YEAR = re.compile(r"(?:19|20)\d\d")
_NUMBER_BEFORE = re.compile(r"(?i)\b(?:number|no|num|nr|#|digits)\s*$")
_DIGITS = re.compile(r"(?<![\w,.£$€-])\d(?:[ -]?\d){6,18}(?![\w-]|[.,]\d)")


def account_findings(text: str) -> Iterator[PiiFinding]:
    """Account numbers (and an O-for-zero sort code) of ``text`` in the four forms of the module docstring."""
    for m in _GLUED.finditer(text):
        yield PiiFinding("ACCOUNT_NUMBER", m.start(1), m.end(1), 0.75)
    for m in _O_FOR_ZERO.finditer(text):
        if is_quantity(text, m.start(), m.end()):
            continue
        if nearest_cue(text, m.start(), ("account", "sort", "ref", "card", "phone")) in ("account", "sort"):
            kind = classify_digits(text, m.start(), re.sub("[Oo]", "0", m.group()), m.end())
            if kind in ("ACCOUNT_NUMBER", "UK_SORT_CODE"):
                yield PiiFinding(kind, m.start(), m.end(), 0.7)
    yield from _parts(text)
    yield from _completed(text)


def _parts(text: str) -> Iterator[PiiFinding]:
    """The first part of an account number named as such, and the parts that follow it."""
    first = None
    for m in _FIRST_PART.finditer(text):
        if _YEAR.fullmatch(m.group(1)) and not _NUMBER_BEFORE.search(text, 0, m.start()):
            continue  # "my account starts with 2019 being a bad year"; "the number starts 2019" is a part
        if _about_account(text, m.start(1), m.start()):
            yield PiiFinding("ACCOUNT_NUMBER", m.start(1), m.end(1), 0.7)
            first = first if first is not None else m.end()
    if first is None:
        return
    for m in _NEXT_PART.finditer(text, first):
        if m.start() - first <= 160:
            yield PiiFinding("ACCOUNT_NUMBER", m.start(1), m.end(1), 0.7)


def _about_account(text: str, digits_at: int, phrase_at: int) -> bool:
    """An account cue is the nearest before the part, or inside its phrase ("the first part of my acct is")."""
    cues = ("account", "sort", "ref", "card", "phone", "routing")
    if re.search(rf"(?i)\b{_ACCOUNT_WORD}\b", text[phrase_at:digits_at]):
        return True
    return nearest_cue(text, digits_at, cues) == "account" and not after_reference(text, digits_at)


def _completed(text: str) -> Iterator[PiiFinding]:
    """A number that ends with digits named earlier as the end of an account or card ("account ending 9912")."""
    ends = [
        m.group(1) or m.group(2)
        for m in _LAST_DIGITS.finditer(text)
        if nearest_cue(text, m.start(), ("account", "card", "ref", "phone")) in ("account", "card")
    ]
    if not ends:
        return
    for m in _DIGITS.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if after_reference(text, m.start()) or is_quantity(text, m.start(), m.end()):
            continue
        if not any(digits.endswith(e) and len(digits) > len(e) for e in ends):
            continue
        card = 13 <= len(digits) <= 19 and luhn_ok(digits)
        yield PiiFinding("CREDIT_CARD" if card else "ACCOUNT_NUMBER", m.start(), m.end(), 0.7)
