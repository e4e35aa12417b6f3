"""The widget and the console in a real browser (Debian's chromium under Playwright), against the real app: the real
pipeline over the fixture knowledge base, SQLite, served by uvicorn on 127.0.0.1 behind a strict CSP.

A customer chats and sees a streamed, cited answer; picks a clarifying choice; a distressed message hands off; the
console shows it at the top of the queue; the agent replies and the customer sees it; hostile HTML is text on both
pages; the customer rates the resolved conversation. Screenshots go to ``.attune/screenshots/``."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from browser.harness import DESKTOP, PHONE, SCREENSHOTS, chromium_missing, chromium_path, host_page, serve

from assistant.api import create_app
from assistant.api.models import MessageReply
from assistant.conversations import ConversationService
from assistant.kb.ingest import ingest_kb
from assistant.settings import PROJECT_ROOT, Settings

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"
AGENT_KEY = "key-alice"
ROUTINE = "How long will my new card take to arrive?"
CRISIS = "I can't cope with these debts anymore, I want to end my life"
HOSTILE = "<img src=x onerror=\"document.title='pwned'\"><b>bold?</b><script>alert(1)</script>"
CLASSIFIER_WORDS = re.compile(
    r"\b(distress|sentiment|literacy|vulnerab\w*|self_harm|crisis_kind|signals?|grounding|novice|register)\b", re.I
)
TIMEOUT_MS = 60_000
REPLIES_DONE = (
    "n => document.querySelectorAll('.msg.bot:not(.streaming)').length > n && !document.querySelector('.streaming')"
)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    extra: dict[str, Any] = {}
    if "frame_ancestors" in Settings.model_fields:  # the allow-list of pages that may embed the widget
        extra["frame_ancestors"] = "'self' http://127.0.0.1:*"
    settings = Settings(
        environment="test",
        data_dir=tmp_path_factory.mktemp("browser"),
        kb_dir=FIXTURE_KB,
        agent_api_keys=f"alice:{AGENT_KEY}",  # type: ignore[arg-type]
        **extra,
    )
    ingest_kb(settings, progress=False)
    with serve(create_app(ConversationService.from_settings(settings))) as url:
        yield url


@pytest.fixture(scope="module")
def asking_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second app whose clarify rule asks on every new question (prompts copied with the rule opened up), so the
    choice buttons are tested whatever the router's confidence on the fixture knowledge base."""
    root = tmp_path_factory.mktemp("asking")
    prompts = root / "prompts"
    shutil.copytree(PROJECT_ROOT / "prompts", prompts)
    config = yaml.safe_load((prompts / "dialogue.yaml").read_text(encoding="utf-8"))
    config["clarify"].update(max_confidence=1.0, min_confidence=0.0, min_ratio=0.0, choice_ratio=0.0, max_choices=3)
    (prompts / "dialogue.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    settings = Settings(
        environment="test",
        data_dir=root / "data",
        kb_dir=FIXTURE_KB,
        prompts_dir=prompts,
        agent_api_keys=f"alice:{AGENT_KEY}",  # type: ignore[arg-type]
    )
    ingest_kb(settings, progress=False)
    with serve(create_app(ConversationService.from_settings(settings))) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), headless=True, args=["--no-sandbox"])
        yield b
        b.close()


class PageWatch:
    """A page plus what it logged: console errors (CSP violations among them) and dialogs (an ``alert`` would
    mean injected script ran)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)
        page.set_default_timeout(TIMEOUT_MS)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_clean(self) -> None:
        csp = [e for e in self.errors if "Content Security Policy" in e or "Content-Security-Policy" in e]
        assert not csp, csp
        assert not self.errors, self.errors
        assert not self.dialogs, self.dialogs
        assert self.page.title() != "pwned"


def _open(browser: Any, url: str, viewport: dict[str, int]) -> PageWatch:
    context = browser.new_context(viewport=viewport)
    watch = PageWatch(context.new_page())
    watch.page.goto(url)
    return watch


def _send(page: Any, text: str) -> Any:
    """Type a message, press Enter, and wait for the assistant's finished reply (the last bot bubble)."""
    before = page.locator(".msg.bot:not(.streaming)").count()
    page.get_by_label("Your message").fill(text)
    page.get_by_label("Your message").press("Enter")
    page.wait_for_function(REPLIES_DONE, arg=before)
    replies = page.locator(".msg.bot:not(.streaming)")
    return replies.nth(replies.count() - 1)  # pinned: `.last` would follow later replies


