"""The PII set format (``data/pii/dev.jsonl``, ``data/blind/pii.jsonl``) and what "caught" means.

One JSON object a line: ``{"id", "text", "voice": "uk"|"us", "entities": [{"type", "value"}]}``; each ``value`` is
an exact substring of ``text``; ``type`` is one of :data:`PII_TYPES` (an ADDRESS value includes its postcode, a
lone postcode is POSTCODE); a row with no entities is PII-free.

**Caught.** The redactor only replaces spans with placeholders (``<NAME>``, ``<CARD_NUMBER>``, ...), so the
redacted text aligns with the original: its literal pieces are kept characters and each placeholder stands for a
replaced span. An entity is *caught* when no letter or digit of its value (any occurrence of it) is a kept
character; spaces and punctuation inside the value (the dashes of ``12-34-56``) do not count. Where the two texts
do not align, a value is caught when none of its letter/digit runs appears in the redacted text.

>>> kept_mask("call Ann now", "call <NAME> now")[5:8]
[False, False, False]
>>> caught("Ann Lee", "hi Ann Lee", "hi <NAME>"), caught("12-34-56", "sc 12-34-56", "sc <SORT_CODE>-56")
(True, False)
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from eval.formats import EvalDataError, _jsonl_objects

PII_TYPES = (
    "CARD",
    "ACCOUNT",
    "SORT_CODE",
    "IBAN",
    "NI",
    "SSN",
    "ROUTING",
    "PASSWORD",
    "DOB",
    "ADDRESS",
    "POSTCODE",
    "NAME",
    "EMAIL",
    "PHONE",
)
_PLACEHOLDER = re.compile(r"<[A-Z_]+>")


@dataclass(frozen=True)
class PiiRow:
    """One message of a PII set with its labelled entities ``((type, value), ...)``."""

    id: str
    text: str
    voice: str
    entities: tuple[tuple[str, str], ...]


def load_pii_jsonl(path: Path) -> list[PiiRow]:
    """Rows of a PII set; a value that is not a substring of its text, or an unknown type, is an error."""
    rows: list[PiiRow] = []
    for n, raw in _jsonl_objects(path):
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"].strip():
            raise EvalDataError(f"{path}:{n}: text: a non-empty string is required")
        entities = raw.get("entities")
        if not isinstance(entities, list):
            raise EvalDataError(f"{path}:{n}: entities: a list is required")
        pairs: list[tuple[str, str]] = []
        for e in entities:
            if not isinstance(e, dict) or e.get("type") not in PII_TYPES or not isinstance(e.get("value"), str):
                raise EvalDataError(f"{path}:{n}: entities: each needs a type in {', '.join(PII_TYPES)} and a value")
            if e["value"] not in raw["text"]:
                raise EvalDataError(f"{path}:{n}: entity value is not a substring of the text ({e['type']})")
            pairs.append((e["type"], e["value"]))
        voice = raw.get("voice", "")
        rows.append(PiiRow(str(raw.get("id") or f"{path.stem}:{n}"), raw["text"], str(voice), tuple(pairs)))
    if not rows:
        raise EvalDataError(f"{path}: no rows")
    return rows


def kept_mask(original: str, redacted: str) -> list[bool] | None:
    """For each character of ``original``: whether it is still in ``redacted``; ``None`` if they do not align."""
    pieces = _PLACEHOLDER.split(redacted)
    pattern = "(.+?)".join(re.escape(p) for p in pieces)
    m = re.fullmatch(pattern, original, flags=re.DOTALL)
    if m is None:
        return None
    mask = [True] * len(original)
    for g in range(1, (m.lastindex or 0) + 1):
        for i in range(m.start(g), m.end(g)):
            mask[i] = False
    return mask


def caught(value: str, original: str, redacted: str) -> bool:
    """Whether no letter or digit of ``value`` survives in ``redacted`` (see the module docstring)."""
    mask = kept_mask(original, redacted)
    starts = [m.start() for m in re.finditer(re.escape(value), original)]
    if mask is not None and starts:
        return not any(mask[s + i] for s in starts for i, ch in enumerate(value) if ch.isalnum() and s + i < len(mask))
    runs = [r for r in re.findall(r"[^\W_]+", value) if len(r) > 1 or r.isdigit()]
    low = redacted.lower()
    return not any(re.search(rf"(?<![^\W_]){re.escape(r.lower())}(?![^\W_])", low) for r in runs)


def normalise(text: str) -> str:
    """The text as the redactor sees it (NFC, printable characters, stripped), for aligning with its output."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text) if ch in "\n\t" or ch.isprintable()).strip()


def changed_chars(original: str, redacted: str) -> int:
    """How many characters of ``original`` the redaction removed (0 when nothing was redacted)."""
    mask = kept_mask(original, redacted)
    if mask is not None:
        return mask.count(False)
    matcher = difflib.SequenceMatcher(None, original, redacted, autojunk=False)
    return len(original) - sum(b.size for b in matcher.get_matching_blocks())
