"""Attune's HTTP API and chat widget. The only place where ``AssistantError`` becomes an HTTP status."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette.sse import EventSourceResponse

from assistant.errors import (
    AssistantError,
    ConfigurationError,
    ConversationClosedError,
    ConversationNotFoundError,
    GenerationError,
    IndexNotBuiltError,
    InvalidMessageError,
    ModelUnavailableError,
    StoreUnavailableError,
)
from assistant.pipeline import Pipeline
from assistant.serialize import to_jsonable
from assistant.settings import get_settings
from assistant.types import Message

os.environ.setdefault("HF_HUB_OFFLINE", "1")
logger = logging.getLogger("attune.server")
WIDGET = Path(__file__).resolve().parent / "assistant" / "web" / "widget.html"

STATUS_BY_ERROR: dict[type[AssistantError], int] = {
    InvalidMessageError: 422,
    ConversationNotFoundError: 404,
    ConversationClosedError: 409,
    IndexNotBuiltError: 503,
    ModelUnavailableError: 503,
    StoreUnavailableError: 503,
    GenerationError: 502,
    ConfigurationError: 500,
}


class ChatRequest(BaseModel):
    """One customer message; omit ``conversation_id`` to start a new conversation."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1)
    conversation_id: str | None = None
    channel: Literal["widget", "copilot"] = "widget"
    locale: Literal["en-GB", "en-US"] | None = None


class ConversationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["widget", "copilot"] = "widget"
    locale: Literal["en-GB", "en-US"] | None = None


def create_app(pipeline: Pipeline | None = None) -> FastAPI:
    """Build the app; tests pass their own pipeline, ``attune serve`` builds one from settings."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.pipeline is None:
            app.state.pipeline = Pipeline.from_settings(get_settings())
        app.state.pipeline.warm_up()
        yield

    app = FastAPI(title="Attune", version="0.1.0", lifespan=lifespan)
    app.state.pipeline = pipeline

    @app.exception_handler(AssistantError)
    async def _assistant_error(_: Request, exc: AssistantError) -> JSONResponse:
        status = next((code for cls, code in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 500)
        return JSONResponse(status_code=status, content={"error": exc.code, "detail": str(exc)})

    def _pipeline(request: Request) -> Pipeline:
        p: Pipeline = request.app.state.pipeline
        return p

    def _message(request: Request, body: ChatRequest) -> Message:
        p = _pipeline(request)
        cid = body.conversation_id or p.start_conversation(channel=body.channel, locale=body.locale)
        locale = body.locale or p.store.get_conversation(cid).locale
        return Message(conversation_id=cid, text=body.message, channel=body.channel, locale=locale)

    @app.get("/health")
    def health(request: Request) -> dict[str, Any]:
        p = _pipeline(request)
        p.store.ping()
        return {"status": "ok", "generator": p.settings.generator, "index_size": p.retriever.index_size()}

    @app.post("/v1/conversations")
    def create_conversation(request: Request, body: ConversationRequest) -> dict[str, str]:
        return {"conversation_id": _pipeline(request).start_conversation(channel=body.channel, locale=body.locale)}

    @app.post("/v1/chat")
    def chat(request: Request, body: ChatRequest) -> dict[str, Any]:
        reply = _pipeline(request).handle(_message(request, body))
        result: dict[str, Any] = to_jsonable(reply)
        return result

    @app.post("/v1/chat/stream")
    async def chat_stream(request: Request, body: ChatRequest) -> EventSourceResponse:
        message = _message(request, body)
        pipeline = _pipeline(request)

        async def events() -> AsyncIterator[dict[str, str]]:
            try:
                async for event in pipeline.stream(message):
                    yield {"event": event.event, "data": json.dumps(event.data)}
            except AssistantError as exc:
                yield {"event": "error", "data": json.dumps({"error": exc.code, "detail": str(exc)})}

        return EventSourceResponse(events())

    @app.get("/v1/conversations/{conversation_id}")
    def conversation(request: Request, conversation_id: str) -> dict[str, Any]:
        """The copilot sidebar's view: mood trail, hand-off packet and redacted transcript."""
        return _pipeline(request).handoff_packet(conversation_id)

    @app.get("/")
    def widget() -> FileResponse:
        return FileResponse(WIDGET, media_type="text/html")

    return app


app = create_app()
