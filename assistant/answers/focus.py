"""Question focus: what a question asks, and which sentences of the retrieved article(s) answer it.

The composer (and the language-model prompt) use :func:`rank_candidates` to pick, from the retrieved articles'
own text, the sentences that answer *this* question: ranked by the sentence encoder (cosine to the question),
by the facts file (a sentence carrying a fact whose description matches the question, of the kind the question
asks for: a time for "how long", a fee, limit or rate for "how much") and by the words the question names.

>>> detect_asks("How long does a refund take?")
'how_long'
>>> detect_asks("Can I cancel it today?")
'yes_no'
>>> sorted(ASKS_KINDS["how_much"])
['count', 'fee', 'limit', 'other', 'rate']
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from assistant.answers.asked import FactInfo
from assistant.answers.kbview import GLOSSARY_SECTION, SECTIONS, article_passages, load_articles
from assistant.answers.sentence_vectors import VECTORS_FILE, SentenceEmbedder, VectorFileReport, update_vector_file
from assistant.answers.text import clean_markdown, content_words, split_units
from assistant.integrations.encoder import TextEncoder
from assistant.kb.loader import load_facts, load_kb
from assistant.types import Passage

Asks = str  # how_long | how_much | yes_no | why | what_happens_if | how_to | which | other

_ASKS_PATTERNS: tuple[tuple[Asks, re.Pattern[str]], ...] = (
    ("what_happens_if", re.compile(r"\bwhat (happens|will happen|if)\b|\bwhat do i do if\b", re.I)),
    (
        "how_long",
        re.compile(
            r"\bhow (long|soon|quickly|fast|many (working )?(days|weeks|months|hours|minutes))\b|\bwhen (will|do|does|"
            r"is|can|should|are)\b|\bwhat time\b|\bby when\b|\b(deadline|cut-?off|turnaround|sla|lead time|"
            r"time limit|notice|time ?(lines?|scales?|frames?))\b|\bhow old\b|\bhow recent\b|\buntil when\b|"
            r"\bhow much (notice|warning|time)\b",
            re.I,
        ),
    ),
    (
        "how_much",
        re.compile(
            r"\bhow (much|many|big|high|low)\b|\b(fee|fees|cost|costs|charge|charges|charged|price|rate|rates|apr|"
            r"aer|ear|limit|limits|max|maximum|minimum|min|most|least|cap|ceiling|allowance|percentage|interest|"
            r"largest|biggest|smallest|highest|lowest|amount|markup|mark-up)\b",
            re.I,
        ),
    ),
    ("why", re.compile(r"\bwhy\b|\bhow come\b", re.I)),
    (
        "how_to",
        re.compile(
            r"\bhow (do|can|should|would) (i|we|you)\b|\bhow to\b|\bsteps?\b|\bwhere do i\b|"
            r"\bwhat (should|shall|can|do|must) (i|we) do\b|\bwhat to do\b",
            re.I,
        ),
    ),
    ("which", re.compile(r"\bwhich\b|\bdifference between\b", re.I)),
    (
        "yes_no",
        re.compile(
            r"^\s*(can|could|is|are|do|does|did|will|would|may|should|am|have|has|was|were)\b|"
            r"[,;]\s*(can|could|is|are|do|does|will|would)\b",
            re.I,
        ),
    ),
)

# Fact kinds (knowledge_base/facts) that answer each kind of question.
ASKS_KINDS: Mapping[Asks, frozenset[str]] = {
    "how_long": frozenset({"time", "age", "other"}),
    "how_much": frozenset({"fee", "limit", "rate", "count", "other"}),
    "yes_no": frozenset({"fee", "limit", "time", "rate", "count", "age", "other"}),
    "what_happens_if": frozenset({"time", "fee", "count", "limit"}),
    "why": frozenset({"time", "fee", "limit", "rate"}),
    "which": frozenset({"rate", "fee", "limit", "time", "other"}),
    "how_to": frozenset({"fee", "time", "limit"}),
    "other": frozenset({"time", "fee", "limit", "rate", "count", "age", "other", "contact"}),
}
FIGURE_ASKS = frozenset({"how_long", "how_much"})


def detect_asks(question: str) -> Asks:
    """What the question mainly asks: the first matching kind in the order above (``other`` when none)."""
    for asks, pattern in _ASKS_PATTERNS:
        if pattern.search(question):
            return asks
    return "other"


def asks_all(question: str) -> frozenset[Asks]:
    """Every kind the question asks (a question may ask "how long" and "how much")."""
    return frozenset(asks for asks, pattern in _ASKS_PATTERNS if pattern.search(question))


@lru_cache(maxsize=4)
def _facts_cached(kb_dir: Path, mtime_ns: int) -> tuple[FactInfo, ...]:
    facts = load_facts(kb_dir)
    return tuple(FactInfo(f.name, f.value, f.kind, f.description) for f in facts.values())


_MTIME_TTL_S = 1.0  # the knowledge base's files are stat'ed at most once a second (not on every call of a turn)
_mtimes: dict[Path, tuple[float, int]] = {}


def _kb_mtime(kb_dir: Path) -> int:
    now = time.monotonic()
    seen = _mtimes.get(Path(kb_dir))
    if seen is not None and now - seen[0] < _MTIME_TTL_S:
        return seen[1]
    files = [*(Path(kb_dir) / "facts").glob("*.yaml"), *(Path(kb_dir) / "articles").glob("*.md")]
    stamp = max((p.stat().st_mtime_ns for p in files), default=0)
    _mtimes[Path(kb_dir)] = (now, stamp)
    return stamp


def kb_facts(kb_dir: Path) -> tuple[FactInfo, ...]:
    """The facts of the knowledge base at ``kb_dir`` (cached until a facts file changes)."""
    return _facts_cached(Path(kb_dir), _kb_mtime(kb_dir))


_FACT_REF = re.compile(r"\{\{\s*([a-z0-9_]+)\s*\}\}")


@lru_cache(maxsize=4)
def _article_facts_cached(kb_dir: Path, mtime_ns: int) -> dict[str, frozenset[str]]:
    kb = load_kb(kb_dir)
    out = {}
    for article in kb.articles:
        raw = "\n".join(article.sections.values()) + "\n" + (article.meta.risk_warning or "")
        out[article.id] = frozenset(_FACT_REF.findall(raw))
    return out


def article_facts(kb_dir: Path) -> dict[str, frozenset[str]]:
    """The facts each article refers to (``{{fact_name}}`` in its text), by article id: a value such as
    "1 working day" belongs to several facts, and a sentence carries the one its article names."""
    return _article_facts_cached(Path(kb_dir), _kb_mtime(kb_dir))


@dataclass(frozen=True)
class Candidate:
    """One answerable unit of an article: a sentence (a list item keeps "- "), or a table row as a sentence."""

    article_id: str
    section: str
    text: str  # as written (Markdown kept), a list item keeps its "- " prefix
    clean: str
    order: int  # position in the article
    block: int  # paragraph / list / table index within the article
    list_item: bool = False
    facts: tuple[str, ...] = ()
    kinds: frozenset[str] = frozenset()
    context: str = ""  # what is embedded when it differs from ``clean`` (a table row with its header)
    intro: str = ""  # the line that introduces a list item that does not stand alone ("We reply:" + "- within...")


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    score: float
    cosine: float
    fact_relevance: float
    kind_match: bool


_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LABEL = re.compile(r"^\*\*[^*]{1,40}[.?]\*\*\s+")


def _norm(text: str) -> str:
    return " ".join(clean_markdown(text).lower().split())


CANDIDATES_CACHE_SIZE = 2048  # distinct retrieved passage lists kept (a few KB each; the knowledge base repeats)

PassageKey = tuple[tuple[str, str, str], ...]
ReferencedKey = tuple[tuple[str, frozenset[str] | None], ...] | None


def article_candidates(
    passages: Sequence[Passage], facts: Sequence[FactInfo], referenced: Mapping[str, frozenset[str]] | None = None
) -> list[Candidate]:
    """The sentences, list items and table rows of the articles' sections (no glossary), in article order; each
    carries the facts whose values it contains (only facts its article refers to, when ``referenced`` is given).

    A pure function of the passages' article, section and text, the facts and the articles' referenced facts:
    memoised on those (bounded LRU, thread-safe), since every turn retrieving the same articles splits and
    fact-matches the same text again. Each call gets a list of its own (the candidates are frozen)."""
    articles = dict.fromkeys(p.article_id for p in passages)
    ref_key = None if referenced is None else tuple((aid, referenced.get(aid)) for aid in articles)
    key = tuple((p.article_id, p.section, p.text) for p in passages)
    return list(_article_candidates(key, tuple(facts), ref_key))


@lru_cache(maxsize=CANDIDATES_CACHE_SIZE)
def _article_candidates(
    passages: PassageKey, facts: tuple[FactInfo, ...], referenced: ReferencedKey
) -> tuple[Candidate, ...]:
    refs = dict(referenced) if referenced is not None else None
    return tuple(_split_candidates([_Part(*p) for p in passages], facts, refs))


@dataclass(frozen=True)
class _Part:
    """What :func:`_split_candidates` reads of a passage (the memo key's parts)."""

    article_id: str
    section: str
    text: str


def _split_candidates(
    passages: Sequence[_Part], facts: Sequence[FactInfo], referenced: Mapping[str, frozenset[str] | None] | None
) -> list[Candidate]:
    out: list[Candidate] = []
    order = block = 0
    all_values = sorted(((f, _norm(f.value)) for f in facts if f.value.strip()), key=lambda x: -len(x[1]))
    for passage in passages:
        if passage.section == GLOSSARY_SECTION or passage.section not in SECTIONS:
            continue
        names = referenced.get(passage.article_id) if referenced is not None else None
        by_value = [(f, v) for f, v in all_values if names is None or f.name in names]
        for raw_block in re.split(r"\n\s*\n", passage.text):
            if not raw_block.strip():
                continue
            block += 1
            lines = [line.strip() for line in raw_block.strip().splitlines()]
            if all(line.startswith("|") for line in lines):
                rows = split_units(raw_block.strip())
                header_clean = rows[0].units[0].clean if rows and rows[0].units else ""
                for line, row in zip(lines[1:], rows[1:], strict=True):
                    if _TABLE_RULE.match(line) or not row.units or not row.units[0].clean:
                        continue
                    cells = [clean_markdown(c).strip() for c in line.strip().strip("|").split("|")]
                    cells = [c for c in cells if c]
                    if not cells:
                        continue
                    text = cells[0] + (": " + ", ".join(cells[1:]) if len(cells) > 1 else "")
                    text = text if text[-1] in ".!?" else text + "."
                    cand = _candidate(passage, text, clean_markdown(text), order, block, False, by_value)
                    out.append(replace(cand, context=f"{header_clean}: {row.units[0].clean}"))
                    order += 1
                continue
            intro = ""
            for line in split_units(raw_block.strip()):
                if not line.prefix and line.units:
                    intro = line.units[-1].text.strip()  # the sentence that leads into the list
                for unit in line.units:
                    if unit.structural or not unit.clean:
                        continue
                    text = unit.text.strip()
                    label = _LABEL.match(text)
                    if label and len(text) > label.end():  # "**What it costs.** Interest is ..." -> the sentence
                        text = text[label.end() :]
                    if line.prefix:
                        text = "- " + text
                    clean = clean_markdown(re.sub(r"^- ", "", text))
                    cand = _candidate(passage, text, clean, order, block, bool(line.prefix), by_value)
                    if line.prefix and clean[:1].islower() and intro:
                        cand = replace(cand, intro=intro, context=f"{clean_markdown(intro)} {clean}")
                    out.append(cand)
                    order += 1
    return out


def _candidate(
    passage: _Part,
    text: str,
    clean: str,
    order: int,
    block: int,
    list_item: bool,
    by_value: Sequence[tuple[FactInfo, str]],
) -> Candidate:
    low = " ".join(clean.lower().split())
    found = [
        fact
        for fact, value in by_value
        if value and re.search(r"(?<![\w£€$.,])" + re.escape(value) + r"(?![\w%]|[.,]\d)", low)
    ]
    return Candidate(
        article_id=passage.article_id,
        section=passage.section,
        text=text,
        clean=clean,
        order=order,
        block=block,
        list_item=list_item,
        facts=tuple(f.name for f in found),
        kinds=frozenset(f.kind for f in found),
    )


@dataclass(frozen=True)
class FocusWeights:
    """How the ranking mixes its evidence (``prompts/composer.yaml`` ``focus.weights``)."""

    cosine: float = 0.6
    fact: float = 0.5
    kind: float = 0.15
    overlap: float = 0.2
    section: Mapping[str, float] | None = None


def rank_candidates(
    question: str,
    candidates: Sequence[Candidate],
    facts: Sequence[FactInfo],
    cache: SentenceEmbedder,
    weights: FocusWeights,
    asks: Iterable[Asks] = (),
    article_penalty: Mapping[str, float] | None = None,
) -> list[Ranked]:
    """Candidates best first. Score = cosine(question, sentence) + fact relevance (cosine of the question to the
    description of a fact the sentence carries, when the fact's kind is one the question asks for) + kind and
    word-overlap bonuses + a per-section prior - a per-article penalty (runner-up articles)."""
    if not candidates:
        return []
    asked = set(asks) or {"other"}
    wanted_kinds: set[str] = set()
    for a in asked:
        wanted_kinds |= ASKS_KINDS.get(a, ASKS_KINDS["other"])
    by_name = {f.name: f for f in facts}
    used_facts = sorted({n for c in candidates for n in c.facts})
    texts = [c.context or c.clean for c in candidates]
    vectors = cache.embed([question, *texts, *(by_name[n].description for n in used_facts)])
    q = vectors[0]
    cand_vecs = vectors[1 : 1 + len(candidates)]
    fact_rel = dict(zip(used_facts, (vectors[1 + len(candidates) :] @ q).tolist(), strict=True))
    cosines = (cand_vecs @ q).tolist()
    q_words = content_words(question)
    out = []
    section_prior = weights.section or {}
    penalty = article_penalty or {}
    figure_question = bool(asked & FIGURE_ASKS)
    for cand, cos in zip(candidates, cosines, strict=True):
        rel = max((fact_rel[n] for n in cand.facts if by_name[n].kind in wanted_kinds), default=0.0)
        kind_match = bool(cand.kinds & wanted_kinds)
        words = content_words(cand.clean)
        overlap = len(q_words & words) / len(q_words) if q_words else 0.0
        score = (
            weights.cosine * cos
            + weights.fact * max(rel, 0.0) * (1.0 if figure_question else 0.6)
            + (weights.kind if kind_match and figure_question else 0.0)
            + weights.overlap * overlap
            + section_prior.get(cand.section, 0.0)
            - penalty.get(cand.article_id, 0.0)
        )
        out.append(Ranked(cand, score, cos, rel, kind_match))
    out.sort(key=lambda r: (-r.score, r.candidate.order))
    return out


def similar(cache: SentenceEmbedder, a: Candidate, b: Candidate) -> float:
    """Cosine of two candidates (to leave out a sentence that repeats one already chosen)."""
    va, vb = cache.embed([a.context or a.clean, b.context or b.clean])
    return float(va @ vb)


def answer_texts(kb_dir: Path) -> list[str]:
    """Every text the answer stages embed for the knowledge base at ``kb_dir``, sorted, once each: each article's
    candidates (as :func:`rank_candidates` embeds them), each fact's description, and what the grounding checker
    compares a sentence with when any of an article's sections are cited, in any order."""
    from assistant.answers.checks import cited_windows  # the checker imports the composer, which imports this

    facts = kb_facts(kb_dir)
    referenced = article_facts(kb_dir)
    texts = {f.description for f in facts}
    for article in load_articles(kb_dir):
        passages = article_passages(article)
        texts.update(c.context or c.clean for c in article_candidates(passages, facts, referenced))
        for first in passages:  # a window spans two sections only where one ends and the next begins
            texts.update(cited_windows([first]))
            texts.update(w for second in passages if second is not first for w in cited_windows([first, second]))
    return sorted(texts)


def update_answer_vectors(
    kb_dir: Path, data_dir: Path, encoder: TextEncoder | None = None, progress: bool = False
) -> VectorFileReport:
    """Write (incrementally) the vectors of :func:`answer_texts` to ``data_dir``'s vector file, which the composer
    loads at warm-up; ``attune ingest`` calls it after the index (the eval harness's own ingest does not: the
    replies are the same, and a fresh data dir would spend minutes on single-text passes)."""
    from assistant.integrations.encoder import shared_encoder

    return update_vector_file(data_dir / VECTORS_FILE, encoder or shared_encoder(), answer_texts(kb_dir), progress)
