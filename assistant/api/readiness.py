"""Readiness: the index is not empty, every stage is warm (one throwaway turn has run, so that the first
customer's turn is as fast as the tenth) and the store answers. ``/ready`` says 503 with the reasons otherwise.

>>> ReadinessProbe().check.__doc__.split(":")[0]
'The reasons the server is not ready (empty when it is)'
"""

from __future__ import annotations

import logging
import threading
import time

from assistant.conversations import ConversationService
from assistant.errors import AssistantError
from assistant.types import Message

logger = logging.getLogger("attune.api")
WARM_TURN = "How do I change my PIN?"


class ReadinessProbe:
    """Warms the pipeline once (stages, then one turn that touches no store) and answers ``/ready``."""

    def __init__(self) -> None:
        self.warm = False
        self.warm_error: str | None = None
        self.warm_ms: dict[str, float] = {}
        self._lock = threading.Lock()

    def warm_up(self, service: ConversationService) -> None:
        """Load every stage and run one throwaway turn (redact, encode, classify, retrieve, generate, check)."""
        with self._lock:
            if self.warm:
                return
            try:
                service.pipeline.warm_up()
                start = time.perf_counter()
                outcome = service.pipeline.handle(Message(conversation_id="warm-up", text=WARM_TURN))
                self.warm_ms = {k: round(float(v), 1) for k, v in outcome.reply.timings_ms.items()}
                self.warm_ms["first_turn"] = round((time.perf_counter() - start) * 1000, 1)
                self.warm = True
                self.warm_error = None
            except AssistantError as exc:
                self.warm_error = f"{exc.code}: {exc}"
                logger.warning("warm-up turn failed: %s", exc.code)

    def check(self, service: ConversationService) -> list[str]:
        """The reasons the server is not ready (empty when it is): index, warm stages, store."""
        reasons: list[str] = []
        try:
            size = service.pipeline.retriever.index_size()
        except AssistantError as exc:
            size, reasons = 0, [f"index unavailable ({exc.code})"]
        if size <= 0 and not reasons:
            reasons.append("the knowledge-base index is empty: run `attune ingest`")
        if not self.warm:
            reasons.append(f"stages not warmed{f' ({self.warm_error})' if self.warm_error else ''}")
        try:
            service.repository.ping()
        except AssistantError as exc:
            reasons.append(f"conversation store unreachable ({exc.code})")
        return reasons
