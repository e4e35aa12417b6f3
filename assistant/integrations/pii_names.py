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

from assistant.integrations.pii_types import PiiFinding

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


_NAME_CUE = re.compile(
    r"(?i)\b(?:my name is|my name's|name:|names|name is|i am|i'm|im|this is|it's|its|called|speaking is|"
    r"signed|regards,?|thanks,?|thank you,?|cheers,?|husband|wife|partner|son|daughter|mum|mom|dad|"
    r"father|mother|brother|sister|friend|carer|landlord|named|account holder|payee|beneficiary|dear|hi|hello),?\s+$"
)
_STRONG_CUE = re.compile(r"(?i)\b(?:my name is|my name's|name:|name is|names|called|named|signed)\s+$")
_EXPLICIT_CUE = re.compile(r"(?i)\b(?:my name is|my name's|name:|name is)\s+$")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_TITLE = re.compile(rf"\b{_TITLES} ((?:{_MC})(?: {_MC}){{0,2}})")


def name_findings(text: str) -> Iterator[PiiFinding]:
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
