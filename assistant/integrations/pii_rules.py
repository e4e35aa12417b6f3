"""Rule-based PII recognisers for a bank's chat: UK and US identifiers, secrets after a cue, dates of birth,
street addresses and personal names (with or without a cue).

Pure Python over ``re``; the names list comes from the PyPI package ``faker`` (MIT licence), whose person
providers ship first- and last-name tuples for en_GB, en_US, en_IE, en_IN, en_PK and en_NZ. Only the tuples are
read; Faker itself is never instantiated. Common English words (spaCy's stop words, textstat's Dale-Chall easy
words and :data:`AMBIGUOUS_NAMES`) count as names only next to a cue, a title or a capitalised surname.

>>> [(f.entity_type, "NI QQ 12 34 56 C"[f.start : f.end]) for f in rule_findings("NI QQ 12 34 56 C")]
[('UK_NINO', 'QQ 12 34 56 C')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from assistant.integrations.pii_types import PiiFinding, luhn_ok, merge_spans

# Words that are also first names; a name then needs a cue, a title or a surname next to it.
AMBIGUOUS_NAMES = frozenset(
    """may will mark bill grace hope faith joy june april summer autumn dawn rose lily ivy holly amber ruby
    crystal jade iris pearl penny sterling cash chase rich guy ray dean drew max sky angel carol christian
    patience harmony honor honour justice royal young frank art pat sue bob jack victoria georgia india paris
    florence sydney austin jordan chelsea lincoln dallas phoenix sunny happy lucky brook brooke river star
    stormy misty sandy rocky hunter archer mason cooper carter taylor parker baker porter miller fisher
    booker walker page bay bank banks price link lane rowan heather daisy willow violet poppy jasmine
    destiny trinity genesis haven love page hazel olive marina ginger tiffany mercedes alexa siri
    august major king prince duke earl baron bishop deacon monday tuesday sunday easter christmas
    noel nick gene will don ben kim sean""".split()
)
# Places that some name lists also hold: never a name on their own.
PLACES = frozenset(
    """alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho
    illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi
    missouri montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah vermont virginia
    washington wisconsin wyoming carolina dakota jersey york london paris berlin madrid rome dublin cardiff
    belfast edinburgh glasgow leeds bristol manchester liverpool birmingham sheffield newcastle brighton oxford
    cambridge york europe asia africa america australia canada mexico spain france germany italy ireland
    scotland wales england britain india china japan brazil portugal poland turkey greece dubai chicago boston
    houston dallas austin denver seattle phoenix miami atlanta orlando vegas tampa florence sydney""".split()
)
NAME_LOCALES = (
    "en",
    "en_GB",
    "en_US",
    "en_IE",
    "en_IN",
    "en_PK",
    "en_NZ",
    "en_KE",
    "en_NG",
    "ga_IE",
    "es_ES",
    "es_MX",
    "fr_FR",
    "de_DE",
    "it_IT",
    "pt_BR",
    "pl_PL",
    "nl_NL",
    "tr_TR",
    "yo_NG",
    "ha_NG",
    "ig_NG",
    "sw",
)
_LATIN_NAME = re.compile(r"[A-Z][a-z]+(?:['-][A-Z]?[a-z]+)?")
_TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Lady|Lord)\.?"
_CAP = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"  # Smith, O'Brien, Smith-Jones, McDonald
_MC = r"(?:Mc|Mac|O')?" + _CAP


CORE_NAME_LOCALES = ("en_GB", "en_US", "en_IE", "en_IN", "en_PK", "en_NZ")


@lru_cache(maxsize=1)
def core_first_names() -> frozenset[str]:
    """First names of the English-speaking locales minus common words: taken for names even in lower case
    (none of them occurs as a word in the 10,003 BANKING77 training messages)."""
    import importlib

    first, _, common = name_lists()
    core: set[str] = set()
    for locale in CORE_NAME_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        core.update(n.lower() for n in provider.first_names if isinstance(n, str) and _LATIN_NAME.fullmatch(n))
    return frozenset(n for n in core if len(n) >= 3) & first - common


@lru_cache(maxsize=1)
def name_lists() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(first names, last names, common words), lower-cased; loaded once."""
    import importlib

    from spacy.lang.en.stop_words import STOP_WORDS

    first: set[str] = set()
    last: set[str] = set()
    for locale in NAME_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr, into in (("first_names", first), ("last_names", last)):
            names = getattr(provider, attr, ())
            if isinstance(names, tuple | list | dict):
                into.update(n.lower() for n in names if isinstance(n, str) and _LATIN_NAME.fullmatch(n))
    common = {w.lower() for w in STOP_WORDS} | AMBIGUOUS_NAMES | PLACES | _easy_words()
    return frozenset(first), frozenset(last), frozenset(common)


