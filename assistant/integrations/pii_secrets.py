"""Secrets typed after a cue: passwords, passcodes, PINs, memorable words, security answers and one-time codes
(the secret only, not the cue).

>>> from assistant.integrations.pii_types import merge_spans
>>> [("my pin is 4821"[f.start : f.end]) for f in merge_spans([*secret_findings("my pin is 4821")])]
['4821']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.integrations.pii_types import PiiFinding, trim_span

_SECRET_CUE = (
    r"(?:pass ?word|passcode|pass code|passphrase|pass phrase|password|memorable (?:word|info(?:rmation)?|answer)"
    r"|security (?:answer|word)|secret (?:word|answer)|security question(?:'s)? answer|maiden name"
    r"|answer to (?:my|the) (?:security|secret) question)"
)
_CODE_CUE = (
    r"(?:pin(?: number| code)?|one[- ]time (?:pass ?code|code|password|passcode|pin)|otp|verification code"
    r"|security code|auth(?:entication|orisation|orization)? code|2fa code|sms code|text(?:ed)? code"
    r"|code (?:you |they |that was |which was )?(?:sent|texted|emailed)(?: me| to me)?|cvv2?|cvc|card security code"
    r"|the code)"
)
_FILLER = (
    r"(?:\s*(?:(?:is still|was set to|set to|changed to|is|was|'s|’s|of|as|to|it's|it is|should be|would be|were)"
    r"(?![\w'’])|[=:,-])\s*)+"
)
_SECRET = re.compile(rf"(?i)\b{_SECRET_CUE}\b{_FILLER}[\"'“‘]?([^\s\"'“”‘’]+(?: [^\s\"'“”‘’]+)?)?")
_SECRET_BARE = re.compile(rf"(?i)\b{_SECRET_CUE}\s+([^\s\"'“”‘’]*[\d!@#$%^&*_+=~][^\s\"'“”‘’]*)")
# "pass", "pw", "pwd" are also ordinary words ("boarding pass"): only a token with a digit or symbol counts.
_WEAK_SECRET = re.compile(rf"(?i)\b(?:pass|pw|pwd)\b(?:{_FILLER}|\s+)([^\s\"'“”‘’]*[\d!@#$%^&*_+=~][^\s\"'“”‘’]*)")
_SECRET_QUOTED = re.compile(rf"(?i)\b{_SECRET_CUE}\b{_FILLER}[\"“‘']([^\"”’']{{1,40}})[\"”’']")
_CODE = re.compile(rf"(?i)\b{_CODE_CUE}\b(?:{_FILLER}|\s+)[\"'“‘]?(\d(?:[ -]?\d){{2,7}}|(?=[A-Z]*\d)[A-Z0-9]{{4,8}})\b")
_NOT_A_SECRET = frozenset(
    """not wrong incorrect invalid expired locked blocked correct right the my a an too very still being now no
    case required needed compromised stolen hacked leaked forgotten lost reset changed different same long short
    weak strong fine ok okay working accepted rejected saved stored secure safe new old tied linked broken it that
    this what there for in on at and or but so because if when since just also really definitely probably
    apparently meant supposed going asking getting showing saying coming please again anymore any all both none
    one something anything nothing sent texted emailed expiring valid unknown never always being having doing
    asked someone somebody you your me i we they he she them our their his her its with without from by to up
    down out over under about into through been be are were has have had do does did can could should would
    will shall may might must ever until after before here where which who whom whose why how than then
    manager field box reset? change screen page""".split()
)


_CODE_NEAR = re.compile(
    r"(?i)\b(?<!sort )(?:pin|passcode|pass code|one[- ]time code|otp|code|cvv2?|cvc)\b[^.?!\n\d£$€]{0,30}?"
    r"(?<![£$€\d.,])(\d{3,8}(?:[ -]\d{3,4})?)(?![\d.,]\d|\s?(?:pounds|dollars|quid|p\b|%))\b"
)


def secret_findings(text: str) -> Iterator[PiiFinding]:
    for m in _SECRET_QUOTED.finditer(text):
        yield PiiFinding("PASSWORD", m.start(1), m.end(1), 0.9)
    for m in _SECRET.finditer(text):
        if m.group(1) is None:
            continue
        words = m.group(1).split(" ")
        first = words[0].strip(".,;:!?").lower()
        if not first or first in _NOT_A_SECRET:
            continue
        start, end = m.start(1), m.start(1) + len(words[0])
        # a second word belongs to the secret only when it looks like part of one (digits, symbols, capitals)
        if len(words) > 1 and re.search(r"[\d!@#$%^&*_+=~]", words[1]) and words[1].lower() not in _NOT_A_SECRET:
            end = m.end(1)
        yield PiiFinding("PASSWORD", *trim_span(text, start, end), 0.85)
    for m in _WEAK_SECRET.finditer(text):
        yield PiiFinding("PASSWORD", *trim_span(text, m.start(1), m.end(1)), 0.75)
    for m in _SECRET_BARE.finditer(text):
        if m.group(1).lower().strip(".,;:!?") not in _NOT_A_SECRET:
            yield PiiFinding("PASSWORD", *trim_span(text, m.start(1), m.end(1)), 0.8)
    for m in _CODE.finditer(text):
        value = m.group(1)
        if not any(c.isdigit() for c in value):
            continue
        yield PiiFinding("PASSWORD", *trim_span(text, m.start(1), m.end(1)), 0.85)
    for m in _CODE_NEAR.finditer(text):
        yield PiiFinding("PASSWORD", m.start(1), m.end(1), 0.7)
