"""The HTTP API (FastAPI): customer, agent and operations routers; ``server.py`` only assembles them."""

from assistant.api.app import STATUS_BY_ERROR, create_app

__all__ = ["STATUS_BY_ERROR", "create_app"]