def _easy_words() -> set[str]:
    import textstat

    path = Path(textstat.__file__).resolve().parent / "resources" / "en" / "easy_words.txt"
    try:
        return {w.strip().lower() for w in path.read_text(encoding="utf-8").split()}
    except OSError:
        return set()


# ---------------------------------------------------------------------------------------------- numbers

_NI = re.compile(r"\b[A-Za-z]{2}[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}[ -]?[A-Da-d]\b")
_NI_CUED = re.compile(
    r"(?i)\b(?:national insurance|NI|NINO|N\.I\.)\b[^\d\n]{0,25}?\b([A-Z]{2}[ -]?\d{2}[ -]?\d{2}[ -]?\d{2})\b"
)
_SSN = re.compile(r"(?<![\d-])\d{3}[- ]\d{2}[- ]\d{4}(?![\d-])")
_DIGIT_RUN = re.compile(r"(?<![\w.,£$€-])\d(?:[ -]?\d){5,18}(?![\w-]|[.,]\d)")
_SORT_CODE = re.compile(r"(?<![\d-])\d{2}([- .])\d{2}\1\d{2}(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_US_PHONE = re.compile(r"(?:\+1[ .-]?)?(?:\(\d{3}\)|(?<![\d-])\d{3})[ .-]?\d{3}[ .-]\d{4}(?![\d-])")
_ZIP_CUED = re.compile(r"(?i)\bzip(?: ?code)?\b[^\d\n]{0,12}(\d{5}(?:-\d{4})?)\b")

_CUE_WINDOW = 40
_CUES: dict[str, re.Pattern[str]] = {
    "sort": re.compile(r"(?i)\bsort[\s-]?code|\bsortcode|\bsort\b"),
    "account": re.compile(r"(?i)\b(?:account|acct|acc|a/c|checking|savings)\b"),
    "routing": re.compile(r"(?i)\b(?:routing|aba|rtn|transit)\b"),
    "ssn": re.compile(r"(?i)\b(?:ssn|social security|social|ss#|ss no)\b"),
    "card": re.compile(r"(?i)\b(?:card|visa|mastercard|amex|debit|credit|long number)\b"),
}


def _cued(text: str, start: int, cue: str, window: int = _CUE_WINDOW) -> bool:
    return bool(_CUES[cue].search(text[max(0, start - window) : start]))


def _nearest_cue(text: str, start: int, cues: tuple[str, ...]) -> str | None:
    """Of ``cues``, the one whose last mention ends nearest before ``start`` (within the window)."""
    before = text[max(0, start - _CUE_WINDOW) : start]
    best: tuple[int, str] | None = None
    for cue in cues:
        ends = [m.end() for m in _CUES[cue].finditer(before)]
        if ends and (best is None or ends[-1] > best[0]):
            best = (ends[-1], cue)
    return best[1] if best else None


def _aba_ok(digits: str) -> bool:
    d = [int(c) for c in digits]
    return len(d) == 9 and (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


def _number_findings(text: str) -> Iterator[PiiFinding]:
    for m in _NI.finditer(text):
        yield PiiFinding("UK_NINO", m.start(), m.end(), 0.9)
    for m in _NI_CUED.finditer(text):
        yield PiiFinding("UK_NINO", m.start(1), m.end(1), 0.85)
    for m in _SSN.finditer(text):
        yield PiiFinding("US_SSN", m.start(), m.end(), 0.85)
    for m in _SORT_CODE.finditer(text):
        yield PiiFinding("UK_SORT_CODE", m.start(), m.end(), 0.8)
    for m in _IBAN.finditer(text):
        if sum(c.isdigit() for c in m.group()) >= 8:
            yield PiiFinding("IBAN_CODE", m.start(), m.end(), 0.9)
    for m in _US_PHONE.finditer(text):
        yield PiiFinding("PHONE_NUMBER", m.start(), m.end(), 0.7)
    for m in _ZIP_CUED.finditer(text):
        yield PiiFinding("US_ZIP", m.start(1), m.end(1), 0.7)
    for m in _DIGIT_RUN.finditer(text):
        kind = _classify_digits(text, m.start(), m.group(), m.end())
        if kind:
            yield PiiFinding(kind, m.start(), m.end(), 0.75)


def _classify_digits(text: str, start: int, raw: str, end: int) -> str | None:
    """What a run of 6-19 digits (spaces or dashes allowed) is, from its length, checksum and the cue before it."""
    digits = re.sub(r"\D", "", raw)
    n = len(digits)
    if n == 6:  # after a cue, or written just before an account number ("200000 / 12345678")
        if _cued(text, start, "sort") or re.match(r"\s*[/,;-]?\s*\d{8}(?!\d)", text[end:]):
            return "UK_SORT_CODE"
        return None
    if n == 9:
        cue = _nearest_cue(text, start, ("ssn", "routing", "account"))
        if cue is not None:
            return {"ssn": "US_SSN", "routing": "ABA_ROUTING", "account": "ACCOUNT_NUMBER"}[cue]
        return "ABA_ROUTING" if _aba_ok(digits) else "US_SSN"
    if 13 <= n <= 19 and (luhn_ok(digits) or _cued(text, start, "card")):
        return "CREDIT_CARD"
    if n == 8:
        return "ACCOUNT_NUMBER"
    if 14 <= n and re.fullmatch(r"\d{6}[ -]?\d{8}", raw):  # sort code and account written together
        return "ACCOUNT_NUMBER"
    if _cued(text, start, "account") or _cued(text, start, "routing"):
        return "ACCOUNT_NUMBER"
    if n >= 12:
        return "LONG_NUMBER"  # a long number that is not a valid card: hidden all the same
    return None


# ---------------------------------------------------------------------------------------------- secrets

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


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1] in ".,;:!?)]}":
        end -= 1
    return start, end


def _secret_findings(text: str) -> Iterator[PiiFinding]:
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
        yield PiiFinding("PASSWORD", *_trim(text, start, end), 0.85)
    for m in _WEAK_SECRET.finditer(text):
        yield PiiFinding("PASSWORD", *_trim(text, m.start(1), m.end(1)), 0.75)
    for m in _SECRET_BARE.finditer(text):
        if m.group(1).lower().strip(".,;:!?") not in _NOT_A_SECRET:
            yield PiiFinding("PASSWORD", *_trim(text, m.start(1), m.end(1)), 0.8)
    for m in _CODE.finditer(text):
        value = m.group(1)
        if not any(c.isdigit() for c in value):
            continue
        yield PiiFinding("PASSWORD", *_trim(text, m.start(1), m.end(1)), 0.85)
    for m in _CODE_NEAR.finditer(text):
        yield PiiFinding("PASSWORD", m.start(1), m.end(1), 0.7)


# ---------------------------------------------------------------------------------------------- dates of birth

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
_DATE = (
    rf"(?:{_DAY}(?: of)?[ -]{_MONTHS}\.?,?[ -]{_YEAR}|{_MONTHS}\.? {_DAY},? {_YEAR}"
    r"|[0-3]?\d[/.-][0-3]?\d[/.-](?:19|20)?\d\d|(?:19|20)\d\d[/.-][01]?\d[/.-][0-3]?\d"
    rf"|{_DAY}(?: of)? {_MONTHS}|{_MONTHS} {_DAY})"
)
_DOB_CUE = re.compile(
    r"(?i)\b(?:date of birth|d\.?o\.?b\.?|born(?: on| in)?|birthday(?: is)?|birth date|birthdate)\b"
    rf"[\s:,-]*(?:is|was|=)?\s*(?:the\s)?({_DATE}|{_MONTHS},? {_YEAR}|{_YEAR})(?![\w/-])",
)
_OLD_DATE = re.compile(rf"(?i)(?<![\w/.-])({_DATE})(?![\w/-])")


def _dob_findings(text: str) -> Iterator[PiiFinding]:
    for m in _DOB_CUE.finditer(text):
        yield PiiFinding("DATE_OF_BIRTH", m.start(1), m.end(1), 0.9)
    for m in _OLD_DATE.finditer(text):  # a full date before 2010 in a support chat is almost always a birthday
        year = re.search(r"(?:19|20)\d\d", m.group(1))
        short = re.fullmatch(r"[0-3]?\d[/.-][0-3]?\d[/.-](\d\d)", m.group(1))
        if (year and int(year.group()) < 2010) or (short and int(short.group(1)) > 30):
            yield PiiFinding("DATE_OF_BIRTH", m.start(1), m.end(1), 0.6)


# ---------------------------------------------------------------------------------------------- addresses

_STREET_TYPES = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Av|Lane|Ln|Drive|Dr|Close|Cl|Way|Court|Ct|Place|Pl|Crescent|Cres|Terrace|"
    r"Gardens|Gdns|Grove|Gr|Hill|Park|Square|Sq|Boulevard|Blvd|Row|Mews|Walk|Parkway|Pkwy|Circle|Cir|Highway|Hwy|"
    r"Rise|View|Green|Parade|Vale|Wharf|Quay|Fields|Meadows|Broadway|Trail|Terr|Loop|Pike|Plaza|Embankment)"
)
_UK_POSTCODE = r"(?:[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2})"
_US_STATE = (
    r"(?:AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|"
    r"OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC)"
)
_STREET_WORD = (
    r"(?!(?:on|in|at|to|for|my|your|and|or|of|the|times|days|weeks|months|years|pounds|dollars|quid)\b)"
    r"[A-Za-z][A-Za-z'’.-]*"
)
_PREFIX = r"(?:(?:Flat|Apartment|Apt|Unit|Suite|Ste)\.? ?#?\w{1,4},? )?"
_STREET = re.compile(
    rf"(?i)\b{_PREFIX}(?:\d{{1,5}}[A-Za-z]?(?:-\d{{1,5}})?,? |(?:Flat|Apartment|Apt|Unit) \w{{1,4}},? )"
    rf"(?:the )?(?:{_STREET_WORD} ){{0,3}}{_STREET_WORD} {_STREET_TYPES}\b\.?(?: (?:N|S|E|W|NE|NW|SE|SW)\b)?"
)
_TAIL = re.compile(
    rf",?(?: (?:Apt|Apartment|Unit|Suite|Ste|Flat)\.? ?#?\w{{1,4}},?)?"
    r"(?:,? (?!(?:and|but|so|please|can|could|I|we|my|is|was|if|which|because)\b)"
    r"[A-Z][A-Za-z'’.-]+(?: [A-Z][A-Za-z'’.-]+){0,2}){0,3}"
    rf"(?:,? (?:{_UK_POSTCODE}\b|{_US_STATE}\b(?: \d{{5}}(?:-\d{{4}})?)?|\d{{5}}(?:-\d{{4}})?\b))?"
)
_POSTCODE = re.compile(rf"(?<![\w-]){_UK_POSTCODE}(?![\w-])")
_US_STATE_NAMES = (
    r"(?:Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|"
    r"Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|"
    r"Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|"
    r"Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|"
    r"Virginia|Washington|West Virginia|Wisconsin|Wyoming)"
)
_ANCHOR = re.compile(
    rf"(?<![\w-])(?:{_UK_POSTCODE}|(?:{_US_STATE}|{_US_STATE_NAMES})\.? \d{{5}}(?:-\d{{4}})?)(?![\w-])"
)
_ADDRESS_CUE = re.compile(
    r"(?i)\b(?:live at|living at|lives at|address is|address:|address|moved to|move to|send (?:it|them|the \w+ )?to"
    r"|post (?:it|them)? ?to|deliver(?:ed)? to|mail (?:it|them)? ?to|registered at|residing at|reside at)\s+"
)
_ADDRESS_START = re.compile(r"\b(?:(?:Flat|Apartment|Apt|Unit|Suite)\b|\d{1,5}[A-Za-z]?,? [A-Z])")
_ADDRESS_BODY = re.compile(r"[A-Za-z0-9 ,.'’#/-]+")
_PO_BOX = re.compile(r"(?i)\bP\.?O\.? Box \d{1,6}\b")


