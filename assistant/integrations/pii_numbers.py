"""Numbers: UK National Insurance numbers, US SSNs, sort codes, account and routing numbers, IBANs, US phones and
ZIP codes; a bare run of digits is typed by its length, checksum and the cue before it.

>>> from assistant.integrations.pii_types import merge_spans
>>> text = "NI QQ 12 34 56 C"
>>> [(f.entity_type, text[f.start : f.end]) for f in merge_spans([*number_findings(text)])]
[('UK_NINO', 'QQ 12 34 56 C')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.integrations.pii_types import PiiFinding, luhn_ok

_NI = re.compile(r"\b[A-Za-z]{2}[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}[ -]?[A-Da-d]\b")
_NI_CUED = re.compile(
    r"(?i)\b(?:national insurance|NI|NINO|N\.I\.)\b[^\d\n]{0,25}?\b([A-Z]{2}[ -]?\d{2}[ -]?\d{2}[ -]?\d{2})\b"
)
_SSN = re.compile(r"(?<![\d-])\d{3}[- ]\d{2}[- ]\d{4}(?![\d-])")
# not inside a decimal, an amount or an alphanumeric id; "no.12345678" is a number all the same
# single digits may also be joined by " - " (speech to text: "4 1 9 - 2 2 - 6 0 3 1")
_DIGIT_RUN = re.compile(r"(?<![\w,£$€-])(?<![\d£$€]\.)\d(?:[ -]?\d|(?<=\b\d) - (?=\d\b)\d){5,29}(?![\w-]|[.,]\d)")
# digits in groups joined by dots or slashes ("50.44.21.09", "12/55/09/83"): an account number only after (or
# before) an account cue; two groups of three or four ("6208.1147") only just after one
_DOTTED = re.compile(r"(?<![\w.,/£$€-])\d{2,4}([./])\d{2,4}(?:\1\d{2,4}){1,4}(?![\w/-]|[.,]\d)")
_DOTTED_PAIR = re.compile(r"(?<![\w.,/£$€-])\d{3,4}\.\d{3,4}(?![\w/-]|[.,]\d)")
_DOTTED_DATE = re.compile(r"[0-3]?\d([./])[01]?\d\1(?:19|20)?\d\d|(?:19|20)\d\d([./])[01]?\d\2[0-3]?\d")
# digits said as words: "four seven two two nine one zero six", "double four"
_DIGIT_WORD = r"(?:zero|oh|nought|one|two|three|four|five|six|seven|eight|nine)"
_SPOKEN_DIGITS = re.compile(
    rf"(?i)\b(?:(?:double |triple )?{_DIGIT_WORD}[\s,-]+){{5,18}}(?:double |triple )?{_DIGIT_WORD}\b"
)
_DIGIT_VALUES = {w: str(i) for i, w in enumerate("zero one two three four five six seven eight nine".split())} | {
    "oh": "0",
    "nought": "0",
}
# a number typed in two halves: "5527 and then 1904", "3104 - 8821"
_SPLIT = re.compile(
    r"(?<![\w£$€.,-])(\d{4})\s*(?:,|and then|then|and|-|/)\s*(\d{4})(?![\w-]|[.,]\d|\s*(?:,|and|then|-)\s*\d)"
)
_AMOUNT_BEFORE = re.compile(r"(?i)(?:[£$€]|\b(?:paid|pay|spent|spend|withdr\w*|owe|cost|costs|charged|between))\s*$")
# a US number with no area code after a phone cue: "text me back at 555-0112"
_LOCAL_PHONE = re.compile(r"(?<![\d-])\d{3}[-. ]\d{4}(?![\d-])")
_SORT_CODE = re.compile(r"(?<![\d-])(?<!\d\.)\d{2}([- .–—])\d{2}\1\d{2}(?![\d-]|\.\d)")
# any mix of separators (20-45 77, 20/45/77, 20-4577, 20 – 45 – 77) counts after a sort-code cue
_SORT_CODE_LOOSE = re.compile(
    r"(?<![\d-])\d{2}(?: ?[-–—./] ?|[- ./]{0,2})\d{2}(?: ?[-–—./] ?|[- ./]{0,2})\d{2}(?![\d-]|[.,]\d)"
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_US_PHONE = re.compile(r"(?:\+1[ .-]?)?(?:\(\d{3}\)|(?<![\d-])\d{3})[ .-]?\d{3}[ .-]\d{4}(?![\d-])")
_ZIP_CUED = re.compile(r"(?i)\b(?:zip|zipcode|zip code|postal code)\b")
_ZIP = re.compile(r"(?<![\d£$€.,-])\d{5}(?:-\d{4})?(?![\d.,]\d|\d)")

_CUE_WINDOW = 40
_CUES: dict[str, re.Pattern[str]] = {
    "sort": re.compile(r"(?i)\bsort[\s-]?code|\bsortcode|\bsort\b|\bs/c\b|\bsc\b"),
    "account": re.compile(
        r"(?i)\b(?:(?:accounts?|acount|accout|accont|acct|accnt|acc|a/c)(?:no|num|nr|number|#)?|checking|chequing"
        r"|savings|current"
        r"|brokerage|money market|isa|ira|bank details|roll (?:number|no|num)"
        # a loan or mortgage named by its number is an account ("mortgage loan #7700-418823-9", "loan no 55120934")
        r"|(?:loan|mortgage|heloc|escrow)(?:\s*(?:number|no|num|id)|(?=\s*#)))\b"
    ),
    # numbers that are not personal data: a reference, order or case number, a flight, an invoice; the digits after
    # a reference's letters are the reference too ("ref CMP-2023-118822", "ref J2-RF-2210934")
    "ref": re.compile(
        r"(?i)\b(?:order|invoice|inv|ref|reference|case|ticket|booking|confirmation|tracking|claim|transaction|txn"
        r"|policy|membership|receipt|complaint|incident|flight|serial|parcel|cheque|check number|mandate"
        r"|direct debit|payment id|application|contract|merchant|terminal|store|shipment|consignment|item|sku"
        r"|model|part|room|folio|voucher|machine|device|atm|kiosk)\b(?:[\s#:.,-]*(?:(?:number|no|num|id|ref|code)\b[\s#:.-]*)?"
        r"(?:[A-Z]{1,5}\d{0,4}-)*"
        # ... or named, then what it is for and a verb: "reference number for my complaint is", "ref for me is"
        r"|(?<=ref|nce)[^\d\n.!?]{0,25}?\s(?:is|was|reads|says)\s+|\s+(?:number|no|num|id|ref|code)\b[^\d\n.!?]{0,25}?"
        r"\s(?:is|was|reads|says)\s+"
        # a reference noun that is nothing else, then a verb: "my claim is 44120987"
        r"|(?:(?<=order)|(?<=claim)|(?<=case)|(?<=ticket)|(?<=booking)|(?<=tracking)"
        r"|(?<=complaint)|(?<=incident)|(?<=parcel)|(?<=invoice)|(?<=receipt)|(?<=shipment))"
        r"\s+(?:is|was)\s+)$"
    ),
    "routing": re.compile(r"(?i)\b(?:routing|aba|rtn|transit)\b"),
    "phone": re.compile(
        r"(?i)\b(?:phone|tel|telephone|mobile|cell|cellphone|landline|whatsapp|call me|text me|ring me"
        r"|(?:texts?|texted|calls?|called|rang|messages?|sms|voicemails?) from)\b"
    ),
    "ssn": re.compile(r"(?i)\b(?:ssn|social security|social|ss#|ss no)\b"),
    "card": re.compile(r"(?i)\b(?:card|visa|mastercard|amex|debit|credit|long number)\b"),
}


def _cued(text: str, start: int, cue: str, window: int = _CUE_WINDOW) -> bool:
    return bool(_CUES[cue].search(text[max(0, start - window) : start]))


def nearest_cue(text: str, start: int, cues: tuple[str, ...]) -> str | None:
    """Of ``cues``, the one whose last mention ends nearest before ``start`` (within the window)."""
    before = text[max(0, start - _CUE_WINDOW) : start]
    best: tuple[int, str] | None = None
    for cue in cues:
        ends = [m.end() for m in _CUES[cue].finditer(before)]
        if ends and (best is None or ends[-1] > best[0]):
            best = (ends[-1], cue)
    return best[1] if best else None


# a company's line, not a person's: "the helpline 1-800-555-0100", "customer services on 0345 600 1234"
_BUSINESS_LINE = re.compile(
    r"(?i)\b(?:helpline|help line|hotline|freephone|switchboard"
    r"|customer (?:service|services|care|support)(?: line| number)?"
    r"|contact centre|call centre|call center"
    # "the bank's number on the back of my card is", "your fraud line"
    r"|(?:bank|bank's|banks|company's) (?:own )?(?:phone |contact |tele(?:phone)? |fraud )?(?:number|line)"
    r"(?: on the back of (?:my|the|your) card)?|number on the back of (?:my|the|your) card)\b[^\d\n]{0,12}$"
)


def business_line(text: str, start: int) -> bool:
    """Whether the phone number at ``start`` is introduced as a helpline or a company's service line."""
    return bool(_BUSINESS_LINE.search(text[max(0, start - 60) : start]))


