"""Typed errors. Every failure Attune reports is an ``AssistantError`` subclass; ``server.py`` maps them to HTTP."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class of every error Attune raises on purpose.

    >>> isinstance(InvalidMessageError("empty"), AssistantError)
    True
    """

    code = "assistant_error"


class ConfigurationError(AssistantError):
    """Settings are unusable (a secret left at its placeholder outside development, a bad path)."""

    code = "configuration_error"


class InvalidMessageError(AssistantError):
    """The customer's message is empty, too long, not text or not valid UTF-8."""

    code = "invalid_message"


class ConversationNotFoundError(AssistantError):
    """No conversation has this id."""

    code = "conversation_not_found"


class ConversationClosedError(AssistantError):
    """The conversation was handed to a human; the bot no longer answers it."""

    code = "conversation_handed_off"


class KnowledgeBaseError(AssistantError):
    """The knowledge base is malformed (bad front matter, unknown intent, undefined fact)."""

    code = "knowledge_base_error"


class IndexNotBuiltError(AssistantError):
    """The knowledge-base index is empty or missing: run ``attune ingest``."""

    code = "index_not_built"


class ModelUnavailableError(AssistantError):
    """A model (encoder, classifier head, language model) could not be loaded or run."""

    code = "model_unavailable"


class StoreUnavailableError(AssistantError):
    """A store (vector index, conversation database) could not be reached."""

    code = "store_unavailable"


class GenerationError(AssistantError):
    """A generator backend failed (LLM server down, bad response)."""

    code = "generation_error"


class PromptError(AssistantError):
    """Prompt or style data is invalid, or a template variable is missing."""

    code = "prompt_error"


class InvalidTransitionError(AssistantError):
    """A conversation was asked to change state in a way its lifecycle does not allow (e.g. resolve twice)."""

    code = "invalid_transition"


class ClaimConflictError(AssistantError):
    """Someone else changed the conversation first (two agents claimed it at once): the loser gets this."""

    code = "conflict"


class AuthenticationError(AssistantError):
    """A missing or wrong customer token or agent key."""

    code = "unauthorized"


class DatabaseNotMigratedError(AssistantError):
    """The conversation database schema is missing or behind: run ``attune db upgrade``."""

    code = "database_not_migrated"


class WebhookError(AssistantError):
    """A webhook could not be delivered after its retries."""

    code = "webhook_failed"


class RateLimitedError(AssistantError):
    """Too many requests from one client (per IP or per token) in the current window; retry after a while."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PayloadTooLargeError(AssistantError):
    """The request body is larger than ``ATTUNE_MAX_BODY_BYTES``."""

    code = "payload_too_large"
