"""Secrets typed after a cue: passwords, passcodes, PINs, memorable words, security answers and one-time codes
(the secret only, not the cue).

Every cue is in one table, :data:`SECRET_CUES`, by the kind of secret that follows it: a ``phrase`` may run to four
words ("memorable phrase is purple elephant dance"), a ``word`` to two, a ``code`` is digits or a short alphanumeric.

>>> from assistant.integrations.pii_types import merge_spans
>>> [("my pin is 4821"[f.start : f.end]) for f in merge_spans([*secret_findings("my pin is 4821")])]
['4821']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.integrations.pii_types import PiiFinding, trim_span

_POSS = r"(?:'s|’s|s'|s)?"  # "mother's", "mothers", "pets'"
SECRET_CUES: dict[str, str] = {
    "phrase": (
        r"passphrase|pass phrase|memorable (?:phrase|info(?:rmation)?|answer|name|place|date|data)"
        r"|security (?:answer|phrase)|secret (?:answer|phrase)|security question" + _POSS + r" answer"
        r"|(?:my )?answer (?:to|for) (?:my |the )?(?:security|secret) question"
        r"|(?:mother|mum|mom)" + _POSS + r" maiden name|maiden name|(?:first )?pet" + _POSS + r" name"
        r"|name of (?:my |the )?(?:first )?pet|first (?:pet|school|car|teacher|street|boss|love|concert)"
        r"|childhood (?:friend|nickname|street|hero|best friend)|best friend" + _POSS + r" name"
        r"|favou?rite (?:teacher|colou?r|food|film|movie|book|band|team|singer|song|holiday|place|subject)"
    ),
    "word": (
        r"pas{1,2}[ -]?w(?:or|ro|o|a|r)?r?d|passowrd|pwd|pword|p-word|p/w|pw|passwd|pswd|passcode|pass code"
        r"|memorable word|security word|secret word|credentials|(?:log ?in|log-in|sign[- ]?in)(?: password| pin"
        r"| code| details)?|online banking (?:password|passcode)"
    ),
    "code": (
        r"pin(?: number| code| no)?|one[- ]time (?:pass ?code|code|password|passcode|pin)|otp|verification code"
        r"|security (?:code|number|pin)|auth(?:entication|entificat\w+|orisation|orization)? code|2fa code|sms code"
        r"|text(?:ed)? code|access code|authenticator code|card security code|cvv2?|cvc|the code"
        r"|code (?:you |they |that was |which was |that i was |i was |i got |i received )?(?:sent|texted|emailed|got"
        r"|received)(?: me| to me)?"
    ),
}
_ANY_CUE = "|".join(f"(?:{p})" for p in SECRET_CUES.values())
_WORD_OR_PHRASE_CUE = f"(?:{SECRET_CUES['phrase']})|(?:{SECRET_CUES['word']})"
_FILLER = (
    r"(?:\s*(?:(?:is still|was set to|set to|changed to|changed it to|is now|will be|is going to be|is|was|are|were"
    r"|'s|’s|of|as|to|it's|it is|its|which is|which was|that is|that was|should be|would be|used to be|reads|says"
    r"|now|i think|i believe|maybe"
    r"|probably|either)(?![\w'’])|[=:,?-]|->|→)\s*)+"
)
# "the password I set was ...", "the new password i want is ..."
_RELATIVE = (
    r"(?:\s+(?:that |which )?(?:i|we|you) (?:set|chose|use|used|picked|made|created|typed|entered|put in|gave|want"
    r"|wanted|would like|'d like|will use|want to use|had|have|gave you))?"
)
# between a cue and its value: "(case sensitive)", "for online banking", "on my card"
_QUALIFIER = (
    r"(?:\s*\([^()\n]{1,30}\))?"
    r"(?:\s+(?:for|on|to|of|with) (?:my |the |our |your |this |that )?[\w-]+(?: [\w-]+){0,2}?(?=\s*(?:is|was|'s|:|=)))?"
)
_WORD = r"[^\s\"'“”‘’]+(?:['’][^\s\"'“”‘’]+)*"  # "St Mary's", "O'Neill"
_SHAPED = r"[^\s\"'“”‘’]*[\d!@#$%^&*_+=~][^\s\"'“”‘’]*"  # a token with a digit or a symbol in it
# after a cue: up to four words; how many belong to the secret is decided in _leading_secret
# (a lookahead, so that one cue's words do not hide the next cue: "Login: ann1 Password: Chiefs#2020!")
_SECRET = re.compile(
    rf"(?i)\b(?=({_WORD_OR_PHRASE_CUE})\b{_QUALIFIER}{_RELATIVE}{_FILLER}[\"'“‘]?"
    rf"(?:(?:a|an|called|named) )?({_WORD}(?: {_WORD}){{0,3}})?)"
)
# without a filler, a single word that ends its clause: "memorable word pepper."
_SECRET_LAST = re.compile(rf"(?i)\b(?:{_WORD_OR_PHRASE_CUE}) ([^\s\"'“”‘’.,;!?]+)(?=[.,;!?]|\s*$)")
# alternatives after a secret: "... was Cardigan or cardigan123", "'x' I think or maybe snowdonia", "jsmith / Kettle9"
_ALTERNATIVE = re.compile(
    rf"(?i)[\"'”’]?(?:(?:\s+i think|\s+i guess)?,?\s+or\s+(?:maybe\s+|perhaps\s+|possibly\s+)?|\s*/\s*)"
    rf"[\"'“‘]?({_WORD})"
)
# "my pin was 1234 but i changed it to 6060"
_CHANGED_IT = re.compile(
    rf"(?i)\b(?:{_ANY_CUE})\b[^.!?\n]{{0,60}}?\b(?:changed|set|reset|updated|made|switched) it(?: to| as| into)?"
    rf"\s+[\"'“‘]?({_SHAPED})"
)
# "I reset my password, the new one is Bluebird!7"
_NEW_ONE = re.compile(
    rf"(?i)\b(?:{_ANY_CUE})\b[^!?\n]{{0,60}}?\b(?:new|old|current|temporary|temp|real|right|correct) one"
    r"(?: is| was|'s|:| =)\s+[\"'“‘]?([^\s\"'“”‘’]+)"
)
_SECRET_BARE = re.compile(rf"(?i)\b(?:{_WORD_OR_PHRASE_CUE})\s+({_SHAPED})")
# a token of letters and digits (or symbols) shortly after a password cue in the same clause: "my password is my
# dog's name Rufus123"
_SECRET_SHAPED = re.compile(
    rf"(?i)\b(?:{SECRET_CUES['word']})\b[^.!?\n]{{0,40}}?(?<![^\s\"'“‘(:=])"
    r"((?=[^\s\"'“”‘’]*[A-Za-z])(?=[^\s\"'“”‘’]*[\d!@#$%^&*])[^\s\"'“”‘’]{4,})"
)
# "pass" is also an ordinary word ("boarding pass"): only a token with a digit or symbol counts.
_WEAK_SECRET = re.compile(rf"(?i)\bpass\b(?:{_FILLER}|\s+)({_SHAPED})")
# a quoted secret anywhere shortly after a cue ("my password, the new one, is 'blue horizon'")
_SECRET_QUOTED = re.compile(
    rf"(?i)\b(?:{_ANY_CUE})\b[^\"“”\n]{{0,30}}?(?<=[\s:=(])[\"“‘']([^\"”’'\n]{{1,40}})[\"”’'](?![A-Za-z])"
)
# the secret before its cue: "Summer2024! is my password", "I used 'rover' as the security answer"
_SECRET_BEFORE = re.compile(
    rf"(?i)(?<![\w'’])[\"“‘']?({_WORD}?)[\"”’']?\s+(?:is|was|as|=)\s+(?:my|the|our)\s+(?:new |old |current )?"
    rf"(?:{_ANY_CUE})\b"
)
# "the security question is ... and the answer is Rover"
_ANSWER = re.compile(
    rf"(?i)(?:\bquestion\b[^.?!\n]{{0,60}}?\banswer\b|\banswer (?:to|for) [\"'‘“][^\"'’”\n]{{1,60}}[\"'’”])"
    rf"{_FILLER}[\"'“‘]?({_WORD}(?: {_WORD}){{0,3}})"
)
_CODE = re.compile(
    rf"(?i)\b(?:{SECRET_CUES['code']})\b{_QUALIFIER}(?:{_FILLER}|\s+)[\"'“‘]?"
    r"(\d(?:[ -]?\d){2,7}|(?=[A-Z]*\d)[A-Z0-9]{4,8})\b"
)
# digits shortly after a PIN or code cue with no filler: "pin hasn't worked, try 4417"; not after the words that
# make a number something else ("since 2019", "ending 4421", "it took 200") nor a code that is not a secret
_CODE_NEAR = re.compile(
    r"(?i)\b(?:pin|passcode|pass code|one[- ]time code|otp|code|cvv2?|cvc)\b([^.?!\n\d£$€]{0,30}?)"
    r"(?<![£$€\d.,])(\d{3,8}(?:[ -]\d{3,4})?)(?![\d.,]\d|\s?(?:pounds|dollars|quid|p\b|%))\b"
)
_NOT_A_SECRET_CODE = re.compile(
    r"(?i)\b(?:sort|error|promo|promotional|discount|voucher|coupon|gift|referral|tax|post|zip|area|dialling|dialing"
    r"|country|swift|bic|bank|branch|reason|status|response|reference|ref|transaction|merchant|product|qr|bar|fault"
    r"|tariff|ussd|mcc|currency|course|dress|source|reward|offer)\s+$"
)
_NOT_A_CODE_GAP = re.compile(
    r"(?i)\b(?:since|until|till|after|before|ending|ends?|last|took|withdr\w*|paid|pay|spent|cost|costs"
    r"|limit|at|within|every|for card|tries|attempts|version|error|year|years)\b"
)
_YEAR_AFTER = re.compile(r"(?i)\b(?:in|from|of|by|during)\s*$")
_UNIT_AFTER = re.compile(
    r"(?i)\s?(?:digits?|characters?|chars?|letters?|numbers?|times?|tries|attempts?|goes|minutes?|mins?|seconds?"
    r"|secs?|hours?|hrs?|days?|weeks?|months?|years?|yrs?|long|%|percent|pounds?|quid|dollars?|euros?|pence|p)\b"
)
_NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten eleven twelve fifteen twenty".split())
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
    manager field box reset? change screen page mandatory displayed shown hidden masked recognised recognized
    sensitive case-sensitive due easy hard simple complicated complex unique personal private confidential
    updated needs need asks ask requires require answer question security password passcode pin code""".split()
)
# words that end a secret of several words ("sunshine and it won't work", "blue horizon but")
_SECRET_ENDS = _NOT_A_SECRET | frozenset(
    """doesn't don't won't isn't wasn't can't cannot didn't keeps keep works work worked says said tried try
    yesterday today tonight earlier since last this though however thanks thank lol pls plz reset change
    expired updated recently earlier help locked""".split()
)


