"""Shared FastAPI dependencies: the service, customer tokens, agent keys, request ids, metrics and rate limits.

Rate limits count per client IP and per bearer token (hashed) in fixed windows; the customer and agent routers
each depend on their own limit (agents get a larger budget per key).

The dependencies are ``async def`` because none of them blocks (reading app state, comparing keys, the in-memory
rate limiter): FastAPI runs every sync dependency on its thread pool, and those hops were a third of a request's
fixed cost. Only the Redis rate limiter (a network round trip) still runs on the pool."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.conversations import ConversationService
from assistant.conversations.copilot import AgentCopilot
from assistant.errors import AuthenticationError, RateLimitedError
from assistant.integrations.metrics import MetricsSink
from assistant.integrations.ratelimit import InMemoryRateLimiter, RateLimiter
from assistant.settings import Settings

bearer = HTTPBearer(auto_error=False)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


async def get_service(request: Request) -> ConversationService:
    service: ConversationService = request.app.state.service
    return service


Service = Annotated[ConversationService, Depends(get_service)]


async def get_copilot(request: Request) -> AgentCopilot:
    copilot: AgentCopilot = request.app.state.copilot
    return copilot


Copilot = Annotated[AgentCopilot, Depends(get_copilot)]


async def customer_token(credentials: Credentials) -> str | None:
    return credentials.credentials if credentials else None


CustomerToken = Annotated[str | None, Depends(customer_token)]


async def agent_id(request: Request, credentials: Credentials) -> str:
    """The agent behind ``Authorization: Bearer <agent key>`` (keys from ``ATTUNE_AGENT_API_KEYS``)."""
    if credentials is None:
        raise AuthenticationError("an agent key is required (Authorization: Bearer <agent key>)")
    keys: dict[str, str] = request.app.state.agent_keys
    given = credentials.credentials.encode()
    for key, agent in keys.items():
        if hmac.compare_digest(key.encode(), given):
            return agent
    raise AuthenticationError("the agent key is not valid")


AgentId = Annotated[str, Depends(agent_id)]


async def request_id(request: Request) -> str:
    """The id of this request (the caller's ``X-Request-ID`` or a fresh one; echoed in the response)."""
    return str(request.scope.get("state", {}).get("request_id", "-"))


RequestId = Annotated[str, Depends(request_id)]


async def get_metrics(request: Request) -> MetricsSink:
    metrics: MetricsSink = request.app.state.metrics
    return metrics


Metrics = Annotated[MetricsSink, Depends(get_metrics)]


def client_ip(request: Request) -> str:
    """The peer address (a proxy in front should pass only its own address; forwarded headers are not trusted)."""
    return request.client.host if request.client else "unknown"


def _limit(request: Request, credentials: HTTPAuthorizationCredentials | None, per_token: int) -> None:
    limiter: RateLimiter = request.app.state.limiter
    settings: Settings = request.app.state.settings
    window = settings.rate_limit_window_s
    checks = [(f"ip:{client_ip(request)}", settings.rate_limit_per_ip)]
    if credentials is not None:
        digest = hashlib.sha256(credentials.credentials.encode()).hexdigest()[:32]
        checks.append((f"tok:{digest}", per_token))
    for key, limit in checks:
        decision = limiter.hit(key, limit=limit, window_s=window)
        if not decision.allowed:
            what = "address" if key.startswith("ip:") else "token"
            raise RateLimitedError(
                f"too many requests from this {what}; retry in {decision.retry_after_s} s", decision.retry_after_s
            )


async def _limit_off_loop(request: Request, credentials: HTTPAuthorizationCredentials | None, per_token: int) -> None:
    """:func:`_limit` inline for the in-memory limiter (a dict and a lock), on the thread pool for any other."""
    if isinstance(request.app.state.limiter, InMemoryRateLimiter):
        _limit(request, credentials, per_token)
    else:
        await run_in_threadpool(_limit, request, credentials, per_token)


async def customer_limit(request: Request, credentials: Credentials) -> None:
    """Per-IP and per-customer-token limits of the customer routes."""
    await _limit_off_loop(request, credentials, request.app.state.settings.rate_limit_per_token)


async def agent_limit(request: Request, credentials: Credentials) -> None:
    """Per-IP and per-agent-key limits of the agent routes."""
    await _limit_off_loop(request, credentials, request.app.state.settings.rate_limit_agent_per_token)
