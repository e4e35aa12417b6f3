"""Account numbers that the digit rules of ``pii_numbers`` cannot see on their own:

* glued to their cue ("Accountnumber50662718", "acctno12345678");
* typed with a letter O for a zero ("acc no 3O118472");
* given in parts ("my account number starts 5530. ... the rest of it is 1184", "the first part of my acct is 43002.
  The second part is 118829"); a part that only ends the number ("ending 4421", "last four 7730") stays, being no
  number on its own;
* given in full after its last digits were named ("account ending 9912 ... the full number is 3300819912");
* a building society's roll number ("roll number JR/88124", "B47/33921-8");
* broken by a line break ("4401\n882910") or after its stated length ("account is 6 digits i think... 418820");
* said in pairs or mixed with digits ("ninety-one forty-four twenty-eight eighteen", "30 9 1 8 2 7 7 4 four").

>>> text = "Accountnumber50662718 sortcode207788"
>>> [(f.entity_type, text[f.start : f.end]) for f in account_findings(text)]
[('ACCOUNT_NUMBER', '50662718')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.integrations.pii_numbers import (
    account_around,
    after_reference,
    classify_digits,
    is_quantity,
    nearest_cue,
)
from assistant.integrations.pii_types import PiiFinding, luhn_ok

_ACCOUNT_WORD = r"(?:accounts?|acount|accout|accont|acct|accnt|acnt|acc|a/c)"
_GLUED = re.compile(
    rf"(?i)\b{_ACCOUNT_WORD}(?:no|num|nr|number|[ ]number|[ ]?no\.(?:is)?|[ ]?(?:no|num|number)[ ]?is)?"
    r"[-–]?(\d{6,17})(?!\w)"
)
# an account id with letters, joined by dashes, dots or slashes, just after its cue: "brokerage acct HL-4419-2837",
# "my brokerage account is 5KT-20931" (at least four digits and one letter, so never a date; the separator keeps out
# an IBAN)
_LETTERED = re.compile(
    rf"(?i)\b(?:{_ACCOUNT_WORD}|brokerage|checking|savings|loan|mortgage)(?:[ ]?(?:number|no\.?|num|#|id))?"
    r"(?:\s+(?:is|was|=)\s+|\s*[:#=]\s*|\s+)"
    r"(?!(?:number|num|no)\b)((?=[A-Z0-9./-]*[A-Z])(?=(?:[A-Z./-]*\d){4})[A-Z0-9]+(?:[-/.][A-Z0-9]+)+)(?![\w/-]|[.,]\w)"
)
# a product's letters, a dash and six or more digits, shortly after an account cue that is not its own: "my acct
# number has letters in it? HSA-00482910" (a reference, error or order cue nearer keeps it)
_LETTERED_NEAR = re.compile(r"(?<![\w/.-])([A-Z]{2,4}-\d{6,12})(?![\w/-]|[.,]\w)")
# the suffix a lender or credit union puts after an account number: "90114382/01", "3392018475/S01"
_SUFFIX = re.compile(r"/[A-Z]{0,3}\d{1,3}(?![\w/])")
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


# a roll number names a building society account: letters and digits joined by slashes, dashes or dots
_ROLL = re.compile(
    r"(?i)\broll (?:number|no\.?|num|#)(?:\s*[:=#-]\s*|[^\n.!?\d]{0,50}?\s(?:is|was)\s+|\s+)"
    r"([A-Z0-9]+(?:[./-][A-Z0-9]+)*)"
)
_LINE_BROKEN = re.compile(r"(?<![\w,.£$€-])(\d{2,9})[ \t]*\n[ \t]*(\d{2,9})(?![\w-]|[.,]\d)")
_LENGTH_WORDS = {w: n for n, w in enumerate("six seven eight nine ten eleven twelve".split(), start=6)}
_STATED_LENGTH = re.compile(
    rf"(?i)\b{_ACCOUNT_WORD}(?: number| no\.?| #)?\b[^\n\d]{{0,20}}?\b(\d{{1,2}}|{'|'.join(_LENGTH_WORDS)})[ -]digits?"
    r"(?: long)?\b[^\n\d£$€]{0,30}?(?<![\w.,£$€-])(\d(?:[ -]?\d){5,16})(?![\w-]|[.,]\d)"
)


def account_findings(text: str) -> Iterator[PiiFinding]:
    """Account numbers (and an O-for-zero sort code) of ``text`` in the forms of the module docstring."""
    for m in _GLUED.finditer(text):
        yield PiiFinding("ACCOUNT_NUMBER", m.start(1), m.end(1), 0.75)
    for m in _LETTERED.finditer(text):
        if {ch.lower() for ch in m.group(1) if ch.isalpha()} != {"x"}:  # not a masked "xxxx-4421"
            yield PiiFinding("ACCOUNT_NUMBER", m.start(1), m.end(1), 0.7)
    for m in _LETTERED_NEAR.finditer(text):
        if _account_cued(text, m.start(1)):
            yield PiiFinding("ACCOUNT_NUMBER", m.start(1), m.end(1), 0.7)
    for m in _O_FOR_ZERO.finditer(text):
        if is_quantity(text, m.start(), m.end()):
            continue
        if nearest_cue(text, m.start(), ("account", "sort", "ref", "card", "phone")) in ("account", "sort"):
            kind = classify_digits(text, m.start(), re.sub("[Oo]", "0", m.group()), m.end())
            if kind in ("ACCOUNT_NUMBER", "UK_SORT_CODE"):
                yield PiiFinding(kind, m.start(), m.end(), 0.7)
    for m in _ROLL.finditer(text):
        if sum(ch.isdigit() for ch in m.group(1)) >= 4:
            yield PiiFinding("ACCOUNT_NUMBER", m.start(1), m.end(1), 0.75)
    for m in _LINE_BROKEN.finditer(text):  # a number the customer's app wrapped
        if _account_cued(text, m.start()) and 7 <= len(m.group(1) + m.group(2)) <= 17:
            yield PiiFinding("ACCOUNT_NUMBER", m.start(), m.end(), 0.7)
    for m in _STATED_LENGTH.finditer(text):
        length = int(m.group(1)) if m.group(1).isdigit() else _LENGTH_WORDS[m.group(1).lower()]
        at, end = m.start(2), m.end(2)
        if len(re.sub(r"\D", "", m.group(2))) == length and not (
            after_reference(text, at) or is_quantity(text, at, end)
        ):
            yield PiiFinding("ACCOUNT_NUMBER", m.start(2), m.end(2), 0.7)
    yield from spoken_accounts(text)
    yield from _parts(text)
    yield from _completed(text)


def with_account_suffixes(text: str, findings: list[PiiFinding]) -> list[PiiFinding]:
    """Account numbers widened over the suffix typed after them ("90114382/01", "3392018475/S01")."""
    out = []
    for f in findings:
        m = _SUFFIX.match(text, f.end) if f.entity_type == "ACCOUNT_NUMBER" else None
        out.append(PiiFinding(f.entity_type, f.start, m.end(), f.score) if m else f)
    return out


def _account_cued(text: str, start: int) -> bool:
    return nearest_cue(text, start, ("account", "sort", "ref", "card", "phone")) == "account"


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


_DIGIT_NAMES = "zero one two three four five six seven eight nine".split()
_UNITS = [*_DIGIT_NAMES, "oh", "nought"]
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_UNIT_VALUES = {w: str(i) for i, w in enumerate(_DIGIT_NAMES)} | {"oh": "0", "nought": "0"}
_SAID = (
    rf"(?:(?:double|triple)\s+)?(?:(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_DIGIT_NAMES[1:])}))?"
    rf"|{'|'.join(_TEENS)}|{'|'.join(_UNITS)}|\d{{1,4}})"
)
# a number said in pairs or partly in words: "ninety-one forty-four twenty-eight eighteen", "30 9 1 8 2 7 7 4 four"
_SAID_NUMBER = re.compile(rf"(?i)(?<![\w,.£$€-]){_SAID}(?:[\s,-]+{_SAID}){{2,17}}\b(?![.,]\d)")
_SAID_TOKEN = re.compile(rf"(?i){_SAID}")


def spoken_accounts(text: str) -> Iterator[PiiFinding]:
    """Account numbers said in pairs ("twenty two ninety one") or with digits and digit words mixed, after an account
    cue or named as an account just after; numbers said digit by digit are found by the digit rules."""
    for m in _SAID_NUMBER.finditer(text):
        tokens = [" ".join(t.group().lower().split()) for t in _SAID_TOKEN.finditer(m.group())]
        words = [t for t in tokens if not t.isdigit()]
        if not words or all(re.sub(r"^(?:double|triple)\s+", "", t) in _UNITS for t in tokens):
            continue  # digits alone, or digit words alone (the digit rules' own)
        digits = "".join(_said_digits(t) for t in tokens)
        if not 6 <= len(digits) <= 17 or after_reference(text, m.start()) or is_quantity(text, m.start(), m.end()):
            continue
        near = nearest_cue(text, m.start(), ("account", "sort", "ref", "card", "phone")) == "account"
        if near or account_around(text, m.start(), m.end()):
            yield PiiFinding("ACCOUNT_NUMBER", m.start(), m.end(), 0.7)


def _said_digits(token: str) -> str:
    """The digits of one said token: "double four" -> "44", "ninety-one" -> "91", "forty" -> "40", "13" -> "13"."""
    times = 1
    head, _, rest = token.partition(" ")
    if head in ("double", "triple"):
        times, token = (2 if head == "double" else 3), rest.strip()
    if token.isdigit():
        return token * times
    parts = re.split(r"[- ]+", token)
    if parts[0] in _TENS:
        value = str(_TENS.index(parts[0]) + 2) + (_UNIT_VALUES[parts[1]] if len(parts) > 1 else "0")
    elif parts[0] in _TEENS:
        value = str(_TEENS.index(parts[0]) + 10)
    else:
        value = _UNIT_VALUES[parts[0]]
    return value * times