def phone_cued(text: str, start: int) -> bool:
    """Whether a phone cue ("mobile", "call me", "texts from") comes shortly before ``start``."""
    return _cued(text, start, "phone")


def after_reference(text: str, start: int) -> bool:
    """Whether the number at ``start`` is labelled as a reference, order, case, invoice... number."""
    return bool(_CUES["ref"].search(text[max(0, start - 60) : start]))


_CARD_GROUPS = re.compile(r"\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?|\d{4}[ -]\d{6}[ -]\d{4,5}|\d{13,19}")


def card_shaped(raw: str) -> bool:
    """Whether digits are grouped as a card's are (4-4-4-4, 4-6-5 or not at all); "203-1928374-5564738" is not."""
    return bool(_CARD_GROUPS.fullmatch(raw.strip()))


# countries that use IBANs: two letters before the check digits that are none of these make no IBAN ("AB12...GB")
IBAN_COUNTRIES = frozenset(
    """AD AE AL AT AZ BA BE BG BH BR BY CH CR CY CZ DE DK DO EE EG ES FI FO FR GB GE GI GL GR GT HR HU IE IL IQ IS IT
    JO KW KZ LB LC LI LT LU LV MC MD ME MK MR MT MU NL NO PK PL PS PT QA RO RS SA SC SE SI SK SM ST SV TL TN TR UA VA VG
    XK""".split()
)


