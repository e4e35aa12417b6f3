"""The browser pages: the customer widget (``/widget``, ``/`` redirects there), the agent console (``/console``),
the embed script (``/embed.js``), their static files (``/static/...``) and the help articles that citations link to
(``/help/{article_id}``).

Every page is plain HTML with its scripts and styles in same-origin files (no inline script, style or event
handler, nothing from a CDN), so it runs under ``script-src 'self'; style-src 'self'``. Data reaches the page only
through the JSON API and is written with ``textContent``; the help pages escape every article text on the server.

>>> section_anchor("For the technically minded")
'for-the-technically-minded'
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from assistant.errors import KnowledgeBaseError
from assistant.kb.loader import KnowledgeBase, load_kb

WEB = Path(__file__).resolve().parent.parent / "web"
STATIC = WEB / "static"
STATIC_PREFIX = "/static"

MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}

router = APIRouter(tags=["pages"], include_in_schema=False)

_ANCHOR = re.compile(r"[^a-z0-9]+")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LIST_ITEM = re.compile(r"^\s*(?:[-*]|\d+\.)\s+")
_ARTICLE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")


def section_anchor(section: str) -> str:
    """The fragment id of a section on a help page (citations link to ``/help/<article>#<anchor>``)."""
    return _ANCHOR.sub("-", section.lower()).strip("-")


def _page(name: str) -> FileResponse:
    return FileResponse(WEB / name, media_type="text/html", headers={"Cache-Control": "no-cache"})


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/widget", status_code=307)


@router.get("/widget")
def widget() -> FileResponse:
    """The customer chat (embeddable in an iframe: see ``/embed.js``)."""
    return _page("widget.html")


@router.get("/console")
def console() -> FileResponse:
    """The agent console; the agent key is typed on the page and sent as ``Authorization: Bearer``."""
    return _page("console.html")


@router.get("/embed.js")
def embed() -> FileResponse:
    """One line on a bank's page, ``<script src="https://attune.example/embed.js" async></script>``, adds the chat."""
    return FileResponse(STATIC / "embed.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@lru_cache(maxsize=1)
def static_names() -> frozenset[str]:
    """The files under ``assistant/web/static`` (only these are served: no path ever reaches the file system)."""
    return frozenset(p.name for p in STATIC.iterdir() if p.is_file() and p.suffix in MEDIA_TYPES)


@router.get(STATIC_PREFIX + "/{name}")
def static(name: str) -> FileResponse:
    if name not in static_names():
        raise HTTPException(status_code=404, detail=f"no static file {name!r}")
    path = STATIC / name
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers={"Cache-Control": "no-cache"})


@lru_cache(maxsize=8)
def _knowledge_base(kb_dir: Path) -> KnowledgeBase:
    return load_kb(kb_dir)


def _inline(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", html.escape(text))


def markdown_blocks(markdown: str) -> str:
    """The little Markdown the articles use (paragraphs, ``-``/``1.`` lists, ``**bold**``) as escaped HTML.

    >>> markdown_blocks("Hi <b>\\n\\n1. **One**\\n2. Two")
    '<p>Hi &lt;b&gt;</p>\\n<ol><li><strong>One</strong></li><li>Two</li></ol>'
    """
    blocks = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        lines = [line for line in block.splitlines() if line.strip()]
        if lines and all(_LIST_ITEM.match(line) for line in lines):
            tag = "ol" if re.match(r"^\s*\d", lines[0]) else "ul"
            items = "".join(f"<li>{_inline(_LIST_ITEM.sub('', line))}</li>" for line in lines)
            blocks.append(f"<{tag}>{items}</{tag}>")
        elif lines:
            blocks.append(f"<p>{_inline(' '.join(line.strip() for line in lines))}</p>")
    return "\n".join(blocks)


@router.get("/help/{article_id}")
def help_article(article_id: str, request: Request) -> HTMLResponse:
    """A knowledge-base article as a page (what a cited source links to); every text escaped."""
    kb = _knowledge_base(Path(request.app.state.service.settings.kb_dir))
    try:
        if not _ARTICLE_ID.match(article_id):
            raise KnowledgeBaseError(f"no article with id {article_id!r}")
        article = kb.article(article_id)
    except KnowledgeBaseError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    title = html.escape(kb.render(article.title))
    sections = "\n".join(
        f'<section id="{section_anchor(name)}"><h2>{html.escape(name)}</h2>\n'
        + (markdown_blocks(text) if name != "Glossary" else _glossary(text))
        + "</section>"
        for name, text in kb.rendered_sections(article)
    )
    body = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title} — Harbourlight Bank help</title>\n"
        f'<link rel="icon" href="{STATIC_PREFIX}/favicon.svg" type="image/svg+xml">\n'
        f'<link rel="stylesheet" href="{STATIC_PREFIX}/help.css">\n</head>\n<body>\n'
        '<header><a href="/widget">Harbourlight Bank</a> · help</header>\n'
        f"<main>\n<h1>{title}</h1>\n{sections}\n</main>\n</body>\n</html>\n"
    )
    return HTMLResponse(body)


def _glossary(text: str) -> str:
    rows = []
    for line in text.splitlines():
        term, _, definition = line.partition(":")
        rows.append(f"<dt>{html.escape(term.strip())}</dt><dd>{_inline(definition.strip())}</dd>")
    return f"<dl>{''.join(rows)}</dl>"
