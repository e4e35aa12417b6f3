"""``attune kb check``: lint the knowledge base and fail loudly.

Errors: schema, unknown intents, duplicate ids, headings, facts referenced but undefined, literal figures in
article text, a reading grade (textstat Flesch-Kincaid) above 6 in any ``In short``, an intent (BANKING77 or
extra) that no article covers. Warnings: unused facts, spelled-out figures ("three days"), ``In short``
length.

>>> from pathlib import Path
>>> [p.code for p in check_kb(Path("tests/fixtures/kb"), require_coverage=False) if p.severity == "error"]
[]
"""

from __future__ import annotations

import re
from pathlib import Path

from assistant.integrations.readability import fk_grade as reading_grade
from assistant.kb.intents import ALL_INTENTS
from assistant.kb.loader import FACT_REF, Article, KbProblem, KnowledgeBase, parse_kb, render_facts

MAX_IN_SHORT_GRADE = 6.0

_UNIT = (
    r"(?:working |business |calendar |banking )?"
    r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|yrs?|nights?)\b"
)
_NUM = r"\d[\d,]*(?:\.\d+)?"
_FIGURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("currency amount", re.compile(r"[£$€]\s?\d")),
    ("currency amount", re.compile(rf"\b{_NUM}\s?(?:p|pence|pounds?|euros?|dollars?|GBP|EUR|USD)\b")),
    ("percentage", re.compile(rf"{_NUM}\s?(?:%|per ?cent\b)")),
    ("duration", re.compile(rf"\b{_NUM}(?:\s?(?:-|–|to|or)\s?{_NUM})?\s?{_UNIT}", re.IGNORECASE)),
    ("time of day", re.compile(r"\b\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm)\b|\b\d{1,2}:\d{2}\b", re.IGNORECASE)),
    ("phone number", re.compile(r"(?<![\w.])\+?\d{2,5}[ -]\d{3,4}[ -]?\d{3,4}\b")),
    ("age", re.compile(r"\b(?:aged?|over|under)\s\d{1,3}\b|\b\d{1,3}\s?(?:\+|or over|or older|or under)")),
    ("round-the-clock time", re.compile(r"\b24\s?/\s?7\b|\b24 hours\b")),
)
_NUMBER_WORDS = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
    r"fifty|sixty|"
    r"ninety|hundred|thousand)"
)
_SPELLED = re.compile(rf"\b{_NUMBER_WORDS}(?:[ -]{_NUMBER_WORDS})*\s{_UNIT}", re.IGNORECASE)
_MARKDOWN = re.compile(r"\*\*|__|`|^\s*[-*]\s+|^\s*\d+\.\s+|\[([^\]]*)\]\([^)]*\)", re.MULTILINE)


def literal_figures(text: str) -> list[tuple[str, str]]:
    """(kind, matched text) for each literal figure in ``text`` once fact references are removed.

    >>> literal_figures("It costs £5 and takes {{card_delivery_days}} or 3 working days.")
    [('currency amount', '£5'), ('duration', '3 working days')]
    """
    stripped = FACT_REF.sub(" ", text)
    found: list[tuple[str, str]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _FIGURES:
        for match in pattern.finditer(stripped):
            span = match.span()
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            taken.append(span)
            found.append((kind, match.group(0).strip()))
    order = {f: stripped.find(f[1]) for f in found}
    return sorted(found, key=lambda f: order[f])


def plain_text(markdown: str) -> str:
    """Markdown with emphasis, list markers and link targets removed (for reading-grade scoring)."""
    return _MARKDOWN.sub(lambda m: m.group(1) or "", markdown).strip()


def _article_problems(article: Article, kb: KnowledgeBase, rel: str) -> list[KbProblem]:
    problems: list[KbProblem] = []
    labelled = [("title", article.meta.title)] + list(article.sections.items())
    labelled += [(f"glossary '{g.term}'", g.definition) for g in article.meta.glossary]
    if article.meta.risk_warning:
        labelled.append(("risk_warning", article.meta.risk_warning))
    for where, text in labelled:
        for kind, figure in literal_figures(text):
            problems.append(
                KbProblem(
                    rel,
                    "error",
                    "literal-figure",
                    f"{where}: {kind} {figure!r} must be a {{{{fact}}}} reference",
                )
            )
        for match in _SPELLED.finditer(FACT_REF.sub(" ", text)):
            problems.append(
                KbProblem(
                    rel,
                    "warning",
                    "spelled-figure",
                    f"{where}: {match.group(0)!r} looks like a figure; use a fact",
                )
            )
    try:
        in_short = plain_text(render_facts(article.sections["In short"], kb.facts))
    except Exception:  # undefined facts are reported separately; grade the raw text
        in_short = plain_text(article.sections["In short"])
    if in_short:
        grade = reading_grade(in_short)
        if grade > MAX_IN_SHORT_GRADE:
            problems.append(
                KbProblem(
                    rel,
                    "error",
                    "reading-grade",
                    f"'In short' reads at grade {grade:.1f} (> {MAX_IN_SHORT_GRADE:g})",
                )
            )
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", in_short) if s.strip()]
        if not 2 <= len(sentences) <= 5:
            problems.append(KbProblem(rel, "warning", "in-short-length", f"'In short' has {len(sentences)} sentences"))
    if article.meta.product in ("lending", "savings") and any(
        i in article.meta.intents for i in ("investing_basics", "loans_and_credit", "overdraft")
    ):
        if not article.meta.risk_warning:
            problems.append(KbProblem(rel, "warning", "risk-warning", "credit/investing article without risk_warning"))
    return problems


def check_kb(kb_dir: Path, *, require_coverage: bool = True) -> list[KbProblem]:
    """Every problem in the knowledge base at ``kb_dir``, errors first; an empty list means it is clean.

    ``require_coverage`` makes an intent (of the 77 BANKING77 + the extra intents) without an article an error.
    """
    kb_dir = Path(kb_dir)
    kb, problems = parse_kb(kb_dir)
    for article in kb.articles:
        problems.extend(_article_problems(article, kb, str(article.path.relative_to(kb_dir))))
    used = set().union(*(a.fact_refs() for a in kb.articles)) if kb.articles else set()
    for name, fact in sorted(kb.facts.items()):
        if name not in used:
            problems.append(KbProblem(f"facts/{fact.source}", "warning", "unused-fact", f"fact {name!r} is never used"))
    if require_coverage:
        covered = set(kb.intents_index())
        for intent in ALL_INTENTS:
            if intent not in covered:
                problems.append(KbProblem("articles", "error", "uncovered-intent", f"no article covers {intent!r}"))
    problems.sort(key=lambda p: (p.severity != "error", p.path, p.code))
    return problems
