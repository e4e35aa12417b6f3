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

_PHRASE_CUE = (
    r"(?:passphrase|pass phrase|memorable (?:phrase|info(?:rmation)?|answer|name|place|date)|security (?:answer|phrase)"
    r"|secret (?:answer|phrase)|security question(?:'s|’s)? answer|maiden name|answer to (?:my|the) (?:security|secret)"
    r" question|(?:first )?pet(?:'s|’s)? name)"
)
_SECRET_CUE = (
    rf"(?:{_PHRASE_CUE}|"
    r"pas{1,2} ?w(?:or|ro|o)r?d|passcode|pass code|passwd|pswd|pwd|pw|memorable word|security word"
    r"|secret word|log ?in(?: password| pin| code| details)?|online banking (?:password|passcode))"
)
_CODE_CUE = (
    r"(?:pin(?: number| code)?|one[- ]time (?:pass ?code|code|password|passcode|pin)|otp|verification code"
    r"|security code|auth(?:entication|orisation|orization)? code|2fa code|sms code|text(?:ed)? code"
    r"|code (?:you |they |that was |which was )?(?:sent|texted|emailed)(?: me| to me)?|cvv2?|cvc|card security code"
    r"|the code)"
)
_FILLER = (
    r"(?:\s*(?:(?:is still|was set to|set to|changed to|changed it to|is now|will be|is going to be|is|was|'s|’s|of"
    r"|as|to|it's|it is|its|should be|would be|were|used to be|reads|says|now|i think|i believe|maybe|probably"
    r"|either)(?![\w'’])|[=:,?-])\s*)+"
)
# "the password I set was ...", "the new password i want is ..."
_RELATIVE = (
    r"(?:\s+(?:that |which )?(?:i|we|you) (?:set|chose|use|used|picked|made|created|typed|entered|put in|gave|want"
    r"|wanted|would like|'d like|will use|want to use|had|have|gave you))?"
)
_WORD = r"[^\s\"'“”‘’]+"
# after a cue: up to four words; how many belong to the secret is decided in secret_findings
# (a lookahead, so that one cue's words do not hide the next cue: "Login: ann1 Password: Chiefs#2020!")
_SECRET = re.compile(rf"(?i)\b(?=({_SECRET_CUE})\b{_RELATIVE}{_FILLER}[\"'“‘]?({_WORD}(?: {_WORD}){{0,3}})?)")
# without a filler, a single word that ends its clause: "memorable word pepper."
_SECRET_LAST = re.compile(rf"(?i)\b(?:{_SECRET_CUE}) ([^\s\"'“”‘’.,;!?]+)(?=[.,;!?]|\s*$)")
# alternatives after a secret: "... was Cardigan or cardigan123", "'x' I think or maybe snowdonia"
_ALTERNATIVE = re.compile(
    rf"(?i)[\"'”’]?(?:\s+i think|\s+i guess)?,?\s+or\s+(?:maybe\s+|perhaps\s+|possibly\s+)?[\"'“‘]?({_WORD})"
)
# "my pin was 1234 but i changed it to 6060"
_CHANGED_IT = re.compile(
    rf"(?i)\b(?:{_SECRET_CUE}|{_CODE_CUE})\b[^.!?\n]{{0,60}}?\b(?:changed|set|reset|updated|made|switched) it"
    r"(?: to| as| into)?\s+[\"'“‘]?([^\s\"'“”‘’]*[\d!@#$%^&*_+=~][^\s\"'“”‘’]*)"
)
_SECRET_BARE = re.compile(rf"(?i)\b{_SECRET_CUE}\s+([^\s\"'“”‘’]*[\d!@#$%^&*_+=~][^\s\"'“”‘’]*)")
# "pass" is also an ordinary word ("boarding pass"): only a token with a digit or symbol counts.
_WEAK_SECRET = re.compile(rf"(?i)\bpass\b(?:{_FILLER}|\s+)([^\s\"'“”‘’]*[\d!@#$%^&*_+=~][^\s\"'“”‘’]*)")
# a quoted secret anywhere shortly after a cue ("my password, the new one, is 'blue horizon'")
_SECRET_QUOTED = re.compile(
    rf"(?i)\b(?:{_SECRET_CUE}|{_CODE_CUE})\b[^\"“”\n]{{0,30}}?(?<=[\s:=(])[\"“‘']([^\"”’'\n]{{1,40}})[\"”’'](?![A-Za-z])"
)
# the secret before its cue: "Summer2024! is my password", "I used 'rover' as the security answer"
_SECRET_BEFORE = re.compile(
    rf"(?i)(?<![\w'’])[\"“‘']?({_WORD}?)[\"”’']?\s+(?:is|was|as|=)\s+(?:my|the|our)\s+(?:new |old |current )?"
    rf"(?:{_SECRET_CUE}|{_CODE_CUE})\b"
)
# "the security question is ... and the answer is Rover"
_ANSWER = re.compile(
    rf"(?i)(?:\bquestion\b[^.?!\n]{{0,60}}?\banswer\b|\banswer (?:to|for) [\"'‘“][^\"'’”\n]{{1,60}}[\"'’”])"
    rf"{_FILLER}[\"'“‘]?({_WORD}(?: {_WORD}){{0,3}})"
)
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
# words that end a secret of several words ("sunshine and it won't work", "blue horizon but")
_SECRET_ENDS = _NOT_A_SECRET | frozenset(
    """doesn't don't won't isn't wasn't can't cannot didn't keeps keep works work worked says said tried try
    yesterday today tonight earlier since last this though however thanks thank lol pls plz reset change
    expired updated recently earlier help locked""".split()
)