# an account cue just after the number: "1029384756 is my checking account", "12345678 (savings)"
_ACCOUNT_AFTER = re.compile(
    r"(?i)\s*[(,-]?\s*(?:(?:which|that|and) )?(?:(?:is|was|being|=|isn't|wasn't)\s+)?(?:not\s+)?"
    r"(?:(?:my|the|our|his|her|their|a|that's|thats)\s+)?"
    r"(?:(?:joint|main|old|new|business|personal|other|us|uk|bank|own)\s+)?"
    r"(?:accounts?|acct|a/c|checking|chequing|savings|current account)\b"
)
# an account named later in the same clause: "why 209948 got closed, it was my kids' savings"
_ACCOUNT_LATER = re.compile(
    r"(?i)[^.!?\n\d£$€]{0,40}?\b(?:accounts?|acct|a/c|checking|chequing|savings|current account)\b"
)
# money moving to or from the number: "the money went to 0047712", "check 2210 written from 6021904471"
_FLOW_BEFORE = re.compile(
    r"(?i)\b(?:went|gone|going|goes|sent|send|sending|transferr?(?:ed|ing)?|transfers?|moved?|paid|paying|payments?"
    r"|deposit(?:ed|s)?|credited|debited|drawn|written|taken|came|coming|money|funds|cash|it)"
    r"\s+(?:in)?(?:to|from|out of)\s+(?:(?:the|my|an?|their|his|her|our)\s+)?(?:account\s+)?$"
)
# what is done only to an account: a cheque drawn on it, frozen, closed or unblocked ("please freeze 8820193746")
_ACTED_ON_BEFORE = re.compile(
    r"(?i)\b(?:(?:drawn|written|made out|issued) (?:on|against)|(?:un)?freeze|(?:un)?froze|(?:un)?frozen|close"
    r"|closing|(?:un)?block|(?:un)?lock|re-?open)\s+(?:(?:the|my|an?|their|his|her|our)\s+)?(?:account\s+)?$"
)
_DASHED_DATE = re.compile(
    r"(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])|(?:0[1-9]|[12]\d|3[01])-(?:0[1-9]|1[0-2])-(?:19|20)\d\d"
)
_COMPACT_DATE = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
# counts and amounts: "12345678 pence", "1500000 points", "2000000 dollars"
_UNIT_AFTER = re.compile(
    r"(?i)\s?(?:pence|p|pounds?|quid|dollars?|bucks|euros?|gbp|usd|eur|points?|pts|miles?|km|kg|%|percent|steps"
    r"|people|customers|members|users|times|views|calls|words|characters|digits)\b"
)
_SORT_BEFORE = re.compile(r"\d{2}[- .]?\d{2}[- .]?\d{2}\b[^\d\n]{0,25}$")
_LIST_BEFORE = re.compile(r"(?i)\d{7,17}\s*(?:,|/|&|and|or|then|,? and)\s*$")


