"""Pure ASGI middleware: request ids, security headers, per-route metrics and the body-size limit.

The body limit is enforced before the body is read: a ``Content-Length`` over the limit is refused at once, and a
chunked body is counted as it arrives and refused (413) the moment it passes the limit.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.context import REQUEST_ID, request_id_from
from assistant.integrations.metrics import MetricsSink

logger = logging.getLogger("attune.api")


def security_headers(frame_ancestors: list[str]) -> list[tuple[bytes, bytes]]:
    """Content-Security-Policy (same-origin scripts and styles only), nosniff, Referrer-Policy, frame ancestors."""
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        f"font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {' '.join(frame_ancestors)}"
    )
    return [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]


def _json_error(status: int, code: str, detail: str, request_id: str) -> tuple[Message, Message]:
    body = json.dumps({"error": code, "detail": detail}).encode()
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-request-id", request_id.encode()),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class HardeningMiddleware:
    """Outermost layer: request id (header and log context), body limit, security headers and metrics."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        frame_ancestors: list[str],
        metrics: Callable[[], MetricsSink | None],
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.headers = security_headers(frame_ancestors)
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        request_id = request_id_from(headers.get("x-request-id"))
        token = REQUEST_ID.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_seen: dict[str, Any] = {"status": 500, "started": False}
        try:
            declared = headers.get("content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
                status = 413 if declared.isdigit() else 400
                status_seen["status"] = status
                detail = f"the body is larger than {self.max_body_bytes} bytes" if status == 413 else "bad length"
                logger.info("refused a body of %s bytes (%s)", declared[:20], status)
                start, body = _json_error(status, "payload_too_large", detail, request_id)
                start["headers"] = [*start["headers"], *self.headers]
                await send(start)
                await send(body)
                return
            received = 0
            refused = False

            async def limited_receive() -> Message:
                # Past the limit: answer 413 now and tell the app the client went away (it stops reading, and
                # whatever it then tries to send is dropped).
                nonlocal received, refused
                if refused:
                    return {"type": "http.disconnect"}
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_body_bytes and not status_seen["started"]:
                        refused = True
                        status_seen["status"] = 413
                        logger.info("refused a streamed body over %s bytes", self.max_body_bytes)
                        detail = f"the body is larger than {self.max_body_bytes} bytes"
                        start, body = _json_error(413, "payload_too_large", detail, request_id)
                        start["headers"] = [*start["headers"][:-1], *self.headers, start["headers"][-1]]
                        await send(start)
                        await send(body)
                        return {"type": "http.disconnect"}
                return message

            async def send_with_headers(message: Message) -> None:
                if refused:
                    return
                if message["type"] == "http.response.start":
                    status_seen["status"] = message["status"]
                    status_seen["started"] = True
                    names = {k.lower() for k, _ in message.get("headers", [])}
                    extra = [(k, v) for k, v in self.headers if k not in names]
                    message["headers"] = [*message.get("headers", []), *extra, (b"x-request-id", request_id.encode())]
                await send(message)

            try:
                await self.app(scope, limited_receive, send_with_headers)
            except Exception:
                if not refused:
                    raise
        finally:
            elapsed = time.perf_counter() - started
            path = getattr(scope.get("route"), "path", None) or "unmatched"  # the route template, never raw input
            sink = self.metrics()
            if sink is not None:
                sink.observe_request(path, scope.get("method", ""), status_seen["status"], elapsed)
            logger.info("%s %s -> %s in %.0f ms", scope.get("method", ""), path, status_seen["status"], elapsed * 1000)
            REQUEST_ID.reset(token)
