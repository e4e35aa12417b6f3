"""Assembles the HTTP API: settings, the shared parts (limiter, metrics, readiness), middleware, the error mapping
(the only place an ``AssistantError`` becomes a status) and the routers. Each router brings its own dependencies
(auth, rate limits); adding a router or a middleware is one line in its section below."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.api import agent, customer, docs, operations, pages
from assistant.api.context import REQUEST_ID
from assistant.api.load import install_load_control
from assistant.api.middleware import HardeningMiddleware
from assistant.api.readiness import ReadinessProbe
from assistant.conversations import ConversationService, ConversationState
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
    PayloadTooLargeError,
    RateLimitedError,
    StoreUnavailableError,
)
from assistant.integrations.memory import trim
from assistant.integrations.metrics import PrometheusMetrics
from assistant.integrations.ratelimit import RateLimiter, make_rate_limiter
from assistant.settings import Settings, get_settings

logger = logging.getLogger("attune.api")

STATUS_BY_ERROR: dict[type[AssistantError], int] = {
    InvalidMessageError: 422,
    AuthenticationError: 401,
    ConversationNotFoundError: 404,
    ClaimConflictError: 409,
    InvalidTransitionError: 409,
    ConversationClosedError: 409,
    PayloadTooLargeError: 413,
    RateLimitedError: 429,
    IndexNotBuiltError: 503,
    ModelUnavailableError: 503,
    StoreUnavailableError: 503,
    DatabaseNotMigratedError: 503,
    GenerationError: 502,
    ConfigurationError: 500,
}


def create_app(
    service: ConversationService | None = None,
    settings: Settings | None = None,
    *,
    limiter: RateLimiter | None = None,
) -> FastAPI:
    """The app; tests pass their own service, ``attune serve`` builds one from settings at start-up (a server
    database that is not migrated, or a placeholder secret outside development, stops the start)."""
    settings = settings or (service.settings if service is not None else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.service is None:
            app.state.service = ConversationService.from_settings(settings)
        svc: ConversationService = app.state.service
        app.state.agent_keys = svc.settings.agent_keys()
        app.state.copilot = AgentCopilot(svc.pipeline)
        svc.warm_up()
        app.state.readiness.warm_up(svc)
        trim()  # the models' loading temporaries are freed: hand their heap back before serving
        yield

    docs_on = settings.docs_enabled
    app = FastAPI(
        title="Attune",
        version="0.3.0",
        description="Support assistant for banks: customer chat, agent hand-off and operations.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    # ---------------------------------------------------------------- shared state
    app.state.service = service
    app.state.settings = settings
    app.state.agent_keys = {}
    app.state.limiter = limiter or make_rate_limiter(settings.redis_url, settings.redis_prefix)
    app.state.readiness = ReadinessProbe()
    app.state.metrics = PrometheusMetrics(queue_length=lambda: _queue_length(app))
    install_load_control(app, service.settings if service is not None else settings)

    # ---------------------------------------------------------------- errors
    @app.exception_handler(AssistantError)
    async def _assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        status = next((code for cls, code in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 500)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(exc, RateLimitedError):
            headers = {"Retry-After": str(exc.retry_after_s)}
        logger.info("request failed: %s (%s)", exc.code, status)
        return JSONResponse(status_code=status, content={"error": exc.code, "detail": _safe(str(exc))}, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Never echo the input: it may hold PII, and text with lone surrogates cannot even be encoded.
        detail = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": _safe(str(e.get("msg", ""))), "type": e.get("type")}
            for e in exc.errors()
        ]
        logger.info("request failed: invalid_request (422) %s", [d["loc"] for d in detail])
        return JSONResponse(status_code=422, content={"error": "invalid_request", "detail": detail})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status, code = exc.status_code, "http_error"
        if status == 400 and "parsing the body" in str(exc.detail):  # not UTF-8, not JSON: bad input, not a fault
            status, code = 422, "invalid_request"
        return JSONResponse(
            status_code=status, content={"error": code, "detail": _safe(str(exc.detail))}, headers=exc.headers
        )

    # ---------------------------------------------------------------- middleware (last added runs first)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origin_list,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After"],
    )
    app.add_middleware(
        HardeningMiddleware,
        max_body_bytes=settings.max_body_bytes,
        frame_ancestors=settings.frame_ancestor_list,
        metrics=lambda: app.state.metrics,
    )

    # ---------------------------------------------------------------- routers
    app.include_router(operations.router)
    app.include_router(customer.router)
    app.include_router(agent.router)
    app.include_router(pages.router)
    if docs_on:
        app.include_router(docs.router)
    return app


def _safe(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


def _queue_length(app: FastAPI) -> int:
    svc: Any = app.state.service
    if svc is None:
        return 0
    try:
        return sum(1 for conv, _ in svc.queue() if conv.state is ConversationState.WAITING_FOR_HUMAN)
    except AssistantError:
        return 0


__all__ = ["REQUEST_ID", "STATUS_BY_ERROR", "create_app"]
