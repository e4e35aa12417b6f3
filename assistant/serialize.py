"""JSON-ready views of the typed hand-offs (for the store, the CLI's --json and the HTTP API)."""

from __future__ import annotations

import dataclasses
from typing import Any

from assistant.types import Signals


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, tuples and dicts to plain JSON types; floats rounded to 4 places.

    >>> from assistant.types import Escalation
    >>> to_jsonable(Escalation(escalate=True, reasons=("asked",)))["reasons"]
    ['asked']
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.repr}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, 4)
    if hasattr(obj, "item"):  # numpy scalar
        return to_jsonable(obj.item())
    return obj


def signals_from_dict(data: dict[str, Any]) -> Signals:
    """Rebuild :class:`Signals` stored by :func:`to_jsonable` (tuples restored)."""
    fields = {f.name for f in dataclasses.fields(Signals)}
    values = {k: v for k, v in data.items() if k in fields}
    values["vulnerability"] = tuple(values.get("vulnerability", ()))
    values["cues"] = {k: tuple(v) for k, v in values.get("cues", {}).items()}
    return Signals(**values)
