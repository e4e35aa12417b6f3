"""Loaders for the labelled inputs the harness accepts, each validated with clear, line-numbered errors.

Formats (documented in ``eval/README.md``):

- ``banking77_csv``: CSV with a header ``text,category`` (BANKING77, Casanueva et al. 2020).
- ``goemotions_tsv``: TSV without header ``text<TAB>label ids (comma-separated)<TAB>comment id``, with
  ``labels.txt`` beside it (GoEmotions, Demszky et al. 2020).
- ``nlupp_json``: a JSON list of ``{"text": ..., "intents": [...], "slots": {...}}``
  (NLU++, Casanueva et al. 2022).
- ``conversations_jsonl``: one conversation per line, ``{"id", "locale", "turns": [{"customer", "expect"}]}``.
- ``tagged_tsv``: ``<tag><TAB><message>`` per line after ``#`` comment lines (``data/scope_screen/*.tsv``).
- ``key_facts_jsonl``: one question per line, ``{"id", "text", "register", "must_contain", "must_contain_text",
  "must_not_contain", "asks", "topic"}`` (``data/blind/key_facts.jsonl``); a ``.jsonl`` file whose first row has
  ``must_contain`` is read as this format, any other ``.jsonl`` as conversations.

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
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import ConfigurationError
from assistant.training.splits import read_tagged
from assistant.types import LiteracyLevel
from eval.records import (
    EXPECT_KEYS,
    KNOWN_INTENTS,
    BlindRow,
    ConversationCase,
    ConversationTurn,
    KeyFactCase,
    LabelledText,
    MultiLabelText,
    TurnExpect,
)

FormatName = Literal[
    "banking77_csv",
    "goemotions_tsv",
    "nlupp_json",
    "conversations_jsonl",
    "literacy_labels",
    "tagged_tsv",
    "key_facts_jsonl",
    "blind_jsonl",
    "pii_jsonl",
    "dialogues_jsonl",
    "sgd_json",
]
FORMATS: tuple[str, ...] = get_args(FormatName)
SUFFIX_FORMATS: dict[str, FormatName] = {
    ".csv": "banking77_csv",
    ".tsv": "goemotions_tsv",
    ".json": "nlupp_json",
    ".jsonl": "conversations_jsonl",
}


class EvalDataError(ConfigurationError):
    """An evaluation input is missing or malformed; the message names the file and line."""

    code = "eval_data_error"


class _NluppRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    intents: list[str] = Field(default_factory=list)
    slots: dict[str, Any] = Field(default_factory=dict)


# ---------------------------------------------------------------------------------------------- helpers


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes (recorded in provenance)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def detect_format(path: Path) -> FormatName:
    """The format a single input file is read as, from its suffix (a ``.jsonl`` whose first row has
    ``must_contain`` is ``key_facts_jsonl``)."""
    fmt = SUFFIX_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        known = ", ".join(f"{s} ({f})" for s, f in SUFFIX_FORMATS.items())
        raise EvalDataError(f"{path}: cannot tell the format from the suffix; use one of {known}")
    if fmt == "conversations_jsonl" and _first_row_has(Path(path), "must_contain"):
        return "key_facts_jsonl"
    if fmt == "conversations_jsonl" and _first_row_has(Path(path), "entities"):
        return "pii_jsonl"
    return fmt


def _first_row_has(path: Path, key: str) -> bool:
    try:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    obj = json.loads(line)
                    return isinstance(obj, dict) and key in obj
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return False
    return False


def _require_file(path: Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise EvalDataError(f"{path}: file not found")
    return path


def _pydantic_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------------- loaders


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


CaseT = TypeVar("CaseT", "ConversationCase", "KeyFactCase")


def _jsonl_objects(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) for each non-blank line of a JSONL file; a bad line is an error naming it."""
    path = _require_file(path)
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield line_no, json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalDataError(f"{path}:{line_no}: invalid JSON: {exc.msg}") from exc


def _jsonl_cases(path: Path, model: type[CaseT], empty: str) -> list[CaseT]:
    """One ``model`` per non-blank line, ids unique; errors name the line and the offending field."""
    cases: list[CaseT] = []
    seen: dict[str, int] = {}
    for line_no, obj in _jsonl_objects(path):
        try:
            case = model.model_validate(obj)
        except ValidationError as exc:
            raise EvalDataError(f"{path}:{line_no}: {_pydantic_message(exc)}") from exc
        if case.id in seen:
            raise EvalDataError(f"{path}:{line_no}: duplicate id {case.id!r} (first on line {seen[case.id]})")
        seen[case.id] = line_no
        cases.append(case)
    if not cases:
        raise EvalDataError(f"{path}: {empty}")
    return cases