def _address_findings(text: str) -> Iterator[PiiFinding]:
    for m in _STREET.finditer(text):
        tail = _TAIL.match(text, m.end())
        end = tail.end() if tail else m.end()
        yield PiiFinding("STREET_ADDRESS", *_trim(text, m.start(), end), 0.8)
    for m in _PO_BOX.finditer(text):
        tail = _TAIL.match(text, m.end())
        yield PiiFinding("STREET_ADDRESS", *_trim(text, m.start(), tail.end() if tail else m.end()), 0.8)
    for m in _ANCHOR.finditer(text):  # walk back from a postcode/ZIP to where the address starts
        window_start = max(0, m.start() - 100)
        before = text[window_start : m.start()]
        cut = max(before.rfind(c) for c in ".!?\n;:")
        if cut >= 0 and not re.match(r"\s*\d", before[cut + 1 :]) and before[cut] == ".":
            before, window_start = before[cut + 1 :], window_start + cut + 1
        elif cut >= 0 and before[cut] != ".":
            before, window_start = before[cut + 1 :], window_start + cut + 1
        cues = list(_ADDRESS_CUE.finditer(before))
        start_match = _ADDRESS_START.search(before)
        if cues:
            start = window_start + cues[-1].end()
        elif start_match:
            start = window_start + start_match.start()
        else:
            continue
        span = text[start : m.start()]
        if not span.strip(" ,"):
            continue  # a postcode alone is a POSTCODE
        lowercase_words = [w for w in re.findall(r"[A-Za-z]+", span) if w.islower()]
        if _ADDRESS_BODY.fullmatch(span or " ") and len(lowercase_words) <= 2:
            yield PiiFinding("STREET_ADDRESS", start, m.end(), 0.75)
    for m in _POSTCODE.finditer(text):
        value = m.group()
        if value.isupper() or " " in value:  # "sw1a1aa" alone is too close to an ordinary token
            yield PiiFinding("UK_POSTCODE", m.start(), m.end(), 0.6)