def _shot(page: Any, name: str, *, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page)


def test_customer_sees_a_streamed_cited_answer(base_url: str, browser: Any) -> None:
    watch = _open(browser, f"{base_url}/", PHONE)  # `/` redirects to the widget
    page = watch.page
    assert page.url.endswith("/widget")
    greeting = page.locator("#greeting").inner_text()
    assert "automated assistant" in greeting and "not a person" in greeting and "cards" in greeting
    assert "card numbers, PINs, passwords" in page.locator("#privacy-note").inner_text()
    assert page.get_by_role("button", name="Talk to a person").is_visible()
    # every text the stream writes into the reply bubble, as it is written: more than one partial means streamed
    page.evaluate(
        """() => { window.__partials = [];
        new MutationObserver(records => { for (const r of records) for (const n of r.addedNodes)
          if (n.nodeType === 3 && n.parentElement && n.parentElement.closest('.msg.bot.streaming'))
            window.__partials.push(n.data); })
        .observe(document.getElementById('log'), { childList: true, subtree: true }); }"""
    )
    reply = _send(page, ROUTINE)
    text = reply.locator(".text").inner_text()
    assert "working day" in text or "arrive" in text, text
    partials = [p for p in page.evaluate("window.__partials") if p and p != "…"]
    assert len(partials) >= 2 and any(len(p) < len(text) and text.startswith(p.strip()) for p in partials), partials
    link = reply.locator(".sources a").first
    href = link.get_attribute("href") or ""
    assert href.startswith("/help/card-arrival"), href
    assert link.get_attribute("target") == "_blank" and "noopener" in (link.get_attribute("rel") or "")
    article = page.context.new_page()
    article.goto(base_url + href)
    assert article.locator("h1").inner_text() and article.locator("section").count() >= 3
    article.close()
    page.wait_for_function("() => document.getElementById('announce').textContent.startsWith('Assistant: ')")
    assert not CLASSIFIER_WORDS.search(page.locator("body").inner_text())
    assert page.evaluate("document.activeElement.id") == "message"  # focus stays in the message box
    _shot(page, "widget-answer.png")
    watch.assert_clean()


def test_customer_picks_a_clarifying_choice(asking_url: str, browser: Any) -> None:
    assert "choices" in MessageReply.model_fields
    watch = _open(browser, f"{asking_url}/widget", PHONE)
    page = watch.page
    reply = _send(page, "card")
    buttons = reply.locator(".choices button")
    assert buttons.count() >= 2
    label = buttons.first.inner_text()
    _shot(page, "widget-choices.png")
    buttons.first.focus()
    page.keyboard.press("Enter")  # keyboard, not only the mouse
    page.wait_for_function(REPLIES_DONE, arg=2)
    assert page.locator(".msg.you").last.inner_text().endswith(label)
    article = buttons.first.get_attribute("data-article-id")
    answer = page.locator(".msg.bot:not(.streaming)").last
    assert article and (answer.locator(".sources a").first.get_attribute("href") or "").startswith(f"/help/{article}")
    assert buttons.first.get_attribute("aria-pressed") == "true" and buttons.nth(1).is_disabled()
    watch.assert_clean()