def load_conversations_jsonl(path: Path) -> list[ConversationCase]:
    """One :class:`ConversationCase` per non-blank line; errors name the line and the offending field."""
    return _jsonl_cases(path, ConversationCase, "no conversations")


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


def load_key_facts_jsonl(path: Path) -> list[KeyFactCase]:
    """One :class:`KeyFactCase` per non-blank line; errors name the line and the offending field."""
    return _jsonl_cases(path, KeyFactCase, "no questions")


_BLIND_LABELS: dict[str, tuple[type, ...]] = {
    "crisis": (bool,),
    "kind": (str, type(None)),
    "distress": (str,),
    "handoff": (bool,),
    "complaint": (bool,),
    "drivers": (list,),
    "literacy": (str,),
    "category": (str,),
    "voice": (str,),
    "topic": (str,),
    "split": (str,),  # our written dev/train files (data/signals/written_2026_12) use the same loader
    "crisis_kind": (str, type(None)),
    "source": (str,),
    "writer": (str,),  # which helper wrote a row of our written rounds (written_2026_12e on)
}


def load_blind_jsonl(path: Path) -> list[BlindRow]:
    """Rows ``{"text", "context"?: [str], <label fields>}`` of a blind signals set; ids are ``<stem>:<line>``.

    Only the label fields named in the README of ``data/blind`` are accepted (unknown keys are errors)."""
    rows: list[BlindRow] = []
    for n, raw in _jsonl_objects(path):
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"].strip():
            raise EvalDataError(f"{path}:{n}: text: a non-empty string is required")
        context = raw.get("context", [])
        if not isinstance(context, list) or not all(isinstance(c, str) for c in context):
            raise EvalDataError(f"{path}:{n}: context: a list of strings is required")
        labels = {k: v for k, v in raw.items() if k not in ("text", "context")}
        if "crisis_kind" in labels:  # the written files' name for the blind sets' `kind`
            labels.setdefault("kind", labels["crisis_kind"])
        if "crisis" not in labels and "distress" in labels:
            labels["crisis"] = labels["distress"] == "crisis"
        for key, value in labels.items():
            allowed = _BLIND_LABELS.get(key)
            if allowed is None:
                raise EvalDataError(f"{path}:{n}: {key}: unknown field")
            if not isinstance(value, allowed):
                raise EvalDataError(f"{path}:{n}: {key}: wrong type {type(value).__name__}")
        rows.append(BlindRow(id=f"{path.stem}:{n}", text=raw["text"], context=tuple(context), labels=labels))
    if not rows:
        raise EvalDataError(f"{path}: no rows")
    return rows


def load_any(path: Path, fmt: FormatName) -> list[Any]:
    """Load ``path`` as ``fmt`` (dispatch used by the runner; ``literacy_labels`` needs its texts file)."""
    if fmt == "banking77_csv":
        return list(load_banking77_csv(path))
    if fmt == "goemotions_tsv":
        return list(load_goemotions_tsv(path))
    if fmt == "nlupp_json":
        return list(load_nlupp_json(path))
    if fmt == "conversations_jsonl":
        return list(load_conversations_jsonl(path))
    if fmt == "tagged_tsv":
        return list(load_tagged_tsv(path))
    if fmt == "key_facts_jsonl":
        return list(load_key_facts_jsonl(path))
    if fmt == "blind_jsonl":
        return list(load_blind_jsonl(path))
    if fmt == "pii_jsonl":
        from eval.pii_data import load_pii_jsonl

        return list(load_pii_jsonl(path))
    if fmt in ("dialogues_jsonl", "sgd_json"):
        from eval.dialogue_data import load_dialogues_jsonl, load_sgd_json

        return list(load_dialogues_jsonl(path) if fmt == "dialogues_jsonl" else load_sgd_json(path))
    if fmt == "literacy_labels":
        raise EvalDataError("literacy_labels needs the FiQA texts: call load_literacy_labels(path, texts_path)")
    raise EvalDataError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


__all__ = [  # the records are defined in eval.records; imported from here as before
    "EXPECT_KEYS",
    "FORMATS",
    "KNOWN_INTENTS",
    "SUFFIX_FORMATS",
    "BlindRow",
    "ConversationCase",
    "ConversationTurn",
    "EvalDataError",
    "FormatName",
    "KeyFactCase",
    "LabelledText",
    "MultiLabelText",
    "TurnExpect",
    "detect_format",
    "load_any",
    "load_banking77_csv",
    "load_blind_jsonl",
    "load_conversations_jsonl",
    "load_goemotions_tsv",
    "load_key_facts_jsonl",
    "load_literacy_labels",
    "load_nlupp_json",
    "load_tagged_tsv",
    "read_labels_file",
    "sha256_file",
]
