"""Sentence vectors for the composer: the knowledge base's answer sentences, encoded once, each on its own.

The composer ranks the sentences of the retrieved article(s) by cosine to the question. Their vectors used to be
encoded lazily, batched with the question and whatever other sentences the first question to retrieve their
article needed: a padded batch rounds differently in the last bits from a text encoded alone, so a reply could
depend on which questions the server had seen before. Now:

- ``attune ingest`` writes every answer sentence's and fact description's vector
  to ``<data_dir>/answer_vectors.npz``, each encoded **alone** (``encoder.encode([text])``, one torch thread, as
  a server runs), so a vector depends on its text only and re-ingest encodes only new texts; the composer loads
  the file at warm-up (and again when ingest rewrites it), so a served turn encodes none of them. Without the
  file (a data dir never ingested by those two) texts are encoded on first use, batched, as before;
- the question's vector comes from the turn's own encoder pass (the pipeline hands it to the generate stage), so
  a turn makes no second pass for it (:class:`KnownVectors`).

>>> from assistant.integrations.encoder import HashingEncoder
>>> cache = EmbeddingCache(HashingEncoder())
>>> cache.embed(["a fee of £5", "a fee of £5"]).shape
(2, 384)
>>> known = KnownVectors(cache, {"the question": cache.embed(["the question"])[0]})
>>> bool((known.embed(["the question"])[0] == cache.embed(["the question"])[0]).all())
True
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.integrations.encoder import TextEncoder
from assistant.integrations.threads import one_thread

logger = logging.getLogger(__name__)

VECTORS_FILE = "answer_vectors.npz"
CHECK_S = 5.0  # how often a cache with a source looks for a rewritten file


class SentenceEmbedder(Protocol):
    """What the ranking needs: vectors of texts, in order."""

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def text_key(encoder_name: str, text: str) -> str:
    """The stored key of ``text``'s vector under ``encoder_name`` (so another encoder's file is never read)."""
    return hashlib.sha1(f"{encoder_name}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """Sentence vectors by text (candidates and fact descriptions repeat across questions); thread-safe.

    With a ``source`` (the vector file ``attune ingest`` writes), its vectors are loaded by ``refresh()`` and again
    whenever the file is rewritten (looked at no more than every :data:`CHECK_S` seconds, on use); they are never
    evicted. Other texts are encoded on first use, in one batch per call, and kept in a bounded LRU.

    >>> from assistant.integrations.encoder import HashingEncoder
    >>> cache = EmbeddingCache(HashingEncoder())
    >>> cache.embed(["hello", "there"]).shape
    (2, 384)
    """

    def __init__(self, encoder: TextEncoder, size: int = 20000, source: Path | None = None) -> None:
        self.encoder = encoder
        self._size = size
        self._source = source
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._preloaded: Mapping[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._stamp: int | None = None
        self._checked = float("-inf")

    @property
    def dimension(self) -> int:
        return self.encoder.dimension

    def preload(self, vectors: Mapping[str, np.ndarray]) -> None:
        """Vectors by text key (:func:`text_key`), replacing any preloaded before (one swap: readers see either)."""
        self._preloaded = dict(vectors)

    def refresh(self, force: bool = False) -> None:
        """Load ``source`` when it is new or was rewritten since (at most every :data:`CHECK_S` s unless ``force``)."""
        if self._source is None:
            return
        now = time.monotonic()
        if not force and now - self._checked < CHECK_S:
            return
        try:
            stamp: int | None = self._source.stat().st_mtime_ns
        except OSError:
            stamp = None
        with self._lock:
            self._checked = now
            if stamp == self._stamp:
                return
            self._stamp = stamp
        vectors = _load_shared(self._source, stamp, self.encoder.name) if stamp is not None else {}
        self.preload(vectors)
        if vectors:
            logger.info("sentence vectors loaded: %d from %s", len(vectors), self._source)

    @property
    def preloaded(self) -> int:
        return len(self._preloaded)

    def __contains__(self, text: object) -> bool:
        """Whether ``text``'s vector is held (preloaded or cached), i.e. ``embed`` would not encode it."""
        if not isinstance(text, str):
            return False
        with self._lock:
            if text in self._cache:
                return True
        return self._stored(text) is not None

    def _stored(self, text: str) -> np.ndarray | None:
        if not self._preloaded:
            return None
        return self._preloaded.get(text_key(self.encoder.name, text))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.encoder.dimension), dtype=np.float32)
        self.refresh()
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for t in dict.fromkeys(texts):
                hit = self._cache.get(t)
                if hit is not None:
                    found[t] = hit
        for t in dict.fromkeys(texts):
            if t not in found and (stored := self._stored(t)) is not None:
                found[t] = stored
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = list(self.encoder.encode(missing))
            found.update(zip(missing, vectors, strict=True))
            with self._lock:
                self._cache.update(zip(missing, vectors, strict=True))
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        return np.stack([np.asarray(found[t], dtype=np.float32) for t in texts])