def test_handoff_agent_reply_hostile_text_and_rating(base_url: str, browser: Any) -> None:
    # someone already waits with a normal-priority request: the crisis must still be first
    with httpx.Client(base_url=base_url) as http:
        started = http.post("/v1/conversations", json={}).json()
        auth = {"Authorization": f"Bearer {started['customer_token']}"}
        queued = http.post(
            f"/v1/conversations/{started['conversation_id']}/messages", json={"action": "request_person"}, headers=auth
        )
        assert queued.json()["state"] == "waiting_for_human"

    customer = _open(browser, f"{base_url}/widget", PHONE)
    cpage = customer.page
    reply = _send(cpage, CRISIS)
    assert reply.locator(".text").inner_text().strip()
    mode = cpage.locator("#mode")
    assert "Waiting for a person" in mode.inner_text()
    person = cpage.locator("#person")
    assert person.is_visible() and person.is_disabled()
    assert not CLASSIFIER_WORDS.search(cpage.locator("body").inner_text())
    _shot(cpage, "widget-waiting.png")

    agent = _open(browser, f"{base_url}/console", DESKTOP)
    apage = agent.page
    apage.get_by_label("Agent key").fill(AGENT_KEY)
    apage.get_by_role("button", name="Connect").click()
    first = apage.locator("#queue-list li").first
    first.wait_for()
    assert apage.locator("#queue-list li").count() >= 2
    assert first.locator(".badge.crisis").count() == 1 and "Urgent" in first.inner_text()
    assert re.search(r"waiting \d+", first.inner_text())
    assert "Normal" in apage.locator("#queue-list li").nth(1).inner_text()
    first.locator("button").focus()  # a keyboard user on the queue keeps their place across refreshes
    for _ in range(2):  # the second refresh starts only after the first one is drawn
        with apage.expect_response(lambda r: r.url.endswith("/v1/agent/queue")):
            pass
    assert apage.evaluate("document.activeElement.closest('#queue-list li') !== null")
    apage.keyboard.press("Enter")
    apage.get_by_role("button", name="Claim").click()
    apage.wait_for_function("() => document.getElementById('conv-meta').textContent.includes('claimed by alice')")
    assert CRISIS in apage.locator("#transcript").inner_text()
    assert apage.locator("#mood-chart svg circle").count() >= 1
    assert apage.locator("#mood-chart svg").get_attribute("aria-label")
    assert "crisis" in apage.locator("#reasons").inner_text()
    assert apage.locator("#reasons .cue").count() >= 1
    assert apage.locator("#summary").inner_text().strip() not in ("", "—")

    # the customer sees the agent join
    cpage.wait_for_function("() => document.getElementById('mode').dataset.state === 'with_human'")

    # the draft check as the agent types: a hard sentence for this customer is flagged
    box = apage.get_by_label("Your reply to the customer")
    box.fill(
        "Notwithstanding the contractual obligations, consolidating outstanding indebtedness necessitates "
        "comprehensive reassessment of expenditure prioritisation."
    )
    apage.wait_for_function("() => document.getElementById('grade-meter').hasAttribute('aria-valuenow')")
    assert "grade" in apage.locator("#grade-text").inner_text()
    assert apage.locator("#grade-meter").get_attribute("class") in ("meter bad", "meter ok")
    apage.locator("#suggest").click()
    status = "document.getElementById('suggest-status').textContent"
    apage.wait_for_function(f"() => /suggestion|No grounded/.test({status})")

    # hostile text from the agent reaches the customer as text
    box.fill(f"I'm Sam, I'm here to help. {HOSTILE}")
    apage.get_by_role("button", name="Send reply").click()
    agent_msg = cpage.locator(".msg.agent").last
    agent_msg.wait_for()
    assert HOSTILE in agent_msg.inner_text()
    assert cpage.locator("#log img, #log script:not([src]), #log b").count() == 0
    cpage.reload()  # the conversation survives a reload of the tab
    cpage.locator(".msg.agent").last.wait_for()
    assert HOSTILE in cpage.locator(".msg.agent").last.inner_text() and CRISIS in cpage.locator("#log").inner_text()
    cpage.wait_for_function("() => document.getElementById('mode').dataset.state === 'with_human'")

    # hostile text from the customer reaches the agent as text
    cpage.get_by_label("Your message").fill(HOSTILE)
    cpage.get_by_label("Your message").press("Enter")
    cpage.wait_for_function("() => !document.querySelector('.streaming')")
    assert HOSTILE in cpage.locator(".msg.you").last.inner_text()
    apage.wait_for_function(
        "h => document.getElementById('transcript').textContent.split(h).length > 2", arg=HOSTILE
    )  # the agent's own reply and the customer's message, both as text
    assert apage.locator("#transcript img, #transcript b, #transcript script").count() == 0
    box.fill("You can call us free on the number below. We can pause your payments while we talk.")
    apage.wait_for_function("() => document.getElementById('grade-meter').hasAttribute('aria-valuenow')")
    _shot(apage, "console.png", full_page=True)

    apage.get_by_role("button", name="Resolve").click()
    cpage.locator("#rating").wait_for(state="visible")
    assert "closed" in mode.inner_text()
    _shot(cpage, "widget-agent-reply.png")
    cpage.get_by_role("button", name="4 out of 5, good").click()
    cpage.get_by_text("Thank you for your rating (4 out of 5).").wait_for()
    customer.assert_clean()
    agent.assert_clean()


