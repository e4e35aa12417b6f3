"""Text utilities for the composer and the checks: Markdown-aware sentence units, figures, content words.

>>> [u.text for u in split_units("1. Open the app. Tap **Cards**.\\n\\n| Card | £10 |")[0].units]
['Open the app.', 'Tap **Cards**.']
>>> sorted(extract_figures("Top up from £10 to £3,000, 1% fee, 3 to 5 working days, call 020 7946 0520."))
['#02079460520', '#3', '#5', '%1', '£10', '£3000']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

_ABBREVIATIONS = (
    "e.g.",
    "i.e.",
    "etc.",
    "vs.",
    "approx.",
    "incl.",
    "Mr.",
    "Mrs.",
    "Ms.",
    "Dr.",
    "St.",
    "No.",
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[*]*[A-Z0-9£€$])")
_LIST_PREFIX = re.compile(r"^(\s*(?:[-*+•]|\d{1,2}[.)])\s+)")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_WORD = re.compile(r"[a-z][a-z'\-]*[a-z]|[a-z]")

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "ninety": 90, "hundred": 100,
}  # fmt: skip
_UNITS = (
    r"(?:working\s+|business\s+|calendar\s+)?(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|"
    r"percent|per\s+cent|pounds?|euros?|dollars?|pence|times|attempts?|top-ups?|payments?)"
)
_FIGURE = re.compile(
    r"(?P<phone>(?<![\d£€$.,])\+?\d{2,5}(?:[ \-]\d{2,4}){2,4}(?![\d%]))"
    r"|(?P<money>[£€$]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|m|bn|million|billion)\b)?)"
    r"|(?P<percent>\d[\d,]*(?:\.\d+)?\s?(?:%|percent\b|per\s+cent\b))"
    r"|(?P<clock>\b\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm)\b|\b\d{1,2}:\d{2}\b)"
    r"|(?P<word>\b(?:" + "|".join(_NUMBER_WORDS) + r")\b(?=[\s\-]+" + _UNITS + r"\b))"
    r"|(?P<number>(?<![\w.])\d[\d,]*(?:\.\d+)?)",
    re.IGNORECASE,
)

STOPWORDS = frozenset(
    """
    a an the and or but if then so to of in on at by for from with without into onto over under up down
    out off about as is are was were be been being am do does did done doing have has had having will
    would shall should can could may might must it its it's this that these those there here what which
    who whom whose when where why how i me my mine we us our ours you your yours he him his she her they
    them their theirs not no nor only own same than too very just also any all each every both few more
    most other some such again once further while until because before after above below between through
    during per via please let let's get gets got us i'm you're we'll you'll don't can't won't isn't
    aren't doesn't didn't
    """.split()
)


@dataclass
class SentenceUnit:
    """One sentence of an answer (or one table row), its text as written and cleaned for analysis."""

    text: str
    clean: str
    structural: bool = False  # a heading, table rule or label line: not a claim, never graded
    keep: bool = True


@dataclass
class LineUnits:
    """One line of an answer: its list/bullet prefix and its sentences, so edits keep the layout."""

    prefix: str
    units: list[SentenceUnit] = field(default_factory=list)
    blank: bool = False
    table: bool = False


def clean_markdown(text: str) -> str:
    """Drop Markdown emphasis and link targets, keeping the words."""
    return _MD_EMPHASIS.sub("", _MD_LINK.sub(r"\1", text)).strip()


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences without breaking abbreviations (e.g., i.e.) or figures (£1.50)."""
    protected = text
    for i, abbr in enumerate(_ABBREVIATIONS):
        protected = protected.replace(abbr, f"\x00{i}\x00")
    parts = [p.strip() for p in _SENTENCE_END.split(protected) if p.strip()]
    out = []
    for part in parts:
        for i, abbr in enumerate(_ABBREVIATIONS):
            part = part.replace(f"\x00{i}\x00", abbr)
        out.append(part)
    return out


def split_units(text: str) -> list[LineUnits]:
    """Break an answer into lines of sentence units, keeping list prefixes, tables and blank lines."""
    lines: list[LineUnits] = []
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped:
            lines.append(LineUnits(prefix="", blank=True))
            continue
        if _TABLE_SEPARATOR.match(stripped):
            lines.append(LineUnits(prefix="", units=[SentenceUnit(raw, "", structural=True)], table=True))
            continue
        if stripped.startswith("|"):
            cells = [clean_markdown(c) for c in stripped.strip("|").split("|")]
            clean = ", ".join(c for c in cells if c)
            lines.append(LineUnits(prefix="", units=[SentenceUnit(raw, clean)], table=True))
            continue
        if stripped.startswith("#"):
            lines.append(LineUnits(prefix="", units=[SentenceUnit(raw, clean_markdown(stripped), True)]))
            continue
        match = _LIST_PREFIX.match(raw)
        prefix = match.group(1) if match else ""
        body = raw[len(prefix) :].strip()
        units = []
        for sentence in split_sentences(body):
            clean = clean_markdown(sentence)
            structural = clean.endswith(":") and not extract_figures(clean) and len(clean.split()) <= 8
            units.append(SentenceUnit(sentence, clean, structural))
        lines.append(LineUnits(prefix=prefix, units=units))
    return lines