class KnownVectors:
    """One request's view of an :class:`EmbeddingCache`: texts whose vectors the turn already has (the question,
    from the turn's own encoder pass) are answered from ``known``; the rest go to the cache. Nothing is written
    to the shared cache, so a request's vectors never leak into another's.

    >>> from assistant.integrations.encoder import HashingEncoder
    >>> view = KnownVectors(EmbeddingCache(HashingEncoder()), {"q": np.ones(384, dtype=np.float32)})
    >>> float(view.embed(["q"])[0][0])
    1.0
    """

    def __init__(self, cache: SentenceEmbedder, known: Mapping[str, np.ndarray]) -> None:
        self._cache = cache
        self._known = known

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rest = [t for t in dict.fromkeys(texts) if t not in self._known]
        found = dict(zip(rest, self._cache.embed(rest), strict=True)) if rest else {}
        return np.stack([np.asarray(self._known.get(t, found.get(t)), dtype=np.float32) for t in texts])


def encode_each(encoder: TextEncoder, texts: Sequence[str]) -> list[np.ndarray]:
    """Each text encoded on its own (its vector does not depend on the other texts)."""
    return [np.asarray(encoder.encode([t])[0], dtype=np.float32) for t in texts]


@dataclass(frozen=True)
class VectorFileReport:
    """What :func:`update_vector_file` did."""

    texts: int
    encoded: int
    kept: int
    dropped: int
    path: str


@lru_cache(maxsize=4)
def _load_shared(path: Path, stamp: int, encoder_name: str) -> Mapping[str, np.ndarray]:
    """One read of a file version for every cache of the process (the composer's and the checker's)."""
    return load_vector_file(path, encoder_name)


def load_vector_file(path: Path, encoder_name: str) -> dict[str, np.ndarray]:
    """The vectors of ``path`` by text key, or {} when it is missing, unreadable or another encoder's."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["encoder"]) != encoder_name:
                logger.info("answer vectors at %s are %s's, not %s's: ignored", path, data["encoder"], encoder_name)
                return {}
            keys = [str(k) for k in data["keys"]]
            vectors = np.asarray(data["vectors"], dtype=np.float32)
    except FileNotFoundError:
        return {}
    except (OSError, KeyError, ValueError) as exc:
        logger.warning("answer vectors at %s unreadable (%s): ignored", path, type(exc).__name__)
        return {}
    if len(keys) != len(vectors):
        logger.warning("answer vectors at %s malformed: ignored", path)
        return {}
    return dict(zip(keys, vectors, strict=True))


def update_vector_file(
    path: Path, encoder: TextEncoder, texts: Sequence[str], progress: bool = False
) -> VectorFileReport:
    """Bring ``path`` to exactly ``texts``' vectors: encode the new ones (each alone), drop the unused, write
    atomically (mode 0600)."""
    wanted = {text_key(encoder.name, t): t for t in sorted(set(texts))}
    old = load_vector_file(path, encoder.name)
    todo = [t for k, t in wanted.items() if k not in old]
    with one_thread():  # tiny single-text passes: a second thread only waits at barriers (and a server has one)
        encoded = list(_encode_with_progress(encoder, todo, progress))
    new = dict(zip((text_key(encoder.name, t) for t in todo), encoded, strict=True))
    keys = sorted(wanted)
    vectors = np.stack([old[k] if k in old else new[k] for k in keys]) if keys else np.zeros((0, encoder.dimension))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".answer_vectors.", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, encoder=np.array(encoder.name), keys=np.array(keys), vectors=vectors.astype(np.float32))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    kept = sum(k in old for k in wanted)
    return VectorFileReport(len(wanted), len(todo), kept, len(set(old) - set(wanted)), str(path))


def _encode_with_progress(encoder: TextEncoder, texts: list[str], progress: bool) -> Iterator[np.ndarray]:
    if not progress or not texts:
        yield from encode_each(encoder, texts)
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("embedding answer sentences", total=len(texts))
        for text in texts:
            yield encode_each(encoder, [text])[0]
            bar.advance(task)
