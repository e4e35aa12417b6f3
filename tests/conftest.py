"""Shared fixtures. Nothing here mocks Attune's own code; the network is blocked except loopback."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

from assistant.dialogue.config import DialogueThresholds
from assistant.integrations.encoder import SentenceTransformerEncoder, shared_encoder
from assistant.settings import Settings, get_settings
from assistant.stages.dialogue import DialogueTracker

if TYPE_CHECKING:
    from collections.abc import Callable

    from assistant.pipeline import Pipeline
    from assistant.stages.classify import SignalClassifier
    from assistant.stages.encode import MessageEncoder
    from assistant.types import Signals

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address: Any) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _is_local(address):
        raise OSError(f"tests may not reach the network (tried {address!r})")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _is_local(address):
        raise OSError(f"tests may not reach the network (tried {address!r})")
    return _real_connect_ex(self, address)


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def tracker() -> DialogueTracker:
    """One warmed dialogue tracker (it keeps no per-call state), shared by the dialogue tests."""
    t = DialogueTracker(Settings())
    t.warm_up()
    return t


@pytest.fixture(scope="session")
def thresholds(tracker: DialogueTracker) -> DialogueThresholds:
    """The shipped dialogue thresholds (``prompts/dialogue.yaml``), for the topic-rule tests."""
    return tracker.config.thresholds


@pytest.fixture(scope="session")
def encoder() -> SentenceTransformerEncoder:
    """The real all-MiniLM-L6-v2, loaded once per test session."""
    return shared_encoder()


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    """Settings with a fresh data dir (SQLite file and embedded Chroma under tmp_path)."""
    s = Settings(environment="test", data_dir=tmp_path / "attune")
    yield s
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def fixture_kb_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Test settings over the fixture knowledge base (``tests/fixtures/kb``), its index ingested once per session
    into a data dir of their own. Shared by the modules that only read it: nothing may write there."""
    from assistant.answers.focus import update_answer_vectors
    from assistant.kb.ingest import ingest_kb

    s = Settings(environment="test", data_dir=tmp_path_factory.mktemp("fixture_kb"), kb_dir=FIXTURE_KB)
    ingest_kb(s, progress=False)
    update_answer_vectors(s.kb_dir, s.data_dir)  # as `attune ingest` does
    return s


@pytest.fixture(scope="session")
def pipeline(fixture_kb_settings: Settings) -> Pipeline:
    """One warm pipeline over the fixture knowledge base (it keeps no per-call state and touches no storage, so
    the modules that run turns through it share it). A module that needs other settings defines its own
    ``pipeline`` fixture, which takes precedence over this one."""
    from assistant.pipeline import Pipeline

    p = Pipeline.from_settings(fixture_kb_settings)
    p.warm_up()
    return p


@pytest.fixture(scope="session")
def real_kb_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose index holds the real knowledge base (``knowledge_base/``), ingested once per session. Shared
    by the modules that only read it (through pipelines, which touch no storage; a retriever; the eval harness, which
    runs on a copy): nothing may write there. Skips where no routing head is trained (the real pipeline routes
    with it)."""
    from assistant.kb.ingest import ingest_kb
    from assistant.kb.routing import HEAD_FILE

    if not (Settings().artifacts_dir / HEAD_FILE).is_file():
        pytest.skip("no trained routing head")
    path = Path(tmp_path_factory.mktemp("real_kb"))
    # the index only: the answer sentence vectors `attune ingest` adds (7 000 single-text passes, minutes on two
    # cores) give the same replies (tests/test_answer_vectors.py checks that on the fixture knowledge base)
    ingest_kb(Settings(environment="test", data_dir=path), progress=False)
    return path


@pytest.fixture(scope="session")
def real_kb_pipeline(real_kb_data_dir: Path) -> Pipeline:
    """One warm pipeline over the real knowledge base (see ``real_kb_data_dir``), shared like ``pipeline``."""
    from assistant.pipeline import Pipeline

    p = Pipeline.from_settings(Settings(environment="test", data_dir=real_kb_data_dir))
    p.warm_up()
    return p


@pytest.fixture(scope="session")
def classifier() -> SignalClassifier:
    """One warm signal classifier with the shipped heads (it keeps no per-call state), shared by the signal tests;
    a module that needs other settings defines its own ``classifier`` fixture."""
    from assistant.stages.classify import SignalClassifier

    clf = SignalClassifier(Settings())
    clf.warm_up()
    return clf


@pytest.fixture(scope="session")
def message_encoder() -> MessageEncoder:
    """The warm encode stage with the shipped adapters, so the crisis and service views take part as in a
    conversation (a module that needs other settings defines its own ``message_encoder``)."""
    from assistant.stages.encode import MessageEncoder

    enc = MessageEncoder(Settings())
    enc.warm_up()
    return enc


@pytest.fixture(scope="session")
def read_signals(classifier: SignalClassifier, message_encoder: MessageEncoder) -> Callable[[str], Signals]:
    """One message through the encode and classify stages (no history), the service view included."""
    from assistant.types import Redacted

    def read(text: str) -> Signals:
        encoded = message_encoder.run(redacted=Redacted(text))
        assert encoded.service_vector is not None
        return classifier.run(encoded=encoded)

    return read