def join_units(lines: Iterable[LineUnits]) -> str:
    """Rebuild text from units, leaving out dropped sentences and lines left empty; tidy blank lines, orphaned
    labels ("What some words mean:" with nothing after it) and table rules without rows."""
    rows: list[tuple[str, str]] = []  # (kind, text); kind: blank | label | rule | table | text
    for line in lines:
        if line.blank:
            if rows and rows[-1][0] != "blank":
                rows.append(("blank", ""))
            continue
        kept = [u for u in line.units if u.keep]
        if not kept:
            continue
        text = line.prefix + " ".join(u.text for u in kept)
        if line.table:
            kind = "rule" if all(u.structural for u in kept) else "table"
        else:
            kind = "label" if all(u.structural for u in kept) else "text"
        rows.append((kind, text))
    out: list[str] = []
    for i, (kind, text) in enumerate(rows):
        prev_kind = rows[i - 1][0] if i else "blank"
        next_kind = rows[i + 1][0] if i + 1 < len(rows) else "blank"
        if kind == "label" and next_kind == "blank":
            continue
        if kind == "rule" and (prev_kind != "table" or next_kind != "table"):
            continue
        out.append(text)
    cleaned: list[str] = []
    for text in out:
        if text == "" and (not cleaned or cleaned[-1] == ""):
            continue
        cleaned.append(text)
    while cleaned and cleaned[-1] == "":
        cleaned.pop()
    return "\n".join(cleaned)


def iter_units(lines: Iterable[LineUnits]) -> Iterator[SentenceUnit]:
    for line in lines:
        yield from line.units


def readable_text(text: str) -> str:
    """The answer as prose for a readability formula: no Markdown, one sentence per line, each punctuated."""
    sentences = []
    for unit in iter_units(split_units(text)):
        if unit.structural or not unit.clean:
            continue
        clean = unit.clean
        sentences.append(clean if clean[-1] in ".!?" else clean + ".")
    return " ".join(sentences)


def _normalise_number(raw: str) -> str:
    value = raw.replace(",", "").strip()
    if "." in value:
        value = value.rstrip("0").rstrip(".") or "0"
    return value


def figure_key(kind: str, raw: str) -> str:
    """Canonical form of one figure so '£3,000' == '£3000' and '3.10%' == '3.1 percent'."""
    text = raw.lower().strip()
    if kind == "phone":
        digits = re.sub(r"\D", "", text)
        return "#" + (("0" + digits[2:]) if text.startswith("+44") else digits)
    if kind == "money":
        symbol = text[0]
        number = re.search(r"\d[\d,]*(?:\.\d+)?", text)
        return symbol + _normalise_number(number.group(0) if number else "")
    if kind == "percent":
        number = re.search(r"\d[\d,]*(?:\.\d+)?", text)
        return "%" + _normalise_number(number.group(0) if number else "")
    if kind == "clock":
        compact = re.sub(r"\s+", "", text).replace(".", ":")
        return "@" + re.sub(r":00(?=am|pm)", "", compact)
    if kind == "word":
        return "#" + str(_NUMBER_WORDS[text])
    return "#" + _normalise_number(text)


def extract_figures(text: str) -> set[str]:
    """Every figure in ``text`` (money, percentages, clock times, phone numbers, counts) as canonical keys."""
    return set(_figures(text))


@lru_cache(maxsize=65536)
def _figures(text: str) -> frozenset[str]:
    """:func:`extract_figures`, memoised: the knowledge base's sentences are checked again on every turn."""
    keys: set[str] = set()
    for match in _FIGURE.finditer(clean_markdown(text)):
        kind = match.lastgroup or "number"
        keys.add(figure_key(kind, match.group(0)))
    return frozenset(keys)


def figures_as_written(text: str) -> dict[str, str]:
    """Each figure's canonical key and how ``text`` writes it (the first time), for messages to people.

    >>> figures_as_written("Pay £3,000 at 4.2% in 99 days")
    {'£3000': '£3,000', '%4.2': '4.2%', '#99': '99'}
    """
    shown: dict[str, str] = {}
    for match in _FIGURE.finditer(clean_markdown(text)):
        key = figure_key(match.lastgroup or "number", match.group(0))
        shown.setdefault(key, match.group(0).strip())
    return shown


def figure_atoms(keys: Iterable[str]) -> set[str]:
    """Numeric cores of figure keys ('£3000' -> '#3000'), so a bare number may match a figure in a source."""
    atoms = set()
    for key in keys:
        atoms.add(key)
        core = re.sub(r"^[£€$%@#]", "", key)
        for number in re.findall(r"\d+(?:\.\d+)?", core):
            atoms.add("#" + number)
        if key.startswith("#") and len(core) > 4:  # phone numbers: accept each digit group on its own too
            atoms.add(key)
    return atoms


def stem(word: str) -> str:
    """A very light English stemmer, enough to match 'payments' with 'payment' and 'arrived' with 'arrive'."""
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + repl
    return word


def content_words(text: str) -> set[str]:
    """Lower-cased, lightly stemmed words of ``text`` minus stop words; numbers are checked separately.

    Memoised by text (the knowledge base's sentences and passages are read on every turn that retrieves them);
    each call gets a set of its own, built from the words in the order they were found, so it is the very set
    (iteration order included) that building it from the text gives."""
    return set(_content_words(text))


@lru_cache(maxsize=65536)
def _content_words(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in _WORD.findall(clean_markdown(text).lower()) if w not in STOPWORDS and len(w) > 1)
