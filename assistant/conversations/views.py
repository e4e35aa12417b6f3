"""What the service hands back: the customer's reply to one message, queue entries, and tokens.

>>> QueueInfo(place=1, wait_minutes=5.0, open_now=True).place
1
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.conversations.model import Conversation
from assistant.types import Reply


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Customer tokens are stored only as this SHA-256 hex digest."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class QueueInfo:
    place: int
    wait_minutes: float
    open_now: bool


@dataclass(frozen=True)
class CustomerReply:
    """The answer to one customer message. ``body`` is its JSON view (what a retry with the same
    ``client_message_id`` gets back); ``reply`` is the pipeline's full :class:`Reply` when the bot ran this time.

    >>> CustomerReply(body={"status": "with_human", "state": "with_human", "text": ""}).state
    'with_human'
    """

    body: dict[str, Any]
    reply: Reply | None = None

    @property
    def status(self) -> str:
        return str(self.body["status"])

    @property
    def state(self) -> str:
        return str(self.body["state"])

    @property
    def text(self) -> str:
        return str(self.body["text"])


@dataclass(frozen=True)
class StartedConversation:
    """A new conversation and its customer token (shown once, stored hashed).

    >>> c = Conversation(id="c1", channel="widget", locale="en-GB", token_hash=hash_token("t"))
    >>> StartedConversation(c, "t").conversation.token_hash == hash_token("t")
    True
    """

    conversation: Conversation
    customer_token: str = field(repr=False)


@dataclass(frozen=True)
class StreamEvent:
    """One server-sent event of a turn: ``signals`` first, then ``delta`` text, then the ``reply``.

    >>> StreamEvent("delta", "Hello").event
    'delta'
    """

    event: str
    data: Any


class Notifier(Protocol):
    """Tells contact-centre tools about escalations and resolutions (see ``integrations/webhook.py``)."""

    def notify(self, event: str, payload: dict[str, Any]) -> None: ...


class NoNotifier:
    """The notifier when no webhook is configured.

    >>> NoNotifier().notify("conversation.resolved", {}) is None
    True
    """

    def notify(self, event: str, payload: dict[str, Any]) -> None:
        return None
