"""Vector index behind the :class:`VectorIndex` Protocol: Chroma (embedded or `chroma run` server) and an
in-memory fake. Both pass ``tests/test_vectorstore_conformance.py``."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from assistant.errors import StoreUnavailableError
from assistant.integrations.encoder import TextEncoder

if TYPE_CHECKING:
    from assistant.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexHit:
    id: str
    score: float  # cosine similarity in [-1, 1]
    document: str
    metadata: Mapping[str, Any]


@dataclass(frozen=True)
class IndexSnapshot:
    """Every row of an index at one version: ids, unit vectors (rows) and metadata, for in-memory scoring.

    >>> index = InMemoryVectorIndex()
    >>> index.upsert(["a"], np.ones((1, 2), np.float32), ["x"], [{"kind": "question"}])
    >>> snap = index.snapshot()
    >>> snap.ids, snap.vectors.shape, snap.version == index.version()
    (('a',), (1, 2), True)
    """

    ids: tuple[str, ...]
    vectors: np.ndarray  # (rows, dim) float32, L2-normalised
    metadatas: tuple[Mapping[str, Any], ...]
    version: str


@runtime_checkable
class VectorIndex(Protocol):
    """Stores (id, vector, document, metadata) and returns nearest neighbours by cosine similarity.

    ``version()`` changes whenever ``upsert`` or ``delete`` changes the index (from any process sharing it), so a
    reader holding a ``snapshot()`` in memory knows when to reload it.
    """

    def upsert(
        self,
        ids: Sequence[str],
        vectors: np.ndarray,
        documents: Sequence[str],
        metadatas: Sequence[Mapping[str, Any]],
    ) -> None: ...

    def query(self, vector: np.ndarray, k: int) -> list[IndexHit]: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def all_metadata(self) -> dict[str, Mapping[str, Any]]: ...

    def count(self) -> int: ...

    def version(self) -> str: ...

    def snapshot(self) -> IndexSnapshot: ...


def _check_batch(ids: Sequence[str], vectors: np.ndarray, documents: Sequence[str], metadatas: Sequence[Any]) -> None:
    if not (len(ids) == len(documents) == len(metadatas) == (vectors.shape[0] if vectors.ndim == 2 else -1)):
        raise ValueError("ids, vectors (2-D), documents and metadatas must have the same length")
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate ids in one upsert")


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


class InMemoryVectorIndex:
    """A numpy fake of :class:`VectorIndex` (exact cosine search), for tests and small knowledge bases.

    >>> index = InMemoryVectorIndex()
    >>> index.upsert(["a", "b"], np.eye(2, dtype=np.float32), ["x", "y"], [{"n": 1}, {"n": 2}])
    >>> [(h.id, round(h.score, 2)) for h in index.query(np.array([1.0, 0.0]), 1)]
    [('a', 1.0)]
    """

    def __init__(self) -> None:
        self._rows: dict[str, tuple[np.ndarray, str, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._generation = 0

    def upsert(
        self,
        ids: Sequence[str],
        vectors: np.ndarray,
        documents: Sequence[str],
        metadatas: Sequence[Mapping[str, Any]],
    ) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        _check_batch(ids, vectors, documents, metadatas)
        with self._lock:
            for i, vec, doc, meta in zip(ids, _unit(vectors), documents, metadatas, strict=True):
                self._rows[i] = (vec, doc, _scalar_metadata(meta))
            self._generation += 1

    def query(self, vector: np.ndarray, k: int) -> list[IndexHit]:
        with self._lock:
            if not self._rows or k <= 0:
                return []
            ids = list(self._rows)
            matrix = np.stack([self._rows[i][0] for i in ids])
            scores = matrix @ _unit(np.asarray(vector, dtype=np.float32).reshape(-1))
            order = np.argsort(-scores, kind="stable")[:k]
            return [
                IndexHit(ids[j], float(scores[j]), self._rows[ids[j]][1], dict(self._rows[ids[j]][2])) for j in order
            ]

    def delete(self, ids: Sequence[str]) -> None:
        with self._lock:
            for i in ids:
                self._rows.pop(i, None)
            self._generation += 1

    def all_metadata(self) -> dict[str, Mapping[str, Any]]:
        with self._lock:
            return {i: dict(row[2]) for i, row in self._rows.items()}

    def count(self) -> int:
        return len(self._rows)

    def version(self) -> str:
        return f"{id(self)}:{self._generation}"

    def snapshot(self) -> IndexSnapshot:
        with self._lock:
            ids = tuple(self._rows)
            dim = next(iter(self._rows.values()))[0].shape[0] if ids else 0
            vectors = np.stack([self._rows[i][0] for i in ids]) if ids else np.zeros((0, dim), np.float32)
            metas = tuple(dict(self._rows[i][2]) for i in ids)
            return IndexSnapshot(ids, vectors, metas, f"{id(self)}:{self._generation}")


def _make_embedding_function_class() -> type:
    """Our Chroma embedding function (defined lazily so importing this module does not import chromadb)."""
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import register_embedding_function

    @register_embedding_function
    class AttuneEmbeddingFunction(EmbeddingFunction[Documents]):
        """Wraps Attune's :class:`TextEncoder` so Chroma never falls back to its own (downloading) default."""

        def __init__(self, encoder: TextEncoder | None = None) -> None:
            self._encoder = encoder

        def __call__(self, input: Documents) -> Embeddings:
            if self._encoder is None:
                from assistant.integrations.encoder import shared_encoder

                self._encoder = shared_encoder()
            return [np.asarray(v, dtype=np.float32) for v in self._encoder.encode(list(input))]

        @staticmethod
        def name() -> str:
            return "attune-text-encoder"

        def get_config(self) -> dict[str, Any]:
            return {"encoder": getattr(self._encoder, "name", "all-MiniLM-L6-v2")}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> AttuneEmbeddingFunction:
            return AttuneEmbeddingFunction()

        def default_space(self) -> str:  # type: ignore[override]
            return "cosine"

        def supported_spaces(self) -> list[str]:  # type: ignore[override]
            return ["cosine"]

        def is_legacy(self) -> bool:
            return False

    return AttuneEmbeddingFunction


