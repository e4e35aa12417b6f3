"""The agent's tools over HTTP (SQLite): copilot suggestions, the draft check, the outcome report and
``attune report`` / ``attune db upgrade``; plus the signed webhook against a receiver on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.api import create_app
from assistant.conversations import ConversationService
from assistant.errors import WebhookError
from assistant.integrations.sql import SqlConversationRepository
from assistant.integrations.webhook import HttpWebhookNotifier, verify
from assistant.kb.ingest import ingest_kb
from assistant.pipeline import Pipeline
from assistant.settings import Settings

pytestmark = pytest.mark.integration
FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"
ALICE = {"Authorization": "Bearer key-alice"}
DISTRESSED = "I lost my job last month and I'm really scared I can't pay my rent, I don't know what to do"
SECRET = "hook-secret"


class _Receiver(BaseHTTPRequestHandler):
    """Records webhook deliveries; the first ``fail_first`` posts to ``/flaky`` get 503 (only that path, so a late
    delivery from the app's background notifier cannot use up the failures a test arranged)."""

    received: list[tuple[dict[str, str], bytes]] = []
    fail_first = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/flaky" and type(self).fail_first > 0:
            type(self).fail_first -= 1
            self.send_response(503)
            self.end_headers()
            return
        type(self).received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def receiver() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, receiver: str) -> Iterator[TestClient]:
    settings = Settings(
        environment="test",
        data_dir=tmp_path_factory.mktemp("agent-tools"),
        kb_dir=FIXTURE_KB,
        agent_api_keys="alice:key-alice",  # type: ignore[arg-type]
        webhook_url=receiver,
        webhook_secret=SECRET,  # type: ignore[arg-type]
        webhook_backoff_s=0.01,
    )
    ingest_kb(settings, progress=False)
    repo = SqlConversationRepository(settings.resolved_database_url)
    notifier = HttpWebhookNotifier(receiver, SECRET, retries=2, backoff_s=0.01)
    service = ConversationService(settings, Pipeline.from_settings(settings), repo, notifier=notifier)
    with TestClient(create_app(service)) as c:
        yield c


def _claimed(client: TestClient) -> tuple[str, dict[str, str]]:
    body = client.post("/v1/conversations", json={}).json()
    cid, auth = body["conversation_id"], {"Authorization": f"Bearer {body['customer_token']}"}
    reply = client.post(f"/v1/conversations/{cid}/messages", json={"text": DISTRESSED}, headers=auth).json()
    assert reply["state"] == "waiting_for_human"
    assert client.post(f"/v1/agent/conversations/{cid}/claim", headers=ALICE).status_code == 200
    return cid, auth


def test_copilot_suggests_grounded_replies_in_the_customers_register(client: TestClient) -> None:
    cid, _ = _claimed(client)
    body = client.get(f"/v1/agent/conversations/{cid}/suggestions", headers=ALICE).json()
    suggestions = body["suggestions"]
    assert 2 <= len(suggestions) <= 3
    assert len({s["text"] for s in suggestions}) == len(suggestions)
    for s in suggestions:
        assert s["citations"] and s["grounding_score"] >= 0.8
        assert s["register"] in ("plain", "standard")  # a distressed customer is not answered technically
    unclaimed = client.post("/v1/conversations", json={}).json()["conversation_id"]
    assert client.get(f"/v1/agent/conversations/{unclaimed}/suggestions", headers=ALICE).status_code == 409


def test_draft_check_flags_figures_offers_and_hard_words(client: TestClient) -> None:
    cid, _ = _claimed(client)
    bad = (
        "Notwithstanding contractual obligations, the forbearance arrangement necessitates comprehensive "
        "documentation of expenditure. Why not open our premium credit card today? The fee is £999."
    )
    review = client.post("/v1/agent/drafts/check", json={"conversation_id": cid, "text": bad}, headers=ALICE).json()
    assert review["ok"] is False and "£999" in review["unsupported_figures"]
    assert review["offers"] and not review["reading_ok"] and review["issues"]
    good = "I'm sorry. We can set up a payment plan, so you pay back what you owe in smaller amounts."
    fine = client.post("/v1/agent/drafts/check", json={"conversation_id": cid, "text": good}, headers=ALICE).json()
    assert fine["unsupported_figures"] == [] and fine["offers"] == []


def test_report_and_webhook_after_a_resolved_rated_conversation(client: TestClient, receiver: str) -> None:
    cid, auth = _claimed(client)
    assert client.post(f"/v1/agent/conversations/{cid}/resolve", headers=ALICE).status_code == 200
    assert client.post(f"/v1/conversations/{cid}/rating", json={"score": 4}, headers=auth).status_code == 200
    report = client.get("/v1/agent/report", headers=ALICE).json()
    assert report["conversations"] >= 1 and 0.0 <= report["containment"] <= 1.0
    assert report["escalations_by_reason"]["vulnerable_with_distress"] >= 1
    assert report["time_to_claim_s"]["n"] >= 1 and report["time_to_claim_s"]["p50"] is not None
    assert report["time_to_resolve_s"]["p95"] is not None and report["csat"]["mean"] == 4.0
    assert report["sentiment"]["first"] is not None
    events = _wait_for(lambda: [json.loads(b)["event"] for _, b in _Receiver.received])
    assert "conversation.escalated" in events and "conversation.resolved" in events
    headers, body = _Receiver.received[-1]
    assert verify(body, SECRET, headers["X-Attune-Signature"])
    assert not verify(body, "wrong", headers["X-Attune-Signature"])


def test_webhook_retries_with_back_off_then_gives_up(receiver: str) -> None:
    _Receiver.fail_first = 2
    notifier = HttpWebhookNotifier(receiver.replace("/hook", "/flaky"), SECRET, retries=2, backoff_s=0.01)
    assert notifier.deliver("conversation.resolved", {"conversation_id": "c"}) == 3
    dead = HttpWebhookNotifier("http://127.0.0.1:9/none", SECRET, retries=1, backoff_s=0.0, timeout_s=0.5)
    with pytest.raises(WebhookError, match="2 attempts"):
        dead.deliver("conversation.resolved", {})


def test_cli_db_upgrade_and_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli import app
    from assistant.settings import get_settings

    monkeypatch.setenv("ATTUNE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    runner = CliRunner()
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "containment" in result.output and json.loads(out.read_text())["conversations"] == 0
    get_settings.cache_clear()


def _wait_for(fn: Any, timeout: float = 5.0) -> Any:
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if (value and "conversation.resolved" in value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)
