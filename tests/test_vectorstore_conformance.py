"""One conformance suite for every VectorIndex: in-memory fake, embedded Chroma, and a real `chroma run` server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from assistant.errors import StoreUnavailableError
from assistant.integrations.encoder import HashingEncoder
from assistant.integrations.vectorstore import (
    ChromaVectorIndex,
    InMemoryVectorIndex,
    VectorIndex,
    make_vector_index,
)
from assistant.settings import Settings

ENC = HashingEncoder(dimension=384)
DOCS = {
    "card::short": "Your card arrives in a few working days after dispatch.",
    "card::q0": "Where is my new card?",
    "fx::short": "We use the interbank exchange rate for currency exchange.",
    "topup::short": "You can top up by bank transfer or with a debit card.",
}


def _chroma_binary() -> str | None:
    candidate = Path(sys.executable).parent / "chroma"
    return str(candidate) if candidate.exists() else shutil.which("chroma")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A `chroma run` server on a free loopback port, stopped after the module."""
    binary = _chroma_binary()
    if binary is None:
        pytest.skip("the `chroma` CLI is not installed in this environment (pip install chromadb provides it)")
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = (path / "server.log").open("w")
    proc = subprocess.Popen(
        [binary, "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 180  # generous: a loaded or one-core CI machine starts it slowly
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError(f"chroma run did not start: {(path / 'server.log').read_text()[-2000:]}")
            time.sleep(0.3)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


IndexFactory = Callable[[str], VectorIndex]


@pytest.fixture(params=["memory", "chroma-embedded", "chroma-server"])
def make_index(request: pytest.FixtureRequest, tmp_path: Path) -> IndexFactory:
    """A factory of empty indexes of one kind; calling it twice with the same name reopens the same store."""
    kind = request.param
    if kind == "memory":
        stores: dict[str, InMemoryVectorIndex] = {}
        return lambda name: stores.setdefault(name, InMemoryVectorIndex())
    if kind == "chroma-embedded":
        settings = Settings(data_dir=tmp_path / "attune")
        return lambda name: ChromaVectorIndex(settings, ENC, collection=name)
    host, port = request.getfixturevalue("chroma_server")
    settings = Settings(data_dir=tmp_path / "attune", chroma_host=host, chroma_port=port)
    prefix = f"t{abs(hash(request.node.name)) % 10**8}"
    return lambda name: ChromaVectorIndex(settings, ENC, collection=f"{prefix}-{name}")


def _fill(index: VectorIndex) -> None:
    ids = list(DOCS)
    metas = [
        {"article_id": i.split("::")[0], "kind": "question" if "q" in i.split("::")[1] else "section"} for i in ids
    ]
    index.upsert(ids, ENC.encode([DOCS[i] for i in ids]), [DOCS[i] for i in ids], metas)


pytestmark = pytest.mark.integration


def test_is_a_vector_index(make_index: IndexFactory) -> None:
    assert isinstance(make_index("kb-main"), VectorIndex)


def test_empty_index_counts_zero_and_returns_nothing(make_index: IndexFactory) -> None:
    index = make_index("kb-main")
    assert index.count() == 0
    assert index.query(ENC.encode(["anything"])[0], 3) == []
    assert index.all_metadata() == {}


def test_upsert_then_query_ranks_by_cosine(make_index: IndexFactory) -> None:
    index = make_index("kb-main")
    _fill(index)
    assert index.count() == len(DOCS)
    hits = index.query(ENC.encode([DOCS["fx::short"]])[0], 2)
    assert [h.id for h in hits][0] == "fx::short"
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert hits[0].score >= hits[1].score
    assert hits[0].document == DOCS["fx::short"]
    assert hits[0].metadata["article_id"] == "fx"


def test_scores_are_cosine_similarities(make_index: IndexFactory) -> None:
    index = make_index("kb-main")
    _fill(index)
    query = ENC.encode(["where is my card"])[0]
    expected = {i: float(ENC.encode([t])[0] @ query) for i, t in DOCS.items()}
    for hit in index.query(query, len(DOCS)):
        assert hit.score == pytest.approx(expected[hit.id], abs=1e-4)


def test_k_larger_than_count_returns_everything(make_index: IndexFactory) -> None:
    index = make_index("kb-main")
    _fill(index)
    assert len(index.query(ENC.encode(["card"])[0], 50)) == len(DOCS)


def test_upsert_replaces_document_and_metadata(make_index: IndexFactory) -> None:
    index = make_index("kb-main")
    _fill(index)
    new = "Cards are posted the next working day."
    index.upsert(["card::short"], ENC.encode([new]), [new], [{"article_id": "card", "hash": "v2"}])
    assert index.count() == len(DOCS)
    assert index.all_metadata()["card::short"]["hash"] == "v2"
    assert index.query(ENC.encode([new])[0], 1)[0].document == new


def test_delete_removes_only_given_ids(make_index: IndexFactory) -> None:
    index = make_index("kb-main")
    _fill(index)
    index.delete(["card::q0", "topup::short"])
    assert set(index.all_metadata()) == {"card::short", "fx::short"}
    index.delete([])
    assert index.count() == 2


def test_metadata_types_round_trip(make_index: IndexFactory) -> None:
    index = make_index("kb-main")
    meta = {"article_id": "a", "sensitive": True, "n": 3, "w": 0.5, "intents": ("card_arrival", "card_linking")}
    index.upsert(["a::t"], ENC.encode(["x"]), ["x"], [meta])
    stored = index.all_metadata()["a::t"]
    assert stored["sensitive"] is True and stored["n"] == 3 and stored["w"] == pytest.approx(0.5)
    assert stored["intents"] == "card_arrival,card_linking"  # sequences are stored comma-joined


def test_mismatched_batch_is_rejected(make_index: IndexFactory) -> None:
    index = make_index("kb-main")
    with pytest.raises(ValueError):
        index.upsert(["a", "b"], ENC.encode(["x"]), ["x", "y"], [{}, {}])
    with pytest.raises(ValueError):
        index.upsert(["a", "a"], ENC.encode(["x", "y"]), ["x", "y"], [{}, {}])


def test_reopening_sees_the_same_data(make_index: IndexFactory) -> None:
    _fill(make_index("kb-main"))
    again = make_index("kb-main")
    assert again.count() == len(DOCS)
    assert again.query(ENC.encode([DOCS["card::q0"]])[0], 1)[0].id == "card::q0"


def test_collections_are_isolated(make_index: IndexFactory) -> None:
    _fill(make_index("kb-main"))
    assert make_index("kb-other").count() == 0


def test_chroma_uses_our_embedding_function(tmp_path: Path) -> None:
    index = ChromaVectorIndex(Settings(data_dir=tmp_path / "attune"), ENC)
    index.upsert(["a"], ENC.encode(["lost card"]), ["lost card"], [{"k": 1}])
    collection = index._coll()
    assert collection._embedding_function.name() == "attune-text-encoder"
    # documents added without vectors are embedded by our encoder, never Chroma's downloading default
    collection.add(ids=["b"], documents=["exchange rate"])
    stored = collection.get(ids=["b"], include=["embeddings"])["embeddings"][0]
    assert np.allclose(stored, ENC.encode(["exchange rate"])[0], atol=1e-5)


def test_factory_builds_chroma(tmp_path: Path) -> None:
    assert isinstance(make_vector_index(Settings(data_dir=tmp_path / "attune"), ENC), ChromaVectorIndex)


def test_unreachable_server_raises_store_unavailable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "attune", chroma_host="127.0.0.1", chroma_port=_free_port())
    with pytest.raises(StoreUnavailableError):
        ChromaVectorIndex(settings, ENC).count()


def test_in_memory_index_normalises_vectors() -> None:
    index = InMemoryVectorIndex()
    index.upsert(["a"], np.array([[3.0, 4.0]], dtype=np.float32), ["d"], [{}])
    assert index.query(np.array([6.0, 8.0]), 1)[0].score == pytest.approx(1.0)
