"""Signed webhooks for contact-centre tools (httpx): HMAC-SHA256 of the body in ``X-Attune-Signature``.

>>> sign(b'{"a":1}', "s3cret")
'sha256=5910e62016ef5034272c926c27071992a465c2335cecf41851bda071577f4f6d'
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from typing import Any

import httpx

from assistant.errors import WebhookError
from assistant.settings import Settings

logger = logging.getLogger(__name__)


def sign(body: bytes, secret: str) -> str:
    """The ``X-Attune-Signature`` value: ``sha256=`` and the hex HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(body, secret), signature)


class HttpWebhookNotifier:
    """POSTs each event as JSON, signed, retrying with exponential back-off; delivery runs off the request thread.

    >>> notifier = HttpWebhookNotifier("http://127.0.0.1:9/hook", "s3cret", retries=0, backoff_s=0.0)
    >>> notifier.url
    'http://127.0.0.1:9/hook'
    """

    def __init__(self, url: str, secret: str, *, retries: int = 3, backoff_s: float = 0.5, timeout_s: float = 5.0):
        self.url = url
        self._secret = secret
        self._retries = retries
        self._backoff_s = backoff_s
        self._timeout_s = timeout_s

    def notify(self, event: str, payload: dict[str, Any]) -> None:
        threading.Thread(target=self._deliver_logged, args=(event, payload), daemon=True).start()

    def _deliver_logged(self, event: str, payload: dict[str, Any]) -> None:
        try:
            self.deliver(event, payload)
        except WebhookError as exc:
            logger.warning("webhook %s not delivered: %s", event, exc)

    def deliver(self, event: str, payload: dict[str, Any]) -> int:
        """Deliver now; returns the number of attempts, or raises :class:`WebhookError` after the last retry."""
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "X-Attune-Event": event,
            "X-Attune-Signature": sign(body, self._secret),
        }
        last = ""
        for attempt in range(1, self._retries + 2):
            try:
                response = httpx.post(self.url, content=body, headers=headers, timeout=self._timeout_s)
                if response.status_code < 300:
                    return attempt
                last = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                last = exc.__class__.__name__
            if attempt <= self._retries:
                time.sleep(self._backoff_s * 2 ** (attempt - 1))
        raise WebhookError(f"{event} to {self.url} failed after {self._retries + 1} attempts ({last})")


def notifier_from_settings(settings: Settings) -> HttpWebhookNotifier | None:
    if not settings.webhook_url:
        return None
    return HttpWebhookNotifier(
        settings.webhook_url,
        settings.webhook_secret.get_secret_value(),
        retries=settings.webhook_retries,
        backoff_s=settings.webhook_backoff_s,
    )
