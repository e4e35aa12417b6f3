"""Attune's HTTP server: ``uvicorn server:app`` (``attune serve``). It only assembles: the routes live in
``assistant/api/``. Log lines carry the request id; the API logs one line per request itself (the route template,
never the raw path or body), so uvicorn's access log is off."""

from __future__ import annotations

import logging
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.api import create_app
from assistant.api.context import install_log_format

install_log_format()
logging.getLogger("uvicorn.access").disabled = True
app = create_app()
