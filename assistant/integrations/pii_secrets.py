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

from assistant.integrations.pii_secret_words import NOT_A_SECRET, PHRASE_STOPS, SECRET_ENDS, leading_secret
from assistant.integrations.pii_types import PiiFinding, trim_span

_POSS = r"(?:'s|’s|s'|s)?"  # "mother's", "mothers", "pets'"
_MEMORABLE = r"mem[eo]?r[aie]?b(?:le|el)"  # "memorable", "memerable", "memorible"
# "pass" labelling a value ("pass = ...", "pass: ..."), not a boarding or bus pass
_PASS_LABEL = (
    r"(?<!boarding )(?<!bus )(?<!season )(?<!travel )(?<!rail )(?<!train )(?<!day )(?<!guest )(?<!visitor )"
    r"(?<!gym )(?<!ski )(?<!press )(?<!hall )pass(?=\s*[:=])"
)
SECRET_CUES: dict[str, str] = {
    "phrase": (
        r"passphrase|pass phrase|" + _MEMORABLE + r" (?:phrase|info(?:rmation)?|answer|name|place|date|data)"
        r"|security (?:answer|phrase)|secret (?:answer|phrase)|security question" + _POSS + r" answer"
        r"|(?:my )?answer (?:to|for) (?:my |the )?(?:security|secret) question"
        r"|(?:mother|mum|mom)" + _POSS + r" maiden(?: name)?|maiden name|(?:first )?pet" + _POSS + r" name"
        r"|name of (?:my |the )?(?:first )?pet|first (?:pet|car|teacher|street|boss|love|concert)"
        r"|(?:(?:elementary|primary|high|secondary|middle|first) )?school(?: mascot| name)|(?:first|primary) school"
        r"|mascot|(?:place|town|city) of birth|birthplace|childhood (?:friend|nickname|street|hero|best friend)"
        r"|(?:city|town|place|country|hospital|state) (?:were you|was i|you were|i was) born in"
        r"|best friend" + _POSS + r" name"
        r"|(?:what )?street (?:did )?(?:i|you) gr[eo]w up on|grew up on"
        r"|(?:word|phrase|answer) (?:that )?(?:they|you|i|we) (?:make you |made me |ask(?:ed)? (?:you|me) to |have to "
        r"|had to |need to |are meant to |were told to )?remember"
        r"|favou?rite (?:childhood )?(?:teacher|colou?r|food|film|movie|book|band|team|singer|song|holiday|place"
        r"|subject|sport|animal|city|meal|dish|drink|game|show|author|artist|actor|player|restaurant)"
    ),
    "word": (
        r"pas{1,2}[ -]?w(?:or|ro|o|a|r)?r?d|passowrd|pwd|pword|p-word|p/w|pw|passwd|pswd|psw|passcode|pass code"
        r"|" + _MEMORABLE + r" word|security word|secret word|credentials|security details"
        r"|(?:login|log-in|log in(?= ?[:=]| is\b))|" + _PASS_LABEL + r""
        r"|(?:log ?in|log-in|sign[- ]?in)(?: password| pin"
        r"| code| details)?|online banking (?:password|passcode)"
    ),
    "code": (
        r"pin(?:[ -]?code| number| no)?|pn|verification(?= ?#)"
        r"|one[- ]time (?:pass ?code|code|password|passcode|pin)|otp"
        r"|verification (?:code|number)|security key|access number|pass ?number"
        r"|security (?:code|number|pin)|auth(?:entication|entificat\w+|orisation|orization)? code|2fa code|sms code"
        r"|text(?:ed)? code|access code|authenticator code|card security code|cvv2?|cvc|the code"
        r"|key ?fob(?: code| number)?|(?:fob|token) (?:code|number)|security token(?: code)?"
        r"|(?:\d|three|four) (?:digits|numbers) on the back(?: of (?:my|the) card)?"
        r"|code? (?:you |u |they |that was |which was |that i was |i was |i got |i received )?(?:sent|texted|txt"
        r"|txted|emailed|got|received)(?: me| to me)?"
        r"|(?:code|number|digits) (?:that |which )?(?:came|arrived)(?: by| via| in| through)? (?:text|sms|email|a text"
        r"|the text|the app|my phone)"
    ),
}
_ANY_CUE = "|".join(f"(?:{p})" for p in SECRET_CUES.values())
_WORD_OR_PHRASE_CUE = f"(?:{SECRET_CUES['phrase']})|(?:{SECRET_CUES['word']})"
_FILLER = (
    r"(?:\s*(?:(?:is still|was set to|set to|changed to|changed it to|is now|will be|is going to be|is|was|are|were"
    r"|'s|’s|of|as|it's|it is|it was|its|which is|which was|that is|that was|should be|would be|used to be|reads|says"
    r"|now|shows|displays|i think|i believe|maybe|mine is|mine's|mine was"
    r"|probably|either|right now|currently|at the moment)(?![\w'’])|[=:,?)-]|->|→)\s*)+"
)
# "the password I set was ...", "the new password i want is ..."
_RELATIVE = (
    r"(?:,?\s+(?:that |which )?(?:i|we|you) (?:always |originally |really |just |had )?(?:set|chose|use|used|picked"
    r"|made|created|typed|entered|put in|put|gave|want|wanted|would like|'d like|will use|want to use|had|have"
    r"|gave you|thought|think|believed|remember|remembered|got|received|was sent|was given)"
    r"|\s+(?:that |which )?(?:they|you|u|the bank|it) (?:just )?(?:sent|texted|txted|txt'?d|emailed|gave)"
    r"(?: me| to me| you| to you)?)?"
)
# between a cue and its value: "(case sensitive)", "for online banking", "on my card"
_QUALIFIER = (
    r"(?:\s*\([^()\n]{1,30}\)|\s+(?:has|have|contains|includes|with)\b[^.!?\n:\"]{1,30}(?=:\s))?"
    r"(?:\s+(?:for|on|to|of|with|from|in|by) (?:my |the |our |your |this |that )?[\w-]+(?: [\w-]+){0,2}?\b"
    r"(?=\s*(?:is|was|'s|:|=|-|should be|would be|will be|used to be|must be)(?!\w)))?"
)
_WORD = r"[^\s\"'“”‘’]+(?:['’][^\s\"'“”‘’]+)*"  # "St Mary's", "O'Neill"
_SHAPED = r"[^\s\"'“”‘’]*[\d!@#$%^&*_+=~][^\s\"'“”‘’]*"  # a token with a digit or a symbol in it
# after a cue: up to four words; how many belong to the secret is decided in leading_secret
# (a lookahead, so that one cue's words do not hide the next cue: "Login: ann1 Password: Chiefs#2020!")
_SECRET = re.compile(
    rf"(?i)\b(?=({_WORD_OR_PHRASE_CUE})\b{_QUALIFIER}{_RELATIVE}({_FILLER})[\"'“‘]?"
    rf"(?:(?:a|an|called|named) )?({_WORD}(?: {_WORD}){{0,3}})?)"
)
# without a filler, a single word that ends its clause: "memorable word pepper."
_SECRET_LAST = re.compile(
    rf"(?i)\b(?:{SECRET_CUES['phrase']}|{_MEMORABLE} word|security word|secret word) "
    r"([^\s\"'“”‘’.,;!?]+)(?=[.,;!?]|\s*$)"
)
# alternatives after a secret: "... was Cardigan or cardigan123", "'x' I think or maybe snowdonia", "jsmith / Kettle9"
_ALTERNATIVE = re.compile(
    rf"(?i)[\"'”’]?\??(?:(?:\s+i think|\s+i guess)?,?\s+or\s+(?:maybe\s+|perhaps\s+|possibly\s+)?|\s*/\s*)"
    rf"[\"'“‘]?(\d(?: \d){{3,7}}(?!\w)|{_WORD})"
)
# "my pin was 1234 but i changed it to 6060"
_CHANGED_IT = re.compile(
    rf"(?i)\b(?:{_ANY_CUE})\b[^.!?\n]{{0,60}}?\b(?:changed|set|reset|updated|made|switched) it(?: to| as| into)?"
    rf"\s+[\"'“‘]?({_SHAPED})"
)
# a security answer that was perhaps set otherwise: "... was Fairbairn but I might have set it as fairburn"
_CHANGED_IT_WORD = re.compile(
    rf"(?i)\b(?:{SECRET_CUES['phrase']})\b[^.!?\n]{{0,60}}?\b(?:changed|set|reset|updated|made|switched|put) it"
    rf"(?: up)? (?:to|as|into)\s+[\"'“‘]?({_WORD})"
)
# a token an app or a merchant names as its own code, not the customer's secret: "error code HLB-4031"
_NAMED_NOT_SECRET = re.compile(
    r"(?i)\b(?:error|fault|reason|status|response|reference|ref|transaction|promo|voucher|coupon|order|tracking|case"
    r"|ticket|booking|confirmation)\s+(?:code|number|no\.?|#|id)?\s*[:#]?\s*$"
)
# "I reset my password, the new one is Bluebird!7"
_NEW_ONE = re.compile(
    rf"(?i)\b(?:{_ANY_CUE})\b[^!?\n]{{0,60}}?\b(?:new|old|current|temporary|temp|real|right|correct|other|second) one"
    r"(?: (?:that |which )?(?:they|you|i) (?:sent|gave|texted|set|had|got)(?: me)?)?"
    r"(?:(?: is| was|'s|:| =)\s+[\"'“‘]?([^\s\"'“”‘’]+)|\s+(\d{4,8})\b)"
)
# letters then a run of punctuation with a slash, bracket or semicolon in it: "zxcvbnm,./", "qwerty[]"
_KEYBOARD = r"[a-z0-9]+(?=[,./;\[\]\\<>]*[/;\[\]\\<>])[,./;\[\]\\<>]{2,}"
_SECRET_BARE = re.compile(rf"(?i)\b(?:{_WORD_OR_PHRASE_CUE})\s+({_SHAPED}|{_KEYBOARD})")
# tokens of letters and digits (or symbols) shortly after a password cue in the same sentence: "my password is my
# dog's name Rufus123", "pw hunter2 lmao jk its Tr0ub4dor&3"; or shortly before "is my password"
_PASSWORD_CUE = re.compile(rf"(?i)\b(?:{SECRET_CUES['word']}|pass|{_MEMORABLE} (?:info(?:rmation)?|data|answer))\b")
# letters with a digit, or with a symbol inside the token ("P@ss", not "app!")
_MIXED = r"(?=[^\s\"'“”‘’]*[A-Za-z])(?=[^\s\"'“”‘’]*(?:\d|[!@#$%^&*][^\s\"'“”‘’.,;:!?]))[^\s\"'“”‘’]{4,}"
_MIXED_TOKEN = re.compile(rf"(?<![^\s\"'“‘(:=—–-])({_MIXED})")
_SHAPED_BEFORE = re.compile(
    rf"(?i)(?<![^\s\"'“‘(:=])({_MIXED})[^.!?\n]{{0,30}}?\b(?:is|was|as|=) (?:my|the|our) (?:new |old |current )?"
    rf"(?:{SECRET_CUES['word']})\b"
)
# a cue asked about or ended with its sentence, then answered in the next: "password?? fine its ...", "Password? ok
# it's ...", "I've forgotten my password. I think it was ...", "i said my password to the man. it was ..."
_ANSWERED = re.compile(
    r"(?i)[^.!?\n]{0,60}?[?.]+\s*(?=(?:[\w'’]+[,\s]+){0,3}?(?:it's|it’s|its|it is|it was|here it is|mine is|mine's)\s)"
)
_TOKEN_REST = re.compile(r"[^\s\"'“”‘’]*")
_SENTENCE_END = re.compile(r"(?<!\.)[.!?](?!\.)(?:\s|$)|\n")  # "the login thingy... qwerty!2345" runs on
# "pass" is also an ordinary word ("boarding pass"): only a token with a digit or symbol counts.
_WEAK_SECRET = re.compile(rf"(?i)\bpass\b(?:{_FILLER}|\s+)({_SHAPED})")
# a quoted secret anywhere shortly after a cue ("my password, the new one, is 'blue horizon'")
_SECRET_QUOTED = re.compile(
    rf"(?i)\b(?:{_ANY_CUE})\b[^\"“”\n]{{0,30}}?(?<=[\s:=(])[\"“‘']((?:[^\"”’'\n]|['’](?=\w)){{1,40}})[\"”’'](?![A-Za-z])"
)
# the secret before its cue: "Summer2024! is my password", "I used 'rover' as the security answer"
_SECRET_BEFORE = re.compile(
    rf"(?i)(?<![\w'’])[\"“‘']?(\d(?: \d){{3,11}}|{_WORD}?)[\"”’']?\s+(?:is|was|as|=)\s+(?:my|the|our|your)\s+"
    r"(?:new |old |current )?"
    rf"(?:{_ANY_CUE}|code)\b"
)
# "the security question is ... and the answer is Rover"
_ANSWER = re.compile(
    rf"(?i)(?:\bquestion\b[^.?!\n]{{0,60}}?\banswer\b|\banswer (?:to|for) [\"'‘“][^\"'’”\n]{{1,60}}[\"'’”]"
    rf"|\banswer (?:to|for) (?:the|my|your) [^.?!\n\"]{{1,40}}?\bquestion\b)"
    rf"{_FILLER}[\"'“‘]?({_WORD}(?: {_WORD}){{0,3}})"
)
# digits after any cue, however they are grouped or spaced: "0 4 1 1 5 2", "993 012", "7301-88"
_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"  # "four four seven one"
_CODE = re.compile(
    rf"(?i)\b(?:{_ANY_CUE})\b(?:\s?(?:no|nr|num)\.?|\s?#)?{_QUALIFIER}{_RELATIVE}(?:{_FILLER}|\s+)"
    r"(?:(?:\d{1,2}|four|five|six|seven|eight)[ -]digits?(?: long)?\s*[,:;-]\s*)?[\"'“‘]?"
    rf"(\d(?:(?:[ -]| - )?\d){{2,11}}|(?=[A-Z]*\d)[A-Z0-9]{{4,8}}|(?:{_DIGIT_WORD}[ -]){{3,7}}{_DIGIT_WORD})\b"
)
# "I gave my PIN to my carer so she can get cash, it's 3071"; "they texted 993 012 ... then texted 441 870"; a
# question answered: "what pin? oh the card one, its 9 4 1 1"
_CODE_LATER = re.compile(
    r"(?i)\b(?:(?:pin|passcode|pass code|code|otp|one[- ]time password|password)\b\?*[^.!?\n]{0,80}?"
    r"\b(?:it's|it is|its|it was|which is|i said|i gave (?:it|them|him|her)|i told (?:him|her|them)(?: it)?)"
    r"|(?:texted|txted|txt|sms'?d|messaged)(?: me| to me| u| you)?)\s+(\d{3}[ -]?\d{3}|\d{4,8}|\d(?: \d){3,7})\b"
)
# a PIN or code named, then given as the start of a later sentence: "the store reader isn't taking it. It's 3309 if
# that helps", "I wrote the new one down. It's 8062", "my security pin. i think it was 0 0 7 1"
_CODE_NEXT_SENTENCE = re.compile(
    r"(?i)\b(?:pin|pn|passcode|pass code|one[- ]time code|otp|code)\b[^\n]{0,160}?[.!?]\s+"
    r"(?:(?:i think|i believe|maybe|probably|and)\s+)?(?:it's|it’s|its|it is|it was)\s+(\d{4,8}|\d(?: \d){3,7})\b"
)
# "... which I thought was gooseberry but apparently not, so I tried gooseberries"
_TRIED = re.compile(
    rf"(?i)[^.!?\n]{{0,50}}?\b(?:i |then |also |and )*(?:tried|typed|entered|put in)\s+[\"'“‘]?({_WORD})"
)
# a bare "the answer" is a security answer only where the message talks of security questions
_ANSWER_BARE = re.compile(rf"(?i)\b(?:(?:the|my) )?answer{_RELATIVE}{_FILLER}[\"'“‘]?({_WORD}(?: {_WORD}){{0,5}})")
_SECURITY_TALK = re.compile(
    rf"(?i)\b(?:security|secret|{_MEMORABLE}|question|favou?rite|maiden|mascot|pet|school|grew up)\b"
)
# digits shortly after a PIN or code cue with no filler: "pin hasn't worked, try 4417"; not after the words that
# make a number something else ("since 2019", "ending 4421", "it took 200") nor a code that is not a secret
_CODE_NEAR = re.compile(
    r"(?i)\b(?:pin|pn|passcode|pass code|one[- ]time code|otp|code|cvv2?|cvc)\b([^.?!\n\d£$€]{0,30}?)"
    r"(?<![£$€\d.,])(\d{3,8}(?:[ -]\d{2,4}){0,2}|\d(?: \d){3,7})(?![\d.,]\d|\s?(?:pounds|dollars|quid|p\b|%))\b"
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
_BRACKETED = re.compile(r"(?i)\(\s*(?:[a-z]+\s+)?code\s*[:#]?\s*$")
_YEAR_AFTER = re.compile(r"(?i)\b(?:in|from|of|by|during)\s*$")
_UNIT_AFTER = re.compile(
    r"(?i)\s?(?:digits?|characters?|chars?|letters?|numbers?|times?|tries|attempts?|goes|minutes?|mins?|seconds?"
    r"|secs?|hours?|hrs?|days?|weeks?|months?|years?|yrs?|long|%|percent|pounds?|quid|dollars?|euros?|pence|p)\b"
)
_NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten eleven twelve fifteen twenty".split())


def secret_findings(text: str) -> Iterator[PiiFinding]:
    found = [f for f in _cued_secrets(text) if _plausible(text, f)]
    for f in list(found):  # "... Cardigan or cardigan123", "... so I tried gooseberries": alternatives are secrets too
        for alt in (_ALTERNATIVE.match(text, f.end), _TRIED.match(text, f.end)):
            if alt and alt.group(1).lower().strip(".,;:!?") not in SECRET_ENDS:
                alt_finding = PiiFinding("PASSWORD", *trim_span(text, alt.start(1), alt.end(1)), 0.7)
                if _plausible(text, alt_finding):
                    found.append(alt_finding)
    yield from found


def _plausible(text: str, f: PiiFinding) -> bool:
    """Whether a candidate secret can be one: it has a letter or digit, is not an ordinary word, and is not a
    count ("6 digits", "12 characters long", "six letters")."""
    value = text[f.start : f.end]
    if not any(ch.isalnum() for ch in value) or value.lower().strip(".,;:!?") in NOT_A_SECRET:
        return False
    if re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)", value.strip(".,;:!?"), flags=re.IGNORECASE):
        return False  # "digits from my passcode: 3rd is 8": a position in the secret, not the secret
    head = value.split(" ")[0]
    first = head.lower().lstrip("([{")  # "passcode (6 digits)": a count in brackets too
    if first.isdigit() or first in _NUMBER_WORDS:
        after = text[f.start + len(head) :] if " " in value else text[f.end :]
        if _UNIT_AFTER.match(after):
            return False
    return True


