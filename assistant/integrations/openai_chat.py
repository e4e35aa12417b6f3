"""Any OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama, OpenAI, ...) through langchain:
a ``ChatOpenAI | StrOutputParser`` runnable that streams text pieces."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from assistant.errors import GenerationError, ModelUnavailableError

logger = logging.getLogger(__name__)


class OpenAIChatClient:
    """Chat completions from an OpenAI-compatible server, streamed through langchain-core runnables.

    >>> client = OpenAIChatClient("http://127.0.0.1:9/v1", "sk-test", "local-model", timeout_s=1.0)
    >>> client.model
    'local-model'
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        model: str,
        timeout_s: float = 30.0,
        max_tokens: int | None = 400,
        temperature: float = 0.2,
        max_retries: int = 1,
    ) -> None:
        self.base_url = base_url
        self.model = model
        self._api_key = api_key
        self._timeout_s = timeout_s
        self._max_tokens = max_tokens
        self._temperature = temperature
        self._max_retries = max_retries
        self._chain: Any = None

    def _runnable(self) -> Any:
        if self._chain is None:
            try:
                from langchain_core.output_parsers import StrOutputParser
                from langchain_openai import ChatOpenAI
            except ImportError as exc:  # pragma: no cover - optional dependency missing
                raise ModelUnavailableError("langchain-openai is not installed (pip install 'attune[llm]')") from exc
            llm = ChatOpenAI(
                model=self.model,
                base_url=self.base_url,
                api_key=self._api_key,  # type: ignore[arg-type]
                timeout=self._timeout_s,
                max_retries=self._max_retries,
                max_tokens=self._max_tokens,  # type: ignore[call-arg]
                temperature=self._temperature,
                streaming=True,
            )
            self._chain = llm | StrOutputParser()
        return self._chain

    def stream(self, messages: Sequence[tuple[str, str]]) -> Iterator[str]:
        """Yield the reply to ``messages`` ((role, content) pairs, roles system/human/ai) as text pieces.

        Any transport or server failure raises :class:`GenerationError`.
        """
        chain = self._runnable()
        try:
            for piece in chain.stream(list(messages)):
                if piece:
                    yield piece
        except GenerationError:
            raise
        except Exception as exc:  # openai/httpx errors of every kind
            logger.warning("chat endpoint %s failed: %s", self.base_url, type(exc).__name__)
            raise GenerationError(f"chat endpoint {self.base_url} failed: {type(exc).__name__}: {exc}") from exc
