"""The curated crisis bank (``crisis_bank.yaml``): short crisis descriptions per kind, embedded once with the shared
encoder, compared by cosine with the vector the turn already has. Traps (figures of speech, denials, estate
planning) are embedded too: the bank only fires when its nearest entry is closer than the nearest trap.

>>> from assistant.integrations.encoder import shared_encoder
>>> bank = CrisisBank.load()
>>> bank.warm_up(shared_encoder())
>>> text = "I've decided to give my cat to my neighbour, I won't be needing anything after this week"
>>> m = bank.match(shared_encoder().encode([text])[0])
>>> m.kind, m.score > 0.4
('self_harm', True)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.errors import ConfigurationError
from assistant.integrations.encoder import TextEncoder

BANK_PATH = Path(__file__).with_name("crisis_bank.yaml")
CrisisKind = Literal["self_harm", "abuse", "threat", "emergency"]


class BankEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    kind: CrisisKind
    text: str = Field(min_length=3, max_length=300)


class TrapEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    text: str = Field(min_length=3, max_length=300)


class CrisisBankSpec(BaseModel):
    """``crisis_bank.yaml``: versioned; ids unique across entries and traps; every kind has entries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    entries: list[BankEntry] = Field(min_length=1)
    traps: list[TrapEntry] = []

    @model_validator(mode="after")
    def _unique_ids_and_kinds(self) -> CrisisBankSpec:
        ids = [e.id for e in self.entries] + [t.id for t in self.traps]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate ids: {', '.join(dupes)}")
        missing = {"self_harm", "abuse", "threat", "emergency"} - {e.kind for e in self.entries}
        if missing:
            raise ValueError(f"no entries for kinds: {', '.join(sorted(missing))}")
        return self


@dataclass(frozen=True)
class BankMatch:
    """The nearest crisis entry to one vector, and the nearest trap (cosines of unit vectors)."""

    entry_id: str
    kind: str
    score: float
    trap_id: str | None = None
    trap_score: float = -1.0

    @property
    def trapped(self) -> bool:
        """The nearest trap is at least as close as the nearest crisis entry."""
        return self.trap_id is not None and self.trap_score >= self.score

    def cue(self) -> str:
        return f"crisis bank: {self.entry_id} (cos {self.score:.2f})"


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.atleast_2d(np.asarray(x, dtype=np.float32))
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


class CrisisBank:
    """The bank's entries and traps; ``warm_up(encoder)`` embeds them once (idempotent, thread-safe)."""

    def __init__(self, spec: CrisisBankSpec) -> None:
        self.spec = spec
        self.version = spec.version
        self._entries: np.ndarray | None = None
        self._traps: np.ndarray | None = None
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path | None = None) -> CrisisBank:
        source = path or BANK_PATH
        try:
            spec = CrisisBankSpec.model_validate(yaml.safe_load(source.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise ConfigurationError(f"invalid crisis bank {source}: {exc}") from exc
        return cls(spec)

    @property
    def ready(self) -> bool:
        return self._entries is not None

    def warm_up(self, encoder: TextEncoder) -> None:
        with self._lock:
            if self._entries is not None:
                return
            texts = [e.text for e in self.spec.entries] + [t.text for t in self.spec.traps]
            vectors = _unit(encoder.encode(texts))
            n = len(self.spec.entries)
            self._traps = vectors[n:]
            self._entries = vectors[:n]

    def match(self, vector: np.ndarray) -> BankMatch:
        """Nearest entry and nearest trap to ``vector`` (the bank must be warmed up)."""
        if self._entries is None or self._traps is None:
            raise ConfigurationError("crisis bank used before warm_up(encoder)")
        v = _unit(vector)[0]
        sims = self._entries @ v
        best = int(sims.argmax())
        entry = self.spec.entries[best]
        if self._traps.shape[0]:
            tsims = self._traps @ v
            t = int(tsims.argmax())
            return BankMatch(entry.id, entry.kind, float(sims[best]), self.spec.traps[t].id, float(tsims[t]))
        return BankMatch(entry.id, entry.kind, float(sims[best]))


@lru_cache(maxsize=2)
def load_crisis_bank(path: str | None = None) -> CrisisBank:
    """The bank from ``path`` (default: the packaged ``crisis_bank.yaml``), one per process."""
    return CrisisBank.load(Path(path) if path else None)
