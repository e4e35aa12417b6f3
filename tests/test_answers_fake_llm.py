"""A tiny OpenAI-compatible chat server on 127.0.0.1 (the only fake allowed: it stands in for an external
LLM), plus tests that it speaks the protocol the real ``openai`` client expects (JSON and streamed SSE).

Other answer tests import :class:`FakeChatServer` from here (``from test_answers_fake_llm import ...``).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

Reply = Callable[[list[dict[str, str]]], str]


def grounded_reply(messages: list[dict[str, str]]) -> str:
    """Answer like a careful model: the first two sentences of the first passage in the prompt, verbatim."""
    user = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    body = user.split("Passages:", 1)[-1].split("Customer's question:", 1)[0]
    lines = [ln for ln in body.splitlines() if ln.strip() and not ln.startswith("[")]
    text = " ".join(re.sub(r"^\s*(?:\d+\.|[-*])\s+", "", ln).replace("**", "") for ln in lines[:3])
    sentences = re.split(r"(?<=[.!?])\s+", text)
    return " ".join(sentences[:2]).strip() or "I can't find that in our help pages."


class FakeChatServer:
    """``/v1/chat/completions`` (plain and streamed) and ``/v1/models`` on an ephemeral loopback port.

    ``reply`` decides the answer text from the request messages; ``fail`` makes every call answer HTTP 500;
    ``requests`` and ``headers`` record every request.
    """

    def __init__(self, reply: Reply = grounded_reply) -> None:
        self.reply: Reply = reply
        self.fail = False
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(body)
                server.headers.append({k.lower(): v for k, v in self.headers.items()})
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._json(404, {"error": {"message": "not found"}})
                    return
                if server.fail:
                    self._json(500, {"error": {"message": "fake server failure", "type": "server_error"}})
                    return
                text = server.reply(body.get("messages", []))
                model = body.get("model", "fake-model")
                created = int(time.time())
                if not body.get("stream"):
                    self._json(
                        200,
                        {
                            "id": "chatcmpl-fake",
                            "object": "chat.completion",
                            "created": created,
                            "model": model,
                            "choices": [
                                {
                                    "index": 0,
                                    "message": {"role": "assistant", "content": text},
                                    "finish_reason": "stop",
                                }
                            ],
                            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                        },
                    )
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                pieces = re.findall(r"\S+\s*", text)
                chunks = [{"role": "assistant", "content": ""}] + [{"content": p} for p in pieces]
                for i, delta in enumerate(chunks + [{}]):
                    payload = {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion.chunk",
                        "created": created,
                        "model": model,
                        "choices": [
                            {
                                "index": 0,
                                "delta": delta,
                                "finish_reason": "stop" if i == len(chunks) else None,
                            }
                        ],
                    }
                    self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-llm", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> FakeChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def fake_llm() -> Iterator[FakeChatServer]:
    with FakeChatServer() as server:
        yield server


def test_fake_server_answers_plain_and_streamed_completions(fake_llm: FakeChatServer) -> None:
    messages = [
        {
            "role": "user",
            "content": "Passages:\n[T - In short]\nYou can top up. It is free.\n\nCustomer's question: x",
        }
    ]
    plain = httpx.post(f"{fake_llm.base_url}/chat/completions", json={"model": "m", "messages": messages})
    assert plain.json()["choices"][0]["message"]["content"] == "You can top up. It is free."
    with httpx.stream(
        "POST",
        f"{fake_llm.base_url}/chat/completions",
        json={"model": "m", "messages": messages, "stream": True},
    ) as response:
        events = [ln[6:] for ln in response.iter_lines() if ln.startswith("data: ")]
    assert events[-1] == "[DONE]"
    text = "".join(json.loads(e)["choices"][0]["delta"].get("content", "") for e in events[:-1])
    assert text == "You can top up. It is free."
    assert len(fake_llm.requests) == 2


def test_fake_server_can_fail_on_purpose(fake_llm: FakeChatServer) -> None:
    fake_llm.fail = True
    response = httpx.post(f"{fake_llm.base_url}/chat/completions", json={"model": "m", "messages": []})
    assert response.status_code == 500