def secret_findings(text: str) -> Iterator[PiiFinding]:
    found = [f for f in _cued_secrets(text) if _plausible(text, f)]
    for f in list(found):  # "... Cardigan or cardigan123": the alternatives are secrets too
        alt = _ALTERNATIVE.match(text, f.end)
        if alt and alt.group(1).lower().strip(".,;:!?") not in _SECRET_ENDS:
            alt_finding = PiiFinding("PASSWORD", *trim_span(text, alt.start(1), alt.end(1)), 0.7)
            if _plausible(text, alt_finding):
                found.append(alt_finding)
    yield from found


def _plausible(text: str, f: PiiFinding) -> bool:
    """Whether a candidate secret can be one: it has a letter or digit, is not an ordinary word, and is not a
    count ("6 digits", "12 characters long", "six letters")."""
    value = text[f.start : f.end]
    if not any(ch.isalnum() for ch in value) or value.lower().strip(".,;:!?") in _NOT_A_SECRET:
        return False
    first = value.split(" ")[0].lower()
    if first.isdigit() or first in _NUMBER_WORDS:
        after = text[f.start + len(first) :] if " " in value else text[f.end :]
        if _UNIT_AFTER.match(after):
            return False
    return True


def _cued_secrets(text: str) -> Iterator[PiiFinding]:
    for m in _SECRET_QUOTED.finditer(text):
        yield PiiFinding("PASSWORD", m.start(1), m.end(1), 0.9)
    for m in _SECRET.finditer(text):
        if m.group(2) is not None:
            phrase = bool(re.fullmatch(SECRET_CUES["phrase"], m.group(1), flags=re.IGNORECASE))
            yield from _leading_secret(text, m.start(2), m.group(2), 4 if phrase else 2)
    for m in _SECRET_LAST.finditer(text):
        if m.group(1).lower() not in _SECRET_ENDS:
            yield PiiFinding("PASSWORD", m.start(1), m.end(1), 0.7)
    for pattern in (_CHANGED_IT, _WEAK_SECRET, _SECRET_BARE, _SECRET_SHAPED):
        for m in pattern.finditer(text):
            yield PiiFinding("PASSWORD", *trim_span(text, m.start(1), m.end(1)), 0.75)
    for m in _NEW_ONE.finditer(text):
        yield from _leading_secret(text, m.start(1), m.group(1), 1)
    for m in _ANSWER.finditer(text):
        yield from _leading_secret(text, m.start(1), m.group(1), 4)
    for m in _SECRET_BEFORE.finditer(text):
        if m.group(1):
            yield PiiFinding("PASSWORD", m.start(1), m.end(1), 0.75)
    for m in _CODE.finditer(text):
        if any(c.isdigit() for c in m.group(1)):
            yield PiiFinding("PASSWORD", *trim_span(text, m.start(1), m.end(1)), 0.85)
    for m in _CODE_NEAR.finditer(text):
        if _NOT_A_SECRET_CODE.search(text[max(0, m.start() - 20) : m.start()]) or _NOT_A_CODE_GAP.search(m.group(1)):
            continue
        if re.fullmatch(r"(?:19|20)\d\d", m.group(2)) and _YEAR_AFTER.search(m.group(1)):
            continue  # "blocked in 2019"
        if not _UNIT_AFTER.match(text, m.end(2)):
            yield PiiFinding("PASSWORD", m.start(2), m.end(2), 0.7)


def _leading_secret(text: str, start: int, words_text: str, most: int) -> Iterator[PiiFinding]:
    """The secret at the head of ``words_text``: its first word, and the next ones (up to ``most``) until a word
    that ends it ("and", "but", "it", ...) or punctuation after a word; nothing when the first word is not one."""
    words = words_text.split(" ")
    first = words[0].strip(".,;:!?").lower()
    if not first or first in _NOT_A_SECRET or re.split(r"['’]", first)[0] in _NOT_A_SECRET | _SECRET_ENDS:
        return  # "I've", "it's", "don't"
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
