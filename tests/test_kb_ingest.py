"""Incremental ingest into the real Chroma (embedded) with the real encoder: only changed sections re-embedded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.errors import KnowledgeBaseError
from assistant.integrations.encoder import SentenceTransformerEncoder
from assistant.integrations.vectorstore import ChromaVectorIndex, InMemoryVectorIndex
from assistant.kb.ingest import ingest_kb, kb_documents
from assistant.kb.loader import load_kb
from assistant.settings import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "kb"
pytestmark = pytest.mark.integration


@pytest.fixture
def kb_settings(settings: Settings, tmp_path: Path) -> Settings:
    kb_dir = tmp_path / "kb"
    shutil.copytree(FIXTURE, kb_dir)
    return settings.model_copy(update={"kb_dir": kb_dir})


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_documents_cover_title_sections_glossary_and_questions() -> None:
    kb = load_kb(FIXTURE)
    docs = kb_documents(kb, "enc")
    mine = {d.id: d for d in docs if d.metadata["article_id"] == "card-arrival"}
    assert set(mine) == {
        "card-arrival::title", "card-arrival::short", "card-arrival::details", "card-arrival::technical",
        "card-arrival::glossary", *(f"card-arrival::q{i}" for i in range(5)),
    }  # fmt: skip
    assert "3 to 5 working days" in mine["card-arrival::short"].text
    assert mine["card-arrival::q0"].metadata["kind"] == "question"
    assert mine["card-arrival::short"].metadata["section"] == "In short"
    assert len({d.metadata["hash"] for d in docs}) == len(docs)


def test_ingest_is_incremental_on_chroma(kb_settings: Settings, encoder: SentenceTransformerEncoder) -> None:
    first = ingest_kb(kb_settings, encoder=encoder, progress=False)
    assert first.articles == 6 and first.embedded == first.documents > 50 and first.deleted == 0
    index = ChromaVectorIndex(kb_settings, encoder)
    assert index.count() == first.documents

    again = ingest_kb(kb_settings, encoder=encoder, progress=False)
    assert (again.embedded, again.unchanged, again.deleted) == (0, first.documents, 0)

    before = index.all_metadata()
    article = kb_settings.kb_dir / "articles" / "top-up-limits.md"
    _edit(article, "You can split it into smaller top-ups", "You can split it into two smaller top-ups")
    _edit(article, "Why was my top-up too big?", "Why was my top-up refused for being too large?")
    changed = ingest_kb(kb_settings, encoder=encoder, progress=False)
    # exactly the Details section and one question changed
    assert (changed.embedded, changed.deleted) == (2, 0)
    assert changed.unchanged == first.documents - 2
    assert index.count() == first.documents
    after = index.all_metadata()
    assert {i for i in after if after[i]["hash"] != before[i]["hash"]} == {
        "top-up-limits::details",
        "top-up-limits::q3",
    }


def test_changing_a_fact_reembeds_the_sections_that_use_it(kb_settings: Settings) -> None:
    from assistant.integrations.encoder import HashingEncoder

    enc = HashingEncoder()
    index = InMemoryVectorIndex()
    ingest_kb(kb_settings, encoder=enc, index=index, progress=False)
    _edit(kb_settings.kb_dir / "facts" / "cards.yaml", '"3 to 5 working days"', '"2 to 4 working days"')
    report = ingest_kb(kb_settings, encoder=enc, index=index, progress=False)
    assert report.embedded == 1  # only card-arrival's In short uses card_delivery_days
    assert "2 to 4 working days" in index.query(enc.encode(["2 to 4 working days"])[0], 1)[0].document


def test_deleted_article_is_removed_from_the_index(kb_settings: Settings) -> None:
    from assistant.integrations.encoder import HashingEncoder

    index = InMemoryVectorIndex()
    ingest_kb(kb_settings, encoder=HashingEncoder(), index=index, progress=False)
    (kb_settings.kb_dir / "articles" / "exchange-rate.md").unlink()
    report = ingest_kb(kb_settings, encoder=HashingEncoder(), index=index, progress=False)
    assert report.deleted == 10 and report.embedded == 0
    assert not any(m["article_id"] == "exchange-rate" for m in index.all_metadata().values())


def test_changing_the_encoder_reembeds_everything(kb_settings: Settings) -> None:
    from assistant.integrations.encoder import HashingEncoder

    class OtherEncoder(HashingEncoder):
        name = "other-encoder"

    index = InMemoryVectorIndex()
    first = ingest_kb(kb_settings, encoder=HashingEncoder(), index=index, progress=False)
    assert ingest_kb(kb_settings, encoder=OtherEncoder(), index=index, progress=False).embedded == first.documents


def test_malformed_kb_is_refused(kb_settings: Settings) -> None:
    from assistant.integrations.encoder import HashingEncoder

    _edit(kb_settings.kb_dir / "articles" / "card-arrival.md", "product: cards", "product: nonsense")
    with pytest.raises(KnowledgeBaseError):
        ingest_kb(kb_settings, encoder=HashingEncoder(), index=InMemoryVectorIndex(), progress=False)
