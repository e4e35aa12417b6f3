"""Shared FastAPI dependencies: the service, customer tokens, agent keys and request ids."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.conversations import ConversationService
from assistant.conversations.copilot import AgentCopilot
from assistant.errors import AuthenticationError

bearer = HTTPBearer(auto_error=False)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def get_service(request: Request) -> ConversationService:
    service: ConversationService = request.app.state.service
    return service


Service = Annotated[ConversationService, Depends(get_service)]


def get_copilot(request: Request) -> AgentCopilot:
    copilot: AgentCopilot = request.app.state.copilot
    return copilot


Copilot = Annotated[AgentCopilot, Depends(get_copilot)]


def customer_token(credentials: Credentials) -> str | None:
    return credentials.credentials if credentials else None


CustomerToken = Annotated[str | None, Depends(customer_token)]


def agent_id(request: Request, credentials: Credentials) -> str:
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
