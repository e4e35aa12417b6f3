"""JSON-ready views of the typed hand-offs (for the store, the CLI's --json and the HTTP API)."""

from __future__ import annotations

import dataclasses
from typing import Any

from assistant.types import Signals

# Types returned as they are (exact types only: a subclass such as a StrEnum takes the general path, as it always did).
_PLAIN: frozenset[type] = frozenset({str, int, bool, type(None)})
# The repr'd field names of each dataclass met so far: ``dataclasses.fields`` rebuilt this tuple on every call.
_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls) if f.repr)
        _FIELDS[cls] = names
    return names


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, tuples and dicts to plain JSON types; floats rounded to 4 places.

    >>> from assistant.types import Escalation
    >>> to_jsonable(Escalation(escalate=True, reasons=("asked",)))["reasons"]
    ['asked']
    """
    kind = type(obj)
    if kind in _PLAIN:
        return obj
    if kind is float:
        return round(obj, 4)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclass_jsonable(obj)
    if isinstance(obj, dict):
        return {str(k): v if type(v) in _PLAIN else to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [v if type(v) in _PLAIN else to_jsonable(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, 4)
    if hasattr(obj, "item"):  # numpy scalar
        return to_jsonable(obj.item())
    return obj


def dataclass_jsonable(obj: Any, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """:func:`to_jsonable` of a dataclass instance without the fields named in ``skip`` (never serialised).

    >>> from assistant.types import Escalation
    >>> sorted(dataclass_jsonable(Escalation(escalate=True), frozenset({"cues", "text"})))[:3]
    ['codes', 'crisis', 'escalate']
    """
    out: dict[str, Any] = {}
    for name in _field_names(type(obj)):
        if name in skip:
            continue
        value = getattr(obj, name)
        out[name] = value if type(value) in _PLAIN else to_jsonable(value)
    return out


def signals_from_dict(data: dict[str, Any]) -> Signals:
    """Rebuild :class:`Signals` stored by :func:`to_jsonable` (tuples restored)."""
    fields = {f.name for f in dataclasses.fields(Signals)}
    values = {k: v for k, v in data.items() if k in fields}
    values["vulnerability"] = tuple(values.get("vulnerability", ()))
    values["cues"] = {k: tuple(v) for k, v in values.get("cues", {}).items()}
    return Signals(**values)
