"""Loaders of the labelled-text sets the harness reads: public corpora (BANKING77 CSV, GoEmotions TSV, NLU++ JSON),
our tagged TSV files and our literacy labels joined with the texts they point at. Each returns
:class:`~eval.records.LabelledText` or :class:`~eval.records.MultiLabelText` rows and fails with a line-numbered
:class:`~eval.formats.EvalDataError`; :func:`eval.formats.load_any` dispatches to them by format.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "q.csv"
>>> _ = p.write_text("text,category\\nwhere is my card,card_arrival\\n")
>>> load_banking77_csv(p)[0].label
'card_arrival'
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import ConfigurationError
from assistant.training.splits import read_tagged
from assistant.types import LiteracyLevel
from eval.formats import EvalDataError, _pydantic_message, _require_file
from eval.records import LabelledText, MultiLabelText


class _NluppRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    intents: list[str] = Field(default_factory=list)
    slots: dict[str, Any] = Field(default_factory=dict)


def load_banking77_csv(path: Path) -> list[LabelledText]:
    """Rows of a CSV with columns ``text`` and ``category``; ids are ``line<N>`` (1-based file line)."""
    path = _require_file(path)
    rows: list[LabelledText] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"text", "category"} - set(reader.fieldnames or ())
        if missing:
            raise EvalDataError(f"{path}:1: header must contain text,category (missing {', '.join(sorted(missing))})")
        for row in reader:
            line = reader.line_num
            text, label = (row.get("text") or "").strip(), (row.get("category") or "").strip()
            if not text or not label:
                raise EvalDataError(f"{path}:{line}: empty text or category")
            rows.append(LabelledText(id=f"line{line}", text=text, label=label))
    if not rows:
        raise EvalDataError(f"{path}: no rows")
    return rows


def read_labels_file(path: Path) -> list[str]:
    """``labels.txt``: one label name per line; a line's 0-based index is its id."""
    path = _require_file(path)
    labels = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    if not labels:
        raise EvalDataError(f"{path}: no labels")
    return labels


def load_goemotions_tsv(path: Path, labels_path: Path | None = None) -> list[MultiLabelText]:
    """GoEmotions TSV rows with label ids mapped to names through ``labels.txt`` beside the file."""
    path = _require_file(path)
    names = read_labels_file(labels_path or path.parent / "labels.txt")
    rows: list[MultiLabelText] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line_no, raw in enumerate(fh, start=1):
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 3:
                raise EvalDataError(f"{path}:{line_no}: expected 3 tab-separated fields, got {len(parts)}")
            text, ids, cid = parts
            try:
                label_ids = [int(x) for x in ids.split(",") if x.strip()]
            except ValueError as exc:
                raise EvalDataError(f"{path}:{line_no}: label ids must be integers: {ids!r}") from exc
            bad = [i for i in label_ids if not 0 <= i < len(names)]
            if bad or not label_ids:
                raise EvalDataError(f"{path}:{line_no}: label ids {ids!r} not in 0..{len(names) - 1}")
            rows.append(
                MultiLabelText(id=cid or f"line{line_no}", text=text, labels=tuple(names[i] for i in label_ids))
            )
    if not rows:
        raise EvalDataError(f"{path}: no rows")
    return rows


def load_nlupp_json(path: Path) -> list[MultiLabelText]:
    """An NLU++ fold: a JSON list of ``{text, intents[], slots{}}``; ids are ``<file stem>:<index>``."""
    path = _require_file(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise EvalDataError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    if not isinstance(data, list):
        raise EvalDataError(f"{path}: expected a JSON list of {{text, intents}} objects")
    rows: list[MultiLabelText] = []
    for i, item in enumerate(data):
        try:
            row = _NluppRow.model_validate(item)
        except ValidationError as exc:
            raise EvalDataError(f"{path}: item {i}: {_pydantic_message(exc)}") from exc
        rows.append(MultiLabelText(id=f"{path.stem}:{i}", text=row.text, labels=tuple(row.intents)))
    if not rows:
        raise EvalDataError(f"{path}: no items")
    return rows


class _LiteracyLabel(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(pattern=r"^(fiqa:\d+|banking77:train:\d+)$")
    label: LiteracyLevel
    split: str = "train"
    text_sha1: str | None = None


def _fiqa_questions(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {f"fiqa:{row['qid']}": row["question"] for row in csv.DictReader(fh, delimiter="\t")}


def _banking77_rows(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {f"banking77:train:{i}": row["text"] for i, row in enumerate(csv.DictReader(fh))}


def load_literacy_labels(path: Path, data_root: Path, split: str | None = "dev") -> list[LabelledText]:
    """Our literacy labels (``data/literacy/labels.jsonl``: ``{"id", "label", "split", "text_sha1"}``) joined
    with the texts they point at (``fiqa:<qid>`` in FiQA questions, ``banking77:train:<row>`` in BANKING77
    train, both under ``data_root``); only rows of ``split`` (all if None).

    A row whose ``text_sha1`` (first 12 hex digits of sha1) no longer matches its text is an error.
    """
    path = _require_file(path)
    sources: dict[str, str] = {}
    fiqa = data_root / "fiqa_questions" / "FiQA_train_question_final.tsv"
    b77 = data_root / "banking77" / "train.csv"
    rows: list[LabelledText] = []
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                item = _LiteracyLabel.model_validate_json(line)
            except ValidationError as exc:
                raise EvalDataError(f"{path}:{line_no}: {_pydantic_message(exc)}") from exc
            if split is not None and item.split != split:
                continue
            if item.id.startswith("fiqa:") and not any(k.startswith("fiqa:") for k in sources):
                sources.update(_fiqa_questions(_require_file(fiqa)))
            if item.id.startswith("banking77:") and not any(k.startswith("banking77:") for k in sources):
                sources.update(_banking77_rows(_require_file(b77)))
            text = sources.get(item.id)
            if text is None:
                raise EvalDataError(f"{path}:{line_no}: {item.id} not found under {data_root}")
            if item.text_sha1 and hashlib.sha1(text.encode("utf-8")).hexdigest()[:12] != item.text_sha1:
                raise EvalDataError(f"{path}:{line_no}: text_sha1 of {item.id} does not match its source text")
            rows.append(LabelledText(id=item.id, text=text, label=item.label))
    if not rows:
        raise EvalDataError(f"{path}: no rows with split {split!r}")
    return rows


def load_tagged_tsv(path: Path) -> list[LabelledText]:
    """``<tag><TAB><message>`` lines (``#`` lines and blank lines skipped); ids are ``line<N>``; label = tag."""
    path = _require_file(path)
    try:
        tagged = read_tagged(path, lambda tag: bool(tag.strip()))
    except ConfigurationError as exc:
        raise EvalDataError(str(exc)) from exc
    rows = [LabelledText(id=f"line{n}", text=text, label=tag.strip()) for n, tag, text in tagged]
    if not rows:
        raise EvalDataError(f"{path}: no rows")
    return rows
