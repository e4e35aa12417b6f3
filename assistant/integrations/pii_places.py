"""Dates of birth, street addresses (UK and US, with their postcode or ZIP), PO boxes and lone postcodes.

>>> from assistant.integrations.pii_types import merge_spans
>>> [(f.entity_type, "born 03/04/1971"[f.start : f.end]) for f in merge_spans([*dob_findings("born 03/04/1971")])]
[('DATE_OF_BIRTH', '03/04/1971')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.integrations.pii_numbers import after_reference
from assistant.integrations.pii_types import PiiFinding, trim_span

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
# "DOB on file:", "date of birth we have is": where the bank holds it
_HELD = (
    r"(?:\s+(?:(?:on|in) (?:file|record|the system|the account|your system)|(?:you|we) have|listed|registered|held))?"
)
# a year alone ("I was born in 1985") is not a date of birth
_DOB_CUE = re.compile(
    rf"(?i)\b(?:date of birth|d\.?o\.?b\.?|born(?: on| in)?|birthday(?: is)?|birth date|birthdate)\b{_HELD}"
    rf"[\s:,-]*(?:is|was|=)?\s*(?:on\s)?(?:the\s)?({_DATE}|{_MONTHS},? {_YEAR})(?![\w/-])",
)
_EVENT_DATE = re.compile(
    r"(?i)\b(?:since|dated|statement|opened|joined|from|until|till|between|paid|charged|transaction|payment"
    r"|transfer(?:red)?|closed|started|signed|issued|took out|taken out|moved|bought|sold|ended|letter|on|during"
    r"|happened|occurred|received|made|due|expir\w*|renewed|died|passed away|married|divorced|deadline|appointment"
    r"|booked|arrived|cancell?ed|refunded|deposited|withdr\w*|sent|credited|debited|posted|cleared|bounced"
    r"|declined|as of|effective|valid|starting|beginning)\b"
    r"[^.!?\n]{0,20}$"
)
_OLD_DATE = re.compile(rf"(?i)(?<![\w/.-])({_DATE})(?![\w/-])")
# after a DOB cue, any way of writing a date up to the end of its clause: "the fourth of July, 1976",
# "3rd of July 61", "6 22 64", "nineteenth of april nineteen fifty eight"
_NUMBER_WORD = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|\w+teenth|twentieth"
    r"|thirtieth|twenty|thirty|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|forty|fifty"
    r"|sixty|seventy|eighty|ninety|hundred|oh)"
)
_DOB_LOOSE = re.compile(
    r"(?i)\b(?:date of birth|d\.?o\.?b\.?|born(?: on| in)?|birthday(?: is)?|birth date|birthdate)\b"
    + _HELD
    + r"[\s:,-]*"
    r"(?:is|was|=)?\s*(?:the\s)?"
    rf"((?:(?:{_NUMBER_WORD}|{_MONTHS}|\d{{1,4}}(?:st|nd|rd|th)?|of|the|'\d\d)(?:[ ,/.-]{{1,2}}|$)){{2,8}})"
)


def dob_findings(text: str) -> Iterator[PiiFinding]:
    for m in _DOB_CUE.finditer(text):
        yield PiiFinding("DATE_OF_BIRTH", m.start(1), m.end(1), 0.9)
    for m in _DOB_LOOSE.finditer(text):
        value = m.group(1).rstrip(" ,/.-")
        value = re.sub(r"(?i)(?:\s+(?:of|the))+$", "", value)
        if re.search(rf"(?i)\d|{_MONTHS}", value):
            yield PiiFinding("DATE_OF_BIRTH", m.start(1), m.start(1) + len(value), 0.8)
    for m in _OLD_DATE.finditer(text):  # a full date before 2010 in a support chat is almost always a birthday...
        if _EVENT_DATE.search(text[max(0, m.start() - 40) : m.start()]):
            continue  # ...unless it dates an event: "a customer since 14 March 2003", "statement dated 01/02/2009"
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
# "Flat 3, ", "Apt 4B / ", and a Scottish tenement flat "4/2 "
_PREFIX = r"(?:(?:Flat|Apartment|Apt|Unit|Suite|Ste)\.? ?#?\w{1,4}(?:,? | ?/ ?)|\d{1,2}/\d{1,2},? )?"
_STREET = re.compile(
    rf"(?i)\b{_PREFIX}(?:\d{{1,5}}[A-Za-z]?(?:-\d{{1,5}})?,? |(?:Flat|Apartment|Apt|Unit) \w{{1,4}},? )"
    rf"(?:the )?(?:{_STREET_WORD} ){{0,3}}{_STREET_WORD} {_STREET_TYPES}\b\.?(?: (?:N|S|E|W|NE|NW|SE|SW)\b)?"
)
# a street named without its number first: "I live on Cedar Way, number 27", "my address is Mill Lane, no. 4"
_STREET_NAMED = re.compile(
    rf"(?i)\b(?:live on|lives on|living on|address is|address:|house on|flat on)\s+((?:[A-Z][A-Za-z'’.-]* ){{1,3}}"
    rf"{_STREET_TYPES}\b(?:,? (?:number|no\.?|house|#) ?\d{{1,5}}[A-Za-z]?)?)"
)
# a named house or farm opening an address: "Hilltop Farm, Hawes, North Yorkshire DL8 3NX"
_HOUSE_NAME = (
    r"(?:The )?[A-Z][a-z]+ (?:Farm|Cottage|House|Lodge|Barn|Manor|Hall|Mill|Villa|Bungalow|Grange|Croft|Court"
    r"|Farmhouse|Rectory|Vicarage|Stables|Gables|Orchard|Coach House)\b"
)
_TAIL = re.compile(
    rf",?(?: (?:Apt|Apartment|Unit|Suite|Ste|Flat)\.? ?#?\w{{1,4}},?)?"
    r"(?:,? (?!(?:and|but|so|please|can|could|I|we|my|is|was|if|which|because)\b)"
    r"[A-Z][A-Za-z'’.-]+(?: [A-Z][A-Za-z'’.-]+){0,2}){0,3}"
    rf"(?:,? (?:{_UK_POSTCODE}\b|{_US_STATE}\b(?: \d{{5}}(?:-\d{{4}})?)?|\d{{5}}(?:-\d{{4}})?\b|(?<=Dublin )\d{{1,2}}\b"
    r"|[AC-FHKNPRTV-Y]\d[\dW] ?[0-9AC-FHKNPRTV-Y]{4}\b))?"
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
_ADDRESS_START = re.compile(rf"\b(?:(?:Flat|Apartment|Apt|Unit|Suite)\b|\d{{1,5}}[A-Za-z]?,? [A-Z]|{_HOUSE_NAME})")
_ADDRESS_BODY = re.compile(r"[A-Za-z0-9 ,.'’#/-]+")
_PO_BOX = re.compile(r"(?i)\bP\.?O\.? Box \d{1,6}\b")


# a street named as where a branch, cash machine or shop is: a business's address, not a person's
_BUSINESS_BEFORE = re.compile(
    r"(?i)\b(?:branch|atm|cash ?machine|cashpoint|office|store|shop|post office|bank)(?:es|s)?\b[^.!?\n]{0,12}"
    r"\b(?:on|at|in|near|off)\s+(?:the\s+)?$"
)


def address_findings(text: str) -> Iterator[PiiFinding]:
    for m in _STREET.finditer(text):
        if _BUSINESS_BEFORE.search(text[max(0, m.start() - 40) : m.start()]):
            continue
        tail = _TAIL.match(text, m.end())
        end = tail.end() if tail else m.end()
        yield PiiFinding("STREET_ADDRESS", *trim_span(text, m.start(), end), 0.8)
    for m in _STREET_NAMED.finditer(text):
        tail = _TAIL.match(text, m.end())
        yield PiiFinding("STREET_ADDRESS", *trim_span(text, m.start(1), tail.end() if tail else m.end()), 0.75)
    for m in _PO_BOX.finditer(text):
        tail = _TAIL.match(text, m.end())
        yield PiiFinding("STREET_ADDRESS", *trim_span(text, m.start(), tail.end() if tail else m.end()), 0.8)
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
        if after_reference(text, m.start()):
            continue  # "the kettle model number is KE12 9BX"
        if value.isupper() or " " in value:  # "sw1a1aa" alone is too close to an ordinary token
            yield PiiFinding("UK_POSTCODE", m.start(), m.end(), 0.6)