def _plain_words(words_text: str) -> bool:
    """Three plain lower-case words with nothing between them that ends a secret: a pass phrase after a colon."""
    words = words_text.split(" ")[:3]
    return (
        len(words) == 3
        and all(w.isalpha() and w.islower() for w in words)
        and words[0] not in PHRASE_STOPS
        and not any(w in SECRET_ENDS for w in words[1:])
    )


_ARTICLE_BEFORE = re.compile(r"(?i)\b(?:the|a|an|same|this|that|any|no|what|which)\s+$")
_PASSPHRASE = re.compile(rf"(?i)pass ?phrase|(?:{_MEMORABLE}|security|secret) phrase")


def _cued_secrets(text: str) -> Iterator[PiiFinding]:
    for m in _SECRET_QUOTED.finditer(text):
        yield PiiFinding("PASSWORD", m.start(1), m.end(1), 0.9)
    for m in _SECRET.finditer(text):
        if m.group(3) is not None:
            phrase = bool(re.fullmatch(SECRET_CUES["phrase"], m.group(1), flags=re.IGNORECASE))
            mode = "passphrase" if _PASSPHRASE.fullmatch(m.group(1)) else "phrase" if phrase else "word"
            if mode == "word" and m.group(2).strip() in (":", "=") and _plain_words(m.group(3)):
                mode = "passphrase"  # "password: correct horse battery"
            yield from leading_secret(text, m.start(3), m.group(3), 4, mode)
    for m in _SECRET_LAST.finditer(text):
        if m.group(1).lower() not in SECRET_ENDS:
            yield PiiFinding("PASSWORD", m.start(1), m.end(1), 0.7)
    for pattern in (_CHANGED_IT, _CHANGED_IT_WORD, _WEAK_SECRET, _SECRET_BARE, _SHAPED_BEFORE, _CODE_LATER):
        for m in pattern.finditer(text):
            yield PiiFinding("PASSWORD", *trim_span(text, m.start(1), m.end(1)), 0.75)
    for cue in _PASSWORD_CUE.finditer(text):
        window = text[cue.end() : cue.end() + 80]
        asked = _ANSWERED.match(window)  # "My password?? fine its MaxTheDog_2011": the answer follows
        stop = _SENTENCE_END.search(window, asked.end() if asked else 0)
        endpos = cue.end() + (stop.start() if stop else len(window))
        rest = _TOKEN_REST.match(text, endpos)  # a token the window cuts is taken whole
        endpos = rest.end() if rest else endpos
        for m in _MIXED_TOKEN.finditer(text, cue.end(), endpos):
            if _NAMED_NOT_SECRET.search(text, max(0, m.start() - 30), m.start()):
                continue
            yield PiiFinding("PASSWORD", *trim_span(text, m.start(1), m.end(1)), 0.7)
    for m in _CODE_NEXT_SENTENCE.finditer(text):
        if not _UNIT_AFTER.match(text, m.end(1)):
            yield PiiFinding("PASSWORD", m.start(1), m.end(1), 0.75)
    for m in _NEW_ONE.finditer(text):
        g = 1 if m.group(1) else 2
        yield from leading_secret(text, m.start(g), m.group(g), 1)
    for m in _ANSWER.finditer(text):
        yield from leading_secret(text, m.start(1), m.group(1), 4, "phrase")
    if _SECURITY_TALK.search(text):
        for m in _ANSWER_BARE.finditer(text):
            yield from leading_secret(text, m.start(1), m.group(1), 4, "phrase")
    for m in _SECRET_BEFORE.finditer(text):
        if m.group(1) and not _ARTICLE_BEFORE.search(text, 0, m.start(1)):
            yield PiiFinding("PASSWORD", m.start(1), m.end(1), 0.75)
    for m in _CODE.finditer(text):
        if any(c.isdigit() for c in m.group(1)) or " " in m.group(1):
            yield PiiFinding("PASSWORD", *trim_span(text, m.start(1), m.end(1)), 0.85)
    for m in _CODE_NEAR.finditer(text):
        if _NOT_A_SECRET_CODE.search(text[max(0, m.start() - 20) : m.start()]) or _NOT_A_CODE_GAP.search(m.group(1)):
            continue
        if re.fullmatch(r"(?:19|20)\d\d", m.group(2)) and _YEAR_AFTER.search(m.group(1)):
            continue  # "blocked in 2019"
        if _BRACKETED.search(text, 0, m.start(2)) and text[m.end(2) :].lstrip().startswith(")"):
            continue  # "Incorrect passcode (code 401)": the number of an app's message
        if not _UNIT_AFTER.match(text, m.end(2)):
            yield PiiFinding("PASSWORD", m.start(2), m.end(2), 0.7)
