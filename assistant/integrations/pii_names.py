"""Personal names, with or without a cue: first and last names from the PyPI package ``faker`` (MIT licence), whose
person providers ship name tuples per locale (only the tuples are read; Faker is never instantiated). Common English
words (spaCy's stop words, textstat's Dale-Chall easy words and :data:`AMBIGUOUS_NAMES`) count as names only next to
a cue, a title or a capitalised surname.

>>> [("Ask Priya Patel"[f.start : f.end]) for f in name_findings("Ask Priya Patel")]
['Priya Patel']
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from assistant.integrations.pii_name_words import (
    AMBIGUOUS_NAMES,
    BRANDS,
    CONTRACTIONS,
    NOT_NAMES,
    PLACES,
    not_person_spans,
)
from assistant.integrations.pii_types import PiiFinding

# a month next to a day number is a date ("Jan 3rd", "14 Jan", "the 7th of Jan"), whatever name lists say
_MONTH = re.compile(r"(?i)jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july")
_DAY_NEAR = re.compile(r"\d")
# a month after a word of time is a date too ("£50 a month from January", "until October"); April, May, June, July
# and August are also first names and stay names there ("money from April")
_MONTH_ONLY = re.compile(r"(?i)january|february|march|september|october|november|december")
_TIME_BEFORE = re.compile(
    r"(?i)\b(?:from|until|till|til|by|in|since|before|after|every|next|last|this|of|early|late|mid|end of|start of)\s+$"
)
# who is writing or addressed: here a word that is also a place may be a name ("hiya its Jordan")
_SELF_CUE = re.compile(r"(?i)\b(?:it's|its|it is|i'm|im|i am|this is|hi|hiya|hello|hey|dear)[,\s]+$")

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
_LATIN_NAME = re.compile(r"(?:O'|Mc|Mac)?[A-Z][a-z]+(?:['-][A-Z]?[a-z]+)?")  # O'Brien, McDonald too
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
def soft_surnames() -> frozenset[str]:
    """Surnames that are names' words only ("parker", "miller", "taylor"), not stop words, easy words, places or
    brands: a surname after a first name even in lower case."""
    from spacy.lang.en.stop_words import STOP_WORDS

    _, last, _ = name_lists()
    return frozenset(AMBIGUOUS_NAMES & last) - STOP_WORDS - _easy_words() - PLACES - BRANDS


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
    common = {w.lower() for w in STOP_WORDS} | AMBIGUOUS_NAMES | PLACES | BRANDS | _easy_words()
    return frozenset(first), frozenset(last), frozenset(common)


def _easy_words() -> set[str]:
    import textstat

    path = Path(textstat.__file__).resolve().parent / "resources" / "en" / "easy_words.txt"
    try:
        return {w.strip().lower() for w in path.read_text(encoding="utf-8").split()}
    except OSError:
        return set()


_NAME_CUE = re.compile(
    r"(?i)\b(?:my name is|my name's|name ?[:-]|names|name is|i am|i'm|im|this is|it's|its|called|speaking is|"
    r"signed|regards,?|thanks,?|thank you,?|cheers,?|husband|wife|partner|son|daughter|mum|mom|dad|"
    r"father|mother|brother|sister|friend|carer|landlord|named|account holder|payee|beneficiary|dear|hi|hello|hey|"
    r"boyfriend|girlfriend|fianc[eé]e?|ex|nan|nana|gran|grandma|grandmother|grandad|grandpa|grandfather|grandson|"
    r"granddaughter|uncle|aunt|auntie|niece|nephew|cousin|flatmate|housemate|roommate|tenant|lodger|neighbour|"
    r"neighbor|boss|employer|colleague|stepson|stepdaughter|stepmother|stepfather|guardian|attorney|executor|"
    r"spoke to|spoke with|speaking to|talked to|talking to|chatted to|chatted with|agent|adviser|advisor|"
    r"representative|rep|manager|cashier|teller|member of staff|staff member|lady|man|guy|gentleman|woman|"
    r"called me|from|love|best|yours|sincerely|many thanks|kind regards),?\s+$"
)
_STRONG_CUE = re.compile(
    r"(?i)\b(?:my name is|my name's|name ?[:-]|name is|names|called|named|signed|name|name of|ask for|asking for"
    r"|(?:sur|fore)name(?: is| ?[:-])?"
    r"|asked for|nickname is|nickname's|known as|calls me|call me|goes by|go by|executor is|attorney is"
    r"|(?:customer|acct holder|account holder|card ?holder|holder|payee|beneficiary|recipient|sender|from|to|attn"
    r"|c/o|executor|deceased|joint holder|account name|name on (?:the )?(?:card|account))\s?:)\s+$"
)
_EXPLICIT_CUE = re.compile(r"(?i)\b(?:my name is|my name's|name ?[:-]|name is)\s+$")
# "Zhang Wei here", "Farid Haddad, 12 ...": two or three capitalised words opening the message
_OPENING = re.compile(
    r"^\s*(?:(?:hi|hello|hey|morning|afternoon),? )?([A-Z][^\W\d_]+(?: [A-Z][^\W\d_'’-]+(?:['’-][^\W\d_]+)?){1,2})"
    r"(?= here\b| speaking\b| writing\b|,)"
)
# an initial and a surname after a title, a sign-off or a 'name -' label: "Mrs J Bell", "Yours, I. Chaudhry",
# "MR K OSEI"
_INITIALED = re.compile(
    rf"(?:\b(?i:{_TITLES})|(?i:yours|regards|thanks|cheers|sincerely|faithfully|signed)[,.]?|\b(?i:name) ?[:-])\s+"
    r"((?:[A-Z]\.? ?){1,2}(?:Mc|Mac|O')?[A-Z][^\W\d_'’-]+(?:['’-][^\W\d_]+)?)"
)
# a third party after a payment verb: two capitalised words there are a name ("sent it to Kwame Mensah")
_PARTY_CUE = re.compile(
    r"(?i)\b(?:sent|send|sending|paid|pay|paying|transferred|transfer|transferring|owe|owes|owed|lent|loaned"
    r"|gave|give|to|from|for|with|by|and|&)\s+(?:it |money |them |cash |(?:£|\$|€)[\d,.]+k? )?(?:to |from )?$"
)
# "moved to X", "travelling to X": a place
_MOVE_TO = re.compile(
    r"(?i)\b(?:moved?|moving|travel+(?:ing|ed)?|go|going|goes|went|fly|flying|flew|trip|holiday|relocat\w*|emigrat\w*"
    r"|back|over|drive|driving|drove|heading|head|come|coming|came|return\w*|abroad|visit\w*|way|posted|transferred"
    r" from \w+)\s+to\s+$"
)
# a capitalised word after these is a place or a shop ("I live in Milton Keynes", "a branch near Preston")
_PLACE_CUE = re.compile(r"(?i)\b(?:in|near|around|outside|at|visiting|across|into)\s+$")
_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")
_TITLE = re.compile(rf"\b{_TITLES} ((?:{_MC})(?: {_MC}){{0,2}})")
# a signature: one to three capitalised words alone on the last line, or after a dash at the end
_SIGNATURE = re.compile(r"(?:\n|^|(?<!\w)[-–—~] ?)((?:[A-Z][^\W\d_'’-]*(?:['’-][^\W\d_]+)*\.? ?){1,3})[.!]?\s*$")


# a former name: "was Pennington before", "née Hughes", "formerly Okafor"
_FORMER = re.compile(
    rf"\b(?:(?:was|used to be|previously|formerly)\s+({_MC}(?:-{_MC})?)(?=,?\s+(?:before|previously|until|till)\b)"
    rf"|(?:formerly|n[ée]e)\s+({_MC}(?:-{_MC})?))"
)
# a letter joined to a digit or a symbol ("Jet2", "Norwich1990", "Bl@ck", "4481-AB"): part of a code, never a name
_GLUED = re.compile(r"[\d_@#$%^&*+=]")


_INITIAL_BEFORE = re.compile(r"(?<![\w.])[A-Z]\.? ?$")


def name_findings(text: str) -> Iterator[PiiFinding]:
    """Names in ``text``; an initial just before a name belongs to it ("payment to D Williams")."""
    for f in _names(text):
        initial = _INITIAL_BEFORE.search(text, max(0, f.start - 3), f.start)
        if initial and text[initial.start()] not in "AI" and f.start > initial.start():
            f = PiiFinding(f.entity_type, initial.start(), f.end, f.score)
        yield f


def _names(text: str) -> Iterator[PiiFinding]:
    first, last, common = name_lists()
    core = core_first_names()
    for m in _TITLE.finditer(text):
        yield PiiFinding("PERSON", m.start(), m.end(), 0.85)
    for m in _SIGNATURE.finditer(text):
        words = m.group(1).split()
        if not text[: m.start(1)].strip() and words[0].strip(".").lower() not in first:
            continue  # the whole message is a few capitalised words ("Cancel Transaction"): a name only if it opens so
        if words and all(
            w.strip(".").lower() not in common or w[0].isupper() and w.strip(".").lower() in first for w in words
        ):
            yield PiiFinding("PERSON", m.start(1), m.start(1) + len(m.group(1).rstrip(" .")), 0.65)
    for pattern in (_OPENING, _INITIALED):
        for m in pattern.finditer(text):
            words = m.group(1).split()
            if any(w.lower() in common and w.lower() not in first for w in words[:1]) or words[0].lower() in BRANDS:
                continue
            yield PiiFinding("PERSON", m.start(1), m.end(1), 0.65)
    for m in _FORMER.finditer(text):
        g = 1 if m.group(1) else 2
        if m.group(g).lower() not in common:
            yield PiiFinding("PERSON", m.start(g), m.end(g), 0.7)
    skip = not_person_spans(text)
    tokens = [t for t in _TOKEN.finditer(text) if not any(a <= t.start() < b for a, b in skip) and not _glued(text, t)]
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        word = tok.group()
        low = word.lower()
        before = text[max(0, tok.start() - 60) : tok.start()]  # every cue is a short phrase: linear in the text
        capital = word[0].isupper() and not word.isupper()
        explicit = bool(_EXPLICIT_CUE.search(before))
        if word.isupper() and len(word) > 1 and explicit:
            capital = True  # "name: MR K OSEI"
        strong = explicit or (capital and bool(_STRONG_CUE.search(before)))
        cued = strong or bool(_NAME_CUE.search(before))
        party = not cued and capital and bool(_PARTY_CUE.search(before)) and not _MOVE_TO.search(before)
        if re.sub(r"['’]s$", "", low) in BRANDS or re.sub(r"['’]", "", low) in BRANDS:
            i += 1  # "Sainsbury's", "Wendy's"
            continue
        place = low in NOT_NAMES and not strong and not (low in first and _SELF_CUE.search(before))
        place = place or bool(_MONTH.fullmatch(low) and _DAY_NEAR.search(text[max(0, tok.start() - 8) : tok.end() + 6]))
        place = place or bool(_MONTH_ONLY.fullmatch(low) and _TIME_BEFORE.search(before) and not strong)
        if not explicit and (_ordinary(word, first, last, common) or place):
            i += 1  # "Im", "ATMs", "Yesterdays", "from China", "Russian rubles"
            continue
        if not strong and capital and _PLACE_CUE.search(before):
            i += 1  # "in Leeds", "at Argos": a place or a shop
            continue
        is_first = low in first
        # how far a name runs: following tokens that are surnames (capitalised, or listed after a strong cue)
        j = i + 1
        while j < len(tokens) and j - i < 3 and text[tokens[j - 1].end() : tokens[j].start()] in (" ", "-"):
            nxt = tokens[j].group()
            nlow = nxt.lower()
            if _middle_initial(text, tokens, j) and tokens[j + 1].group().lower() not in common:
                j += 2  # "Walter E. Grisham"
                continue
            if nlow in BRANDS or (nlow.endswith("s") and nlow[:-1] in common and nlow not in last):
                break  # "Virgin Media", "Bill Payments": a brand or an ordinary plural, not a surname
            if nxt[0].isupper() and not nxt.isupper() and (nlow in last or nlow not in common):
                j += 1
            elif (strong or (is_first and not capital)) and nlow in last and nlow not in common:
                j += 1
            elif low in core and not capital and nlow in soft_surnames():
                j += 1  # "ethan parker": a surname that is also a word, after a first name in lower case
            else:
                break
        has_surname = j > i + 1
        mid_sentence = bool(re.search(r"[^\W\d_][\s,]+$", before))
        take = False
        if strong and (low not in common or capital):
            take = True
        elif capital and is_first and (low not in common or has_surname or cued):
            take = True
        elif capital and (cued or party) and has_surname and low not in common:
            take = True
        elif not capital and is_first and has_surname and low not in common:
            take = True
        elif capital and cued and not party and low not in common and low not in BRANDS:
            take = True  # "my partner Ffion", "hi Aoife"
        elif capital and party and mid_sentence and (low not in common or is_first) and low not in BRANDS:
            take = True  # "I gave Sandeep my card", "pay Will at ...", "sorted it with Jaspreet"
        elif not capital and cued and is_first and low not in common and len(low) >= 4:
            take = True  # "hi it's oluwaseun"
        elif not capital and low in core:
            take = True
        elif capital and has_surname and low not in common and tokens[i + 1].group().lower() in last - common:
            take = True
        if take:
            yield PiiFinding("PERSON", tok.start(), tokens[j - 1].end(), 0.7)
            i = j
        else:
            i += 1


def _glued(text: str, tok: re.Match[str]) -> bool:
    """Whether the token is joined to a digit or a symbol on either side ("Jet2", "N0rw1ch", "Bl@ck")."""
    before = text[max(0, tok.start() - 2) : tok.start()]
    after = text[tok.end() : tok.end() + 2]
    return bool(
        _GLUED.fullmatch(before[-1:])
        or _GLUED.fullmatch(after[:1])
        or re.fullmatch(r"\d-", before)
        or re.fullmatch(r"-\d", after)  # "4481-AB", "AB-2210"
    )


def _middle_initial(text: str, tokens: list[re.Match[str]], j: int) -> bool:
    """Whether ``tokens[j]`` is a middle initial followed by a capitalised surname ("E. Grisham")."""
    word = tokens[j].group()
    if len(word) != 1 or not word.isupper() or word == "I" or j + 1 >= len(tokens):
        return False
    surname = tokens[j + 1].group()
    gap = text[tokens[j].end() : tokens[j + 1].start()]
    return gap in (". ", " ") and surname[0].isupper() and not surname.isupper() and len(surname) > 1


def _ordinary(word: str, first: frozenset[str], last: frozenset[str], common: frozenset[str]) -> bool:
    """A word that is not a name whatever its capital: a contraction without its apostrophe ("Im"), an acronym's
    plural ("ATMs", "PINs") or the plural of a common word that no name list holds ("Yesterdays")."""
    low = word.lower()
    if low in CONTRACTIONS or re.fullmatch(r"[A-Z]{2,}s", word):
        return True
    return low.endswith("s") and low[:-1] in common and low not in first and low not in last
