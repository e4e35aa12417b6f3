"""Shared FastAPI dependencies: the service, customer tokens, agent keys, request ids, metrics and rate limits.

Rate limits count in fixed windows: customer routes per client IP and per bearer token (hashed); agent routes per
agent for a valid agent key (not per IP: many agents share an office address) and per IP otherwise.

The dependencies are ``async def`` because none of them blocks (reading app state, comparing keys, the in-memory
rate limiter): FastAPI runs every sync dependency on its thread pool, and those hops were a third of a request's
fixed cost. Only the Redis rate limiter (a network round trip) still runs on the pool."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
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


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_settings)]


async def get_copilot(request: Request) -> AgentCopilot:
    copilot: AgentCopilot = request.app.state.copilot
    return copilot


Copilot = Annotated[AgentCopilot, Depends(get_copilot)]


async def customer_token(credentials: Credentials) -> str | None:
    return credentials.credentials if credentials else None


CustomerToken = Annotated[str | None, Depends(customer_token)]


def _known_agent(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str | None:
    """The agent whose key is given, or ``None`` (no key, or one that is not valid)."""
    if credentials is None:
        return None
    keys: dict[str, str] = request.app.state.agent_keys
    given = credentials.credentials.encode()
    for key, agent in keys.items():
        if hmac.compare_digest(key.encode(), given):
            return agent
    return None


async def agent_id(request: Request, credentials: Credentials) -> str:
    """The agent behind ``Authorization: Bearer <agent key>`` (keys from ``ATTUNE_AGENT_API_KEYS``)."""
    if credentials is None:
        raise AuthenticationError("an agent key is required (Authorization: Bearer <agent key>)")
    agent = _known_agent(request, credentials)
    if agent is None:
        raise AuthenticationError("the agent key is not valid")
    return agent


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


def _agent_limit(request: Request, credentials: HTTPAuthorizationCredentials | None) -> None:
    agent = _known_agent(request, credentials)
    if agent is None:
        _limit(request, None, 0)
        return
    limiter: RateLimiter = request.app.state.limiter
    settings: Settings = request.app.state.settings
    decision = limiter.hit(
        f"agent:{agent}", limit=settings.rate_limit_agent_per_token, window_s=settings.rate_limit_window_s
    )
    if not decision.allowed:
        raise RateLimitedError(
            f"too many requests from this agent; retry in {decision.retry_after_s} s", decision.retry_after_s
        )


async def _off_loop(request: Request, check: Callable[..., None], *args: object) -> None:
    """Run a limit check inline for the in-memory limiter (a dict and a lock), on the thread pool for any other."""
    if isinstance(request.app.state.limiter, InMemoryRateLimiter):
        check(*args)
    else:
        await run_in_threadpool(check, *args)


async def customer_limit(request: Request, credentials: Credentials) -> None:
    """Per-IP and per-customer-token limits of the customer routes."""
    await _off_loop(request, _limit, request, credentials, request.app.state.settings.rate_limit_per_token)


async def agent_limit(request: Request, credentials: Credentials) -> None:
    """Limits of the agent routes: a valid agent key is counted per agent only (the agents of one office share its
    address, so the per-IP budget would throttle them together); without a valid key, per IP (guessing keys is
    limited like any anonymous traffic)."""
    await _off_loop(request, _agent_limit, request, credentials)
