"""Configuration: one pydantic-settings class, env prefix ``ATTUNE_``, read through :func:`get_settings`."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SECRET = "change-me"
# Turns one worker takes (running + waiting) before it answers 503, when ``max_pending_turns`` is not set.
TURN_CAPACITY = 72


def default_turn_threads() -> int:
    """Turn threads per worker when unset: the usable cores, at least 2 and at most 8.

    More threads than cores only fight over one GIL: on 2 cores, 8 threads cost 14 % more CPU per turn than 2
    (``data/audits/turn_threads_stop41_rule.md``); a machine with 8 or more cores keeps 8.

    >>> 2 <= default_turn_threads() <= 8
    True
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(8, max(2, cores))


class Settings(BaseSettings):
    """All of Attune's settings; every field can be set as ``ATTUNE_<NAME>`` in the environment or ``.env``.

    >>> s = Settings(data_dir=Path("/tmp/attune-doc"))
    >>> s.sqlite_path.name, s.chroma_path.name
    ('attune.db', 'chroma')
    """

    model_config = SettingsConfigDict(env_prefix="ATTUNE_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path(".attune")
    kb_dir: Path = PROJECT_ROOT / "knowledge_base"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    artifacts_dir: Path = PROJECT_ROOT / "assistant" / "artifacts"
    shared_data_dir: Path = PROJECT_ROOT.parent / "shared" / "data"

    # Vector store: embedded Chroma by default, a `chroma run` server when chroma_host is set.
    chroma_host: str | None = None
    chroma_port: int = 8001
    chroma_collection: str = "harbourlight_kb"

    # Conversation store: SQLite file in data_dir unless a URL is given (e.g. postgresql+psycopg://...).
    database_url: str | None = None

    # Generation.
    generator: Literal["composer", "openai", "local"] = "composer"
    openai_base_url: str = "http://127.0.0.1:8080/v1"
    openai_api_key: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    openai_model: str = "local-model"
    openai_timeout_s: float = 30.0
    local_max_new_tokens: int = 160

    # Behaviour and thresholds.
    locale: Literal["en-GB", "en-US"] = "en-GB"
    top_k: int = Field(default=4, ge=1, le=20)
    min_retrieval_confidence: float = Field(default=0.35, ge=0.0, le=1.0)
    # A support article the style asks for (``Style.support_intents``) is answered from first only when it is in
    # the top ``top_k`` with at least this share of the fused score: a real contender, not a passing mention.
    support_min_share: float = Field(default=0.05, ge=0.0, le=1.0)
    grounding_threshold: float = Field(default=0.8, ge=0.0, le=1.0)
    max_failed_turns: int = Field(default=2, ge=1)
    # The dialogue stage (follow-ups, clarifying questions, offers once): off, every message is a new question.
    dialogue_enabled: bool = True
    # With an active topic, encode the message read after the topic's question in the message's own pass when the
    # dialogue stage expects to need it (off: encoded on its own when needed; the decisions are the same).
    dialogue_reread_ahead: bool = True
    # "high" distress alone brings in a person only when the head is this sure (p(high) + p(crisis)).
    high_distress_min_prob: float = Field(default=0.6, ge=0.0, le=1.0)
    max_message_chars: int = Field(default=4000, ge=16)

    # The human side. Agent keys: comma-separated ``agent_id:key`` (a placeholder key is refused outside
    # development). Opening hours are local to ``agent_timezone``; outside them a queued customer is told so.
    agent_api_keys: SecretStr = SecretStr(f"dev-agent:{PLACEHOLDER_SECRET}")
    agent_hours: str = Field(default="00:00-24:00", pattern=r"^\d\d:\d\d-\d\d:\d\d$")
    agent_days: str = "mon,tue,wed,thu,fri,sat,sun"
    agent_timezone: str = "Europe/London"
    phone_number: str = "0345 600 0000"
    default_wait_minutes: float = Field(default=5.0, gt=0)
    # Webhook for contact-centre tools on escalation and resolve (HMAC-SHA256 of the body in X-Attune-Signature).
    webhook_url: str | None = None
    webhook_secret: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    webhook_retries: int = Field(default=3, ge=0, le=10)
    webhook_backoff_s: float = Field(default=0.5, ge=0.0)
    log_level: str = "INFO"

    # HTTP hardening. Origins and frame ancestors are allow-lists (comma- or space-separated); docs (/docs, with
    # swagger-ui served from the installed package, no CDN) only in development.
    cors_origins: str = ""
    frame_ancestors: str = "'self'"
    max_body_bytes: int = Field(default=65_536, ge=1024)
    rate_limit_window_s: int = Field(default=60, ge=1)
    rate_limit_per_ip: int = Field(default=600, ge=1)
    rate_limit_per_token: int = Field(default=120, ge=1)
    rate_limit_agent_per_token: int = Field(default=1200, ge=1)
    # Rate-limit counters shared by every worker process through Redis (in-process when unset).
    redis_url: str | None = None
    redis_prefix: str = "attune:rl:"

    # Throughput (docs/ARCHITECTURE.md, "Scale-out"). Concurrent turns share encoder passes: at most
    # ``encode_batch_max`` messages per pass, waiting at most ``encode_batch_wait_ms`` for a pass to fill once a
    # crowd is seen. The HTTP server (``attune serve``) runs turns on ``turn_threads`` threads per worker, holds at most
    # ``max_pending_turns`` more waiting for one, and answers 503 with Retry-After beyond that.
    encode_batch_max: int = Field(default=16, ge=1, le=256)
    encode_batch_wait_ms: float = Field(default=2.0, ge=0.0, le=100.0)
    # Default: the usable cores, 2 to 8 (``default_turn_threads``); pending: ``TURN_CAPACITY`` minus the threads.
    turn_threads: int = Field(default_factory=default_turn_threads, ge=1, le=256)
    max_pending_turns: int = Field(default=TURN_CAPACITY - 8, ge=0)
    retry_after_s: int = Field(default=1, ge=1)
    # Torch intra-op threads per server process. One: concurrent turns are the parallelism, and a multi-threaded
    # pass stalls at every parallel region's barrier when the cores are busy (measured 15x slower under load).
    torch_threads: int = Field(default=1, ge=1, le=64)
    # BLAS threads (numpy's OpenBLAS) per server process, for the same reason: a two-thread matrix-vector product
    # cost 36x the CPU of a one-thread one under load (assistant/integrations/threads.py).
    blas_threads: int = Field(default=1, ge=1, le=64)
    # glibc malloc arenas per server process (0: glibc's default of 8 per core). The turn threads otherwise each
    # keep an arena of freed encoder buffers (assistant/integrations/memory.py; docs/throughput.md, "Memory").
    malloc_arenas: int = Field(default=2, ge=0, le=64)
    # glibc mmap threshold in KiB (0: glibc's sliding default): larger blocks (encoder activations) are mapped on
    # their own and given back on free instead of fragmenting the heap (200 concurrent conversations: 1591 -> 1042 MiB).
    malloc_mmap_threshold_kib: int = Field(default=128, ge=0, le=32768)

    @model_validator(mode="after")
    def _pending_from_threads(self) -> Settings:
        """Unset ``max_pending_turns`` keeps a worker's capacity at ``TURN_CAPACITY`` whatever the thread count.

        >>> Settings(turn_threads=2).max_pending_turns, Settings(turn_threads=2, max_pending_turns=5).max_pending_turns
        (70, 5)
        """
        if "max_pending_turns" not in self.model_fields_set:
            self.max_pending_turns = max(0, TURN_CAPACITY - self.turn_threads)
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if (
            self.environment != "development"
            and self.generator == "openai"
            and self.openai_api_key.get_secret_value() == PLACEHOLDER_SECRET
        ):
            raise ConfigurationError(
                "ATTUNE_OPENAI_API_KEY is still the placeholder; set a real key outside development"
            )
        if (
            self.environment != "development"
            and self.webhook_url
            and (self.webhook_secret.get_secret_value() == PLACEHOLDER_SECRET)
        ):
            raise ConfigurationError("ATTUNE_WEBHOOK_SECRET is still the placeholder; set a real secret")
        return self

    def agent_keys(self) -> dict[str, str]:
        """``{key: agent_id}`` from ``ATTUNE_AGENT_API_KEYS`` (``agent_id:key,agent_id:key``); the placeholder
        key is refused outside development (checked when the agent API is built, so that other tools still run)."""
        keys: dict[str, str] = {}
        for entry in self.agent_api_keys.get_secret_value().split(","):
            entry = entry.strip()
            if not entry:
                continue
            agent_id, sep, key = entry.partition(":")
            if not sep or not agent_id.strip() or not key.strip():
                raise ConfigurationError("ATTUNE_AGENT_API_KEYS entries must look like `agent_id:key`")
            keys[key.strip()] = agent_id.strip()
        if self.environment != "development" and PLACEHOLDER_SECRET in keys:
            raise ConfigurationError(
                "ATTUNE_AGENT_API_KEYS still holds the placeholder key; set real `agent_id:key` pairs "
                "outside development"
            )
        return keys

    @property
    def cors_origin_list(self) -> list[str]:
        return [o for o in self.cors_origins.replace(",", " ").split() if o]

    @property
    def frame_ancestor_list(self) -> list[str]:
        return [o for o in self.frame_ancestors.replace(",", " ").split() if o] or ["'none'"]

    @property
    def docs_enabled(self) -> bool:
        return self.environment == "development"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "attune.db"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached). Tests call ``get_settings.cache_clear()`` after changing the env."""
    return Settings()
