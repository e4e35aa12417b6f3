"""Texts of written and blind rows, for the tests that check a view never trains on dev or blind rows."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from assistant.settings import PROJECT_ROOT


def _texts(paths: Iterable[Path], split: str | None = None) -> set[str]:
    rows = (
        json.loads(line) for path in paths for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    )
    return {r["text"] for r in rows if "text" in r and (split is None or r.get("split") == split)}


def dev_texts(folders: Iterable[Path]) -> set[str]:
    """Texts of every ``dev`` row in the ``*.jsonl`` files of ``folders``."""
    return _texts((p for folder in folders for p in folder.glob("*.jsonl")), "dev")


def blind_texts() -> set[str]:
    """Texts of every row of the frozen blind sets."""
    return _texts((PROJECT_ROOT / "data" / "blind").glob("*.jsonl"))