_ef_class: type | None = None
_ef_lock = threading.Lock()


def attune_embedding_function(encoder: TextEncoder | None) -> Any:
    """An instance of our registered Chroma embedding function wrapping ``encoder``."""
    global _ef_class
    with _ef_lock:
        if _ef_class is None:
            _ef_class = _make_embedding_function_class()
    return _ef_class(encoder)


def _scalar_metadata(meta: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in meta.items():
        if value is None:
            continue  # Chroma metadata values must be str, int, float or bool
        if isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value)
        out[key] = value
    return out


class ChromaVectorIndex:
    """Chroma collection with cosine distance: embedded ``PersistentClient`` at ``settings.chroma_path``, or
    an ``HttpClient`` to a ``chroma run`` server when ``settings.chroma_host`` is set.

    Every ``upsert``/``delete`` stamps a new ``attune_version`` in the collection's metadata, so ``version()``
    tells every process sharing the collection (workers, machines behind one ``chroma run``) that it changed.

    >>> from pathlib import Path
    >>> from assistant.integrations.encoder import HashingEncoder
    >>> from assistant.settings import Settings
    >>> import tempfile
    >>> index = ChromaVectorIndex(Settings(data_dir=Path(tempfile.mkdtemp())), HashingEncoder())
    >>> index.upsert(["a"], HashingEncoder().encode(["lost card"]), ["lost card"], [{"section": "In short"}])
    >>> index.query(HashingEncoder().encode(["lost card"])[0], 1)[0].id
    'a'
    """

    def __init__(self, settings: Settings, encoder: TextEncoder | None = None, collection: str | None = None) -> None:
        self._settings = settings
        self._encoder = encoder
        self._collection_name = collection or settings.chroma_collection
        self._collection: Any = None
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def location(self) -> str:
        s = self._settings
        return f"http://{s.chroma_host}:{s.chroma_port}" if s.chroma_host else str(s.chroma_path)

    def _coll(self) -> Any:
        with self._lock:
            if self._collection is None:
                try:
                    import chromadb
                    from chromadb.config import Settings as ChromaSettings

                    chroma_settings = ChromaSettings(anonymized_telemetry=False)
                    if self._settings.chroma_host:
                        client = chromadb.HttpClient(
                            host=self._settings.chroma_host,
                            port=self._settings.chroma_port,
                            settings=chroma_settings,
                        )
                    else:
                        self._settings.chroma_path.mkdir(parents=True, exist_ok=True)
                        client = chromadb.PersistentClient(
                            path=str(self._settings.chroma_path), settings=chroma_settings
                        )
                    self._client = client
                    self._collection = client.get_or_create_collection(
                        name=self._collection_name,
                        embedding_function=attune_embedding_function(self._encoder),
                        configuration={"hnsw": {"space": "cosine"}},
                    )
                except Exception as exc:
                    raise StoreUnavailableError(f"cannot open Chroma collection at {self.location}: {exc}") from exc
                logger.info("opened Chroma collection %s at %s", self._collection_name, self.location)
            return self._collection

    def upsert(
        self,
        ids: Sequence[str],
        vectors: np.ndarray,
        documents: Sequence[str],
        metadatas: Sequence[Mapping[str, Any]],
    ) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        _check_batch(ids, vectors, documents, metadatas)
        if not ids:
            return
        coll = self._coll()
        try:
            coll.upsert(
                ids=list(ids),
                embeddings=_unit(vectors),
                documents=list(documents),
                metadatas=[_scalar_metadata(m) or None for m in metadatas],
            )
        except Exception as exc:
            raise StoreUnavailableError(f"Chroma upsert failed: {exc}") from exc
        self._stamp()

    def query(self, vector: np.ndarray, k: int) -> list[IndexHit]:
        coll = self._coll()
        try:
            n = coll.count()
            if n == 0 or k <= 0:
                return []
            res = coll.query(
                query_embeddings=_unit(np.asarray(vector, dtype=np.float32).reshape(1, -1)),
                n_results=min(k, n),
                include=["documents", "metadatas", "distances"],
            )
        except Exception as exc:
            raise StoreUnavailableError(f"Chroma query failed: {exc}") from exc
        ids, docs = res["ids"][0], (res.get("documents") or [[]])[0]
        metas, dists = (res.get("metadatas") or [[]])[0], (res.get("distances") or [[]])[0]
        return [
            IndexHit(i, float(1.0 - d), doc or "", dict(m or {}))
            for i, doc, m, d in zip(ids, docs, metas, dists, strict=True)
        ]

    def delete(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        try:
            self._coll().delete(ids=list(ids))
        except Exception as exc:
            raise StoreUnavailableError(f"Chroma delete failed: {exc}") from exc
        self._stamp()

    def _stamp(self) -> None:
        """Record that the collection changed (read back by :meth:`version` in every process)."""
        coll = self._coll()
        try:
            metadata = {k: v for k, v in dict(coll.metadata or {}).items() if not str(k).startswith("hnsw:")}
            coll.modify(metadata={**metadata, "attune_version": uuid.uuid4().hex})
        except Exception as exc:
            raise StoreUnavailableError(f"Chroma metadata update failed: {exc}") from exc

    def version(self) -> str:
        """The collection's change stamp and size, read fresh from the store (not from this process's cache)."""
        self._coll()
        try:
            fresh = self._client.get_collection(name=self._collection_name)
            stamp = str(dict(fresh.metadata or {}).get("attune_version", ""))
            return f"{fresh.id}:{stamp}:{fresh.count()}"
        except Exception as exc:
            raise StoreUnavailableError(f"Chroma version check failed: {exc}") from exc

    def snapshot(self) -> IndexSnapshot:
        """Every row with its stored embedding; the version is read first, so a change during the read shows up
        as a new version at the next check."""
        version = self.version()
        try:
            res = self._coll().get(include=["embeddings", "metadatas"])
        except Exception as exc:
            raise StoreUnavailableError(f"Chroma get failed: {exc}") from exc
        ids = tuple(res["ids"])
        embeddings = res.get("embeddings")
        vectors = np.asarray(embeddings, dtype=np.float32) if ids else np.zeros((0, 0), np.float32)
        metas = tuple(dict(m or {}) for m in (res.get("metadatas") or [None] * len(ids)))
        return IndexSnapshot(ids, _unit(vectors) if ids else vectors, metas, version)

    def all_metadata(self) -> dict[str, Mapping[str, Any]]:
        try:
            res = self._coll().get(include=["metadatas"])
        except Exception as exc:
            raise StoreUnavailableError(f"Chroma get failed: {exc}") from exc
        return {i: dict(m or {}) for i, m in zip(res["ids"], res["metadatas"] or [], strict=True)}

    def count(self) -> int:
        try:
            return int(self._coll().count())
        except Exception as exc:
            raise StoreUnavailableError(f"Chroma count failed: {exc}") from exc


def make_vector_index(settings: Settings, encoder: TextEncoder | None = None) -> VectorIndex:
    """The configured index: Chroma (embedded, or the server at ``settings.chroma_host``)."""
    return ChromaVectorIndex(settings, encoder)