def test_pages_work_on_a_phone_with_the_keyboard(base_url: str, browser: Any) -> None:
    watch = _open(browser, f"{base_url}/widget", PHONE)
    page = watch.page
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")  # the skip link lands in the message box; Tab goes on to Send, then the person
    order = [page.evaluate("document.activeElement.id")]
    for _ in range(2):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id"))
    assert order == ["message", "send", "person"], order
    for label in ("Your message",):
        assert page.get_by_label(label).count() == 1
    assert page.locator("[aria-live]").count() >= 1 and page.locator("#mode[role=status]").count() == 1
    watch.assert_clean()


def test_one_line_embed_opens_the_widget_on_a_bank_page(base_url: str, browser: Any) -> None:
    snippet = f'<script src="{base_url}/embed.js" async></script>'  # the one line a bank adds (README)
    bank = f"<!doctype html><title>Bank</title><link rel=icon href=data:,><h1>Harbourlight Bank</h1>{snippet}"
    with host_page(bank) as url:
        watch = _open(browser, url, DESKTOP)
        page = watch.page
        launcher = page.get_by_role("button", name="Chat with us")
        assert launcher.get_attribute("aria-expanded") == "false"
        launcher.click()
        assert launcher.get_attribute("aria-expanded") == "true"
        frame = page.frame_locator("#attune-chat-panel iframe")
        assert "automated assistant" in frame.locator("#greeting").inner_text()
        assert page.locator("#attune-chat-panel iframe").get_attribute("src") == f"{base_url}/widget"
        watch.assert_clean()
    inline = f'<div id="help-chat"></div><script src="{base_url}/embed.js" data-target="#help-chat" async></script>'
    with host_page(f"<!doctype html><title>Help</title><link rel=icon href=data:,>{inline}") as url:
        watch = _open(browser, url, PHONE)
        frame = watch.page.frame_locator("#help-chat iframe")  # inside the bank's own element, no launcher
        assert "automated assistant" in frame.locator("#greeting").inner_text()
        assert watch.page.locator("#attune-chat-button").count() == 0
        watch.assert_clean()


def test_talk_to_a_person_by_keyboard_then_back_to_the_assistant(base_url: str, browser: Any) -> None:
    watch = _open(browser, f"{base_url}/widget", PHONE)
    page = watch.page
    page.locator("#person").focus()
    page.keyboard.press("Enter")  # before any message: the button starts the conversation and asks for a person
    page.wait_for_function("() => document.getElementById('mode').dataset.state === 'waiting_for_human'")
    assert re.search(r"number \d+ in the queue", page.locator("#mode").inner_text())
    assert page.locator(".msg.you").last.inner_text().endswith("Talk to a person")
    assert page.locator("#person").is_disabled()
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {AGENT_KEY}"}) as agent:
        queue = agent.get("/v1/agent/queue").json()["entries"]
        mine = [e for e in queue if e["reasons"] == ["asked_for_person"]][-1]["conversation_id"]
        assert agent.post(f"/v1/agent/conversations/{mine}/claim").status_code == 200
        page.wait_for_function("() => document.getElementById('mode').dataset.state === 'with_human'")
        assert agent.post(f"/v1/agent/conversations/{mine}/release").status_code == 200
    page.wait_for_function("() => document.getElementById('mode').dataset.state === 'bot'")
    page.get_by_text("back with the Harbourlight assistant").wait_for()
    assert page.locator("#person").is_enabled() and page.locator("#person").inner_text() == "Talk to a person"
    watch.assert_clean()
