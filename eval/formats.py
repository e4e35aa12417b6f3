"""The input formats the harness accepts and their loaders, each validated with clear, line-numbered errors.

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

This module names the formats, tells a file's format from its suffix (:func:`detect_format`) and loads any of
them (:func:`load_any`); it holds the JSONL loaders of our own sets (conversations, key facts, blind signals rows)
and the checks every loader shares. The labelled-text loaders (BANKING77, GoEmotions, NLU++, tagged TSV, literacy
labels) are in :mod:`eval.text_data`, the PII set's in :mod:`eval.pii_data`, the dialogues' in
:mod:`eval.dialogue_data`.

>>> detect_format(Path("q.csv"))
'banking77_csv'
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

from pydantic import ValidationError

from assistant.errors import ConfigurationError
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
    "language_jsonl",
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
    ``must_contain`` is ``key_facts_jsonl``, ``entities`` ``pii_jsonl``, ``label`` and ``language``
    ``language_jsonl``)."""
    fmt = SUFFIX_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        known = ", ".join(f"{s} ({f})" for s, f in SUFFIX_FORMATS.items())
        raise EvalDataError(f"{path}: cannot tell the format from the suffix; use one of {known}")
    if fmt == "conversations_jsonl" and _first_row_has(Path(path), "must_contain"):
        return "key_facts_jsonl"
    if fmt == "conversations_jsonl" and _first_row_has(Path(path), "entities"):
        return "pii_jsonl"
    if fmt == "conversations_jsonl" and _first_row_has(Path(path), "label") and _first_row_has(Path(path), "language"):
        return "language_jsonl"
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
    from eval.text_data import load_banking77_csv, load_goemotions_tsv, load_nlupp_json, load_tagged_tsv

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
    if fmt == "language_jsonl":
        from eval.language_data import load_language_jsonl

        return list(load_language_jsonl(path))
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
    "load_blind_jsonl",
    "load_conversations_jsonl",
    "load_key_facts_jsonl",
    "sha256_file",
]
