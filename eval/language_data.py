"""The language set format (``data/language/dev.jsonl``, ``data/blind/language.jsonl``): one message a line,
``{"id", "text", "label": "other"|"english", "language", "content": "everyday"|"urgent"|"crisis", "note"}``.
``other`` means the message is mainly written in a language other than English; see ``data/language/README.md``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eval.formats import EvalDataError, _jsonl_objects

LABELS = ("other", "english")
CONTENTS = ("everyday", "urgent", "crisis")


@dataclass(frozen=True)
class LanguageRow:
    """One labelled message of a language set."""

    id: str
    text: str
    label: str
    language: str
    content: str


def load_language_jsonl(path: Path) -> list[LanguageRow]:
    """Rows of a language set; an unknown label or content, or an empty text, is an error naming the line."""
    rows: list[LanguageRow] = []
    for n, raw in _jsonl_objects(path):
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"].strip():
            raise EvalDataError(f"{path}:{n}: text: a non-empty string is required")
        if raw.get("label") not in LABELS:
            raise EvalDataError(f"{path}:{n}: label: one of {', '.join(LABELS)} is required")
        content = raw.get("content", "everyday")
        if content not in CONTENTS:
            raise EvalDataError(f"{path}:{n}: content: one of {', '.join(CONTENTS)} is required")
        row_id = str(raw.get("id") or f"{path.stem}:{n}")
        rows.append(LanguageRow(row_id, raw["text"], raw["label"], str(raw.get("language", "")), content))
    if not rows:
        raise EvalDataError(f"{path}: no rows")
    return rows