# ---------------------------------------------------------------------------------------------- names

_NAME_CUE = re.compile(
    r"(?i)\b(?:my name is|my name's|name:|names|name is|i am|i'm|im|this is|it's|its|called|speaking is|"
    r"signed|regards,?|thanks,?|thank you,?|cheers,?|husband|wife|partner|son|daughter|mum|mom|dad|"
    r"father|mother|brother|sister|friend|carer|landlord|named|account holder|payee|beneficiary|dear|hi|hello),?\s+$"
)
_STRONG_CUE = re.compile(r"(?i)\b(?:my name is|my name's|name:|name is|names|called|named|signed)\s+$")
_EXPLICIT_CUE = re.compile(r"(?i)\b(?:my name is|my name's|name:|name is)\s+$")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_TITLE = re.compile(rf"\b{_TITLES} ((?:{_MC})(?: {_MC}){{0,2}})")


def _name_findings(text: str) -> Iterator[PiiFinding]:
    first, last, common = name_lists()
    core = core_first_names()
    for m in _TITLE.finditer(text):
        yield PiiFinding("PERSON", m.start(), m.end(), 0.85)
    tokens = list(_TOKEN.finditer(text))
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        word = tok.group()
        low = word.lower()
        before = text[: tok.start()]
        capital = word[0].isupper() and not word.isupper()
        explicit = bool(_EXPLICIT_CUE.search(before))
        strong = explicit or (capital and bool(_STRONG_CUE.search(before)))
        cued = strong or bool(_NAME_CUE.search(before))
        is_first = low in first
        # how far a name runs: following tokens that are surnames (capitalised, or listed after a strong cue)
        j = i + 1
        while j < len(tokens) and j - i < 3 and text[tokens[j - 1].end() : tokens[j].start()] in (" ", "-"):
            nxt = tokens[j].group()
            nlow = nxt.lower()
            if nxt[0].isupper() and not nxt.isupper() and (nlow in last or nlow not in common):
                j += 1
            elif (strong or (is_first and not capital)) and nlow in last and nlow not in common:
                j += 1
            else:
                break
        has_surname = j > i + 1
        take = False
        if strong and (low not in common or capital):
            take = True
        elif capital and is_first and (low not in common or has_surname or cued):
            take = True
        elif capital and cued and has_surname and low not in common:
            take = True
        elif not capital and is_first and has_surname and low not in common:
            take = True
        elif not capital and low in core:
            take = True
        elif capital and has_surname and low not in common and tokens[i + 1].group().lower() in last - common:
            take = True
        if take:
            yield PiiFinding("PERSON", tok.start(), tokens[j - 1].end(), 0.7)
            i = j
        else:
            i += 1


def rule_findings(text: str) -> list[PiiFinding]:
    """Every rule's findings on ``text``, overlaps resolved (longest span first)."""
    found = [
        *_number_findings(text),
        *_secret_findings(text),
        *_dob_findings(text),
        *_address_findings(text),
        *_name_findings(text),
    ]
    return merge_spans([f for f in found if f.end > f.start])
