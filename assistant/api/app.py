"""Assembles the HTTP API: routers, the error mapping (the only place an ``AssistantError`` becomes a status) and
request ids."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from assistant.api import agent, customer, operations
from assistant.api.load import install_load_control
from assistant.conversations import ConversationService
from assistant.conversations.copilot import AgentCopilot
from assistant.errors import (
    AssistantError,
    AuthenticationError,
    ClaimConflictError,
    ConfigurationError,
    ConversationClosedError,
    ConversationNotFoundError,
    DatabaseNotMigratedError,
    GenerationError,
    IndexNotBuiltError,
    InvalidMessageError,
    InvalidTransitionError,
    ModelUnavailableError,
    StoreUnavailableError,
)
from assistant.settings import Settings, get_settings

logger = logging.getLogger("attune.api")

STATUS_BY_ERROR: dict[type[AssistantError], int] = {
    InvalidMessageError: 422,
    AuthenticationError: 401,
    ConversationNotFoundError: 404,
    ClaimConflictError: 409,
    InvalidTransitionError: 409,
    ConversationClosedError: 409,
    IndexNotBuiltError: 503,
    ModelUnavailableError: 503,
    StoreUnavailableError: 503,
    DatabaseNotMigratedError: 503,
    GenerationError: 502,
    ConfigurationError: 500,
}


def create_app(service: ConversationService | None = None, settings: Settings | None = None) -> FastAPI:
    """The app; tests pass their own service, ``attune serve`` builds one from settings at start-up (a server
    database that is not migrated, or a placeholder agent key outside development, stops the start)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.service is None:
            app.state.service = ConversationService.from_settings(settings or get_settings())
        svc: ConversationService = app.state.service
        app.state.agent_keys = svc.settings.agent_keys()
        app.state.copilot = AgentCopilot(svc.pipeline)
        svc.warm_up()
        yield

    app = FastAPI(title="Attune", version="0.2.0", lifespan=lifespan)
    app.state.service = service
    app.state.agent_keys = {}
    install_load_control(app, service.settings if service is not None else settings or get_settings())

    @app.exception_handler(AssistantError)
    async def _assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        status = next((code for cls, code in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 500)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        logger.info("request %s failed: %s (%s)", getattr(request.state, "request_id", "-"), exc.code, status)
        return JSONResponse(status_code=status, content={"error": exc.code, "detail": str(exc)}, headers=headers)

    @app.middleware("http")
    async def _request_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        request.state.request_id = request_id[:64]
        response = await call_next(request)
        response.headers["X-Request-ID"] = request.state.request_id
        return response

    app.include_router(operations.router)
    app.include_router(customer.router)
    app.include_router(agent.router)
    return app