_CODE_NEAR = re.compile(
    r"(?i)\b(?<!sort )(?:pin|passcode|pass code|one[- ]time code|otp|code|cvv2?|cvc)\b[^.?!\n\d£$€]{0,30}?"
    r"(?<![£$€\d.,])(\d{3,8}(?:[ -]\d{3,4})?)(?![\d.,]\d|\s?(?:pounds|dollars|quid|p\b|%))\b"
)


def secret_findings(text: str) -> Iterator[PiiFinding]:
    found = list(_cued_secrets(text))
    for f in found:  # "... Cardigan or cardigan123": the alternatives are secrets too
        alt = _ALTERNATIVE.match(text, f.end)
        if alt and alt.group(1).lower().strip(".,;:!?") not in _SECRET_ENDS:
            found.append(PiiFinding("PASSWORD", *trim_span(text, alt.start(1), alt.end(1)), 0.7))
    yield from found


def _cued_secrets(text: str) -> Iterator[PiiFinding]:
    for m in _SECRET_QUOTED.finditer(text):
        yield PiiFinding("PASSWORD", m.start(1), m.end(1), 0.9)
    for m in _SECRET.finditer(text):
        if m.group(2) is not None:
            phrase = bool(re.fullmatch(_PHRASE_CUE, m.group(1), flags=re.IGNORECASE))
            yield from _leading_secret(text, m.start(2), m.group(2), 4 if phrase else 2)
    for m in _SECRET_LAST.finditer(text):
        if m.group(1).lower() not in _SECRET_ENDS:
            yield PiiFinding("PASSWORD", m.start(1), m.end(1), 0.7)
    for m in _CHANGED_IT.finditer(text):
        yield PiiFinding("PASSWORD", *trim_span(text, m.start(1), m.end(1)), 0.75)
    for m in _ANSWER.finditer(text):
        yield from _leading_secret(text, m.start(1), m.group(1), 4)
    for m in _SECRET_BEFORE.finditer(text):
        if m.group(1) and m.group(1).lower() not in _NOT_A_SECRET:
            yield PiiFinding("PASSWORD", m.start(1), m.end(1), 0.75)
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


def _leading_secret(text: str, start: int, words_text: str, most: int) -> Iterator[PiiFinding]:
    """The secret at the head of ``words_text``: its first word, and the next ones (up to ``most``) until a word
    that ends it ("and", "but", "it", ...) or punctuation after a word; nothing when the first word is not one."""
    words = words_text.split(" ")
    first = words[0].strip(".,;:!?").lower()
    if not first or first in _NOT_A_SECRET:
        return
    taken = 1
    if not re.search(r"[.,;:!?]$", words[0]):
        for word in words[1:most]:
            bare = word.strip(".,;:!?")
            if not bare or bare.lower() in _SECRET_ENDS or word.endswith(":"):
                break
            taken += 1
            if bare != word:
                break
    end = start + len(" ".join(words[:taken]))
    yield PiiFinding("PASSWORD", *trim_span(text, start, end), 0.85)
