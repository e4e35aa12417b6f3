"""Load the knowledge base: Markdown articles with validated YAML front matter, and the facts they reference.

Articles live in ``<kb_dir>/articles/<id>.md`` and facts in ``<kb_dir>/facts/*.yaml`` (format in
``knowledge_base/README.md``). :func:`load_kb` is strict (it raises :class:`KnowledgeBaseError` on the first
structural problem); :func:`parse_kb` collects every problem for ``attune kb check``.
:mod:`assistant.kb.model` holds the schemas and types; the names other code imports from here are re-exported.

>>> from pathlib import Path
>>> kb = load_kb(Path("tests/fixtures/kb"))
>>> kb.render("Delivery takes {{card_delivery_days}}.")
'Delivery takes 3 to 5 working days.'
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import ValidationError

from assistant.errors import KnowledgeBaseError
from assistant.kb.model import (
    FACT_REF,
    GLOSSARY_SECTION,
    SECTION_HEADINGS,
    Article,
    ArticleMeta,
    Fact,
    FactEntry,
    FactKind,
    FactsFile,
    GlossaryEntry,
    KbProblem,
    KnowledgeBase,
    Product,
    Severity,
    render_facts,
)

__all__ = [
    "FACT_REF",
    "GLOSSARY_SECTION",
    "SECTION_HEADINGS",
    "Article",
    "ArticleMeta",
    "Fact",
    "FactEntry",
    "FactKind",
    "FactsFile",
    "GlossaryEntry",
    "KbProblem",
    "KnowledgeBase",
    "Product",
    "Severity",
    "load_facts",
    "load_kb",
    "parse_article",
    "parse_facts",
    "parse_kb",
    "render_facts",
]

_FACT_NAME = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _format_validation(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        out.append(f"{loc}: {err['msg']}")
    return out


def parse_facts(kb_dir: Path) -> tuple[dict[str, Fact], list[KbProblem]]:
    """Read every ``facts/*.yaml``; return the facts and the problems found (never raises on bad content)."""
    facts: dict[str, Fact] = {}
    problems: list[KbProblem] = []
    facts_dir = kb_dir / "facts"
    if not facts_dir.is_dir():
        return facts, [KbProblem(_rel(facts_dir, kb_dir), "error", "missing", "no facts/ folder")]
    for path in sorted(facts_dir.glob("*.y*ml")):
        rel = _rel(path, kb_dir)
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            problems.append(KbProblem(rel, "error", "yaml", f"cannot parse: {exc}"))
            continue
        try:
            parsed = FactsFile.model_validate(raw)
        except ValidationError as exc:
            problems.extend(KbProblem(rel, "error", "schema", m) for m in _format_validation(exc))
            continue
        for name, entry in parsed.facts.items():
            if not _FACT_NAME.match(name):
                problems.append(KbProblem(rel, "error", "fact-name", f"fact {name!r} is not snake_case"))
            if name in facts:
                problems.append(
                    KbProblem(
                        rel,
                        "error",
                        "duplicate-fact",
                        f"fact {name!r} already defined in {facts[name].source}",
                    )
                )
                continue
            facts[name] = Fact(name, entry.value, entry.kind, entry.description, path.name)
    return facts, problems


def _split_front_matter(text: str) -> tuple[str, str] | None:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :])
    return None


def _split_sections(body: str) -> tuple[list[tuple[str, str]], str]:
    """(heading, text) for every ``## `` heading in order, and any text before the first heading."""
    sections: list[tuple[str, list[str]]] = []
    preamble: list[str] = []
    for line in body.splitlines():
        if line.startswith("## "):
            sections.append((line[3:].strip(), []))
        elif sections:
            sections[-1][1].append(line)
        else:
            preamble.append(line)
    return [(h, "\n".join(t).strip()) for h, t in sections], "\n".join(preamble).strip()


def parse_article(path: Path, kb_dir: Path | None = None) -> tuple[Article | None, list[KbProblem]]:
    """Parse one article file; return it (or None when unusable) and the structural problems found."""
    rel = _rel(path, kb_dir) if kb_dir else str(path)
    problems: list[KbProblem] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [KbProblem(rel, "error", "read", str(exc))]
    split = _split_front_matter(text)
    if split is None:
        return None, [KbProblem(rel, "error", "front-matter", "file must start with a --- delimited YAML block")]
    front, body = split
    try:
        raw = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        return None, [KbProblem(rel, "error", "yaml", f"front matter is not valid YAML: {exc}")]
    try:
        meta = ArticleMeta.model_validate(raw)
    except ValidationError as exc:
        codes = ["unknown-intent" if "unknown intent" in m else "schema" for m in _format_validation(exc)]
        return None, [KbProblem(rel, "error", c, m) for c, m in zip(codes, _format_validation(exc), strict=True)]
    if meta.id != path.stem:
        problems.append(KbProblem(rel, "error", "id-filename", f"id {meta.id!r} differs from file name {path.stem!r}"))
    sections, preamble = _split_sections(body)
    if preamble:
        problems.append(KbProblem(rel, "error", "headings", "text before the first ## heading"))
    headings = tuple(h for h, _ in sections)
    if headings != SECTION_HEADINGS:
        problems.append(
            KbProblem(
                rel,
                "error",
                "headings",
                f"## headings must be exactly {list(SECTION_HEADINGS)}, got {list(headings)}",
            )
        )
        return None, problems
    for heading, content in sections:
        if not content:
            problems.append(KbProblem(rel, "error", "empty-section", f"section {heading!r} is empty"))
    return Article(meta=meta, sections=dict(sections), path=path), problems


def parse_kb(kb_dir: Path) -> tuple[KnowledgeBase, list[KbProblem]]:
    """Load everything that parses and report every structural problem (schema, ids, headings, facts)."""
    kb_dir = Path(kb_dir)
    facts, problems = parse_facts(kb_dir)
    articles_dir = kb_dir / "articles"
    articles: list[Article] = []
    if not articles_dir.is_dir():
        problems.append(KbProblem("articles", "error", "missing", "no articles/ folder"))
    seen: dict[str, str] = {}
    for path in sorted(articles_dir.glob("*.md")) if articles_dir.is_dir() else []:
        article, found = parse_article(path, kb_dir)
        problems.extend(found)
        if article is None:
            continue
        rel = _rel(path, kb_dir)
        if article.id in seen:
            problems.append(
                KbProblem(rel, "error", "duplicate-id", f"id {article.id!r} also used by {seen[article.id]}")
            )
            continue
        seen[article.id] = rel
        for name in sorted(article.fact_refs()):
            if name not in facts:
                problems.append(
                    KbProblem(rel, "error", "undefined-fact", f"fact {name!r} is referenced but not defined")
                )
        articles.append(article)
    articles.sort(key=lambda a: a.id)
    return KnowledgeBase(root=kb_dir, articles=tuple(articles), facts=facts), problems


def load_facts(kb_dir: Path) -> dict[str, Fact]:
    """All facts by name; raises :class:`KnowledgeBaseError` on a malformed or duplicated fact."""
    facts, problems = parse_facts(Path(kb_dir))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise KnowledgeBaseError(_summarise(errors))
    return facts


def load_kb(kb_dir: Path) -> KnowledgeBase:
    """Load and validate the knowledge base; raises :class:`KnowledgeBaseError` listing structural errors."""
    kb, problems = parse_kb(Path(kb_dir))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise KnowledgeBaseError(_summarise(errors))
    if not kb.articles:
        raise KnowledgeBaseError(f"no articles under {Path(kb_dir) / 'articles'}")
    return kb


def _summarise(errors: list[KbProblem], limit: int = 10) -> str:
    head = "; ".join(str(p) for p in errors[:limit])
    more = f" (and {len(errors) - limit} more)" if len(errors) > limit else ""
    return f"knowledge base has {len(errors)} error(s): {head}{more}"
