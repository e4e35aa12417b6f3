"""Secrets found through other secrets, or through what the customer did with them, rather than right after a cue:

* a secret typed again ("pw is hunter2 lol. no seriously its hunter2"), in any case ("Mr Whiskers ... mr whiskers");
* a correction of a secret ("120588 - sorry I meant 120858", "2046?? or was it 2064", "7741?? no its 7714");
* digits named as a code just after them ("It's 5555. The PIN.", "7714 - the pin");
* a quoted secret named after it ("'river stone blue kettle' for the passphrase");
* a password-shaped token (letters with digits or symbols) that was set, typed or changed ("I reset it to
  Bl@ckCoffee_2024", "Kettle&Crumpets99 is what I set it to");
* a code handed over after a code was asked for ("the code sent to my email. got it: 8D4K2Q");
* a secret that was set or changed, told after the cue ("I changed my pin to 0 7 0 7", "i set the pin as my old
  house number twice, 1717");
* a password-shaped token given before its cue in the same sentence ("Its Gr@ndma1948, sorry you asked for the
  password");
* a second guess at a secret ("is Oakfield but might be Oakfield Juniors").

>>> text = "pw is hunter2 lol. no seriously its hunter2"
>>> found = [PiiFinding("PASSWORD", 6, 13, 0.85)]
>>> [(f.start, text[f.start : f.end]) for f in linked_secrets(text, found)]
[(36, 'hunter2')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.integrations.pii_numbers import after_reference
from assistant.integrations.pii_secret_words import NOT_A_SECRET, SECRET_ENDS, leading_secret
from assistant.integrations.pii_secrets import _ANY_CUE, _NOT_A_SECRET_CODE, _UNIT_AFTER, _WORD, SECRET_CUES
from assistant.integrations.pii_types import PiiFinding, trim_span

# words that correct what came before: "sorry I meant", "wait no,", "or was it", "no its"
_FIXING = r"(?:sorry|oops|wait|no|nope|actually|hang on|hmm|ugh)\b[,.!]?\s*"
_MEANT = r"(?:i meant|i mean|it'?s|it’s|its|it is|it was|should be|make that|or was it|or is it|or maybe)"
_CORRECTION_AFTER = re.compile(
    rf"(?i)[\"'”’]?\s*[?!.,;]*\s*(?:[-–—]+\s*)?((?:{_FIXING})+(?:{_MEANT}\s+)?|{_MEANT}\s+)[\"'“‘]?({_WORD})"
)
_CORRECTION_BEFORE = re.compile(
    rf"(?i)(?<![\w'’])[\"'“‘]?({_WORD})[\"'”’]?\s*[?!.,;]*\s*(?:[-–—]+\s*)?(?:{_FIXING})+{_MEANT}\s+[\"'“‘]?$"
)
# digits named as a PIN or code just after them; not a year after "since"/"in", not part of a longer number
_APPOSITION = re.compile(
    r"(?i)(?<![\w£$€.,:/-])(?<!\d )(\d{4,8})(?![\d.,]\d)\s*(?:[.,;:!?]+\s*|\s-+\s*|\s[–—]\s*)"
    r"(?:(?:that's|thats|that is|is|was|=)\s+)?(?:the|my|our|your) (?:new |old |current )?"
    r"(?:pin|passcode|pass code|otp|one[- ]time code|security code|code)\b"
    r"(?=\s*(?:[.,;:!?)]|$)|\s+(?:i|is|was|that|which|for|on|you|number)\b)"  # "the PIN machine" is something else
)
_YEAR_CONTEXT = re.compile(r"(?i)\b(?:since|in|from|until|till|by|of|during|year|ending|ends?|last|at|about)\s*$")
_QUOTED_BEFORE = re.compile(
    rf"(?i)[\"“‘']((?:[^\"”’'\n]|['’](?=\w)){{1,40}}?)[\"”’']\s+(?:is|was|as|for|=)\s+(?:(?:my|the|our|your)\s+)?"
    rf"(?:new |old |current )?(?:{_ANY_CUE})\b"
)
# letters (one lower-case at least) with digits or symbols, six characters or more: a password's shape
_STRONG = r"(?=[^\s\"'“”‘’]*[a-z])(?=[^\s\"'“”‘’]*[\d!@#$%^&*_+=~])[^\s\"'“”‘’]{6,}"
_SET_TO = re.compile(
    r"(?i)\b(?:chang(?:e|ed|ing)|reset(?:ting)?|set(?:ting)?|updat(?:e|ed|ing)|switch(?:ed|ing)?|made) "
    r"(?:it|that|mine)(?: (?:yesterday|today|earlier|recently|again|last night|last week|this morning|just now))?"
    r"(?: from [\"'“‘]?((?-i:" + _STRONG + r"))[\"'”’]?)? (?:to|as|into) "
    r"[\"'“‘]?((?-i:" + _STRONG + r"))"
)
_TYPED = re.compile(
    r"(?i)\b(?:typed|entered|tried|used|chose|picked|put in|set up|created) (?:in )?[\"'“‘]?((?-i:" + _STRONG + r"))"
)
_WHAT_I_SET = re.compile(
    r"(?i)(?<![^\s\"'“‘(:])[\"'“‘]?((?-i:" + _STRONG + r"))[\"'”’]?\s+(?:is|was) (?:what|the one|how) (?:i|we) "
    r"(?:set|typed|entered|used|chose|picked|changed|put)"
)
_HANDED_OVER = re.compile(
    r"(?i)\b(?:got it|here it is|here you go|here|it says|it said)\s*[:=-]\s*[\"'“‘]?"
    r"(\d(?:[ -]?\d){3,9}|(?=[A-Z]*\d)(?=\d*[A-Z])[A-Z0-9]{4,10})\b"
)
_CODE_ASKED = re.compile(rf"(?i)\b(?:{_ANY_CUE})\b")
# "I changed my pin to 0 7 0 7", "i set the pin as my old house number twice, 1717": digits or a shaped token, at
# once or after a short description that a comma, colon or dash closes
_SET_MY = re.compile(
    r"(?i)\b(?:chang(?:e|ed|ing)|reset(?:ting)?|set(?:ting)?|updat(?:e|ed|ing)|switch(?:ed|ing)?|made|make)"
    rf" (?:my|the|our|a) (?:new )?(?:{_ANY_CUE}) (?:to|as|into)\s+(?:[^.!?\n\d]{{0,40}}?[,:-]\s*)?[\"'“‘]?"
    r"(\d(?:[ -]?\d){2,11}(?![\d.,]\d)|(?-i:" + _STRONG + r"))"
)
# "Its Gr@ndma1948, sorry you asked for the password"
_GIVEN_BEFORE = re.compile(
    r"(?i)(?<![\w'’])(?:it's|it’s|its|it is|it was)\s+[\"'“‘]?((?-i:" + _STRONG + r"))[\"'”’]?\s*[,;:–—-]"
    rf"[^.!?\n]{{0,50}}?\b(?:{SECRET_CUES['word']})\b"
)
# a second password-shaped token offered as an alternative later in the sentence, a near variant of the first (the
# same first three characters): "... forgot if it's that or GoBucks2024!"
_OR_SHAPED = re.compile(r"(?i)[^.!?\n]{0,60}?\bor\s+(?:maybe\s+|was it\s+|is it\s+)?[\"'“‘]?((?-i:" + _STRONG + r"))")
# "is Oakfield but might be Oakfield Juniors": the second guess may run to several words
_MIGHT_BE = re.compile(r"(?i)[\"'”’]?,?\s+(?:but|or)\s+(?:it\s+)?(?:might|may|could|would|should)\s+be\s+[\"'“‘]?")


def context_secrets(text: str) -> Iterator[PiiFinding]:
    """Secrets known by what is said around them, not by a cue just before them (see the module docstring)."""
    for m in _APPOSITION.finditer(text):
        before = text[max(0, m.start() - 20) : m.start()]
        if not (_YEAR_CONTEXT.search(before) or _NOT_A_SECRET_CODE.search(before) or after_reference(text, m.start())):
            yield PiiFinding("PASSWORD", m.start(1), m.end(1), 0.7)
    for m in _QUOTED_BEFORE.finditer(text):
        value = m.group(1).strip()
        if value and value.split(" ")[0].lower() not in SECRET_ENDS:
            yield PiiFinding("PASSWORD", m.start(1), m.end(1), 0.75)
    for pattern in (_SET_TO, _TYPED, _WHAT_I_SET):
        for m in pattern.finditer(text):
            for g in range(1, (m.lastindex or 0) + 1):
                if m.group(g):
                    yield PiiFinding("PASSWORD", *trim_span(text, m.start(g), m.end(g)), 0.7)
    for pattern in (_SET_MY, _GIVEN_BEFORE):
        for m in pattern.finditer(text):
            if not _UNIT_AFTER.match(text, m.end(1)):  # "changed the pin to 4 digits"
                yield PiiFinding("PASSWORD", *trim_span(text, m.start(1), m.end(1)), 0.7)
    for m in _HANDED_OVER.finditer(text):
        if _CODE_ASKED.search(text, max(0, m.start() - 120), m.start()):
            yield PiiFinding("PASSWORD", m.start(1), m.end(1), 0.7)


def linked_secrets(text: str, found: list[PiiFinding]) -> list[PiiFinding]:
    """The corrections of the secrets ``found`` and every other occurrence of each of them, in any case."""
    secrets = [f for f in found if f.entity_type == "PASSWORD"]
    out: list[PiiFinding] = []
    for f in secrets:
        value = text[f.start : f.end]
        after = _CORRECTION_AFTER.match(text, f.end)
        if after and _is_correction(value, after.group(2), strong=bool(re.search(_MEANT, after.group(1), re.I))):
            out.append(PiiFinding("PASSWORD", *trim_span(text, after.start(2), after.end(2)), 0.7))
        before = _CORRECTION_BEFORE.search(text, 0, f.start)
        if before and _is_correction(value, before.group(1), strong=True):
            out.append(PiiFinding("PASSWORD", *trim_span(text, before.start(1), before.end(1)), 0.7))
        guess = _MIGHT_BE.match(text, f.end)
        if guess:
            out.extend(leading_secret(text, guess.end(), text[guess.end() : guess.end() + 60], 4, "phrase"))
        shaped = _OR_SHAPED.match(text, f.end)
        if shaped and re.fullmatch(_STRONG, value) and shaped.group(1)[:3].lower() == value[:3].lower():
            out.append(PiiFinding("PASSWORD", *trim_span(text, shaped.start(1), shaped.end(1)), 0.7))
    for f in [*secrets, *out]:
        value = text[f.start : f.end]
        if sum(ch.isalnum() for ch in value) < 3:
            continue
        for m in re.finditer(rf"(?<![\w'’]){re.escape(value)}(?![\w'’])", text, flags=re.IGNORECASE):
            if (m.start(), m.end()) != (f.start, f.end):
                out.append(PiiFinding("PASSWORD", m.start(), m.end(), 0.7))
        digits = re.sub(r"[\s-]", "", value)
        if digits.isdigit() and len(digits) >= 4:  # "the code was 7 7 3 0 ... 7730?": the digits grouped otherwise
            grouped = r"[\s-]?".join(digits)
            for m in re.finditer(rf"(?<![\w.,£$€-]){grouped}(?![\w-]|[.,]\d)", text):
                if m.end() <= f.start or m.start() >= f.end:
                    out.append(PiiFinding("PASSWORD", m.start(), m.end(), 0.7))
    return out


def _is_correction(secret: str, other: str, *, strong: bool) -> bool:
    """Whether ``other`` corrects ``secret``: digits for digits, a word for a word; after a bare "no" or "wait" only
    a near variant ("Biscuit" -> "Biscuits", "2046" -> "2064")."""
    other = other.strip(".,;:!?")
    low = other.lower()
    if not other or low in NOT_A_SECRET or low in SECRET_ENDS:
        return False
    digits = re.sub(r"[\s-]", "", secret).isdigit()
    if digits != re.sub(r"[\s-]", "", other).isdigit():
        return False
    if strong:
        return True
    if digits:
        return abs(len(other) - len(secret)) <= 1
    return low[:3] == secret.lower()[:3]