def _after_sort_code(text: str, start: int) -> bool:
    """Just after a sort code ("20-00-00 7654321", "sort code 112233, acc 1234567")."""
    before = text[max(0, start - 40) : start]
    return (
        bool(_SORT_BEFORE.search(before))
        and _cued(text, start, "sort", window=60)
        or bool(re.search(r"\d{2}-\d{2}-\d{2}\s*[,/]?\s*$", before))
    )


# a routing number just before: "324079018 then 5503 2291 88", a cheque's MICR line "| 063100277 | 8830012447 |"
_ROUTING_BEFORE = re.compile(r"(?<!\d)(\d{9})\s*(?:[|,/;:-]|,? ?(?:then|and|acc\w*|a/c))?\s*$")


def _after_routing(text: str, start: int) -> bool:
    """Just after a valid routing number (the account number follows it on a cheque and in a customer's list)."""
    m = _ROUTING_BEFORE.search(text, max(0, start - 30), start)
    return m is not None and _aba_ok(m.group(1))


def _listed_after_account(text: str, start: int) -> bool:
    """The next number of a list that an account cue opened ("accounts 1234567890, 2345678901 and 3456789012")."""
    head = text[max(0, start - 120) : start]
    return bool(_LIST_BEFORE.search(head)) and bool(_CUES["account"].search(head))


# "204577 is my sort code"
_SORT_AFTER = re.compile(
    r"(?i)\s*[(,-]?\s*(?:(?:is|was|=)\s+)?(?:(?:my|the|our|his|her|their)\s+)?(?:bank\s+)?sort[\s-]?code"
)
_QUANTITY_BEFORE = re.compile(
    r"(?i)(?:[£$€]|\b(?:paid|pay|spent|spend|withdr\w*|owe|cost|costs|charged|between|moved?|put|deposit\w*"
    r"|transferr?\w*|sav(?:e|ed|ing)|saved up|about|around|over|under|only|just|total|balance|limit)\s*)$"
)


# the next sentence names what the number was: "... 418820. Account number I mean.", "... That's my savings account."
_NAMED_AFTER = re.compile(
    r"(?i)[.!?]?\s+(?:(?:that's|thats|that is|it's|its|this is)\s+(?:my|the|our)\s+(?:[a-z]+\s+)?"
    r"(?:account|acct|a/c)(?:\s+(?:number|no\.?|#))?(?=\s*(?:[.,!?;)]|$))"
    r"|(?:account|acct|a/c)(?:\s+(?:number|no\.?|#))?,?\s+i mean(?:t)?\b)"
)


