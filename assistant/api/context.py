"""Request context: the request id of the request being served (a context variable), put on every log record.

>>> token = REQUEST_ID.set("abc")
>>> logging.LogRecord("x", logging.INFO, "f", 1, "m", None, None).request_id
'abc'
>>> REQUEST_ID.reset(token)
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

REQUEST_ID: ContextVar[str] = ContextVar("attune_request_id", default="-")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
_SAFE_ID = re.compile(r"[^A-Za-z0-9._:-]")
_base_factory = logging.getLogRecordFactory()


def _record_factory(*args: object, **kwargs: object) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)  # type: ignore[arg-type]
    record.request_id = REQUEST_ID.get()
    return record


logging.setLogRecordFactory(_record_factory)


def request_id_from(header: str | None) -> str:
    """The caller's ``X-Request-ID`` (printable, at most 64 characters) or a fresh one."""
    cleaned = _SAFE_ID.sub("", header or "")[:64]
    return cleaned or uuid.uuid4().hex


def install_log_format() -> None:
    """Put the request id in every line of the root logger's handlers (``attune serve``)."""
    for handler in logging.getLogger().handlers:
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
