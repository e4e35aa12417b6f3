"""Input formats of the evaluation harness: loaders, validation errors with line numbers, and the shipped
conversations file's coverage of every expectation value."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from assistant.types import DISTRESS_LEVELS, LITERACY_LEVELS, SENTIMENTS, VULNERABILITY_DRIVERS
from eval.formats import EXPECT_KEYS, EvalDataError, detect_format, load_conversations_jsonl
from eval.text_data import load_banking77_csv, load_goemotions_tsv, load_nlupp_json, load_tagged_tsv

SHIPPED = Path(__file__).resolve().parent.parent / "eval" / "data" / "conversations.jsonl"


def test_banking77_csv_reads_rows_and_names_the_bad_line(tmp_path: Path) -> None:
    good = tmp_path / "q.csv"
    good.write_text('text,category\nmy card never came,card_arrival\n"fees, again?",transfer_fee_charged\n')
    rows = load_banking77_csv(good)
    assert [(r.text, r.label) for r in rows] == [
        ("my card never came", "card_arrival"),
        ("fees, again?", "transfer_fee_charged"),
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("text,category\nok,card_arrival\n,card_arrival\n")
    with pytest.raises(EvalDataError, match=r"bad.csv:3: empty"):
        load_banking77_csv(bad)
    header = tmp_path / "header.csv"
    header.write_text("sentence,label\nx,y\n")
    with pytest.raises(EvalDataError, match="missing category, text"):
        load_banking77_csv(header)


def test_goemotions_tsv_maps_ids_through_labels_txt(tmp_path: Path) -> None:
    (tmp_path / "labels.txt").write_text("joy\nsadness\nneutral\n")
    f = tmp_path / "dev.tsv"
    f.write_text("so happy today\t0\tc1\nawful and sad\t1,0\tc2\n")
    rows = load_goemotions_tsv(f)
    assert rows[1].labels == ("sadness", "joy") and rows[0].id == "c1"
    f.write_text("so happy today\t0\tc1\nbroken\t7\tc2\n")
    with pytest.raises(EvalDataError, match=r"dev.tsv:2: label ids '7' not in 0..2"):
        load_goemotions_tsv(f)


def test_nlupp_json_validates_items(tmp_path: Path) -> None:
    f = tmp_path / "fold0.json"
    f.write_text(json.dumps([{"text": "get me a person", "intents": ["handoff"]}, {"text": "hi", "intents": []}]))
    rows = load_nlupp_json(f)
    assert rows[0].labels == ("handoff",) and rows[1].id == "fold0:1"
    f.write_text(json.dumps([{"text": "x", "intents": ["a"], "speaker": "me"}]))
    with pytest.raises(EvalDataError, match="item 0: speaker: Extra inputs are not permitted"):
        load_nlupp_json(f)


def test_conversations_jsonl_errors_name_line_and_field(tmp_path: Path) -> None:
    f = tmp_path / "c.jsonl"
    ok = {"id": "a", "turns": [{"customer": "hello", "expect": {"sentiment": "neutral"}}]}
    lines = [
        json.dumps(ok),
        "",
        json.dumps({"id": "b", "turns": [{"customer": "hi", "expect": {"mood": "sad"}}]}),
    ]
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(EvalDataError, match=r"c.jsonl:3: turns.0.expect.mood: Extra inputs are not permitted"):
        load_conversations_jsonl(f)
    f.write_text(json.dumps({"id": "b", "turns": [{"customer": "hi", "expect": {"intent": "weather"}}]}) + "\n")
    with pytest.raises(EvalDataError, match=r":1: .*unknown intent 'weather'"):
        load_conversations_jsonl(f)
    f.write_text(json.dumps(ok) + "\n{not json\n")
    with pytest.raises(EvalDataError, match=r"c.jsonl:2: invalid JSON"):
        load_conversations_jsonl(f)
    f.write_text(json.dumps(ok) + "\n" + json.dumps(ok) + "\n")
    with pytest.raises(EvalDataError, match=r":2: duplicate id 'a' \(first on line 1\)"):
        load_conversations_jsonl(f)
    f.write_text(json.dumps({"id": "d", "turns": [{"customer": "x", "expect": {"distress": "panic"}}]}) + "\n")
    with pytest.raises(EvalDataError, match=r"turns.0.expect.distress"):
        load_conversations_jsonl(f)


def test_tagged_tsv_reads_tags_and_names_the_bad_line(tmp_path: Path) -> None:
    f = tmp_path / "s.tsv"
    f.write_text("# header\n\nfraud_request\thow to clone a card\n", encoding="utf-8")
    rows = load_tagged_tsv(f)
    assert [(r.id, r.label, r.text) for r in rows] == [("line3", "fraud_request", "how to clone a card")]
    f.write_text("# header\nno tab here\n", encoding="utf-8")
    with pytest.raises(EvalDataError, match=r"s.tsv:2: expected"):
        load_tagged_tsv(f)
    f.write_text("# only a header\n", encoding="utf-8")
    with pytest.raises(EvalDataError, match="no rows"):
        load_tagged_tsv(f)


def test_detect_format_by_suffix(tmp_path: Path) -> None:
    assert detect_format(Path("x.csv")) == "banking77_csv"
    assert detect_format(Path("x.jsonl")) == "conversations_jsonl"
    with pytest.raises(EvalDataError, match="cannot tell the format"):
        detect_format(Path("x.parquet"))


def test_shipped_conversations_cover_every_expectation_value() -> None:
    cases = load_conversations_jsonl(SHIPPED)
    assert len(cases) >= 40
    assert all(1 <= len(c.turns) <= 4 for c in cases)
    seen: dict[str, Counter[str]] = {k: Counter() for k in EXPECT_KEYS}
    for case in cases:
        for turn in case.turns:
            for key, value in turn.expect.present().items():
                values = value if key == "vulnerability" else [value]
                seen[key].update(str(v) for v in values)
    assert set(SENTIMENTS) <= set(seen["sentiment"])
    assert set(DISTRESS_LEVELS) <= set(seen["distress"])
    assert set(VULNERABILITY_DRIVERS) <= set(seen["vulnerability"])
    assert set(LITERACY_LEVELS) <= set(seen["literacy"])
    for key in ("handoff_requested", "escalate", "no_offer"):
        assert {"True", "False"} <= set(seen[key]), key
    assert seen["intent"]["out_of_scope"] >= 3
    assert seen["distress"]["crisis"] >= 4
    assert len(seen["intent"]) >= 30


def test_shipped_conversations_copy_no_dataset_sentence() -> None:
    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "banking77" / "train.csv"
    if not shared.is_file():
        pytest.skip("shared data not present")
    dataset = {r.text.strip().lower() for r in load_banking77_csv(shared)}
    ours = [t.customer.strip().lower() for c in load_conversations_jsonl(SHIPPED) for t in c.turns]
    assert not [t for t in ours if t in dataset]
