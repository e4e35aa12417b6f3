"""The pages' routes without a browser (fast tier): what is served where, that nothing outside the static folder is,
that the help pages escape article text, and that no page needs inline script, style or event handlers (so they run
under ``script-src 'self'; style-src 'self'``) or loads anything from another origin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.api.pages import STATIC, WEB, markdown_blocks, section_anchor
from assistant.conversations import ConversationService, InMemoryConversationRepository
from assistant.pipeline import Pipeline
from assistant.settings import Settings

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"
PAGES = sorted(WEB.glob("*.html"))
SCRIPTS = sorted(STATIC.glob("*.js"))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """The app without its lifespan (no models are loaded: the pages need only the settings)."""
    settings = Settings(environment="test", data_dir=tmp_path_factory.mktemp("pages"), kb_dir=FIXTURE_KB)
    service = ConversationService(settings, Pipeline.from_settings(settings), InMemoryConversationRepository())
    return TestClient(create_app(service))


def test_root_redirects_to_the_widget(client: TestClient) -> None:
    res = client.get("/", follow_redirects=False)
    assert res.status_code == 307 and res.headers["location"] == "/widget"


@pytest.mark.parametrize(
    ("path", "kind", "needle"),
    [
        ("/widget", "text/html", "automated assistant"),
        ("/console", "text/html", "Agent key"),
        ("/embed.js", "text/javascript", "/widget"),
        ("/static/widget.js", "text/javascript", "textContent"),
        ("/static/console.js", "text/javascript", "textContent"),
        ("/static/widget.css", "text/css", ".msg"),
        ("/static/favicon.svg", "image/svg+xml", "<svg"),
    ],
)
def test_pages_and_static_files_are_served(client: TestClient, path: str, kind: str, needle: str) -> None:
    res = client.get(path)
    assert res.status_code == 200 and res.headers["content-type"].startswith(kind) and needle in res.text


@pytest.mark.parametrize("name", ["nope.js", "..%2Fwidget.html", "..%2F..%2Fsettings.py", "%2Fetc%2Fpasswd"])
def test_nothing_outside_the_static_folder_is_served(client: TestClient, name: str) -> None:
    assert client.get(f"/static/{name}").status_code == 404


def test_pages_are_not_in_the_api_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not {"/", "/widget", "/console", "/embed.js"} & set(paths)
    assert not [p for p in paths if p.startswith(("/static", "/help"))]


def test_help_page_shows_the_article_with_section_anchors(client: TestClient) -> None:
    res = client.get("/help/card-arrival")
    assert res.status_code == 200 and "<h1>" in res.text
    for section in ("In short", "Details", "For the technically minded"):
        assert f'<section id="{section_anchor(section)}">' in res.text
    assert "{{" not in res.text  # facts are filled in
    assert client.get("/help/no-such-article").status_code == 404
    assert client.get("/help/..%2F..%2Fsecrets").status_code == 404


def test_help_markup_escapes_text() -> None:
    html = markdown_blocks('<script>alert(1)</script> **ok**\n\n- <img src=x onerror="x()">\n- two')
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "<strong>ok</strong>" in html and html.count("<li>") == 2


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_need_no_inline_code_and_nothing_from_elsewhere(page: Path) -> None:
    html = page.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html and not re.search(r"\sstyle=", html), "inline style"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html), "a third-party asset"
    assert 'name="viewport"' in html and '<html lang="en">' in html


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_never_parse_data_as_html(script: Path) -> None:
    code = script.read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in code, f"{script.name} uses {sink}"
    assert 'setAttribute("style"' not in code and "setAttribute('style'" not in code


def test_widget_shows_no_classifier_output() -> None:
    """The widget reads only what a customer should see from a reply; never the signals or escalation reasons."""
    code = (STATIC / "widget.js").read_text()
    for field in (".signals", ".style", ".escalation", ".reasons", ".cues", "grounding", "literacy", "distress"):
        assert field not in code, field
