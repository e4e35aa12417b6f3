"""Attune's HTTP server: ``uvicorn server:app`` (``attune serve``). The routes live in ``assistant/api/``."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.api import create_app

app = create_app()