def account_around(text: str, start: int, end: int) -> bool:
    """An account named just after the number (or in the next sentence), later in its clause, money moving to or
    from it, or something only an account has done to it (frozen, closed, a cheque drawn on it)."""
    if _ACCOUNT_AFTER.match(text, end) or _NAMED_AFTER.match(text, end):
        return True
    before = text[max(0, start - 40) : start]
    if _FLOW_BEFORE.search(before) or _ACTED_ON_BEFORE.search(before):
        return True
    return bool(_ACCOUNT_LATER.match(text, end)) and not _QUANTITY_BEFORE.search(text[max(0, start - 12) : start])


def is_quantity(text: str, start: int, end: int) -> bool:
    """Whether the number at ``start:end`` is an amount or a count ("£2000000", "balance is 1200000", "1234421
    points")."""
    return bool(_UNIT_AFTER.match(text, end) or _QUANTITY_BEFORE.search(text[max(0, start - 12) : start]))


def _aba_ok(digits: str) -> bool:
    d = [int(c) for c in digits]
    return len(d) == 9 and (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


def number_findings(text: str) -> Iterator[PiiFinding]:
    for f in _number_findings(text):
        if f.entity_type != "PHONE_NUMBER" or not business_line(text, f.start):
            yield f


def _number_findings(text: str) -> Iterator[PiiFinding]:
    for m in _NI.finditer(text):
        yield PiiFinding("UK_NINO", m.start(), m.end(), 0.9)
    for m in _NI_CUED.finditer(text):
        yield PiiFinding("UK_NINO", m.start(1), m.end(1), 0.85)
    for m in _SSN.finditer(text):
        yield PiiFinding("US_SSN", m.start(), m.end(), 0.85)
    for m in _SORT_CODE.finditer(text):
        yield PiiFinding("UK_SORT_CODE", m.start(), m.end(), 0.8)
    for m in _SORT_CODE_LOOSE.finditer(text):
        if _cued(text, m.start(), "sort", window=30):
            yield PiiFinding("UK_SORT_CODE", m.start(), m.end(), 0.8)
    for m in _IBAN.finditer(text):
        if sum(c.isdigit() for c in m.group()) >= 8 and m.group()[:2] in IBAN_COUNTRIES:
            yield PiiFinding("IBAN_CODE", m.start(), m.end(), 0.9)
    for m in _US_PHONE.finditer(text):
        yield PiiFinding("PHONE_NUMBER", m.start(), m.end(), 0.7)
    for cue in _ZIP_CUED.finditer(text):  # every 5-digit number in the next 80 characters of the line
        line_end = text.find("\n", cue.end())
        for m in _ZIP.finditer(text, cue.end(), min(cue.end() + 80, line_end if line_end >= 0 else len(text))):
            yield PiiFinding("US_ZIP", m.start(), m.end(), 0.7)
    for m in _DIGIT_RUN.finditer(text):
        kind = classify_digits(text, m.start(), m.group(), m.end())
        if kind:
            yield PiiFinding(kind, m.start(), m.end(), 0.75)
    for m in _DOTTED.finditer(text):
        if _DOTTED_DATE.fullmatch(m.group()):
            continue  # "opened 14.03.2024"
        if nearest_cue(text, m.start(), ("account", "sort", "ref")) == "account" or account_around(
            text, m.start(), m.end()
        ):
            yield PiiFinding("ACCOUNT_NUMBER", m.start(), m.end(), 0.7)
    for m in _DOTTED_PAIR.finditer(text):  # "Account number: 6208.1147"
        if nearest_cue(text, m.start(), ("account", "sort", "ref")) == "account" and _cued(
            text, m.start(), "account", 25
        ):
            yield PiiFinding("ACCOUNT_NUMBER", m.start(), m.end(), 0.7)
    for m in _SPOKEN_DIGITS.finditer(text):
        kind = classify_digits(text, m.start(), _spoken(m.group()), m.end())
        if kind:
            yield PiiFinding(kind, m.start(), m.end(), 0.7)
    for m in _SPLIT.finditer(text):
        around = text[max(0, m.start() - 60) : m.end() + 40]
        if not _AMOUNT_BEFORE.search(text[max(0, m.start() - 12) : m.start()]) and (
            _CUES["account"].search(around) or _CUES["sort"].search(around)
        ):
            yield PiiFinding("ACCOUNT_NUMBER", m.start(), m.end(), 0.7)
    for m in _LOCAL_PHONE.finditer(text):
        if _cued(text, m.start(), "phone", window=25):
            yield PiiFinding("PHONE_NUMBER", m.start(), m.end(), 0.7)


def _spoken(words: str) -> str:
    """The digits of a number said as words: "double four one" -> "441"."""
    out, times = [], 1
    for word in re.findall(r"[a-z]+", words.lower()):
        if word in ("double", "triple"):
            times = 2 if word == "double" else 3
            continue
        out.append(_DIGIT_VALUES[word] * times)
        times = 1
    return "".join(out)


def classify_digits(text: str, start: int, raw: str, end: int) -> str | None:
    """What a run of 6-19 digits (spaces or dashes allowed) is, from its length, checksum and the cue before it."""
    digits = re.sub(r"\D", "", raw)
    n = len(digits)
    if n > 19:  # longer than any card or account: a tracking or reference number, hidden only when unlabelled
        return None if after_reference(text, start) else "LONG_NUMBER"
    # a labelled reference keeps its digits, unless it is written as a card number is (grouped like one, or ungrouped
    # and passing Luhn): those are hidden all the same (a customer may call a card number "the reference on my
    # statement"); "Transaction ID 7730019284411" is a reference
    card_like = card_shaped(raw) and (luhn_ok(digits) or not raw.isdigit())
    if after_reference(text, start) and not (13 <= n <= 19 and card_like):
        return None
    if _DASHED_DATE.fullmatch(raw):
        return None  # "account opened 2019-03-14": a date (a date of birth is found by the date rules)
    if n < 13 and _UNIT_AFTER.match(text, end):
        return None
    if n == 6:  # after a cue, or written just before an account number ("200000 / 12345678")
        if (
            _cued(text, start, "sort")
            or re.match(r"\s*[/,;-]?\s*\d{8}(?!\d)", text[end:])
            or _SORT_AFTER.match(text, end)
        ):
            return "UK_SORT_CODE"
        if nearest_cue(text, start, ("sort", "account")) == "account" and _cued(text, start, "account", 25):
            return "ACCOUNT_NUMBER"  # a short US account number: "acct 123456"
        if account_around(text, start, end):
            return "ACCOUNT_NUMBER"
        return None
    if 10 <= n <= 11 and nearest_cue(text, start, ("phone", "account", "routing", "card")) == "phone":
        return "PHONE_NUMBER"
    if n == 9:
        cue = nearest_cue(text, start, ("ssn", "routing", "account"))
        if cue is not None:
            return {"ssn": "US_SSN", "routing": "ABA_ROUTING", "account": "ACCOUNT_NUMBER"}[cue]
        return "ABA_ROUTING" if _aba_ok(digits) else "US_SSN"
    if 13 <= n <= 19 and (luhn_ok(digits) or _cued(text, start, "card")):
        return "CREDIT_CARD"
    if n == 8 and _COMPACT_DATE.fullmatch(digits) and not _cued(text, start, "account"):
        return None  # "statement 20231104": a date written without separators
    if n == 8:  # "spent 12000000 on my house" is an amount
        spent = _AMOUNT_BEFORE.search(text[max(0, start - 12) : start])
        return None if spent and not _cued(text, start, "account", 25) else "ACCOUNT_NUMBER"
    if 14 <= n and re.fullmatch(r"\d{6}[ -]?\d{8}", raw):  # sort code and account written together
        return "ACCOUNT_NUMBER"
    if 7 <= n <= 17 and (
        _after_sort_code(text, start) or _listed_after_account(text, start) or _after_routing(text, start)
    ):
        return "ACCOUNT_NUMBER"
    if _cued(text, start, "account", window=60) or _cued(text, start, "routing") or account_around(text, start, end):
        return "ACCOUNT_NUMBER"
    if n >= 12:
        return "LONG_NUMBER"  # a long number that is not a valid card: hidden all the same
    return None
